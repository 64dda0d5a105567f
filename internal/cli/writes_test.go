package cli

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/awsmig"
)

// writer runs stmt against db every 20ms until the test ends or stop is called.
func writer(t *testing.T, db *testdb.DB, stmt string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			db.SQL.ExecContext(ctx, stmt)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// TestWritesStopped: the check that writes to the source stopped, on real servers. MariaDB's
// counters are the server's, so it gets a server of its own; PostgreSQL's are the database's.
// A source nobody writes to passes, one with a concurrent writer does not (as soon as the
// counter moves), and a MariaDB source set read_only passes at once.
func TestWritesStopped(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) *testdb.DB
	}{
		{"mariadb", func(t *testing.T) *testdb.DB { return testdb.StartMariaDB(t).New(t) }},
		{"postgres", func(t *testing.T) *testdb.DB { return testdb.Postgres(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.db(t)
			// No rows written before the idle check: PostgreSQL reports an idle session's
			// counts up to ten seconds late, and they would show as writes during it.
			db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)")
			w := &sourceWrites{dsn: db.DSN, poll: 100 * time.Millisecond}
			ctx := t.Context()

			stopped, detail, err := w.WritesStopped(ctx, 2*time.Second)
			if err != nil || !stopped || !strings.Contains(detail, "did not move in 2s") {
				t.Fatalf("idle source: %t %q %v", stopped, detail, err)
			}

			db.Exec(t, "INSERT INTO t VALUES (1, 0)")
			stop := writer(t, db, "UPDATE t SET v = v + 1 WHERE id = 1")
			start := time.Now()
			stopped, detail, err = w.WritesStopped(ctx, 20*time.Second)
			if err != nil || stopped || !strings.Contains(detail, " moved by ") {
				t.Fatalf("source with a writer: %t %q %v", stopped, detail, err)
			}
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("the writer was seen after %s, not as soon as the counter moved", took)
			}
			stop()

			if tc.name == "mariadb" {
				db.Exec(t, "SET GLOBAL read_only = ON")
				t.Cleanup(func() { db.SQL.Exec("SET GLOBAL read_only = OFF") })
				stopped, detail, err = w.WritesStopped(ctx, time.Hour)
				if err != nil || !stopped || !strings.HasPrefix(detail, "the source is read-only: read_only=ON") {
					t.Errorf("read-only source: %t %q %v", stopped, detail, err)
				}
			}
		})
	}
}

// TestMigrateCutoverWhileWriting: apply --cutover refuses while the source takes writes, before
// the gate and with nothing changed in DNS (exit 3); --force cuts over anyway, with a warning.
func TestMigrateCutoverWhileWriting(t *testing.T) {
	src, tgt := testdb.Postgres(t), testdb.Postgres(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)", "INSERT INTO t VALUES (1, 7)")
	}
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	newWriteChecker = func(s *awsmig.Spec) awsmig.WriteChecker {
		return &sourceWrites{dsn: s.Source.DSN, poll: 100 * time.Millisecond}
	}
	// The application keeps writing (the same value, so the data stays identical).
	writer(t, src, "UPDATE t SET v = v WHERE id = 1")
	code, out, errw := runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover")
	if code != ExitFailure || !strings.Contains(errw, "dbverify: gate: source: writes to the source have not stopped (the database's rows written (pg_stat_user_tables n_tup_ins + n_tup_upd + n_tup_del) moved by ") ||
		!strings.Contains(errw, "stop the application's writes (or make the source read-only) before the cutover, or use --force") {
		t.Fatalf("apply --cutover while writing: exit %d\n%s\n%s", code, out, errw)
	}
	if strings.Contains(errw, "pass 1:") {
		t.Error("the gate ran although writes had not stopped")
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != "shop.old.example.com" {
		t.Fatalf("cut over while writing: %s", v)
	}
	code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover", "--force")
	if code != 0 || !strings.Contains(errw, "WARNING: writes to the source not checked (--force)") {
		t.Fatalf("apply --cutover --force: exit %d\n%s\n%s", code, out, errw)
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); !strings.HasPrefix(v, "shop-enc.") {
		t.Errorf("record: %s", v)
	}
}

