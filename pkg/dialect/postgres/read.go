package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// Every statement this dialect runs goes through read (or readRow): each in a read-only
// transaction of its own, BEGIN READ ONLY ... COMMIT, on one pooled connection. The session
// default set when a connection opens (default_transaction_read_only) is not enough on its own:
// one expression, set_config('default_transaction_read_only', 'off', false), turns it off for
// the statements after it on the same connection. A transaction that has begun read-only stays
// so. The documentation (SET TRANSACTION): "When a transaction is read-only, the following SQL
// commands are disallowed: INSERT, UPDATE, DELETE, [...] if the table they would write to is not
// a temporary table; all CREATE, ALTER, and DROP commands; COMMENT, GRANT, REVOKE, TRUNCATE;
// [...]". The server refuses set_config('transaction_read_only', 'off', ...) once the
// transaction has run a query ("transaction read-write mode must be set before any query"), and
// a function called by a query cannot end the transaction it runs in.
//
// One statement per call: queries use the extended protocol, whose Parse message takes one
// statement ("cannot insert multiple commands into a prepared statement"); the DSN may not ask
// for the simple protocol (checkDSN). The transaction's own BEGIN and COMMIT are constants of
// this file, sent as simple queries.

const (
	beginReadOnly = "BEGIN READ ONLY"
	// beginLimited also bounds the statement on the server, a little past the client's deadline:
	// when the client gives up it drops the connection, and PostgreSQL would otherwise run an
	// aggregate to its end. SET LOCAL lasts until the transaction ends.
	beginLimited = "BEGIN READ ONLY; SET LOCAL statement_timeout = %d"
	commit       = "COMMIT"
	rollback     = "ROLLBACK"
)

// rows are one statement's rows inside the statement's own read-only transaction, on a
// connection taken from the pool until they are closed.
type rows struct {
	pgx.Rows
	ctx    context.Context
	conn   *pgxpool.Conn
	err    error // ending the transaction failed
	closed bool
}

// read runs one statement in a read-only transaction of its own, its results in text format,
// and returns its rows; closing them ends the transaction and gives the connection back.
func (d *DB) read(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	begin := beginReadOnly
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		begin = fmt.Sprintf(beginLimited, max(1, (left+left/10+100*time.Millisecond).Milliseconds()))
	}
	if _, err := conn.Exec(ctx, begin); err != nil {
		conn.Release()
		return nil, err
	}
	rs, err := conn.Query(ctx, query, append([]any{textResults}, args...)...)
	r := &rows{Rows: rs, ctx: ctx, conn: conn}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close closes the rows and ends their transaction: COMMIT after a complete read, ROLLBACK
// after an error. A connection left inside a transaction (the server did not answer) is not
// reused: the pool closes it.
func (r *rows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	if r.Rows != nil {
		r.Rows.Close()
	}
	end := commit
	if r.Rows == nil || r.Rows.Err() != nil {
		end = rollback
	}
	if _, err := r.conn.Exec(r.ctx, end); err != nil && end == commit {
		r.err = err
	}
	r.conn.Release()
}

// Err is the error that ended the rows, or that ending their transaction met.
func (r *rows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// row is one row of a statement that read runs when it is scanned.
type row struct {
	d     *DB
	ctx   context.Context
	query string
	args  []any
}

// readRow is read for a statement of one row, as pgx's QueryRow: Scan runs it and returns
// pgx.ErrNoRows when it returns none.
func (d *DB) readRow(ctx context.Context, query string, args ...any) row {
	return row{d: d, ctx: ctx, query: query, args: args}
}

// Scan runs the statement and reads its first row into dest.
func (r row) Scan(dest ...any) error {
	rs, err := r.d.read(r.ctx, r.query, r.args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	if !rs.Next() {
		if err := rs.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rs.Scan(dest...); err != nil {
		return err
	}
	rs.Close()
	return rs.Err()
}

// checkDSN refuses the simple protocol, whose query messages may hold several statements
// separated by semicolons ("default_query_exec_mode=simple_protocol"). Refused rather than
// quietly replaced: the user asked for it, often for a connection pooler in transaction mode,
// for which exec mode (the extended protocol without named prepared statements) also works.
// The other modes (cache_statement, cache_describe, describe_exec, exec) all send queries with
// the extended protocol: one statement each. (pgx's Exec without arguments uses the simple
// protocol in every mode; this dialect execs only its own BEGIN, COMMIT and ROLLBACK.)
func checkDSN(cfg *pgxpool.Config) error {
	if cfg.ConnConfig.DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol {
		return fmt.Errorf("postgres: %w: default_query_exec_mode=simple_protocol sends queries that may hold several statements; use exec (which also suits a pooler in transaction mode) or leave it out", dialect.ErrUnsafeDSN)
	}
	return nil
}

// isServerError reports whether err is an error the server sent (a syntax error, an unknown
// column), as opposed to a failure to reach it.
func isServerError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

var _ dialect.Pinger = (*DB)(nil)

// Ping implements dialect.Pinger: an empty query (a comment) on a connection of the pool.
func (d *DB) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

var _ dialect.Retrier = (*DB)(nil)

// Transient implements dialect.Retrier: the connection lost (a network error, or pgx's word that
// nothing was sent and the call is safe to retry) and the SQLSTATEs of the server's error codes
// appendix for a lost connection or a server going away, and for conflicts: class 08
// (connection exception), 40001 serialization_failure, 40P01 deadlock_detected, 55P03
// lock_not_available, 53300 too_many_connections, 57P01 admin_shutdown (pg_terminate_backend
// too), 57P02 crash_shutdown, 57P03 cannot_connect_now, 57P05 idle_session_timeout, 25P03
// idle_in_transaction_session_timeout. 57014 query_canceled is not one: the verifier's own
// time limits cancel that way.
func (d *DB) Transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03", "53300", "57P01", "57P02", "57P03", "57P05", "25P03":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	var ce *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || errors.As(err, &ce) || sqlkit.NetTransient(err)
}

var _ dialect.LoadReader = (*DB)(nil)

// Running implements dialect.LoadReader: the client backends running a statement now (this one
// among them), as pg_stat_activity shows them.
func (d *DB) Running(ctx context.Context) (int64, error) {
	var n int64
	if err := d.readRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend'").Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count active backends: %w", err)
	}
	return n, nil
}
