package postgres

import (
	"net/url"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestSubscriberPosition: a logical subscriber's applied position reaches the publisher's WAL
// insert location once it has applied everything; disabled, it falls behind: a superuser still
// reads the origin's progress, a user who may not is told nothing applied (never a position
// past what was applied, so nothing is taken for applied that is not).
func TestSubscriberPosition(t *testing.T) {
	r := testdb.PostgresLogical(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	r.Target.Exec(t, "CREATE ROLE dbv_pos_reader LOGIN")
	open := func(dsn, user string) *DB {
		t.Helper()
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			u.User = url.User(user)
		}
		d, err := Open(t.Context(), u.String(), 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	src, tgt, reader := open(r.Source.DSN, ""), open(r.Target.DSN, ""), open(r.Target.DSN, "dbv_pos_reader")
	applied := func(d *DB) dialect.Position {
		t.Helper()
		a, ok, err := d.AppliedPosition(t.Context())
		if err != nil || !ok || !a.WAL {
			t.Fatalf("applied position %s (known %v): %v", a, ok, err)
		}
		return a
	}
	source := func() dialect.Position {
		t.Helper()
		p, ok, err := src.SourcePosition(t.Context())
		if err != nil || !ok || !p.WAL {
			t.Fatalf("source position %s (known %v): %v", p, ok, err)
		}
		return p
	}
	// Until its initial copy is done, a table's changes may be applied by its sync worker,
	// under an origin of its own: the subscription's origin would not have moved yet.
	deadline := time.Now().Add(20 * time.Second)
	for n := 1; n != 0; time.Sleep(100 * time.Millisecond) {
		if err := r.Target.SQL.QueryRow("SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscription's tables were not ready after 20s")
		}
	}
	r.Source.Exec(t, "INSERT INTO t VALUES (1)")
	p := source()
	for _, d := range []*DB{tgt, reader} {
		deadline := time.Now().Add(20 * time.Second)
		for a := applied(d); a.LSN < p.LSN; a = applied(d) {
			if time.Now().After(deadline) {
				t.Fatalf("applied %s never reached %s", a, p)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := r.Pause(); err != nil {
		t.Fatal(err)
	}
	r.Source.Exec(t, "INSERT INTO t VALUES (2)")
	time.Sleep(500 * time.Millisecond)
	p = source()
	super, user := applied(tgt), applied(reader)
	if super.LSN == 0 || super.LSN >= p.LSN || user.LSN != 0 {
		t.Fatalf("disabled subscription: source %s, applied %s (superuser), %s (no privilege); want the origin's progress behind the source, and nothing for the user", p, super, user)
	}
	if s, ok, err := tgt.SourcePosition(t.Context()); err != nil || !ok {
		t.Fatalf("a subscriber that is a primary has its own WAL position: %s, %v, %v", s, ok, err)
	}
	if _, ok, err := src.AppliedPosition(t.Context()); err != nil || ok {
		t.Fatalf("the publisher, which subscribes to nothing, tells an applied position (%v, %v)", ok, err)
	}
}

func TestRecordEnd(t *testing.T) {
	const block, seg = 8192, 16 << 20
	for _, c := range []struct{ in, want uint64 }{
		{0x1000018 + 0x2000, 0x1000000 + 0x2000}, // past a short page header
		{0x1000028, 0x1000000},                   // past a segment's long header
		{0x1000018, 0x1000018},                   // inside a long header: not a record's start
		{0x1000100, 0x1000100},
	} {
		if got := recordEnd(c.in, block, seg); got != c.want {
			t.Errorf("recordEnd(%X) = %X, want %X", c.in, got, c.want)
		}
	}
}
