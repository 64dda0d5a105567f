package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// Every statement this dialect runs goes through read (or readRow): each in a read-only
// transaction of its own, START TRANSACTION READ ONLY ... COMMIT. The session variable set when
// a connection opens (tx_read_only, transaction_read_only) is not enough on its own: it is only
// the default of the transactions to come, which a statement (a stored function, a --where) may
// change for the statements after it on the same pooled connection, while the access mode of a
// transaction that has begun cannot change. The reference manual (SET TRANSACTION): "If the
// transaction access mode is set to READ ONLY, changes to tables are prohibited."; and (InnoDB
// read-only transactions) of START TRANSACTION READ ONLY: "attempting to make changes to the
// database (for InnoDB, MyISAM, or other types of tables) causes an error, and the transaction
// continues in read-only state". Only the session's own TEMPORARY tables stay writable.
//
// One statement per call: the DSN may not turn multiStatements on (checkDSN), so that a
// statement with a semicolon in it is a syntax error, not two statements; the text protocol's
// client-side interpolation (interpolateParams) makes every call a single COM_QUERY.

// The transaction is begun and ended with statements on a connection of the pool, not with
// database/sql's Tx: its Commit and Rollback take no context, and the driver sends COMMIT and
// ROLLBACK without a deadline, so a server that stopped answering would hold them (and the
// rollback database/sql starts by itself when a context ends) forever. Statements on a
// connection honour their context: the driver closes the connection when it ends.
const (
	beginReadOnly = "START TRANSACTION READ ONLY"
	commit        = "COMMIT"
)

// rows are one statement's rows inside the statement's own read-only transaction, on a
// connection taken from the pool until they are closed.
type rows struct {
	*sql.Rows
	ctx    context.Context
	conn   *sql.Conn
	closed bool
}

// read runs one statement in a read-only transaction of its own and returns its rows; closing
// them ends the transaction. A SELECT gets the time left before ctx's deadline as a server-side
// limit (see limited).
func (d *DB) read(ctx context.Context, query string, args ...any) (*rows, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, beginReadOnly); err != nil {
		discard(conn)
		return nil, err
	}
	r, err := conn.QueryContext(ctx, d.limited(ctx, query), args...)
	if err != nil {
		discard(conn)
		return nil, err
	}
	return &rows{Rows: r, ctx: ctx, conn: conn}, nil
}

// discard closes a connection that may still be inside its transaction, rather than give it
// back to the pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return sqldriver.ErrBadConn })
	conn.Close()
}

// Close closes the rows, ends their transaction with COMMIT after a complete read, and gives the
// connection back; after an error the connection is closed instead, which ends the
// transaction on the server. It is safe to call more than once.
func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	if err == nil {
		err = r.Rows.Err()
	}
	if err == nil {
		_, err = r.conn.ExecContext(r.ctx, commit)
	}
	if err != nil {
		discard(r.conn)
		return err
	}
	return r.conn.Close()
}

// row is one row of a statement that read runs when it is scanned.
type row struct {
	d     *DB
	ctx   context.Context
	query string
	args  []any
}

// readRow is read for a statement of one row, as database/sql's QueryRowContext: Scan runs it
// and returns sql.ErrNoRows when it returns none.
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
		return sql.ErrNoRows
	}
	if err := rs.Scan(dest...); err != nil {
		return err
	}
	return rs.Close()
}

// plainValue is what a DSN parameter that sets a session variable may hold: the driver sends
// "SET name = value" with the value as written, so an expression there (a function call, a
// subquery) would run outside any read-only transaction.
var (
	plainName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	plainValue = regexp.MustCompile(`^(?:[A-Za-z0-9_.,:+@ -]|'[^'\\]*'|"[^"\\]*")*$`)
)

// checkDSN refuses the DSN options that would let one call run more than one statement, and
// session variables set to anything but a plain value. Refused rather than quietly turned off:
// the user asked for them, and a run that ignored them would hide that.
func checkDSN(cfg *driver.Config) error {
	if cfg.MultiStatements {
		return fmt.Errorf("mysql: %w: multiStatements=true lets one call run several statements; remove it (dbverify runs one statement per call)", dialect.ErrUnsafeDSN)
	}
	for name, v := range cfg.Params {
		if !plainName.MatchString(name) || !plainValue.MatchString(v) || strings.Contains(v, "--") {
			return fmt.Errorf("mysql: %w: parameter %.40q sets a session variable to %.40q: only plain values (names, numbers, quoted strings) are allowed", dialect.ErrUnsafeDSN, name, v)
		}
	}
	return nil
}

var _ dialect.Pinger = (*DB)(nil)

// Ping implements dialect.Pinger: COM_PING on a connection of the pool.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Transient implements dialect.Retrier: the connection lost (the driver's invalid or bad
// connection, a network error) and the server errors the reference manual's error list gives
// for a connection killed or a server going away, and for lock conflicts: 1040 too many
// connections, 1053 server shutdown in progress, 1205 lock wait timeout, 1213 deadlock, 1317
// query execution interrupted (KILL QUERY), 1927 connection killed (MariaDB), 4031 client
// disconnected by the server for inactivity (MySQL 8). A statement stopped by the server-side
// time limit this dialect sets (MariaDB 1969, MySQL 3024) is not one: the verifier cuts such a
// chunk instead.
func (d *DB) Transient(err error) bool {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053, 1205, 1213, 1317, 1927, 4031:
			return true
		}
		return false
	}
	return errors.Is(err, driver.ErrInvalidConn) || errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, driver.ErrPktSync) ||
		errors.Is(err, driver.ErrPktSyncMul) || sqlkit.NetTransient(err)
}

var _ dialect.LoadReader = (*DB)(nil)

// Running implements dialect.LoadReader: the server's Threads_running, the threads executing a
// statement now (this one among them).
func (d *DB) Running(ctx context.Context) (int64, error) {
	var name string
	var n int64
	if err := d.readRow(ctx, "SHOW GLOBAL STATUS LIKE 'Threads_running'").Scan(&name, &n); err != nil {
		return 0, fmt.Errorf("mysql: read Threads_running: %w", err)
	}
	return n, nil
}
