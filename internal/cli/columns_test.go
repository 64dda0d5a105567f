package cli_test

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestSkippedColumnsCLI: from MariaDB to PostgreSQL, a SET that became an enum array is skipped
// with one warning on stderr and a line in the report, and the exit code is the data's (0);
// watch warns once in all; --strict refuses it, exit 2, saying which flag to change.
func TestSkippedColumnsCLI(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.Postgres(t)
	src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT, tags SET('a','b'))", "INSERT INTO t VALUES (1, 1, 'a')")
	tgt.Exec(t, "CREATE TYPE tag AS ENUM ('a', 'b')", "CREATE TABLE t (id INT PRIMARY KEY, v INT, tags tag[])", "INSERT INTO t VALUES (1, 1, '{a}')")
	code, out, errw := run(t, "compare", "--source", src.DSN, "--target", tgt.DSN)
	if code != 0 || strings.Count(errw, "dbverify: table t: column tags not compared") != 1 ||
		!strings.Contains(out, "t: not compared, no side can compare 1 column: tags (") || !strings.Contains(out, "; 1 column not compared: t.tags") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errw)
	}
	// watch warns once, not at every pass.
	_, out, errw = run(t, "watch", "--source", src.DSN, "--target", tgt.DSN, "--every", "100ms", "--timeout", "3s")
	if !strings.Contains(out, "pass 3:") || strings.Count(errw, "column tags not compared") != 1 {
		t.Errorf("watch: \nstdout: %s\nstderr: %s", out, errw)
	}
	code, out, errw = run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--strict")
	first, _, _ := strings.Cut(errw, "\n")
	if code != 2 || !strings.Contains(first, "unsupported type") || !strings.Contains(first, "column tags") || !strings.Contains(first, "--strict") {
		t.Errorf("--strict: exit %d\nstdout: %s\nstderr: %s", code, out, errw)
	}
}

// TestIgnoreColumnOneSide: --ignore-columns TABLE.COLUMN leaves out a column the migration
// dropped (the target lacks it) in that table only; a misspelt table is refused, exit 2.
func TestIgnoreColumnOneSide(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.Postgres(t)
	src.Exec(t, "CREATE TABLE address (id INT PRIMARY KEY, city VARCHAR(20), location VARCHAR(40))", "INSERT INTO address VALUES (1, 'Oslo', 'x')",
		"CREATE TABLE shop (id INT PRIMARY KEY, location VARCHAR(40))", "INSERT INTO shop VALUES (1, 'a')")
	tgt.Exec(t, "CREATE TABLE address (id INT PRIMARY KEY, city VARCHAR(20))", "INSERT INTO address VALUES (1, 'Oslo')",
		"CREATE TABLE shop (id INT PRIMARY KEY, location VARCHAR(40))", "INSERT INTO shop VALUES (1, 'b')")
	code, out, errw := run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--ignore-columns", "address.location")
	if code != 1 || !strings.Contains(out, `changed  id=1  location: "a" -> "b"`) {
		t.Errorf("exit %d (want 1: shop's location still compared)\nstdout: %s\nstderr: %s", code, out, errw)
	}
	code, _, errw = run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--tables", "address")
	if first, _, _ := strings.Cut(errw, "\n"); code != 3 || !strings.Contains(first, "lacks location") || !strings.Contains(first, "--ignore-columns TABLE.COLUMN") {
		t.Errorf("without it: exit %d: %s", code, errw)
	}
	code, _, errw = run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--ignore-columns", "adress.location")
	if first, _, _ := strings.Cut(errw, "\n"); code != 2 || !strings.Contains(first, `"adress.location"`) || !strings.Contains(first, "--ignore-columns") {
		t.Errorf("misspelt table: exit %d: %s", code, errw)
	}
}
