package cli_test

import (
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestPreflightSlots: on a PostgreSQL source ready for CDC (a throwaway wal_level=logical
// cluster), preflight shows each replication slot with the WAL it retains, and warns of an
// inactive one (nothing consumes it: its WAL stays until the disk is full), with the statement
// that drops it. Warnings do not fail preflight.
func TestPreflightSlots(t *testing.T) {
	t.Parallel()
	srv := testdb.StartPostgresWith(t, "-c", "wal_level=logical")
	db := srv.New(t)
	db.Exec(t, "CREATE TABLE t (id int PRIMARY KEY, v int)", "SELECT pg_create_logical_replication_slot('dbv_old_task', 'pgoutput')")
	t.Cleanup(func() { db.SQL.Exec("SELECT pg_drop_replication_slot('dbv_old_task')") })
	db.Exec(t, "INSERT INTO t SELECT g, g FROM generate_series(1, 50000) g") // a few MiB of WAL
	code, out, errw := run(t, "preflight", "--source", db.DSN)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
	wantLine(t, errw, "slot dbv_old_task (logical, pgoutput, database "+db.Name+", inactive, wal_status reserved): retains ", " of WAL")
	wantLine(t, out, "warning: source", "replication slot dbv_old_task: is inactive and retains ", "MiB of WAL", "SELECT pg_drop_replication_slot('dbv_old_task')")
	wantLine(t, out, "preflight: 0 errors, 0 checks that could not run, 2 warnings")
}
