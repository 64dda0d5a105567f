package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// lines returns the lines of out that contain every one of parts.
func lines(out string, parts ...string) []string {
	var found []string
	for _, l := range strings.Split(out, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			found = append(found, l)
		}
	}
	return found
}

// wantLine fails the test unless exactly one line of out contains every one of parts.
func wantLine(t *testing.T, out string, parts ...string) {
	t.Helper()
	if got := lines(out, parts...); len(got) != 1 {
		t.Errorf("want one line with %q, got %d in:\n%s", parts, len(got), out)
	}
}

// TestPreflightMariaDBMisconfigured: a server logging statements with minimal row images, a
// table without a key and a LOB over the limit: every problem is listed at once, exit 2.
func TestPreflightMariaDBMisconfigured(t *testing.T) {
	t.Parallel()
	srv := testdb.StartMariaDBWith(t, "--log-bin=binlog", "--binlog-format=STATEMENT", "--binlog-row-image=MINIMAL")
	db := srv.New(t)
	db.Exec(t,
		"CREATE TABLE keyed (id INT PRIMARY KEY, body TEXT, doc LONGBLOB)",
		"CREATE TABLE nokey (id INT, v VARCHAR(10))",
		"INSERT INTO keyed VALUES (1, REPEAT('x', 3000), REPEAT('y', 100)), (2, 'short', NULL)",
		"INSERT INTO nokey VALUES (1, 'a')")
	dsn := withPassword(t, db.DSN, "") // no password on the throwaway server
	code, out, errw := run(t, "preflight", "--source", dsn, "--lob-max-kb", "2")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, out, errw)
	}
	wantLine(t, out, "error: source", "binlog_format: is STATEMENT, not ROW", "fix: SET GLOBAL binlog_format")
	wantLine(t, out, "error: source", "binlog_row_image: is MINIMAL, not FULL", "fix:")
	wantLine(t, out, "error: source", "table nokey: has no primary key", "fix: add a primary key")
	wantLine(t, out, "error: source", "column keyed.body: its longest value is 2.9 KB (3000 bytes), over the task's LOB limit of 2 KB", "fix: raise dms.lob.max_size_kb to at least 3")
	if l := lines(out, "keyed.doc"); len(l) != 0 {
		t.Errorf("keyed.doc (100 bytes) is under the limit but listed: %q", l)
	}
	if l := lines(out, "log_bin"); len(l) != 0 {
		t.Errorf("log_bin is on but listed: %q", l)
	}
	wantLine(t, out, "preflight: 4 errors, 0 checks that could not run, 0 warnings")
	if !strings.Contains(errw, "scanning keyed for its longest body, doc") {
		t.Errorf("no progress line for the LOB scan on stderr:\n%s", errw)
	}

	// Full LOB mode does not truncate: no scan, no LOB finding; the others stay.
	code, out, errw = run(t, "preflight", "--source", dsn, "--lob-mode", "full", "--lob-max-kb", "2")
	if code != 2 || len(lines(out, "keyed.body")) != 0 || strings.Contains(errw, "scanning") || len(lines(out, "binlog_format")) != 1 {
		t.Errorf("full LOB mode: exit %d\n%s\n%s", code, out, errw)
	}
	// Under the limit (the default 32 KB): no LOB finding.
	code, out, _ = run(t, "preflight", "--source", dsn, "--tables", "keyed")
	if code != 2 || len(lines(out, "keyed.body")) != 0 || len(lines(out, "nokey")) != 0 {
		t.Errorf("--tables keyed, default limit: exit %d\n%s", code, out)
	}
	// A DMS task's mappings that leave the table without a key out, or --exclude.
	mappings := filepath.Join(t.TempDir(), "mappings.json")
	os.WriteFile(mappings, []byte(`{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"},`+
		`{"rule-type":"selection","rule-id":"2","rule-name":"no-nokey","object-locator":{"schema-name":"%","table-name":"nokey"},"rule-action":"exclude"}]}`), 0o644)
	for _, args := range [][]string{{"--dms-mappings", mappings}, {"--exclude", "no*"}} {
		code, out, _ = run(t, append([]string{"preflight", "--source", dsn}, args...)...)
		if code != 2 || len(lines(out, "nokey")) != 0 || len(lines(out, "binlog_format")) != 1 {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	// A pattern that matches nothing is a problem too.
	code, out, _ = run(t, "preflight", "--source", dsn, "--tables", "nosuch*")
	if code != 2 || len(lines(out, `table nosuch*: no table of schema`)) != 1 {
		t.Errorf("--tables nosuch*: exit %d\n%s", code, out)
	}
}

// TestPreflightMariaDBNoBinlog: a server without a binary log is told so (with its format and
// row image, which are right), exit 2.
func TestPreflightMariaDBNoBinlog(t *testing.T) {
	t.Parallel()
	srv := testdb.StartMariaDBWith(t, "--binlog-format=ROW")
	db := srv.New(t)
	db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	code, out, errw := run(t, "preflight", "--source", db.DSN)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, out, errw)
	}
	wantLine(t, out, "error: source", "log_bin: binary logging is off (log_bin=OFF)", "fix: start the server with log-bin")
	wantLine(t, out, "preflight: 1 error,")
}

