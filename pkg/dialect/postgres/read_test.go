package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestReadOnlyTransactions: one expression can turn the session's read-only default off
// (set_config), but every statement runs in a read-only transaction of its own, so a later
// statement on the same pooled connection still cannot write (before, it could: the session
// default was the only guard).
func TestReadOnlyTransactions(t *testing.T) {
	setup := testdb.Postgres(t)
	setup.Exec(t, "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1)",
		"CREATE TABLE victim (id int)", "CREATE SEQUENCE s",
		// A volatile function that writes, called from a condition.
		"CREATE FUNCTION dbv_write() RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO victim VALUES (99); SELECT 1'")
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
	n, err := d.CountRows(ctx, dialect.Query{Table: tbl, Where: "set_config('default_transaction_read_only', 'off', false) = 'off'"})
	if err != nil || n != 1 {
		t.Fatalf("count under set_config(default_transaction_read_only, off): %d, %v", n, err)
	}
	for where, code := range map[string]string{
		"dbv_write() = 1": "25006", // read_only_sql_transaction
		"set_config('transaction_read_only', 'off', false) = 'off' AND dbv_write() = 1": "25001", // active_sql_transaction
		"nextval('s') > 0 OR dbv_write() = 1":                                           "25006",
	} {
		_, err = d.CountRows(ctx, dialect.Query{Table: tbl, Where: where})
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != code {
			t.Errorf("where %s: %v, want SQLSTATE %s", where, err, code)
		}
	}
	var written int
	if err := setup.SQL.QueryRow("SELECT count(*) FROM victim").Scan(&written); err != nil || written != 0 {
		t.Errorf("victim holds %d rows (%v): a read wrote", written, err)
	}
}

// TestUnsafeDSN: the simple protocol, which may carry several statements per call, is refused
// with one line naming the option; the extended protocol's modes are accepted.
func TestUnsafeDSN(t *testing.T) {
	setup := testdb.Postgres(t)
	setup.Exec(t, "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	_, err := Open(t.Context(), setup.DSN+"&default_query_exec_mode=simple_protocol", 1)
	if !errors.Is(err, dialect.ErrUnsafeDSN) || !strings.Contains(err.Error(), "simple_protocol") || strings.Contains(err.Error(), "\n") {
		t.Errorf("simple_protocol: %v, want ErrUnsafeDSN naming it", err)
	}
	for _, mode := range []string{"exec", "describe_exec", "cache_describe", "cache_statement"} {
		d, err := Open(t.Context(), setup.DSN+"&default_query_exec_mode="+mode, 1)
		if err != nil {
			t.Errorf("%s: %v", mode, err)
			continue
		}
		tbl, err := d.Table(t.Context(), "t")
		if err == nil {
			var n int64
			n, err = d.CountRows(t.Context(), dialect.Query{Table: tbl, Where: "id > 0"})
			if n != 1 {
				t.Errorf("%s: count %d", mode, n)
			}
		}
		if err != nil {
			t.Errorf("%s: %v", mode, err)
		}
		d.Close()
	}
}
