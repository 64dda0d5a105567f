package dialect

import (
	"context"
)

// DB is an open connection pool to one database (MySQL: a schema; PostgreSQL: a database and its
// search path) that only reads: each statement in a read-only transaction of its own, one
// statement per call. Implementations are safe for concurrent use.
type DB interface {
	// Engine names the engine family: "mysql" or "postgres".
	Engine() string
	// Version is the server's version string, for reports.
	Version() string
	// Schema is the schema tables are looked up in when a name carries none.
	Schema() string

	// Tables lists the base tables of the default schema, sorted.
	Tables(ctx context.Context) ([]string, error)
	// Table introspects a table: its columns, and the key that identifies its rows (the primary
	// key, else a unique index on NOT NULL columns, else none). A missing table wraps ErrNotFound.
	Table(ctx context.Context, name string) (*Table, error)
	// EstimateRows is the engine's cheap estimate of a table's row count (statistics; may be stale).
	EstimateRows(ctx context.Context, t *Table) (int64, error)
	// CountRows counts the rows in a range exactly.
	CountRows(ctx context.Context, q Query) (int64, error)

	// KeyBounds returns the smallest and largest key of the rows q selects, or ok=false if none.
	KeyBounds(ctx context.Context, q Query) (lo, hi Key, ok bool, err error)
	// KeyAfter returns the key of the skip-th row after q.Range.Lo (skip >= 1) in key order, if
	// that row lies within q.Range; ok=false when fewer rows remain.
	KeyAfter(ctx context.Context, q Query, skip int) (k Key, ok bool, err error)

	// Scan streams the rows of q in canonical form. Row order is unspecified.
	Scan(ctx context.Context, q Query) (Rows, error)
	// Lookup streams the rows of q.Table whose key equals one of keys (q.Range is ignored).
	// Rows whose key only matches under a collation (case, trailing space) may be returned too;
	// callers compare canonical keys.
	Lookup(ctx context.Context, q Query, keys []Key) (Rows, error)
	Close() error
}

// Query says what to read from a table.
type Query struct {
	Table   *Table
	Columns []int  // indexes into Table.Columns, in the order Rows returns them
	Range   Range  // which keys; the zero Range is the whole table
	Where   string // an extra SQL condition from the user, applied as is; empty for none
}

// Rows is a stream of rows in canonical form.
type Rows interface {
	// Next advances to the next row, returning false at the end or on error.
	Next() bool
	// Values returns the current row's canonical column bytes, nil for NULL. The slices are
	// valid only until the next call to Next.
	Values() [][]byte
	// Err is the error that ended the stream, if any.
	Err() error
	// Close releases the stream; it is safe to call more than once.
	Close()
}

// Retrier is implemented by a DB that can tell a transient failure of a read (its connection
// killed, reset or timed out by the network, the server gone away, shutting down or not yet
// accepting connections, a deadlock, a lock wait or serialization failure, too many
// connections), after which the same read on another connection may well succeed, from a
// failure that would come back (a syntax error, a missing table, access denied). The verifier
// retries a transient failure, a bounded number of times.
type Retrier interface {
	Transient(err error) bool
}

// LoadReader is implemented by a DB that can tell how busy its server is: how many statements
// it runs at this moment (MySQL Threads_running, PostgreSQL active backends), for throttling.
type LoadReader interface {
	Running(ctx context.Context) (int64, error)
}

// Pinger is implemented by a DB that can check that its server still answers, without reading
// any table: the verifier asks it when a query runs past its limit, to tell a query that ran
// long from a server that stopped answering.
type Pinger interface {
	Ping(ctx context.Context) error
}