// TestPreflightMariaDBReady: log-bin, ROW, FULL, keys, small LOBs: exit 0. Then the same
// server as RDS would show it (mysql.rds_show_configuration with no binlog retention) and
// with too short a retention: each is listed.
func TestPreflightMariaDBReady(t *testing.T) {
	t.Parallel()
	srv := testdb.StartMariaDBWith(t, "--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL")
	db := srv.New(t)
	db.Exec(t,
		"CREATE TABLE orders (id INT PRIMARY KEY, note TEXT, doc JSON)",
		"CREATE TABLE byuniq (a INT NOT NULL, UNIQUE KEY (a))",
		`INSERT INTO orders VALUES (1, 'hello', '{"a": 1}')`)
	code, out, errw := run(t, "preflight", "--source", db.DSN)
	if code != 0 || !strings.Contains(out, "preflight: no problems found") {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errw)
	}

	// Kept for one hour only: a task stopped longer cannot resume.
	db.Exec(t, "SET GLOBAL binlog_expire_logs_seconds = 3600")
	code, out, _ = run(t, "preflight", "--source", db.DSN)
	if code != 2 {
		t.Fatalf("retention 1h: exit %d\n%s", code, out)
	}
	wantLine(t, out, "binlog_expire_logs_seconds: keeps binary logs 1h0m0s, less than 24h0m0s", "fix: SET GLOBAL binlog_expire_logs_seconds = 86400")
	db.Exec(t, "SET GLOBAL binlog_expire_logs_seconds = 0")

	// As RDS shows it: the procedure exists and says the retention is NULL.
	db.Exec(t, `CREATE PROCEDURE mysql.rds_show_configuration() SELECT 'binlog retention hours' AS name, NULL AS value, 'binlog retention hours specifies the duration in hours before binary logs are automatically deleted.' AS description`)
	code, out, errw = run(t, "preflight", "--source", db.DSN)
	if code != 2 {
		t.Fatalf("RDS without retention: exit %d\n%s\n%s", code, out, errw)
	}
	wantLine(t, out, "binlog retention hours: is not set (NULL)", "fix: CALL mysql.rds_set_configuration('binlog retention hours', 24)")
	if !strings.Contains(errw, "BackupRetentionPeriod") {
		t.Errorf("on RDS, no note that backups are checked on the AWS side:\n%s", errw)
	}
	db.Exec(t, "DROP PROCEDURE mysql.rds_show_configuration",
		`CREATE PROCEDURE mysql.rds_show_configuration() SELECT 'binlog retention hours' AS name, '48' AS value, '' AS description`)
	if code, out, _ = run(t, "preflight", "--source", db.DSN); code != 0 {
		t.Errorf("RDS with 48 hours: exit %d\n%s", code, out)
	}
}

// TestPreflightPostgres: wal_level=replica, no free slot or sender, unlimited slot WAL, a
// table without a primary key (a unique index is not enough on PostgreSQL) and a text over the
// limit: all listed at once, exit 2.
func TestPreflightPostgres(t *testing.T) {
	t.Parallel()
	srv := testdb.StartPostgresWith(t, "-c", "wal_level=replica", "-c", "max_wal_senders=0", "-c", "max_replication_slots=0")
	db := srv.New(t)
	db.Exec(t,
		"CREATE TABLE keyed (id int PRIMARY KEY, body text, j jsonb, b bytea)",
		"CREATE TABLE uniq (a int NOT NULL UNIQUE)",
		"INSERT INTO keyed VALUES (1, repeat('x', 5000), '{\"a\": 1}', 'ab'::bytea)")
	code, out, errw := run(t, "preflight", "--source", db.DSN, "--lob-max-kb", "4")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, out, errw)
	}
	wantLine(t, out, "error: source", "wal_level: is replica, not logical", "fix: ALTER SYSTEM SET wal_level = logical", "rds.logical_replication")
	wantLine(t, out, "max_replication_slots: is 0 and 0 slots exist")
	wantLine(t, out, "max_wal_senders: is 0 and 0 WAL senders run")
	wantLine(t, out, "error: source", "table uniq: has no primary key: DMS ignores its updates and deletes", "ADD PRIMARY KEY USING INDEX")
	wantLine(t, out, "column keyed.body: its longest value is 4.9 KB (5000 bytes), over the task's LOB limit of 4 KB")
	wantLine(t, out, "warning: source", "max_slot_wal_keep_size: is -1 (unlimited)")
	if len(lines(out, "keyed.j")) != 0 || len(lines(out, "keyed.b:")) != 0 {
		t.Errorf("short LOBs listed:\n%s", out)
	}
	wantLine(t, out, "preflight: 5 errors, 0 checks that could not run, 1 warning")
}

// TestPreflightFailures: bad usage exits 2, a server that cannot be reached exits 3, and the
// password never shows.
func TestPreflightFailures(t *testing.T) {
	t.Parallel()
	if code, _, errw := run(t, "preflight"); code != 2 || !strings.Contains(errw, "--source is required") {
		t.Errorf("no --source: exit %d: %s", code, errw)
	}
	if code, _, errw := run(t, "preflight", "--source", "mysql://u@127.0.0.1:1/db", "--lob-mode", "huge"); code != 2 || !strings.Contains(errw, `LOB mode "huge"`) {
		t.Errorf("bad --lob-mode: exit %d: %s", code, errw)
	}
	code, out, errw := run(t, "preflight", "--source", "mysql://u:"+secret+"@127.0.0.1:1/db")
	if code != 3 || strings.Contains(out+errw, secret) || !strings.Contains(errw, "u:***@127.0.0.1:1") {
		t.Errorf("unreachable: exit %d\n%s\n%s", code, out, errw)
	}
}
