package verify_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// stopAfter is a Progress that cancels the compare once n source rows are hashed.
type stopAfter struct {
	n      int64
	rows   atomic.Int64
	cancel context.CancelFunc
}

func (s *stopAfter) Table(string, int64) {}
func (s *stopAfter) Rows(n int64) {
	if s.rows.Add(n) >= s.n {
		s.cancel()
	}
}

// TestCheckpointResume: a compare stopped after some chunks and resumed from its checkpoint,
// again and again at different points, gives the uninterrupted run's report: the same
// fingerprints, counts and differing rows, on both engines, in pushdown and in stream mode,
// with tables done, half done and not begun. A resume refuses options that change digests.
func TestCheckpointResume(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				e.wideTable(t, db, "a")
				e.fillWide(t, db, "a", 4000)
				e.wideTable(t, db, "b")
				e.fillWide(t, db, "b", 1500)
			}
			tgt.Exec(t, "UPDATE a SET name = 'edited' WHERE id % 400 = 3", "DELETE FROM a WHERE id % 500 = 9", "UPDATE b SET note = NULL WHERE id % 300 = 1")
			e.insert(t, tgt, "a", wideCols, [][]any{wideRow(9001)})
			for _, mode := range []verify.Mode{verify.ModePushdown, verify.ModeStream} {
				t.Run(string(mode), func(t *testing.T) {
					opt := verify.Options{Mode: mode, ChunkRows: 250, Workers: 2, DiffRows: 20}
					want := compare(t, src, tgt, opt)
					defer want.Close()
					path := filepath.Join(t.TempDir(), "cp.jsonl")
					ctx := context.Background()
					s, d, closeBoth := openPair(t, ctx, src, tgt)
					defer closeBoth()
					var got *verify.Report
					runs := 0
					for _, stop := range []int64{600, 1700, 3900, 4700, 1 << 40} { // rows hashed by each run before it is stopped
						cp, err := verify.OpenCheckpoint(path, runs > 0)
						if err != nil {
							t.Fatal(err)
						}
						runs++
						rctx, cancel := context.WithCancel(ctx)
						o := opt
						o.Checkpoint, o.Progress = cp, &stopAfter{n: stop, cancel: cancel}
						rep, err := verify.Compare(rctx, s, d, o)
						cancel()
						_, all := cp.Recorded()
						cp.Close()
						if err == nil {
							got = rep
							break
						}
						if !errors.Is(err, context.Canceled) {
							t.Fatalf("run %d: %v", runs, err)
						}
						t.Logf("run %d stopped after %d rows: %d chunks in the checkpoint", runs, stop, all)
					}
					if got == nil || runs < 3 {
						t.Fatalf("%d runs, report %v: the test did not stop and resume", runs, got)
					}
					defer got.Close()
					for _, name := range []string{"a", "b"} {
						w, g := table(t, want, name), table(t, got, name)
						if g.SourcePrint != w.SourcePrint || g.TargetPrint != w.TargetPrint || g.SourceRows != w.SourceRows || g.TargetRows != w.TargetRows ||
							g.Missing != w.Missing || g.Extra != w.Extra || g.Changed != w.Changed || !slices.Equal(diffString(g), diffString(w)) {
							t.Fatalf("table %s after %d resumed runs:\n%s %s %d/%d %d,%d,%d\n%s\nwant\n%s %s %d/%d %d,%d,%d\n%s", name, runs,
								g.SourcePrint, g.TargetPrint, g.SourceRows, g.TargetRows, g.Missing, g.Extra, g.Changed, strings.Join(diffString(g), "\n"),
								w.SourcePrint, w.TargetPrint, w.SourceRows, w.TargetRows, w.Missing, w.Extra, w.Changed, strings.Join(diffString(w), "\n"))
						}
					}
					cp, err := verify.OpenCheckpoint(path, true)
					if err != nil {
						t.Fatal(err)
					}
					defer cp.Close()
					o := opt
					o.Checkpoint, o.FloatDigits = cp, 6
					if _, err := verify.Compare(ctx, s, d, o); !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "changed since the checkpoint") {
						t.Fatalf("a resume with other digest options: %v; want it refused", err)
					}
					if mode == verify.ModeStream { // once per engine: a table whose definition changed
						for _, db := range []*testdb.DB{src, tgt} {
							db.Exec(t, "ALTER TABLE b ADD COLUMN extra INT")
						}
						o.FloatDigits = opt.FloatDigits
						_, err := verify.Compare(ctx, s, d, o)
						for _, db := range []*testdb.DB{src, tgt} {
							db.Exec(t, "ALTER TABLE b DROP COLUMN extra")
						}
						if !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "table b") || !strings.Contains(err.Error(), "changed since the checkpoint") {
							t.Fatalf("a resume after a column was added: %v; want it refused", err)
						}
					}
				})
			}
		})
	}
}
