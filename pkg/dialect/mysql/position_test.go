package mysql

import (
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestBinlogCoordinates: besides GTIDs, a MariaDB primary tells its binary log file and offset,
// and its replica the coordinate of the last event it executed there, with the primary's server
// id: the coordinate a server without GTIDs is compared by. It is reached once
// the replica has applied the primary's last change, and stays behind while the replica's SQL
// thread is stopped.
func TestBinlogCoordinates(t *testing.T) {
	r := testdb.MySQLReplication(t, 0)
	src, err := Open(t.Context(), r.Source.DSN, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tgt, err := Open(t.Context(), r.Target.DSN, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	// The binary log coordinate alone, as SourcePosition reads it where there is no GTID.
	coords := func() (p, a dialect.Position) {
		t.Helper()
		st, ok, err := src.statusRows(t.Context(), binlogStatus, binlogStatus84)
		if err != nil || !ok || len(st) != 1 {
			t.Fatalf("%s: %v (%d rows, privilege %v)", binlogStatus, err, len(st), ok)
		}
		if p, ok, err = coordinate(st[0], "File", "Position"); err != nil || !ok {
			t.Fatalf("source coordinate: %v", err)
		}
		p.ServerID = 1 // the fixture's primary
		a, ok, err = tgt.AppliedPosition(t.Context())
		if err != nil || !ok {
			t.Fatalf("applied position: %v", err)
		}
		if a.File == "" || a.ServerID != 1 || a.GTID == nil {
			t.Fatalf("applied position %s (server %d): want a GTID and the primary's file and server id", a, a.ServerID)
		}
		a.GTID = nil
		return p, a
	}
	reached := func() dialect.Reach {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			p, a := coords()
			reach, err := p.ReachedBy(a)
			if err != nil {
				t.Fatal(err)
			}
			if reach.Reached || time.Now().After(deadline) {
				return reach
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	r.Source.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	if reach := reached(); !reach.Reached {
		t.Fatalf("the replica never reached the primary's coordinate (%d %s behind)", reach.Distance, reach.Unit)
	}
	if err := r.Pause(); err != nil {
		t.Fatal(err)
	}
	r.Source.Exec(t, "INSERT INTO t VALUES (2)")
	time.Sleep(500 * time.Millisecond)
	p, a := coords()
	reach, err := p.ReachedBy(a)
	if err != nil || reach.Reached || reach.Unit != "bytes" || reach.Distance == 0 {
		t.Fatalf("stopped replica: %s reached by %s: %+v, %v; want it behind by some bytes", p, a, reach, err)
	}
	t.Logf("stopped replica: source %s, applied %s, %d bytes behind", p, a, reach.Distance)
	if err := r.Resume(); err != nil {
		t.Fatal(err)
	}
	if reach := reached(); !reach.Reached {
		t.Fatalf("the resumed replica never reached the primary's coordinate (%d %s behind)", reach.Distance, reach.Unit)
	}
	// The source's own SourcePosition reads its GTID position, with its server id.
	sp, ok, err := src.SourcePosition(t.Context())
	if err != nil || !ok || sp.GTID == nil || sp.GTID.String() == "" {
		t.Fatalf("source position %s (known %v): %v; want a GTID position", sp, ok, err)
	}
}
