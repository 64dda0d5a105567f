package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/pkg/verify"
)

// TestLongListing: a report that lists thousands of differing rows keeps them in sorted blocks
// of a temporary file instead of memory, and every output reads them back as if they had
// stayed: the JSON and text reports, the repair SQL (itself spilled) and the rows EachDiff
// hands out are the same, in key order, as those of a listing held in memory; closing the
// report releases the file. Small chunks and four workers make blocks of interleaved key
// ranges, which the merge must order.
func TestLongListing(t *testing.T) {
	my, pg := engines[0], engines[1]
	const n = 3000
	for _, pair := range [][2]engine{{my, my}, {pg, pg}, {my, pg}} {
		se, te := pair[0], pair[1]
		t.Run(se.name+"->"+te.name, func(t *testing.T) {
			src, tgt := se.newDB(t), te.newDB(t)
			se.wideTable(t, src, "listed")
			se.fillWide(t, src, "listed", n)
			te.wideTable(t, tgt, "listed")
			te.fillWide(t, tgt, "listed", n)
			se.wideTable(t, src, "same")
			te.wideTable(t, tgt, "same")
			// Every third row missing, every third changed, 300 extra: 2,300 differing rows.
			tgt.Exec(t, "DELETE FROM listed WHERE id % 3 = 0", "UPDATE listed SET name = 'edited', note = NULL WHERE id % 3 = 1")
			var extra [][]any
			for i := n + 1; i <= n+300; i++ {
				extra = append(extra, wideRow(i))
			}
			te.insert(t, tgt, "listed", wideCols, extra)
			want := int64(n/3 + n/3 + 300)

			opt := verify.Options{MaxDiffs: 1000000, ChunkRows: 100, Workers: 4, Tables: []string{"listed", "same"}}
			held := compare(t, src, tgt, opt)
			defer held.Close()
			small := opt
			verify.SetDiffMemory(&small, 16<<10) // about a hundred rows a block
			spilled, res, sql := repairSQL(t, src, tgt, small)

			ht, st := table(t, held, "listed"), table(t, spilled, "listed")
			if ht.Spilled() || !st.Spilled() {
				t.Fatalf("spilled: held %v, small memory %v; want false, true", ht.Spilled(), st.Spilled())
			}
			if st.Differences() != want || int64(st.Listed()) != want || st.Truncated {
				t.Fatalf("%d differences, %d listed, truncated %v; want %d, %d, false", st.Differences(), st.Listed(), st.Truncated, want, want)
			}
			// Key order, no row twice, all of them.
			last, count := int64(0), int64(0)
			err := st.EachDiff(func(d verify.RowDiff) error {
				id, err := strconv.ParseInt(d.Key[0].Text, 10, 64)
				if err != nil || id <= last {
					return fmt.Errorf("row %d (%v) after %d", count, d.Key[0], last)
				}
				last, count = id, count+1
				return nil
			})
			if err != nil || count != want {
				t.Fatalf("EachDiff: %d rows, %v; want %d in key order", count, err, want)
			}

			for _, r := range []*verify.Report{held, spilled} { // what differs between two runs
				r.Started, r.Duration = time.Time{}, 0
				for _, tr := range r.Tables {
					tr.Duration = 0
				}
			}
			var hj, sj, htext, stext bytes.Buffer
			if err := held.WriteJSON(&hj); err != nil {
				t.Fatal(err)
			}
			if err := spilled.WriteJSON(&sj); err != nil {
				t.Fatal(err)
			}
			if hj.String() != sj.String() {
				t.Fatalf("JSON differs between a listing in memory and one in a file:\n%.2000s\n---\n%.2000s", hj.String(), sj.String())
			}
			var doc struct {
				Identical bool
				Tables    []struct {
					Source string
					Diffs  []json.RawMessage
				}
			}
			if err := json.Unmarshal(sj.Bytes(), &doc); err != nil {
				t.Fatalf("the JSON report does not parse: %v", err)
			}
			if doc.Identical || len(doc.Tables) != 2 || int64(len(doc.Tables[0].Diffs)) != want || doc.Tables[1].Diffs == nil || len(doc.Tables[1].Diffs) != 0 {
				t.Fatalf("JSON: identical %v, %d tables, %d rows listed (want %d), identical table's diffs %v (want [])",
					doc.Identical, len(doc.Tables), len(doc.Tables[0].Diffs), want, doc.Tables[1].Diffs)
			}
			held.WriteText(&htext)
			spilled.WriteText(&stext)
			if htext.String() != stext.String() {
				t.Fatalf("text differs between a listing in memory and one in a file")
			}
			if lines := strings.Count(stext.String(), "\n  "); int64(lines) != want {
				t.Errorf("the text report lists %d rows; want %d", lines, want)
			}

			// The repair SQL, written from the file with its own statements spilled, is the
			// held listing's, and makes the target identical.
			var heldSQL bytes.Buffer
			ctx := context.Background()
			s, d, closeBoth := openPair(t, ctx, src, tgt)
			hres, err := verify.Repair(ctx, s, d, held, opt, &heldSQL)
			closeBoth()
			if err != nil {
				t.Fatal(err)
			}
			stamp := regexp.MustCompile(`written [0-9TZ:-]+\.`)
			if hres.Statements != res.Statements || stamp.ReplaceAllString(heldSQL.String(), "") != stamp.ReplaceAllString(sql.String(), "") {
				t.Fatalf("repair SQL differs: %d statements in memory, %d spilled", hres.Statements, res.Statements)
			}
			if res.Statements < int(want) {
				t.Fatalf("%d repair statements for %d differing rows", res.Statements, want)
			}
			runRepair(t, tgt, sql)
			if after := table(t, compare(t, src, tgt, verify.Options{Tables: []string{"listed"}}), "listed"); !after.Identical() {
				t.Fatalf("after the repair: %s", strings.Join(diffString(after)[:min(5, len(diffString(after)))], "\n"))
			}

			fds := openFiles(t)
			spilled.Close()
			if now := openFiles(t); now >= fds {
				t.Errorf("Close left the listing's file open: %d open files before, %d after", fds, now)
			}
			if st.Listed() != 0 || st.EachDiff(func(verify.RowDiff) error { return fmt.Errorf("a row after Close") }) != nil {
				t.Errorf("rows listed after Close")
			}
		})
	}
}

// openFiles counts the process's open files (Linux).
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(fds)
}
