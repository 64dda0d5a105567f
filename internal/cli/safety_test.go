package cli_test

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// The tests here attack the read-only guarantee through --where (issue 13): conditions that try
// to close the parentheses they are wrapped in, comments that swallow the closing one,
// semicolons in and out of strings, dollar quotes, backslash-quote tricks, and single
// expressions that turn the session's read-only default off. Each runs with the DSN option that
// once let it through (MySQL multiStatements, PostgreSQL's simple protocol) and without. Every
// attack must be refused (exit 2) or fail harmlessly (exit 3), never report IDENTICAL, and
// write nothing: every table's rows are compared before and after, and so are the servers'
// write counters (statement counters of a throwaway MariaDB, which nothing else uses; the
// test database's tuple counters on PostgreSQL).

// safetySchema is the tables (and, per engine, a function that writes) of each attacked
// database.
var safetySchema = map[string][]string{
	"mysql": {
		"CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20))",
		`INSERT INTO t VALUES (1, 'a_b'), (2, 'it''s'), (3, '(x)'), (4, 'zzz')`,
		"CREATE TABLE x (id INT PRIMARY KEY)", "INSERT INTO x VALUES (1), (2)",
		"CREATE TABLE y (id INT PRIMARY KEY)", "INSERT INTO y VALUES (1)",
		"CREATE FUNCTION dbv_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO y VALUES (99); RETURN 1; END",
		"CREATE FUNCTION dbv_flip() RETURNS INT BEGIN SET SESSION tx_read_only = 0; RETURN 1; END",
	},
	"postgres": {
		"CREATE TABLE t (id int NOT NULL PRIMARY KEY, v varchar(20))",
		`INSERT INTO t VALUES (1, 'a_b'), (2, 'it''s'), (3, '(x)'), (4, 'zzz')`,
		"CREATE TABLE x (id int PRIMARY KEY)", "INSERT INTO x VALUES (1), (2)",
		"CREATE TABLE y (id int PRIMARY KEY)", "INSERT INTO y VALUES (1)",
		"CREATE FUNCTION dbv_write() RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO y VALUES (99); SELECT 1'",
		"CREATE FUNCTION dbv_flip() RETURNS int LANGUAGE sql VOLATILE AS $$SELECT 1 FROM set_config('default_transaction_read_only', 'off', false)$$",
	},
}

// attacks are the conditions tried on every pair; the engine's own tricks are added below.
var attacks = []string{
	"1=1); SET SESSION tx_read_only=0; DELETE FROM x; SELECT 1 FROM y WHERE (1=1",
	"1=1); COMMIT; SET default_transaction_read_only=off; DELETE FROM x; SELECT 1 FROM y WHERE (1=1",
	"1=1 OR (1=1); DELETE FROM x; SELECT (1",
	"1=1) OR 1=1 -- ",
	"1=1) OR 1=1 --",
	"1=1) OR 1=1 /*",
	"v = ';'; DELETE FROM x",
	"v = 'a'); DELETE FROM x; SELECT ('",
	`v = 'a\' ; DELETE FROM x; SELECT '`,
	`v = 'a\'' ; DELETE FROM x; SELECT '`,
	`v = 'a\' ) OR (1=1 '`,
}

var engineAttacks = map[string][]string{
	"mysql": {
		"1=1) OR 1=1 #",
		"1=1) OR 1=1 /*! DELETE FROM x */",
		`v = "a\" ; DELETE FROM x; SELECT "`,
		`\' ; DELETE FROM x; SELECT '`,
	},
	"postgres": {
		"v = $$a$$); DELETE FROM x; SELECT ($$",
		"v = $$ ; $$ ; DELETE FROM x",
		"v = 1$$ ; DELETE FROM x; $$",
		`v = E'\'' ); DELETE FROM x; SELECT ('`,
		"v = $1",
	},
}

// unsafeOption is the DSN option that once let several statements through per call.
var unsafeOption = map[string]string{"mysql": "multiStatements=true", "postgres": "default_query_exec_mode=simple_protocol"}

