package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
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

// TestReplicationPositions: each engine reads its source's position and its target's applied
// position; a paused target's applied position stays behind the source's and reaches it once
// replication resumes.
func TestReplicationPositions(t *testing.T) {
	for _, rp := range replicas {
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
