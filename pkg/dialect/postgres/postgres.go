// Package postgres is the PostgreSQL dialect (12 and later), over pgx.
//
// Results are requested in text format, so every value arrives as the server's text and is put
// into canonical form here. Every statement runs in a read-only transaction of its own (read.go);
// sessions are pinned to UTC, ISO dates, hex bytea and shortest round-trip floats, whatever the
// server's or the role's defaults.
package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// DB is a read-only connection pool to one PostgreSQL database. It implements dialect.DB.
type DB struct {
	sqlkit.SQLReader  // KeyBounds, KeyAfter, Scan, Lookup over this engine's syntax
	sqlkit.Statements // Insert, Update, Delete, Comment of repair SQL from this engine's literals
	pool              *pgxpool.Pool
	schema            string
	version           string
	addr              string
	families          []checksum.Family // computed in SQL (pushdown.go)
	trimScale         bool              // trim_scale() exists (PostgreSQL 13+)
}

var _ dialect.DB = (*DB)(nil)

// sessionSettings pin everything that changes how values print.
var sessionSettings = map[string]string{
	"default_transaction_read_only": "on",
	"TimeZone":                      "UTC",
	"DateStyle":                     "ISO, YMD",
	"IntervalStyle":                 "postgres",
	"bytea_output":                  "hex",
	"extra_float_digits":            "1", // shortest text that round-trips (PostgreSQL 12+)
	"application_name":              "dbverify",
}

// ParseDSN parses a postgres:// URL or a libpq keyword/value string into a pool config.
func ParseDSN(dsn string) (*pgxpool.Config, error) {
	if strings.HasPrefix(strings.ToLower(dsn), "pg://") {
		dsn = "postgres://" + dsn[len("pg://"):]
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w: %s", dialect.ErrMalformedDSN, parseError(err, dsn))
	}
	for _, h := range append([]*pgconn.FallbackConfig{{Host: cfg.ConnConfig.Host}}, cfg.ConnConfig.Fallbacks...) {
		if strings.ContainsAny(h.Host, "@?#") {
			// An unencoded '@' in the password: pgx split at the first one, and the rest of
			// the password would show as the host in every message.
			return nil, fmt.Errorf("postgres: %w: not a valid URL (percent-encode any / ? # @ : in the user or password)", dialect.ErrMalformedDSN)
		}
	}
	return cfg, nil
}

// parseError is what went wrong parsing a DSN, without the DSN: pgx quotes it with the password
// masked only up to the first '@' ("cannot parse `...`: invalid port").
func parseError(err error, dsn string) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return "cannot parse"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Parse quotes pieces of the DSN, which may be pieces of the password.
		return "not a valid URL (percent-encode any / ? # @ : in the user or password)"
	}
	msg := "cannot parse"
	if pe.Unwrap() != nil {
		msg = pe.Unwrap().Error()
	} else if i := strings.LastIndex(pe.Error(), "`: "); i >= 0 {
		msg = pe.Error()[i+3:]
	}
	if p := dialect.Password(dsn); p != "" {
		msg = strings.ReplaceAll(msg, p, "***")
	}
	return msg
}

func init() {
	dialect.Register(dialect.Postgres, func(ctx context.Context, dsn string, conns int, auth dialect.Auth) (dialect.DB, error) {
		db, err := OpenAuth(ctx, dsn, conns, auth)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return db, nil
	})
}

// Open connects to the database a DSN names, checks it answers, and returns a pool of at most
// maxConns read-only connections (0 means 8).
func Open(ctx context.Context, dsn string, maxConns int) (*DB, error) {
	return OpenAuth(ctx, dsn, maxConns, dialect.Auth{})
}

// OpenAuth is Open with the password taken from auth when the DSN has none (auth.go).
func OpenAuth(ctx context.Context, dsn string, maxConns int, auth dialect.Auth) (*DB, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if err := usePassword(cfg, auth, dialect.Password(dsn)); err != nil {
		return nil, err
	}
	if err := checkDSN(cfg); err != nil {
		return nil, err
	}
	if maxConns <= 0 {
		maxConns = 8
	}
	cfg.MaxConns = int32(maxConns)
	// connect_timeout bounds the whole of each connection's making: dial, TLS, authentication
	// and session setup (pgconn: "ConnectTimeout restricts the whole connection process").
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = sqlkit.LoginTimeout
	}
	for k, v := range sessionSettings {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	cfg.ConnConfig.DialFunc = sqlkit.BufferedDial(sqlkit.Dialer())
	addr := fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port)
	// Each login has its bound (connect_timeout); the session's first statements share another.
	ctx, cancel := context.WithTimeoutCause(ctx, 2*cfg.ConnConfig.ConnectTimeout, sqlkit.ErrOpenTimeout(2*cfg.ConnConfig.ConnectTimeout))
	defer cancel()
	connectError := func(addr, db string, err error) error {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("postgres: cannot connect to %s: %w", addr, sqlkit.OpenCause(ctx, err))
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("postgres: cannot connect to %s: no answer to the login within %s", addr, cfg.ConnConfig.ConnectTimeout)
		}
		return connectError(addr, db, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(addr, cfg.ConnConfig.Database, err)
	}
	d := &DB{pool: pool, addr: addr}
	d.SQLReader = sqlkit.SQLReader{Engine: dialect.Postgres, Syntax: syntax{}, Run: d.query}
	d.Statements = sqlkit.Statements{W: d}
	if err := d.readRow(ctx, versionQuery).Scan(&d.version); err != nil {
		pool.Close()
		return nil, connectError(addr, cfg.ConnConfig.Database, err)
	}
	if err := d.readRow(ctx, currentSchema).Scan(&d.schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: current schema: %w", addr, sqlkit.OpenCause(ctx, err))
	}
	d.probePushdown(ctx)
	return d, nil
}

