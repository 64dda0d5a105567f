package verify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// replicas are the real-replication fixtures: a MariaDB primary and replica (MASTER_DELAY) and
// a PostgreSQL publication and subscription; ddl creates the test's tables on both sides.
var replicas = []struct {
	name  string
	start func(t *testing.T, delay time.Duration, ddl ...string) *testdb.Replication
}{
	{"mariadb", func(t *testing.T, delay time.Duration, ddl ...string) *testdb.Replication {
		r := testdb.MySQLReplication(t, delay)
		r.Source.Exec(t, ddl...) // replicated
		return r
	}},
	{"postgres", func(t *testing.T, _ time.Duration, ddl ...string) *testdb.Replication {
		return testdb.PostgresLogical(t, ddl...)
	}},
}

// standby is the PostgreSQL physical standby fixture (WAL replay paused and resumed).
var standby = struct {
	name  string
	start func(t *testing.T, delay time.Duration, ddl ...string) *testdb.Replication
}{"postgres-standby", func(t *testing.T, _ time.Duration, ddl ...string) *testdb.Replication {
	r := testdb.PostgresStandby(t)
	r.Source.Exec(t, ddl...) // replicated
	return r
}}

// TestReplicationPositions: each engine reads its source's position and its target's applied
// position; a paused target's applied position stays behind the source's and reaches it once
// replication resumes.
func TestReplicationPositions(t *testing.T) {
	for _, rp := range append(replicas[:len(replicas):len(replicas)], standby) {
		t.Run(rp.name, func(t *testing.T) {
			r := rp.start(t, 0, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40))")
			ctx := t.Context()
			s, d, closeBoth := openPair(t, ctx, r.Source, r.Target)
			defer closeBoth()
			sp, ok := s.DB.(dialect.SourcePositioner)
			ap, ok2 := d.DB.(dialect.AppliedPositioner)
			if !ok || !ok2 {
				t.Fatalf("%s: no positioner (source %v, target %v)", rp.name, ok, ok2)
			}
			pos := func() (src, applied dialect.Position, reach dialect.Reach) {
				t.Helper()
				p, ok, err := sp.SourcePosition(ctx)
				if err != nil || !ok {
					t.Fatalf("source position: %v (known %v)", err, ok)
				}
				a, ok, err := ap.AppliedPosition(ctx)
				if err != nil || !ok {
					t.Fatalf("applied position: %v (known %v)", err, ok)
				}
				reach, err = p.ReachedBy(a)
				if err != nil {
					t.Fatal(err)
				}
				return p, a, reach
			}
			waitReached := func(what string) {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for {
					p, a, reach := pos()
					if reach.Reached {
						t.Logf("%s: source %s, applied %s", what, p, a)
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: applied %s never reached source %s (%d %s behind)", what, a, p, reach.Distance, reach.Unit)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			r.Source.Exec(t, "INSERT INTO t VALUES (1, 'a')")
			waitReached("after an insert")
			if err := r.Pause(); err != nil {
				t.Fatal(err)
			}
			r.Source.Exec(t, "INSERT INTO t VALUES (2, 'b')")
			time.Sleep(1500 * time.Millisecond)
			p, a, reach := pos()
			if reach.Reached || reach.Distance == 0 {
				t.Fatalf("paused: applied %s reached source %s", a, p)
			}
			t.Logf("paused: source %s, applied %s, %d %s behind", p, a, reach.Distance, reach.Unit)
			if err := r.Resume(); err != nil {
				t.Fatal(err)
			}
			waitReached("resumed")
			var n int
			if err := r.Target.SQL.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 2 {
				t.Fatalf("target has %d rows once its position is reached (%v), want 2", n, err)
			}
		})
	}
}

// The tests below run Watch against real replication with a concurrent writer. Each starts
// from 50 replicated rows; then six rows change on the source (ids 1, 2, 3 updated, 51 and
// 52 inserted, 10 deleted: in flight until replication applies them), a writer keeps
// updating rows 21-25 on the source, and, where a test asks for drift, row 50 changes on the
// target alone.

var (
	changedRows = []string{"t id=1", "t id=10", "t id=2", "t id=3", "t id=51", "t id=52"}
	hotRows     = []string{"t id=21", "t id=22", "t id=23", "t id=24", "t id=25"}
)

const replTable = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40))"

