package verify_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// shardReports runs a compare as n shards and returns their reports as JSON would carry them.
func shardReports(t *testing.T, src, tgt *testdb.DB, opt verify.Options, n int, only ...int) []*verify.Report {
	t.Helper()
	var parts []*verify.Report
	for i := range n {
		if len(only) > 0 && !slices.Contains(only, i) {
			continue
		}
		o := opt
		o.Shard = verify.Shard{Index: i, Count: n}
		rep := compare(t, src, tgt, o)
		var b bytes.Buffer
		if err := rep.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		rep.Close()
		back, err := verify.ReadReport(&b)
		if err != nil {
			t.Fatalf("shard %d's report does not parse: %v", i, err)
		}
		parts = append(parts, back)
	}
	return parts
}

// TestShardMerge: four shards, each comparing its share of every table's chunks, merged give
// the report one process gives (fingerprints, counts, every differing row), on both engines,
// for keyed tables of integer and text keys, and a table without a key; a missing shard, a
// shard given twice, and shards that saw different rows are refused.
func TestShardMerge(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				e.wideTable(t, db, "a")
				e.fillWide(t, db, "a", 5000)
				db.Exec(t, "CREATE TABLE b (code VARCHAR(20) NOT NULL PRIMARY KEY, v INT)", "CREATE TABLE c (v INT, w VARCHAR(10))")
			}
			tgt.Exec(t, "UPDATE a SET name = 'edited' WHERE id % 400 = 3", "DELETE FROM a WHERE id % 700 = 9")
			for i := range 300 {
				for _, db := range []*testdb.DB{src, tgt} {
					if db == tgt && i%50 == 7 {
						continue
					}
					e.exec(t, db, "INSERT INTO b VALUES (?, ?)", "k-"+string(rune('a'+i%26))+string(rune('a'+i/26)), i)
				}
			}
			src.Exec(t, "INSERT INTO c VALUES (1, 'x'), (2, 'y')")
			tgt.Exec(t, "INSERT INTO c VALUES (1, 'x'), (2, 'z')")
			opt := verify.Options{ChunkRows: 200, Workers: 2}
			one := compare(t, src, tgt, opt)
			defer one.Close()
			merged, err := verify.Merge(shardReports(t, src, tgt, opt, 4))
			if err != nil {
				t.Fatal(err)
			}
			defer merged.Close()
			for _, name := range []string{"a", "b", "c"} {
				w, g := table(t, one, name), table(t, merged, name)
				if g.SourcePrint != w.SourcePrint || g.TargetPrint != w.TargetPrint || g.SourceRows != w.SourceRows || g.TargetRows != w.TargetRows ||
					g.Missing != w.Missing || g.Extra != w.Extra || g.Changed != w.Changed || !slices.Equal(diffString(g), diffString(w)) || g.Identical() != w.Identical() {
					t.Fatalf("table %s merged from 4 shards:\n%s %s %d/%d\n%s\nwant\n%s %s %d/%d\n%s", name,
						g.SourcePrint, g.TargetPrint, g.SourceRows, g.TargetRows, strings.Join(diffString(g), "\n"),
						w.SourcePrint, w.TargetPrint, w.SourceRows, w.TargetRows, strings.Join(diffString(w), "\n"))
				}
			}
			if merged.Identical() || table(t, merged, "a").Differences() == 0 {
				t.Fatalf("the merged report finds no difference")
			}

			if _, err := verify.Merge(shardReports(t, src, tgt, opt, 4, 0, 1, 3)); !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "shard 2/4 missing") {
				t.Errorf("three shards of four: %v", err)
			}
			parts := shardReports(t, src, tgt, opt, 4, 0, 1)
			parts = append(parts, parts[0])
			if _, err := verify.Merge(parts); err == nil || !strings.Contains(err.Error(), "given twice") {
				t.Errorf("a shard twice: %v", err)
			}
			// Shards that saw different rows plan different chunks (keys walked in fixed
			// steps shift once rows go): refused, not added up.
			small := verify.Options{ChunkRows: 40, Workers: 2, Tables: []string{"b"}}
			parts = shardReports(t, src, tgt, small, 4, 0, 1)
			e.exec(t, src, "DELETE FROM b WHERE v BETWEEN 30 AND 80")
			parts = append(parts, shardReports(t, src, tgt, small, 4, 2, 3)...)
			if _, err := verify.Merge(parts); !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "planned different chunks") {
				t.Errorf("shards of a table that changed between them: %v", err)
			}
		})
	}
}