// connectError says why a connection failed in one line. pgx's own message repeats the host
// and user; the server's error (with its SQLSTATE) is what matters.
func connectError(addr, db string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fmt.Errorf("postgres: %s: access denied (wrong user or password): %s (SQLSTATE %s)", addr, pe.Message, pe.Code)
		case "3D000":
			return fmt.Errorf("postgres: %s: database %q: %w: %s", addr, db, dialect.ErrNotFound, pe.Message)
		}
		return fmt.Errorf("postgres: cannot connect to %s: %s (SQLSTATE %s)", addr, pe.Message, pe.Code)
	}
	// pgx joins every attempt (each address, with and without TLS) into one long message; the
	// network error of the last attempt says it all.
	var ne *net.OpError
	if errors.As(err, &ne) {
		return fmt.Errorf("postgres: cannot connect to %s: %v", addr, ne)
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return fmt.Errorf("postgres: cannot connect to %s: %v", addr, de)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("postgres: cannot connect to %s: timed out", addr)
	}
	return fmt.Errorf("postgres: cannot connect to %s: %v", addr, err)
}

// Engine implements dialect.DB.
func (d *DB) Engine() string { return dialect.Postgres }

// Version implements dialect.DB.
func (d *DB) Version() string { return d.version }

// Schema implements dialect.DB.
func (d *DB) Schema() string { return d.schema }

// closeWait is how long Close waits for the pool's connections to close.
const closeWait = 2 * time.Second

// Close implements dialect.DB. It waits for the pool to close at most closeWait: a connection
// whose query was interrupted is closed only after a cancel request to its server, which pgx
// gives 15s, and a server that stopped answering never answers it; that goes on in the
// background.
func (d *DB) Close() error {
	done := make(chan struct{})
	go func() { d.pool.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(closeWait):
	}
	return nil
}

// Tables implements dialect.DB.
func (d *DB) Tables(ctx context.Context) ([]string, error) {
	rows, err := d.read(ctx, listTables, d.schema)
	if err != nil {
		return nil, fmt.Errorf("postgres: list tables of %s: %w", d.schema, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: list tables of %s: %w", d.schema, err)
	}
	return names, nil
}

// Table implements dialect.DB.
func (d *DB) Table(ctx context.Context, name string) (*dialect.Table, error) {
	schema := d.schema
	var oid uint32
	var own bool
	err := d.readRow(ctx, tableOID, schema, name).Scan(&oid, &own)
	if s, n, ok := strings.Cut(name, "."); ok && errors.Is(err, pgx.ErrNoRows) {
		// Not a table of the default schema whose name holds a dot: schema.table.
		schema, name = s, n
		err = d.readRow(ctx, tableOID, schema, name).Scan(&oid, &own)
	}
	t := &dialect.Table{Schema: schema, Name: name, KeyKind: dialect.KeyNone, OwnRowsOnly: own}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: table %s: %w", t, dialect.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: table %s: %w", t, err)
	}
	attnums, err := d.readColumns(ctx, t, oid)
	if err != nil {
		return nil, err
	}
	if err := d.readKey(ctx, t, oid, attnums); err != nil {
		return nil, err
	}
	return t, nil
}

func (d *DB) readColumns(ctx context.Context, t *dialect.Table, oid uint32) (map[int]int, error) {
	rows, err := d.read(ctx, listColumns, oid)
	if err != nil {
		return nil, fmt.Errorf("postgres: columns of %s: %w", t, err)
	}
	defer rows.Close()
	attnums := map[int]int{}
	for rows.Next() {
		var num int16
		var c dialect.Column
		var typname, typtype string
		var notNull bool
		if err := rows.Scan(&num, &c.Name, &c.Type, &c.BaseType, &typname, &typtype, &notNull, &c.Collation, &c.Generated, &c.IdentityAlways); err != nil {
			return nil, fmt.Errorf("postgres: columns of %s: %w", t, err)
		}
		c.Nullable = !notNull
		c.Class, c.PadChar = classify(typname, typtype)
		attnums[int(num)] = len(t.Columns)
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: columns of %s: %w", t, err)
	}
	return attnums, nil
}

