package verify_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// killer kills, server-side, every connection to the given databases but its own, again and
// again at random intervals, until stopped: what a DBA's kill script, a proxy restart or a
// failover does to a long compare.
type killer struct {
	stop   chan struct{}
	done   sync.WaitGroup
	killed atomic.Int64
}

func startKiller(t *testing.T, e engine, admin *testdb.DB, dbs ...string) *killer {
	t.Helper()
	k := &killer{stop: make(chan struct{})}
	q := "SELECT ID FROM information_schema.PROCESSLIST WHERE DB IN (?, ?) AND ID <> CONNECTION_ID()"
	if e.dollarArg {
		q = "SELECT pid FROM pg_stat_activity WHERE datname IN ($1, $2) AND pid <> pg_backend_pid()"
	}
	k.done.Add(1)
	go func() {
		defer k.done.Done()
		r := rand.New(rand.NewPCG(7, 7))
		for {
			select {
			case <-k.stop:
				return
			case <-time.After(time.Duration(20+r.IntN(60)) * time.Millisecond):
			}
			rows, err := admin.SQL.Query(q, dbs[0], dbs[1%len(dbs)])
			if err != nil {
				continue
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if rows.Scan(&id) == nil {
					ids = append(ids, id)
				}
			}
			rows.Close()
			for _, id := range ids {
				var err error
				if e.dollarArg {
					_, err = admin.SQL.Exec("SELECT pg_terminate_backend($1)", id)
				} else {
					_, err = admin.SQL.Exec("KILL CONNECTION ?", id)
				}
				if err == nil {
					k.killed.Add(1)
				}
			}
		}
	}()
	return k
}

func (k *killer) Stop() { close(k.stop); k.done.Wait() }

// TestKilledConnections: connections killed server-side again and again during a compare, on
// MariaDB and PostgreSQL, in pushdown and in stream mode, cost retries, not the result: the
// report (fingerprints, counts, every differing row) is the undisturbed run's.
func TestKilledConnections(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				e.wideTable(t, db, "busy")
				e.fillWide(t, db, "busy", 20000)
			}
			tgt.Exec(t, "UPDATE busy SET name = 'edited' WHERE id % 1000 = 7", "DELETE FROM busy WHERE id % 2000 = 11")
			e.insert(t, tgt, "busy", wideCols, [][]any{wideRow(30001), wideRow(30002)})
			admin := e.newDB(t) // kills from a database of its own, which it spares
			for _, mode := range []verify.Mode{verify.ModePushdown, verify.ModeStream} {
				t.Run(string(mode), func(t *testing.T) {
					opt := verify.Options{Mode: mode, ChunkRows: 100, Workers: 4, DiffRows: 20}
					calm := table(t, compare(t, src, tgt, opt), "busy")
					if calm.Changed != 20 || calm.Missing != 10 || calm.Extra != 2 {
						t.Fatalf("undisturbed: %d changed, %d missing, %d extra; want 20, 10, 2", calm.Changed, calm.Missing, calm.Extra)
					}
					ctx := context.Background()
					s, d, closeBoth := openPair(t, ctx, src, tgt)
					defer closeBoth()
					k := startKiller(t, e, admin, src.Name, tgt.Name)
					rep, err := verify.Compare(ctx, s, d, opt)
					k.Stop()
					if err != nil {
						t.Fatalf("a compare with connections killed %d times failed: %v", k.killed.Load(), err)
					}
					defer rep.Close()
					got := table(t, rep, "busy")
					if k.killed.Load() == 0 || got.Retries == 0 {
						t.Fatalf("%d connections killed, %d retries: the test did not disturb the compare", k.killed.Load(), got.Retries)
					}
					t.Logf("%d connections killed, %d reads retried, %d chunks", k.killed.Load(), got.Retries, got.Chunks)
					if got.SourcePrint != calm.SourcePrint || got.TargetPrint != calm.TargetPrint || got.SourceRows != calm.SourceRows ||
						got.TargetRows != calm.TargetRows || !slices.Equal(diffString(got), diffString(calm)) {
						t.Fatalf("killed connections changed the report:\n%s %s %d %d\n%s\nwant\n%s %s %d %d\n%s",
							got.SourcePrint, got.TargetPrint, got.SourceRows, got.TargetRows, strings.Join(diffString(got), "\n"),
							calm.SourcePrint, calm.TargetPrint, calm.SourceRows, calm.TargetRows, strings.Join(diffString(calm), "\n"))
					}
					if !strings.Contains(got.Note, "tried again") {
						t.Errorf("the report does not say reads were retried: %q", got.Note)
					}
				})
			}
		})
	}
}

// TestServerCrash: a server killed with SIGKILL in the middle of a compare and started again two
// seconds later (a failover's outage, in small) costs retries, not the result: the compare
// completes with the undisturbed run's report. Were the outage longer than the retries'
// minute, it would stop with one line naming the side, never with a verdict.
func TestServerCrash(t *testing.T) {
	srv := testdb.StartMariaDB(t)
	src, tgt := srv.New(t), srv.New(t)
	e := engines[0]
	for _, db := range []*testdb.DB{src, tgt} {
		e.wideTable(t, db, "busy")
		e.fillWide(t, db, "busy", 20000)
	}
	tgt.Exec(t, "UPDATE busy SET name = 'edited' WHERE id % 1000 = 7", "DELETE FROM busy WHERE id % 2000 = 11")
	opt := verify.Options{ChunkRows: 100, Workers: 2, DiffRows: 20}
	calm := table(t, compare(t, src, tgt, opt), "busy")

	ctx := context.Background()
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	crashed, tenth := make(chan struct{}), make(chan struct{})
	var down, up time.Time
	o := opt
	o.Progress = &onRows{at: 2000, fn: func() { close(tenth) }}
	go func() {
		defer close(crashed)
		<-tenth // a tenth of the rows hashed: the compare is under way
		down = time.Now()
		srv.Crash(t, 2*time.Second)
		up = time.Now()
	}()
	started := time.Now()
	rep, err := verify.Compare(ctx, s, d, o)
	ended := time.Now()
	<-crashed
	if err != nil {
		t.Fatalf("a compare across a 2s outage failed: %v", err)
	}
	defer rep.Close()
	got := table(t, rep, "busy")
	// Queries in flight at the kill are retried; a connection asked for while the server is
	// down waits for it (the login bound), which is no retry: either way the compare must
	// have spanned the outage.
	if ended.Before(up) || started.After(down) {
		t.Fatalf("the compare ran from %s to %s, the outage from %s to %s: the crash did not happen during it",
			started.Format(time.StampMilli), ended.Format(time.StampMilli), down.Format(time.StampMilli), up.Format(time.StampMilli))
	}
	if got.SourcePrint != calm.SourcePrint || got.TargetPrint != calm.TargetPrint || got.SourceRows != calm.SourceRows ||
		got.TargetRows != calm.TargetRows || !slices.Equal(diffString(got), diffString(calm)) {
		t.Fatalf("the crash changed the report:\n%s\nwant\n%s", strings.Join(diffString(got), "\n"), strings.Join(diffString(calm), "\n"))
	}
	t.Logf("%d reads retried across the outage; %s in all", got.Retries, ended.Sub(started).Round(time.Millisecond))
}

// onRows is a Progress that calls fn once, when at source rows have been hashed.
type onRows struct {
	at   int64
	rows atomic.Int64
	once sync.Once
	fn   func()
}

func (p *onRows) Table(string, int64) {}
func (p *onRows) Rows(n int64) {
	if p.rows.Add(n) >= p.at {
		p.once.Do(p.fn)
	}
}
