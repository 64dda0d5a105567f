package verify_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestGroupDiffs: where both sides push down, differing chunks are matched by key group, and
// every difference is found exactly: rows changed, missing and extra at group edges, at zero and
// on negative keys, before the first and after the last source key (in the open first and last
// chunks), in a chunk whose differences sit in one group, and in chunks differing so often that
// they are digested by group at once; with groups small, large (narrowed, past what is kept)
// and spanning a sparse key's whole range.
func TestGroupDiffs(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			dense := func(db *testdb.DB, name string, keys []int64) {
				db.Exec(t, fmt.Sprintf("CREATE TABLE %s (id BIGINT NOT NULL PRIMARY KEY, v INT NOT NULL, s VARCHAR(30) NULL)", name))
				rows := make([][]any, len(keys))
				for i, k := range keys {
					rows[i] = []any{k, int(k % 1000), fmt.Sprintf("s%d", k)}
				}
				e.insert(t, db, name, "id, v, s", rows)
			}
			var keys []int64
			for k := int64(-3000); k <= 3000; k++ {
				keys = append(keys, k)
			}
			sparse := []int64{-9e18, -5, 0, 5, 9e18}
			for _, db := range []*testdb.DB{src, tgt} {
				dense(db, "g", keys)
				dense(db, "sp", sparse)
			}
			// Every 97th row changed; rows gone at group edges (8-row groups: multiples of 8),
			// at zero and at both ends; extra rows past both ends and in a stretch the source
			// lacks.
			e.exec(t, tgt, "UPDATE g SET v = v + 1 WHERE id % 97 = 0 AND id <> 0")
			e.exec(t, tgt, "DELETE FROM g WHERE id IN (-3000, -9, -8, -1, 0, 7, 8, 15, 16, 3000)")
			e.exec(t, src, "DELETE FROM g WHERE id BETWEEN 1000 AND 1010")
			e.insert(t, tgt, "g", "id, v, s", [][]any{{-3005, 1, "x"}, {3007, 2, "y"}})
			e.exec(t, tgt, "UPDATE g SET s = NULL WHERE id = 2500")
			e.exec(t, tgt, "UPDATE sp SET v = 7 WHERE id = 0")
			e.exec(t, tgt, "DELETE FROM sp WHERE id = 9000000000000000000")

			want := compare(t, src, tgt, verify.Options{Mode: verify.ModeStream, Tables: []string{"g", "sp"}})
			wg, wsp := table(t, want, "g"), table(t, want, "sp")
			// 61 rows changed by the update (multiples of 97 within ±3000, not zero, minus the
			// deleted), 10 deleted, 11 only on the target (1000..1010), 2 past the ends, 1 NULL.
			if wg.Changed != 62-1 || wg.Missing != 10 || wg.Extra != 13 || wsp.Changed != 1 || wsp.Missing != 1 {
				t.Fatalf("stream: g %d changed, %d missing, %d extra; sp %d changed, %d missing", wg.Changed, wg.Missing, wg.Extra, wsp.Changed, wsp.Missing)
			}
			for _, c := range []struct{ groupRows, keep, chunk int }{{8, 100_000, 500}, {8, 100_000, 20_000}, {256, 100_000, 500}, {64, 20, 2000}} {
				t.Run(fmt.Sprintf("group=%d/keep=%d/chunk=%d", c.groupRows, c.keep, c.chunk), func(t *testing.T) {
					var log bytes.Buffer
					logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
					opt := verify.Options{Mode: verify.ModePushdown, Tables: []string{"g", "sp"}, ChunkRows: c.chunk, Workers: 2, Logger: logger}
					verify.SetGroupRows(&opt, c.groupRows)
					verify.SetKeepRows(&opt, c.keep)
					rep := compare(t, src, tgt, opt)
					for _, name := range []string{"g", "sp"} {
						got, w := table(t, rep, name), table(t, want, name)
						if !slices.Equal(diffString(got), diffString(w)) {
							t.Errorf("%s: diffs\n%s\nwant\n%s", name, strings.Join(diffString(got), "\n"), strings.Join(diffString(w), "\n"))
						}
						if got.SourcePrint != w.SourcePrint || got.TargetPrint != w.TargetPrint {
							t.Errorf("%s: fingerprints %s/%s, want %s/%s", name, got.SourcePrint, got.TargetPrint, w.SourcePrint, w.TargetPrint)
						}
					}
					if !strings.Contains(log.String(), "differing key groups") {
						t.Error("no chunk was matched by key group")
					}
				})
			}
		})
	}
}

// TestGroupDiffsOIDKey: PostgreSQL's oid, an unsigned 32-bit key with no division operator of
// its own, is grouped through int8, above int4's range too.
func TestGroupDiffsOIDKey(t *testing.T) {
	src, tgt := testdb.Postgres(t), testdb.Postgres(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE o (id oid NOT NULL PRIMARY KEY, v INT NOT NULL)",
			"INSERT INTO o SELECT g, g % 1000 FROM generate_series(1, 3000) g",
			"INSERT INTO o SELECT 4294960000 + g, g FROM generate_series(0, 3000) g")
	}
	tgt.Exec(t, "UPDATE o SET v = v + 1 WHERE id::int8 % 101 = 0", "DELETE FROM o WHERE id IN (5, 4294963000)")
	want := compare(t, src, tgt, verify.Options{Mode: verify.ModeStream, Tables: []string{"o"}})
	if w := table(t, want, "o"); w.Changed != 59 || w.Missing != 2 {
		t.Fatalf("stream: %d changed, %d missing; want 59, 2", w.Changed, w.Missing)
	}
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opt := verify.Options{Mode: verify.ModePushdown, Tables: []string{"o"}, ChunkRows: 1000, Logger: logger}
	verify.SetGroupRows(&opt, 16)
	rep := compare(t, src, tgt, opt)
	if got, w := diffString(table(t, rep, "o")), diffString(table(t, want, "o")); !slices.Equal(got, w) {
		t.Errorf("diffs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
	}
	if !strings.Contains(log.String(), "differing key groups") {
		t.Error("no chunk was matched by key group")
	}
}