// classify maps a PostgreSQL type (pg_type.typname, typtype) to its class.
func classify(typname, typtype string) (dialect.Class, bool) {
	if typtype == "e" {
		return dialect.ClassEnum, false
	}
	switch typname {
	case "int2", "int4", "int8":
		return dialect.ClassInt, false
	case "oid", "xid":
		return dialect.ClassUint, false
	case "numeric":
		return dialect.ClassDecimal, false
	case "float4":
		return dialect.ClassFloat, false
	case "float8":
		return dialect.ClassDouble, false
	case "bool":
		return dialect.ClassBool, false
	case "bit", "varbit":
		return dialect.ClassBit, false
	case "bpchar":
		return dialect.ClassString, true
	case "varchar", "text", "name", "citext":
		return dialect.ClassString, false
	case "bytea":
		return dialect.ClassBytes, false
	case "date":
		return dialect.ClassDate, false
	case "time":
		return dialect.ClassTime, false
	case "timestamp", "timestamptz":
		return dialect.ClassTimestamp, false
	case "json", "jsonb":
		return dialect.ClassJSON, false
	case "uuid":
		return dialect.ClassUUID, false
	}
	return dialect.ClassOther, false
}

func (d *DB) readKey(ctx context.Context, t *dialect.Table, oid uint32, attnums map[int]int) error {
	rows, err := d.read(ctx, listUniqueIndexes, oid)
	if err != nil {
		return fmt.Errorf("postgres: indexes of %s: %w", t, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, keys string
		var primary bool
		if err := rows.Scan(&name, &primary, &keys); err != nil {
			return fmt.Errorf("postgres: indexes of %s: %w", t, err)
		}
		cols, ok := indexColumns(t, keys, attnums)
		if !ok || t.Key != nil {
			continue
		}
		t.Key, t.KeyName, t.KeyKind = cols, name, dialect.KeyUnique
		if primary {
			t.KeyKind = dialect.KeyPrimary
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: indexes of %s: %w", t, err)
	}
	return nil
}

// indexColumns maps an index's key column numbers to t's columns; ok is false when the index
// covers a NULL-able column, which does not identify rows.
func indexColumns(t *dialect.Table, indkey string, attnums map[int]int) ([]int, bool) {
	var cols []int
	for _, f := range strings.Fields(indkey) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		c, ok := attnums[n]
		if !ok || t.Columns[c].Nullable {
			return nil, false
		}
		cols = append(cols, c)
	}
	return cols, len(cols) > 0
}

// EstimateRows implements dialect.DB.
func (d *DB) EstimateRows(ctx context.Context, t *dialect.Table) (int64, error) {
	var n int64
	err := d.readRow(ctx, tableRows, quoteTable(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: row estimate of %s: %w", t, err)
	}
	return n, nil
}

// CountRows implements dialect.DB.
func (d *DB) CountRows(ctx context.Context, q dialect.Query) (int64, error) {
	pred, args := rangePredicate(q)
	var n int64
	if err := d.readRow(ctx, fmt.Sprintf(countRows, fromTable(q.Table), pred), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count rows of %s: %w", q.Table, err)
	}
	return n, nil
}

// textResults asks for every result column in text format.
var textResults = pgx.QueryResultFormats{pgx.TextFormatCode}

func (d *DB) query(ctx context.Context, t *dialect.Table, cols []int, query string, args []any) (dialect.Rows, error) {
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: read %s: %w", t, err)
	}
	return &rowStream{rows: rows, t: t, enc: sqlkit.NewRowEncoder(t, cols, appendCanonical)}, nil
}

// rowStream reads rows in text format and puts each value into canonical form.
type rowStream struct {
	rows pgx.Rows
	t    *dialect.Table
	enc  *sqlkit.RowEncoder
	out  [][]byte
	err  error
}

func (s *rowStream) Next() bool {
	if s.err != nil {
		return false
	}
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			s.err = fmt.Errorf("postgres: read %s: %w", s.t, err)
		}
		return false
	}
	s.out, s.err = s.enc.Encode(s.rows.RawValues())
	if s.err != nil {
		s.err = fmt.Errorf("postgres: %w", s.err)
	}
	return s.err == nil
}

func (s *rowStream) Values() [][]byte { return s.out }
func (s *rowStream) Err() error       { return s.err }
func (s *rowStream) Close()           { s.rows.Close() }

// appendCanonical appends the canonical form of one non-NULL value in PostgreSQL's text form:
// numeric's NaN and infinities, bit strings and hex bytea are PostgreSQL's own; everything else
// is in the common text forms.
func appendCanonical(dst, raw []byte, c dialect.Column) ([]byte, error) {
	switch c.Class {
	case dialect.ClassDecimal:
		switch string(raw) {
		case "NaN", "Infinity", "-Infinity":
			return append(dst, raw...), nil
		}
	case dialect.ClassBit:
		return checksum.AppendBitString(dst, raw)
	case dialect.ClassBytes:
		if len(raw) < 2 || raw[0] != '\\' || raw[1] != 'x' {
			return dst, fmt.Errorf("bytea not in hex format: %.20q", raw)
		}
		n := len(dst)
		dst = append(dst, make([]byte, (len(raw)-2)/2)...)
		if _, err := hex.Decode(dst[n:], raw[2:]); err != nil {
			return dst[:n], fmt.Errorf("bytea: %w", err)
		}
		return dst, nil
	}
	return sqlkit.AppendCanonical(dst, raw, c)
}
