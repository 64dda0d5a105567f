package mysql

import (
	"errors"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestReadOnlyTransactions: a stored function can turn the session's read-only default off
// (tx_read_only is a session variable), but every statement runs in a read-only transaction
// of its own, so a later statement on the same pooled connection still cannot write (before,
// it could: the session variable was the only guard).
func TestReadOnlyTransactions(t *testing.T) {
	setup := testdb.MySQL(t)
	setup.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)", "CREATE TABLE victim (id INT)")
	flip := "CREATE FUNCTION dbv_flip() RETURNS INT BEGIN SET SESSION tx_read_only = 0; RETURN 1; END"
	if _, err := setup.SQL.Exec(flip); err != nil {
		t.Logf("no function setting tx_read_only here (%v)", err)
	}
	setup.Exec(t, "CREATE FUNCTION dbv_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO victim VALUES (99); RETURN 1; END")
	d, err := Open(t.Context(), setup.DSN, 1) // one connection: every statement lands on it
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := t.Context()
	tbl, err := d.Table(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CountRows(ctx, dialect.Query{Table: tbl, Where: "dbv_flip() = 1"}); err != nil {
		t.Logf("dbv_flip: %v", err)
	} else {
		var ro int
		if err := d.readRow(ctx, "SELECT @@tx_read_only").Scan(&ro); err != nil || ro != 0 {
			t.Logf("the session default stayed read-only (%d, %v)", ro, err)
		}
	}
	_, err = d.CountRows(ctx, dialect.Query{Table: tbl, Where: "dbv_write() = 1"})
	var me *driver.MySQLError
	if !errors.As(err, &me) || me.Number != 1792 { // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
		t.Errorf("a write from a condition after the session default was turned off: %v, want error 1792", err)
	}
	var written int
	if err := setup.SQL.QueryRow("SELECT COUNT(*) FROM victim").Scan(&written); err != nil || written != 0 {
		t.Errorf("victim holds %d rows (%v): a read wrote", written, err)
	}
}

// TestUnsafeDSN: multiStatements, and a session variable set to an expression, are refused with
// one line naming the option.
func TestUnsafeDSN(t *testing.T) {
	setup := testdb.MySQL(t)
	for _, opt := range []string{
		"multiStatements=true",
		"sql_mode=(SELECT+1)",
		"autocommit=1%3BDELETE+FROM+t",
		"foo=1+--+x",
	} {
		_, err := Open(t.Context(), setup.DSN+"?"+opt, 1)
		if !errors.Is(err, dialect.ErrUnsafeDSN) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want ErrUnsafeDSN", opt, err)
		}
	}
	for _, opt := range []string{"sql_mode='ANSI_QUOTES'", "time_zone='-05:00'", "innodb_lock_wait_timeout=5", "multiStatements=false"} {
		d, err := Open(t.Context(), setup.DSN+"?"+opt, 1)
		if err != nil {
			t.Errorf("%s: %v", opt, err)
			continue
		}
		d.Close()
	}
}
