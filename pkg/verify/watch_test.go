package verify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// The Watch tests play replication themselves: statements run on the source at once and on the
// target after a delay, as a CDC task would apply them, beside changes written to the target
// alone (drift).

// replicate runs each statement on src now and on tgt after delay, in the background; wait
// blocks until the target has them all.
func replicate(t *testing.T, e engine, src, tgt *testdb.DB, delay time.Duration, stmts ...string) (wait func()) {
	t.Helper()
	for _, s := range stmts {
		e.exec(t, src, s)
	}
	done := make(chan error, 1)
	go func() {
		time.Sleep(delay)
		for _, s := range stmts {
			if _, err := tgt.SQL.Exec(s); err != nil {
				done <- fmt.Errorf("replicate %q: %v", s, err)
				return
			}
		}
		done <- nil
	}()
	return func() {
		t.Helper()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// events records what Watch reports, safe to read while it runs.
type events struct {
	mu  sync.Mutex
	all []verify.Event
	on  func(verify.Event) // called for each event, from Watch's goroutine
}

func (ev *events) add(e verify.Event) {
	ev.mu.Lock()
	ev.all = append(ev.all, e)
	ev.mu.Unlock()
	if ev.on != nil {
		ev.on(e)
	}
}

// rows lists "kind table id" for the row events of one kind.
func (ev *events) rows(kind verify.EventKind) []string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out []string
	for _, e := range ev.all {
		if e.Kind == kind && e.Row != nil {
			out = append(out, e.Table+" id="+e.Row.Key[0].String())
		}
	}
	slices.Sort(out)
	return out
}

func (ev *events) count(kind verify.EventKind) int {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	n := 0
	for _, e := range ev.all {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// watch opens both sides and runs Watch with the test's options and an event log.
func watch(t *testing.T, ctx context.Context, src, tgt *testdb.DB, opt verify.WatchOptions, ev *events) (*verify.WatchResult, error) {
	t.Helper()
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	opt.Events = ev.add
	return verify.Watch(ctx, s, d, opt)
}

// watchPair is two copies of the standard table, 300 rows each.
func watchPair(t *testing.T, e engine) (src, tgt *testdb.DB) {
	src, tgt = e.newDB(t), e.newDB(t)
	for _, db := range []*testdb.DB{src, tgt} {
		e.wideTable(t, db, "acct")
		e.fillWide(t, db, "acct", 300)
	}
	return src, tgt
}

// inFlight are changes replication carries: two updates, a delete and an insert.
func inFlight(e engine) []string {
	return []string{
		"UPDATE acct SET name = 'moved-10' WHERE id = 10",
		"UPDATE acct SET amount = amount + 1 WHERE id = 20",
		"DELETE FROM acct WHERE id = 30",
		fmt.Sprintf("INSERT INTO acct (%s) SELECT id + 1000, name, note, amount, created, data FROM acct WHERE id = 1", wideCols),
	}
}

var inFlightRows = []string{"acct id=10", "acct id=1001", "acct id=20", "acct id=30"}

// TestWatchGate: rows in flight while replication lags are resolved, not reported; a row written
// to the target alone is confirmed drift once the source has stayed unchanged for the settle
// time, and the gate (UntilClean) returns not clean with it. Without drift, the gate passes on
// the second full pass.
func TestWatchGate(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for _, drift := range []bool{false, true} {
				t.Run(fmt.Sprintf("drift=%v", drift), func(t *testing.T) {
					src, tgt := watchPair(t, e)
					if drift {
						e.exec(t, tgt, "UPDATE acct SET note = 'drift' WHERE id = 40")
					}
					wait := replicate(t, e, src, tgt, 1500*time.Millisecond, inFlight(e)...)
					defer wait()
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					ev := &events{}
					res, err := watch(t, ctx, src, tgt, verify.WatchOptions{
						Options:  verify.Options{ChunkRows: 50},
						Interval: 250 * time.Millisecond, Settle: 4 * time.Second, UntilClean: true,
					}, ev)
					if err != nil {
						t.Fatal(err)
					}
					if got := ev.rows("resolved"); !slices.Equal(got, inFlightRows) {
						t.Errorf("resolved rows %q, want the rows in flight %q", got, inFlightRows)
					}
					if res.Resolved != len(inFlightRows) {
						t.Errorf("result counts %d resolved rows, want %d", res.Resolved, len(inFlightRows))
					}
					if !drift {
						if !res.Clean || res.Passes != 2 || len(res.Drift) != 0 || ev.count("clean") != 1 {
							t.Fatalf("clean=%v after %d passes, drift %v, %d clean events; want clean on pass 2", res.Clean, res.Passes, res.Drift, ev.count("clean"))
						}
						return
					}
					if res.Clean || res.Passes != 1 {
						t.Fatalf("clean=%v after %d passes, want not clean after 1", res.Clean, res.Passes)
					}
					if got := ev.rows("drift"); !slices.Equal(got, []string{"acct id=40"}) {
						t.Errorf("drift events for %q, want acct id=40 only", got)
					}
					if len(res.Drift) != 1 {
						t.Fatalf("result drift %+v, want one row", res.Drift)
					}
					d := res.Drift[0]
					if d.Table != "acct" || d.State != verify.Drift || d.Row.Kind != verify.Changed || len(d.Row.Columns) != 1 ||
						d.Row.Columns[0].Column != "note" || d.Row.Columns[0].Source.String() != `"note 40"` || d.Row.Columns[0].Target.String() != `"drift"` {
						t.Errorf("drift row %+v, want acct id=40 changed note \"note 40\" -> \"drift\"", d)
					}
					if time.Since(d.Since) < 4*time.Second {
						t.Errorf("drift confirmed %s after it was first seen, before the settle time", time.Since(d.Since))
					}
				})
			}
		})
	}
}