// replScenario seeds the rows and waits for the target to have them; pauses replication if
// asked; changes row 50 on the target if drift; changes the six rows on the source; and starts
// the writer. stop ends the writer and reports its error.
func replScenario(t *testing.T, r *testdb.Replication, pause, drift bool) (stop func() error) {
	t.Helper()
	var vals []string
	for i := 1; i <= 50; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'v%d')", i, i))
	}
	r.Source.Exec(t, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; n != 50; time.Sleep(50 * time.Millisecond) {
		r.Target.SQL.QueryRow("SELECT COUNT(*) FROM t").Scan(&n)
		if time.Now().After(deadline) {
			t.Fatalf("target has %d rows after 30s, want 50", n)
		}
	}
	if pause {
		if err := r.Pause(); err != nil {
			t.Fatal(err)
		}
	}
	if drift {
		r.Target.Exec(t, "UPDATE t SET v = 'behind replication' WHERE id = 50")
	}
	r.Source.Exec(t, "UPDATE t SET v = 'new' WHERE id IN (1, 2, 3)", "INSERT INTO t VALUES (51, 'v51'), (52, 'v52')", "DELETE FROM t WHERE id = 10")
	done, errc := make(chan struct{}), make(chan error, 1)
	go func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				errc <- nil
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := r.Source.SQL.Exec(fmt.Sprintf("UPDATE t SET v = 'w%d' WHERE id = %d", n, 21+n%5)); err != nil {
				errc <- fmt.Errorf("writer: %w", err)
				return
			}
		}
	}()
	var once sync.Once
	var err error
	return func() error { once.Do(func() { close(done); err = <-errc }); return err }
}

// watchRepl runs Watch on a replication fixture, with the lag read as the CLI reads it (the
// target's, else a PostgreSQL source's).
func watchRepl(t *testing.T, ctx context.Context, r *testdb.Replication, opt verify.WatchOptions, ev *events) (*verify.WatchResult, error) {
	t.Helper()
	s, d, closeBoth := openPair(t, ctx, r.Source, r.Target)
	defer closeBoth()
	opt.Events = ev.add
	opt.Lag = func(ctx context.Context) (time.Duration, bool, error) {
		for _, e := range []*verify.Endpoint{d, s} {
			if l, ok := e.DB.(dialect.Lagger); ok {
				if lag, known, err := l.ReplicaLag(ctx); err == nil && known {
					return lag, true, nil
				}
			}
		}
		return 0, false, nil
	}
	return verify.Watch(ctx, s, d, opt)
}

// ruleName names a subtest by its rule.
func ruleName(timeRule bool) string {
	if timeRule {
		return "time"
	}
	return "position"
}

// TestWatchPositionRule: with the target 2s behind (MariaDB: MASTER_DELAY; PostgreSQL: the
// subscription disabled for the first 2s), the position rule confirms the row changed on the
// target alone sooner than the time rule with the same lag and settle time, and neither calls
// any other row drift over three full passes after it while the writer runs.
func TestWatchPositionRule(t *testing.T) {
	for _, rp := range replicas {
		t.Run(rp.name, func(t *testing.T) {
			took := map[bool]time.Duration{}
			for _, timeRule := range []bool{false, true} {
				t.Run(ruleName(timeRule), func(t *testing.T) {
					r := rp.start(t, 2*time.Second, replTable)
					paused := rp.name == "postgres"
					stop := replScenario(t, r, paused, true)
					defer stop()
					if paused {
						resumed := make(chan error, 1)
						time.AfterFunc(2*time.Second, func() { resumed <- r.Resume() })
						defer func() {
							if err := <-resumed; err != nil {
								t.Error(err)
							}
						}()
					}
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					ev := &events{}
					var drift verify.Event
					after := 0
					ev.on = func(x verify.Event) {
						switch {
						case x.Kind == verify.EventDrift && drift.Kind == "":
							drift = x
						case x.Kind == verify.EventPass && drift.Kind != "":
							if after++; after >= 3 {
								cancel()
							}
						}
					}
					start := time.Now()
					res, err := watchRepl(t, ctx, r, verify.WatchOptions{
						Interval: 250 * time.Millisecond, Settle: 4 * time.Second, PendingLimit: 5 * time.Second,
						Every: 200 * time.Millisecond, TimeRule: timeRule,
					}, ev)
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("Watch returned %v after %d passes, want it cancelled 3 passes after the drift", err, res.Passes)
					}
					if got := ev.rows(verify.EventDrift); !slices.Equal(got, []string{"t id=50"}) {
						t.Fatalf("drift events %q over %d passes, want t id=50 only", got, res.Passes)
					}
					want := verify.RulePosition
					if timeRule {
						want = verify.RuleTime
					}
					if drift.Rule != want || (!timeRule && (drift.Positions == nil || !drift.Positions.Reached)) {
						t.Errorf("drift told by rule %q with positions %+v, want %q", drift.Rule, drift.Positions, want)
					}
					took[timeRule] = drift.Time.Sub(drift.Since)
					lag := "unknown"
					if drift.Lag != nil {
						lag = drift.Lag.String()
					}
					pos := ""
					if p := drift.Positions; p != nil {
						pos = fmt.Sprintf(", source %s, target applied %s", p.Source, p.Applied)
					}
					t.Logf("%s rule: drift confirmed %s after the row was first seen (%s after the watch began; lag %s%s); %d full passes, %d resolved, %d unsettled events, 0 false drift",
						want, took[timeRule].Round(time.Millisecond), drift.Time.Sub(start).Round(time.Millisecond), lag, pos,
						res.Passes, ev.count(verify.EventResolved), ev.count(verify.EventUnsettled))
					if res.Passes < 4 {
						t.Errorf("%d full passes, want the drift's and 3 more", res.Passes)
					}
					if err := stop(); err != nil {
						t.Error(err)
					}
				})
			}
			if took[false] == 0 || took[true] == 0 {
				return
			}
			t.Logf("time to verdict: position rule %s, time rule %s (settle 4s)", took[false].Round(time.Millisecond), took[true].Round(time.Millisecond))
			if took[false] >= took[true] {
				t.Errorf("the position rule took %s, the time rule %s: want it sooner", took[false], took[true])
			}
		})
	}
}

