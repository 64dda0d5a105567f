package verify_test

import (
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/verify"
)

// editsTable creates table t (id, status) on db with the given rows.
func editsTable(t *testing.T, e engine, db *testdb.DB, ids []int, status func(id int) string) {
	t.Helper()
	db.Exec(t, "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, status VARCHAR(32) NOT NULL)")
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id, status(id)}
	}
	e.insert(t, db, "t", "id, status", rows)
}

// editPairs are the engine pairs the edit tests run on, with the modes each runs in.
var editPairs = []struct{ src, tgt int }{{0, 0}, {1, 1}, {0, 1}}

// TestEqualEditsOnManyRows: the same change on 2, 4 and 1,000 rows of one chunk (a bulk UPDATE of
// one status) is found as exactly those rows, in pushdown and in stream, on each engine and
// across engines (issue 13: the linear CRCs of old cancelled such edits out in an xor).
func TestEqualEditsOnManyRows(t *testing.T) {
	ids := make([]int, 2000)
	for i := range ids {
		ids[i] = i + 1
	}
	before := func(id int) string { return fmt.Sprintf("pending-%04d", id%97) }
	for _, k := range []int{2, 4, 1000} {
		edited := func(id int) bool { return id%(len(ids)/k) == 0 }
		after := func(id int) string {
			s := before(id)
			if edited(id) {
				s = strings.Replace(s, "pending", "shipped", 1)
			}
			return s
		}
		for _, p := range editPairs {
			se, te := engines[p.src], engines[p.tgt]
			src, tgt := se.newDB(t), te.newDB(t)
			editsTable(t, se, src, ids, before)
			editsTable(t, te, tgt, ids, after)
			for _, mode := range []verify.Mode{verify.ModeAuto, verify.ModeStream} {
				t.Run(fmt.Sprintf("%d rows/%s->%s/%s", k, se.name, te.name, mode), func(t *testing.T) {
					// One chunk holds every row.
					tr := table(t, compare(t, src, tgt, verify.Options{Mode: mode, ChunkRows: 5000, MaxDiffs: 2000}), "t")
					if tr.Changed != int64(k) || tr.Missing != 0 || tr.Extra != 0 || tr.Chunks != 1 {
						t.Fatalf("%d changed, %d missing, %d extra in %d chunks (mode %s); want %d changed in 1 chunk", tr.Changed, tr.Missing, tr.Extra, tr.Chunks, tr.Mode, k)
					}
				})
			}
		}
	}
}

// TestCraftedPair: two rows chosen so that the same edit of both cancels out in the linear CRC
// digest of old (their CRC32s differ by exactly the CRC32 change the edit makes, so the sum
// trades one for the other, and the CRC32C changes cancel in the xor). Before issue 13 this pair
// always compared IDENTICAL; now both rows are found, in every mode, on each engine and across.
func TestCraftedPair(t *testing.T) {
	// The rows are (id, "<8 hex digits>-a") and the edit turns the last "a" into "b". For hash
	// texts of one length, a CRC changes by an amount that depends only on the edit and its
	// distance from the end of the text: find two rows whose CRC32s differ by that amount. (The
	// hex digits give the texts enough free bits; ids alone vary too few for a CRC.)
	l := checksum.Layout{Forms: []checksum.Form{{Kind: checksum.FormPlain}, {Kind: checksum.FormText}}}
	value := func(id int, last string) string { return fmt.Sprintf("%08x-%s", uint32(id)*2654435761, last) }
	text := func(id int, last string) []byte {
		return l.AppendHashText(nil, [][]byte{fmt.Appendf(nil, "%d", id), []byte(value(id, last))})
	}
	delta := crc32.ChecksumIEEE(text(100000, "a")) ^ crc32.ChecksumIEEE(text(100000, "b"))
	seen := map[uint32]int{}
	var pair []int
	for id := 100000; id < 999999 && pair == nil; id++ { // six digits: every text has one length
		a := crc32.ChecksumIEEE(text(id, "a"))
		if other, ok := seen[a^delta]; ok {
			pair = []int{other, id}
		}
		seen[a] = id
	}
	if pair == nil {
		t.Fatal("no crafted pair among six-digit ids")
	}
	// The pair does cancel in the linear digest: the test would catch that hash.
	linear := func(last map[int]string) (sum, xor uint64) {
		for _, id := range pair {
			x := text(id, last[id])
			sum += uint64(crc32.ChecksumIEEE(x))
			xor ^= uint64(crc32.Checksum(x, crc32.MakeTable(crc32.Castagnoli)))
		}
		return sum, xor
	}
	s1, x1 := linear(map[int]string{pair[0]: "a", pair[1]: "a"})
	s2, x2 := linear(map[int]string{pair[0]: "b", pair[1]: "b"})
	if s1 != s2 || x1 != x2 {
		t.Fatalf("ids %v: the linear digest changes (%x/%x -> %x/%x): not a crafted pair", pair, s1, x1, s2, x2)
	}
	t.Logf("crafted pair: ids %v", pair)
	for _, p := range editPairs {
		se, te := engines[p.src], engines[p.tgt]
		src, tgt := se.newDB(t), te.newDB(t)
		editsTable(t, se, src, pair, func(id int) string { return value(id, "a") })
		editsTable(t, te, tgt, pair, func(id int) string { return value(id, "b") })
		for _, m := range []string{"auto", "stream", "auto/md5"} {
			mode, hash, _ := strings.Cut(m, "/")
			t.Run(se.name+"->"+te.name+"/"+m, func(t *testing.T) {
				tr := table(t, compare(t, src, tgt, verify.Options{Mode: verify.Mode(mode), Hash: verify.HashFamily(hash)}), "t")
				var want []string
				for _, id := range pair {
					want = append(want, fmt.Sprintf("changed id=%d status:%q->%q", id, value(id, "a"), value(id, "b")))
				}
				if got := diffString(tr); !slices.Equal(got, want) {
					t.Fatalf("differences %q (mode %s, %s hashes), want %q", got, tr.Mode, tr.Hash, want)
				}
			})
		}
	}
}