// TestMigrateAfterCutover: ttl, then the cutover, finish and cleanup from the command line,
// with their exit codes: cleanup before finish is refused (2), without --yes it lists what it
// would delete and deletes nothing (2), with --yes it deletes it (0); status shows each.
func TestMigrateAfterCutover(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
	}
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	code, out, errw := runMain(t, "migrate", "ttl", "--spec", w.spec)
	if code != 0 || !strings.Contains(out, "TTL lowered: db.example.com CNAME: TTL 60s (was 300s) since ") {
		t.Fatalf("ttl: exit %d\n%s\n%s", code, out, errw)
	}
	if v, ttl := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != "shop.old.example.com" || ttl != 60 {
		t.Errorf("record after ttl: %s %d", v, ttl)
	}
	code, out, _ = runMain(t, "migrate", "status", "--spec", w.spec, "--live=false")
	if code != 0 || !strings.Contains(out, "TTL lowered at ") {
		t.Errorf("status after ttl:\n%s", out)
	}
	if code, out, errw = runMain(t, "migrate", "finish", "--spec", w.spec); code != ExitUsage || !strings.Contains(errw, "finish: the gate has not passed") {
		t.Errorf("finish before the cutover: exit %d\n%s\n%s", code, out, errw)
	}
	if code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover"); code != 0 || !strings.Contains(out, "dbverify migrate finish --spec") {
		t.Fatalf("cutover: exit %d\n%s\n%s", code, out, errw)
	}
	if n := w.cloud.Calls("ChangeResourceRecordSets"); n != 2 {
		t.Errorf("%d record changes, want the TTL and the cutover", n)
	}
	if code, out, errw = runMain(t, "migrate", "cleanup", "--spec", w.spec, "--yes"); code != ExitUsage || !strings.Contains(errw, "run `dbverify migrate finish` first") {
		t.Errorf("cleanup before finish: exit %d\n%s\n%s", code, out, errw)
	}
	if code, out, errw = runMain(t, "migrate", "finish", "--spec", w.spec); code != 0 || !strings.Contains(out, "Migration shop-enc finished: task dbv-shop-enc stopped") {
		t.Fatalf("finish: exit %d\n%s\n%s", code, out, errw)
	}
	code, out, errw = runMain(t, "migrate", "cleanup", "--spec", w.spec)
	want := "Would delete, in this order:\n  DMS task dbv-shop-enc (eu-west-1)\n  DB snapshot dbv-shop-enc-source (eu-west-1)\n  DB snapshot dbv-shop-enc-encrypted (eu-west-1)\n  DB instance shop (eu-west-1), the old source; RDS takes final snapshot dbv-shop-enc-final first\n"
	if code != ExitUsage || !strings.HasPrefix(out, want) || !strings.Contains(errw, "cleanup: nothing deleted; re-run with --yes") {
		t.Fatalf("cleanup without --yes: exit %d\n%s\n%s", code, out, errw)
	}
	if w.cloud.Task("dbv-shop-enc") == nil || w.cloud.Instance(region, "shop") == nil {
		t.Fatal("cleanup without --yes deleted something")
	}
	if code, out, errw = runMain(t, "migrate", "cleanup", "--spec", w.spec, "--yes"); code != 0 || !strings.Contains(out, "Deleted 4 resources.") {
		t.Fatalf("cleanup --yes: exit %d\n%s\n%s", code, out, errw)
	}
	if w.cloud.Task("dbv-shop-enc") != nil || w.cloud.Snapshot(region, "dbv-shop-enc-final") == nil || w.cloud.Instance(region, "shop-enc") == nil {
		t.Error("cleanup: the task is still there, the final snapshot is missing, or the target was deleted")
	}
	code, out, _ = runMain(t, "migrate", "status", "--spec", w.spec, "--live=false")
	if code != 0 || !strings.Contains(out, "finish: DMS task stopped at ") || !strings.Contains(out, "cleanup: deleted DB instance shop, DB snapshot dbv-shop-enc-encrypted, DB snapshot dbv-shop-enc-source, DMS task dbv-shop-enc (final snapshot of the old source: dbv-shop-enc-final)") {
		t.Errorf("status after cleanup:\n%s", out)
	}
	if code, out, _ = runMain(t, "migrate", "cleanup", "--spec", w.spec); code != 0 || !strings.Contains(out, "Nothing to delete.") {
		t.Errorf("cleanup again: exit %d\n%s", code, out)
	}
}