// snapshot is what a database holds and has counted, to tell that nothing was written.
type snapshot struct {
	rows     map[string]string // table -> its rows, in key order
	counters map[string]int64  // write counters
}

// takeSnapshot reads every table of db and the counters that writes would move.
func takeSnapshot(t *testing.T, engine string, db *testdb.DB, counters bool) snapshot {
	t.Helper()
	s := snapshot{rows: map[string]string{}, counters: map[string]int64{}}
	for _, tbl := range []string{"t", "x", "y"} {
		rows, err := db.SQL.Query("SELECT * FROM " + tbl + " ORDER BY 1")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for rows.Next() {
			var id int
			var v sql.NullString
			cols, _ := rows.Columns()
			dest := []any{&id}
			if len(cols) > 1 {
				dest = append(dest, &v)
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%d:%s;", id, v.String)
		}
		rows.Close()
		s.rows[tbl] = b.String()
	}
	if !counters {
		return s
	}
	var q string
	if engine == "mysql" {
		q = `SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert', 'Com_insert_select', 'Com_update', 'Com_update_multi',
  'Com_delete', 'Com_delete_multi', 'Com_replace', 'Com_replace_select', 'Com_truncate', 'Com_drop_table', 'Com_drop_db',
  'Com_create_table', 'Com_alter_table', 'Com_rename_table', 'Com_load')`
	} else {
		// A backend's counts reach the shared statistics when it ends (dbverify's connections
		// have closed when the CLI returns) or at the latest after a second; wait until none of
		// dbverify's is left.
		deadline := time.Now().Add(20 * time.Second)
		for {
			var n int
			if err := db.SQL.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'dbverify'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(1200 * time.Millisecond)
		db.SQL.Exec("SELECT pg_stat_force_next_flush()") // this session's own counts (PostgreSQL 15+)
		db.SQL.Exec("SELECT pg_stat_clear_snapshot()")
		q = `SELECT 'tup_inserted', tup_inserted FROM pg_stat_database WHERE datname = current_database()
UNION ALL SELECT 'tup_updated', tup_updated FROM pg_stat_database WHERE datname = current_database()
UNION ALL SELECT 'tup_deleted', tup_deleted FROM pg_stat_database WHERE datname = current_database()`
	}
	rows, err := db.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		s.counters[name] = n
	}
	return s
}

// unchanged fails the test if anything in db changed since before.
func unchanged(t *testing.T, what string, before, after snapshot) {
	t.Helper()
	if !maps.Equal(before.rows, after.rows) {
		t.Errorf("%s: rows changed:\nbefore %v\nafter  %v", what, before.rows, after.rows)
	}
	for _, k := range slices.Sorted(maps.Keys(after.counters)) {
		if before.counters[k] != after.counters[k] {
			t.Errorf("%s: %s moved from %d to %d: something was written", what, k, before.counters[k], after.counters[k])
		}
	}
}

// TestWhereAttacks: every attack, on MariaDB, on PostgreSQL and across the two, with and
// without the DSN option that used to let it through, is refused or harmless.
func TestWhereAttacks(t *testing.T) {
	t.Parallel()
	maria := testdb.StartMariaDB(t) // its global counters see only this test
	dbs := map[string][2]*testdb.DB{
		"mysql":    {maria.New(t), maria.New(t)},
		"postgres": {testdb.Postgres(t), testdb.Postgres(t)},
	}
	for engine, pair := range dbs {
		for _, db := range pair {
			db.Exec(t, safetySchema[engine]...)
		}
	}
	type side struct {
		engine string
		db     *testdb.DB
	}
	pairs := []struct {
		name     string
		src, tgt side
	}{
		{"mysql", side{"mysql", dbs["mysql"][0]}, side{"mysql", dbs["mysql"][1]}},
		{"postgres", side{"postgres", dbs["postgres"][0]}, side{"postgres", dbs["postgres"][1]}},
		{"mysql-postgres", side{"mysql", dbs["mysql"][0]}, side{"postgres", dbs["postgres"][1]}},
		{"postgres-mysql", side{"postgres", dbs["postgres"][0]}, side{"mysql", dbs["mysql"][1]}},
	}
	all := []side{pairs[0].src, pairs[0].tgt, pairs[1].src, pairs[1].tgt}
	before := map[*testdb.DB]snapshot{}
	for _, s := range all {
		before[s.db] = takeSnapshot(t, s.engine, s.db, true)
	}
	for _, p := range pairs {
		conds := append(append(slices.Clone(attacks), engineAttacks[p.src.engine]...), engineAttacks[p.tgt.engine]...)
		for _, cond := range conds {
			for _, unsafe := range []bool{false, true} {
				src, tgt := p.src.db.DSN, p.tgt.db.DSN
				if unsafe {
					src, tgt = withOption(src, unsafeOption[p.src.engine]), withOption(tgt, unsafeOption[p.tgt.engine])
				}
				code, out, errw := run(t, "compare", "-s", src, "-t", tgt, "--tables", "t", "--where", cond)
				if code != 2 || strings.Contains(out, "IDENTICAL") || strings.Count(errw, "\n") > 2 {
					t.Errorf("%s, where %q (unsafe DSN option: %v): exit %d, want 2 (refused)\n%s%s", p.name, cond, unsafe, code, out, errw)
				}
				if unsafe && !strings.Contains(errw, "unsafe DSN option") {
					t.Errorf("%s, unsafe DSN: %s, want the option refused", p.name, errw)
				}
			}
		}
		// Valid conditions with quotes, parentheses and semicolons in strings still work.
		code, out, errw := run(t, "compare", "-s", p.src.db.DSN, "-t", p.tgt.db.DSN, "--tables", "t",
			"--where", `v LIKE 'a\_%' OR v IN ('(x)', 'it''s', ';') OR (id > 3 AND v <> ')')`)
		if code != 0 || !strings.Contains(out, "IDENTICAL: 1 table, 4 rows") {
			t.Errorf("%s, a valid condition: exit %d\n%s%s", p.name, code, out, errw)
		}
	}
	for _, s := range all {
		unchanged(t, s.engine+" "+s.db.Name, before[s.db], takeSnapshot(t, s.engine, s.db, true))
	}
	// Single expressions pass the checks; what they try must fail inside the read-only
	// transaction: turning the session's read-only default off, then writing, both on every
	// row. (That a later statement on the same connection cannot write either is
	// TestReadOnlyTransactions, in the dialects.) MariaDB counts the refused INSERT of the
	// function among its statements: from here on, its rows are compared, not its counters.
	for _, p := range pairs[:2] {
		code, out, errw := run(t, "compare", "-s", p.src.db.DSN, "-t", p.tgt.db.DSN, "--tables", "t", "--where", "dbv_flip() = 1")
		if code != 0 {
			t.Errorf("%s, where dbv_flip() = 1: exit %d\n%s%s", p.name, code, out, errw)
		}
		// MariaDB refuses to prepare it (exit 2), PostgreSQL to run it (exit 3).
		code, out, errw = run(t, "compare", "-s", p.src.db.DSN, "-t", p.tgt.db.DSN, "--tables", "t", "--where", "dbv_flip() + dbv_write() = 2")
		if code != 2 && code != 3 || !strings.Contains(errw, "read-only") && !strings.Contains(errw, "READ ONLY") || strings.Contains(out, "IDENTICAL") {
			t.Errorf("%s, where dbv_flip() + dbv_write() = 2: exit %d, want 2 or 3 and a read-only transaction error\n%s%s", p.name, code, out, errw)
		}
	}
	for _, s := range all {
		unchanged(t, s.engine+" "+s.db.Name, before[s.db], takeSnapshot(t, s.engine, s.db, s.engine == "postgres"))
	}
}

// withOption adds a query parameter to a URL DSN.
func withOption(dsn, opt string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + opt
	}
	return dsn + "?" + opt
}