// TestWatchHotRow: a source row that keeps changing while the target trails it is never called
// drift: it is reported unsettled after the pending limit, and once writes stop the gate passes.
func TestWatchHotRow(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := watchPair(t, e)
			stop := time.Now().Add(4 * time.Second)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // the writer on the source, and replication 400ms behind it
				defer wg.Done()
				for i := 0; time.Now().Before(stop); i++ {
					s := fmt.Sprintf("UPDATE acct SET name = 'hot-%d' WHERE id = 50", i)
					if _, err := src.SQL.Exec(s); err != nil {
						t.Error(err)
						return
					}
					wg.Add(1)
					time.AfterFunc(400*time.Millisecond, func() {
						defer wg.Done()
						if _, err := tgt.SQL.Exec(s); err != nil {
							t.Error(err)
						}
					})
					time.Sleep(100 * time.Millisecond)
				}
			}()
			defer wg.Wait()
			time.Sleep(300 * time.Millisecond) // the target trails
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			ev := &events{}
			res, err := watch(t, ctx, src, tgt, verify.WatchOptions{
				Options: verify.Options{ChunkRows: 50},
				// Settle below PendingLimit: a source change missed would show as drift first.
				Interval: 250 * time.Millisecond, Settle: 1500 * time.Millisecond, PendingLimit: 2500 * time.Millisecond, UntilClean: true,
			}, ev)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Clean || len(res.Drift) != 0 {
				t.Errorf("clean=%v, drift %+v; want clean once writes stopped", res.Clean, res.Drift)
			}
			if got := ev.rows("unsettled"); len(got) == 0 || got[0] != "acct id=50" {
				t.Errorf("unsettled events %q, want acct id=50", got)
			}
			if got := ev.rows("drift"); len(got) != 0 {
				t.Errorf("drift events %q for a row whose source kept changing", got)
			}
		})
	}
}

// TestWatchContinuous: without UntilClean, Watch keeps passing; drift repaired on the target is
// reported resolved by a later pass, and Watch ends with its context.
func TestWatchContinuous(t *testing.T) {
	e := engines[0]
	src, tgt := watchPair(t, e)
	e.exec(t, tgt, "DELETE FROM acct WHERE id = 77")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	repaired := false
	ev := &events{}
	ev.on = func(x verify.Event) {
		switch {
		case x.Kind == "drift" && !repaired:
			repaired = true
			e.insert(t, tgt, "acct", wideCols, [][]any{wideRow(77)})
		case x.Kind == "clean":
			cancel()
		}
	}
	res, err := watch(t, ctx, src, tgt, verify.WatchOptions{
		Options:  verify.Options{ChunkRows: 50},
		Interval: 200 * time.Millisecond, Settle: time.Second, Every: 300 * time.Millisecond,
	}, ev)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch returned %v, want the context's cancellation", err)
	}
	if got := ev.rows("drift"); !slices.Equal(got, []string{"acct id=77"}) {
		t.Errorf("drift events %q, want acct id=77 (missing)", got)
	}
	if got := ev.rows("resolved"); !slices.Equal(got, []string{"acct id=77"}) {
		t.Errorf("resolved events %q, want acct id=77 once repaired", got)
	}
	if !res.Clean || res.Passes < 2 || len(res.Drift) != 0 {
		t.Errorf("clean=%v after %d passes, drift %+v; want clean after the repair", res.Clean, res.Passes, res.Drift)
	}
}

// TestWatchUntracked: a table without a key, and one with more differing rows than the report
// keeps, cannot be read again by key: the gate says so and waits for a full pass to find them
// converged.
func TestWatchUntracked(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := watchPair(t, e)
			for _, db := range []*testdb.DB{src, tgt} {
				e.exec(t, db, "CREATE TABLE nokey (a INT, b VARCHAR(10))")
				e.exec(t, db, "INSERT INTO nokey VALUES (1, 'x'), (2, 'y')")
			}
			wait := replicate(t, e, src, tgt, 1500*time.Millisecond, append(inFlight(e), "INSERT INTO nokey VALUES (3, 'z')")...)
			defer wait()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			ev := &events{}
			res, err := watch(t, ctx, src, tgt, verify.WatchOptions{
				Options:  verify.Options{MaxDiffs: 2},
				Interval: 250 * time.Millisecond, Settle: 4 * time.Second, UntilClean: true,
			}, ev)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Clean || res.Passes < 2 || len(res.Drift) != 0 {
				t.Fatalf("clean=%v after %d passes, drift %+v; want clean after waiting", res.Clean, res.Passes, res.Drift)
			}
			ev.mu.Lock()
			first := ev.all[0]
			ev.mu.Unlock()
			if first.Kind != "pass" || !slices.Equal(first.Untracked, []string{"acct", "nokey"}) {
				t.Errorf("first event %s lists %q as untracked, want acct and nokey", first.Kind, first.Untracked)
			}
			if n := ev.count("drift") + ev.count("resolved"); n != 0 {
				t.Errorf("%d row verdicts for tables that cannot be read again by key", n)
			}
		})
	}
}
