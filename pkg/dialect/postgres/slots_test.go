package postgres

import (
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestReplicationSlots: on a throwaway cluster with wal_level=logical (the shared server's is
// replica), a logical slot nobody consumes retains the WAL written after it was made, and the
// retained bytes grow as more is written; the slot is dropped when the test ends.
func TestReplicationSlots(t *testing.T) {
	srv := testdb.StartPostgresWith(t, "-c", "wal_level=logical")
	setup := srv.New(t)
	d, err := Open(t.Context(), setup.DSN, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if slots, err := d.ReplicationSlots(t.Context()); err != nil || len(slots) != 0 {
		t.Fatalf("no slot yet: %v, %v", slots, err)
	}
	setup.Exec(t, "SELECT pg_create_logical_replication_slot('dbv_slot_test', 'pgoutput')")
	t.Cleanup(func() { setup.SQL.Exec("SELECT pg_drop_replication_slot('dbv_slot_test')") }) // before the database is dropped
	read := func() dialect.Slot {
		t.Helper()
		slots, err := d.ReplicationSlots(t.Context())
		if err != nil || len(slots) != 1 {
			t.Fatalf("slots %+v, %v: want dbv_slot_test", slots, err)
		}
		return slots[0]
	}
	s0 := read()
	if s0.Name != "dbv_slot_test" || s0.Type != "logical" || s0.Plugin != "pgoutput" || s0.Database != setup.Name || s0.Active ||
		s0.RetainedWAL < 0 || s0.FlushLag < 0 || s0.WALStatus != "reserved" {
		t.Fatalf("slot %+v", s0)
	}
	setup.Exec(t, "CREATE TABLE filler (id INT PRIMARY KEY, v TEXT)",
		"INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g")
	s1 := read()
	if s1.RetainedWAL < s0.RetainedWAL+4<<20 || s1.FlushLag < s0.FlushLag+4<<20 {
		t.Errorf("after ~5 MB of WAL: retained %d -> %d bytes, flush lag %d -> %d", s0.RetainedWAL, s1.RetainedWAL, s0.FlushLag, s1.FlushLag)
	}
}