// TestWatchLagSpike: replication stops for 5s, longer than the settle time (1.5s), while the
// six changes are in flight and the writer runs. The position rule keeps them in flight and
// the gate opens clean once replication resumes and the writer stops. The time rule, with
// the same settings, calls changes in flight drift where the lag is unknown while replication
// is stopped (a MariaDB replica's stopped SQL thread, a disabled subscription), so that only
// --settle bounds it; a PostgreSQL standby whose replay is paused reports a lag that grows with
// the pause, which keeps the time rule right there.
func TestWatchLagSpike(t *testing.T) {
	for _, rp := range append(replicas[:len(replicas):len(replicas)], standby) {
		t.Run(rp.name, func(t *testing.T) {
			for _, timeRule := range []bool{false, true} {
				t.Run(ruleName(timeRule), func(t *testing.T) {
					r := rp.start(t, 0, replTable)
					stop := replScenario(t, r, true, false)
					defer stop()
					resumed := make(chan error, 1)
					time.AfterFunc(5*time.Second, func() { resumed <- r.Resume() })
					defer func() {
						if err := <-resumed; err != nil {
							t.Error(err)
						}
					}()
					time.AfterFunc(6*time.Second, func() { stop() })
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					ev := &events{}
					start := time.Now()
					res, err := watchRepl(t, ctx, r, verify.WatchOptions{
						Interval: 250 * time.Millisecond, Settle: 1500 * time.Millisecond, PendingLimit: 20 * time.Second,
						UntilClean: true, TimeRule: timeRule,
					}, ev)
					if err != nil {
						t.Fatal(err)
					}
					drift := ev.rows(verify.EventDrift)
					t.Logf("%s rule, replication stopped 5s, settle 1.5s: clean=%v after %s and %d full passes; drift events %q; %d resolved",
						ruleName(timeRule), res.Clean, time.Since(start).Round(time.Millisecond), res.Passes, drift, ev.count(verify.EventResolved))
					if !timeRule {
						if !res.Clean || len(drift) != 0 {
							t.Fatalf("position rule: clean=%v, drift %q; want clean and no drift", res.Clean, drift)
						}
						return
					}
					if rp.name == standby.name {
						if !res.Clean || len(drift) != 0 {
							t.Fatalf("time rule on a standby: clean=%v, drift %q; want its growing lag to keep the rows in flight", res.Clean, drift)
						}
						return
					}
					// The time rule calls rows in flight drift: false drift, which the position
					// rule avoids.
					if res.Clean || len(drift) == 0 {
						t.Fatalf("time rule: clean=%v, drift %q; want the rows in flight called drift", res.Clean, drift)
					}
					for _, d := range drift {
						if !slices.Contains(changedRows, d) && !slices.Contains(hotRows, d) {
							t.Errorf("time rule: drift %s, a row no one changed", d)
						}
					}
				})
			}
		})
	}
}

// TestWatchReplicationStopped: replication stops for good; every row the source changes after
// that is confirmed drift by the position rule once the pending limit passes, never hidden.
func TestWatchReplicationStopped(t *testing.T) {
	for _, rp := range append(replicas[:len(replicas):len(replicas)], standby) {
		t.Run(rp.name, func(t *testing.T) {
			r := rp.start(t, 0, replTable)
			stop := replScenario(t, r, true, false)
			time.Sleep(1500 * time.Millisecond) // the writer changes each of rows 21-25
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			ev := &events{}
			start := time.Now()
			res, err := watchRepl(t, ctx, r, verify.WatchOptions{
				Interval: 250 * time.Millisecond, Settle: time.Second, PendingLimit: 3 * time.Second, UntilClean: true,
			}, ev)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(append(slices.Clone(changedRows), hotRows...)))
			if got := ev.rows(verify.EventDrift); res.Clean || !slices.Equal(got, want) {
				t.Fatalf("clean=%v, drift %q; want every row changed since replication stopped: %q", res.Clean, got, want)
			}
			for _, d := range res.Drift {
				if d.Rule != verify.RulePendingLimit {
					t.Errorf("%s id=%s told by rule %q, want %q", d.Table, d.Row.Key[0], d.Rule, verify.RulePendingLimit)
				}
			}
			if el := time.Since(start); el < 3*time.Second {
				t.Errorf("drift confirmed after %s, before the pending limit", el)
			}
			t.Logf("replication stopped for good: %d rows drift by the pending limit after %s", len(res.Drift), time.Since(start).Round(time.Millisecond))
		})
	}
}
