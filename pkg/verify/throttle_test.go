package verify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestThrottleBusySource: while other sessions keep the source's server busy (four statements
// sleeping for 3s), a compare with MaxRunning 3 pauses between chunks, says so in the report,
// and goes on to the right verdict once the load is gone; on a quiet server it never pauses.
// A throwaway server of each engine, so that no other test's load counts.
func TestThrottleBusySource(t *testing.T) {
	for _, c := range []struct {
		name  string
		start func(testing.TB) *testdb.Server
		sleep string
	}{
		{"mariadb", testdb.StartMariaDB, "SELECT SLEEP(3)"},
		{"postgres", testdb.StartPostgres, "SELECT pg_sleep(3)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := c.start(t)
			src, tgt, load := srv.New(t), srv.New(t), srv.New(t)
			e := engines[0]
			if c.name == "postgres" {
				e = engines[1]
			}
			for _, db := range []*testdb.DB{src, tgt} {
				e.wideTable(t, db, "t")
				e.fillWide(t, db, "t", 3000)
			}
			opt := verify.Options{ChunkRows: 300, Workers: 1, Throttle: verify.Throttle{MaxRunning: 3}}
			quiet := table(t, compare(t, src, tgt, opt), "t")
			if quiet.Throttled != 0 || !quiet.Identical() {
				t.Fatalf("quiet server: paused %s, identical %v; want no pause, identical", quiet.Throttled, quiet.Identical())
			}

			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { load.SQL.Exec(c.sleep) })
			}
			time.Sleep(300 * time.Millisecond) // the sleepers are running
			started := time.Now()
			busy := table(t, compare(t, src, tgt, opt), "t")
			took := time.Since(started)
			wg.Wait()
			if busy.Throttled < time.Second || took < 2*time.Second || !busy.Identical() || !strings.Contains(busy.Note, "paused") {
				t.Fatalf("busy server: paused %s, took %s, identical %v, note %q; want a pause past 1s until the load ended, identical",
					busy.Throttled, took, busy.Identical(), busy.Note)
			}
		})
	}
}

// TestThrottleRate: RowsPerSecond keeps a compare to its rate: 6,000 rows at 2,000 a second
// take at least two seconds (the chunks the workers already hold are the slack), paused
// between chunks, with the same result.
func TestThrottleRate(t *testing.T) {
	e := engines[0]
	src, tgt := e.newDB(t), e.newDB(t)
	for _, db := range []*testdb.DB{src, tgt} {
		e.wideTable(t, db, "t")
		e.fillWide(t, db, "t", 6000)
	}
	ctx := context.Background()
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	started := time.Now()
	rep, err := verify.Compare(ctx, s, d, verify.Options{ChunkRows: 300, Throttle: verify.Throttle{RowsPerSecond: 2000}})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(started)
	tr := table(t, rep, "t")
	if took < 2*time.Second || tr.Throttled < time.Second || !tr.Identical() {
		t.Fatalf("took %s, paused %s, identical %v; want at least 2s, paused, identical", took, tr.Throttled, tr.Identical())
	}
}
