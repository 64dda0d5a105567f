// Package mysql is the MySQL dialect: MySQL 5.7 and 8, MariaDB and Aurora MySQL.
//
// It reads over the text protocol (client-side parameter interpolation, no prepared statements),
// so every value arrives as the server's text and is put into canonical form here. Every statement
// runs in a read-only transaction of its own (read.go); sessions are pinned to UTC, so TIMESTAMP
// columns read the same whatever the server's zone.
package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

func init() {
	// The driver logs connection trouble to stderr on its own; errors reach callers anyway.
	driver.SetLogger(nopLogger{})
}

type nopLogger struct{}

func (nopLogger) Print(...any) {}

// DB is a read-only connection pool to one MySQL schema. It implements dialect.DB.
type DB struct {
	sqlkit.SQLReader  // KeyBounds, KeyAfter, Scan, Lookup over this engine's syntax
	sqlkit.Statements // Insert, Update, Delete, Comment of repair SQL from this engine's literals
	db                *sql.DB
	schema            string
	version           string
	mariadb           bool
	addr              string
	families          []checksum.Family // computed in SQL (pushdown.go)
	sharedVar         bool              // session variables may carry values between hashes
	groupSharedVar    bool              // and between hashes aggregated by group
	maxPacket         int64             // max_allowed_packet: the longest string a function returns
}

var _ dialect.DB = (*DB)(nil)

// ParseDSN turns a mysql:// URL (mysql://user:pass@host:port/db?tls=true&param=value) or
// go-sql-driver's native DSN (user:pass@tcp(host:port)/db?param=value) into a driver config.
// URL query parameters are the driver's own (tls, timeout, charset, ...); OpenAuth also reads
// ssl-ca=FILE (auth.go).
func ParseDSN(dsn string) (*driver.Config, error) {
	i := strings.Index(dsn, "://")
	if i < 0 {
		cfg, err := driver.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("mysql: %w: %v", dialect.ErrMalformedDSN, err)
		}
		return cfg, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse quotes pieces of the DSN, which may be pieces of the password.
		return nil, fmt.Errorf("mysql: %w: not a valid URL (percent-encode any / ? # @ : in the user or password)", dialect.ErrMalformedDSN)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("mysql: %w: no host", dialect.ErrMalformedDSN)
	}
	db := strings.TrimPrefix(u.Path, "/")
	// Let the driver parse the parameters; the rest comes from the URL.
	cfg, err := driver.ParseDSN("/" + url.PathEscape(db) + "?" + u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w: parameters: %v", dialect.ErrMalformedDSN, err)
	}
	cfg.DBName = db
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "3306"
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, fmt.Errorf("mysql: %w: bad port %q", dialect.ErrMalformedDSN, port)
	}
	cfg.Addr = net.JoinHostPort(host, port)
	if cfg.TLSConfig == "true" {
		// The driver named the server 127.0.0.1, its default address while it read the
		// parameters: the certificate must name the URL's host.
		cfg.TLS.ServerName = host
	}
	return cfg, nil
}

func init() {
	dialect.Register(dialect.MySQL, func(ctx context.Context, dsn string, conns int, auth dialect.Auth) (dialect.DB, error) {
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
	if err := useCA(cfg); err != nil {
		return nil, err
	}
	if err := usePassword(cfg, auth); err != nil {
		return nil, err
	}
	if err := checkDSN(cfg); err != nil {
		return nil, err
	}
	if maxConns <= 0 {
		maxConns = 8
	}
	cfg.InterpolateParams = true // text protocol: canonical forms are built from the server's text
	cfg.ParseTime = false
	if cfg.Timeout == 0 {
		cfg.Timeout = sqlkit.LoginTimeout
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.DialFunc = sqlkit.BufferedDial(sqlkit.Dialer())
	where := cfg.Addr
	// Each login has its bound (loginBound); the session's first statements share another.
	ctx, cancel := context.WithTimeoutCause(ctx, 2*cfg.Timeout, sqlkit.ErrOpenTimeout(2*cfg.Timeout))
	defer cancel()

	// A first connection learns the flavour, which names the read-only variable.
	version, err := probeVersion(ctx, cfg)
	if err != nil {
		return nil, connectError(where, cfg.DBName, sqlkit.OpenCause(ctx, err))
	}
	mariadb := strings.Contains(strings.ToLower(version), "mariadb")
	if mariadb || versionBefore(version, 5, 7, 20) {
		cfg.Params["tx_read_only"] = "1"
	} else {
		cfg.Params["transaction_read_only"] = "1"
	}
	conn, err := newConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %s: %w", where, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	d := &DB{db: db, schema: cfg.DBName, version: version, mariadb: mariadb, addr: where}
	d.SQLReader = sqlkit.SQLReader{Engine: dialect.MySQL, Syntax: syntax{}, Run: d.query}
	d.Statements = sqlkit.Statements{W: d}
	if d.schema == "" {
		var s sql.NullString
		if err := d.readRow(ctx, currentDatabase).Scan(&s); err != nil || !s.Valid {
			db.Close()
			if err != nil && ctx.Err() != nil {
				return nil, connectError(where, cfg.DBName, sqlkit.OpenCause(ctx, err))
			}
			return nil, fmt.Errorf("mysql: %s: the DSN names no database", where)
		}
		d.schema = s.String
	}
	d.probePushdown(ctx)
	return d, nil
}

func probeVersion(ctx context.Context, cfg *driver.Config) (string, error) {
	conn, err := newConnector(cfg)
	if err != nil {
		return "", err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	d := &DB{db: db}
	var v string
	err = d.readRow(ctx, versionQuery).Scan(&v)
	return v, err
}

// loginBound is a connector whose every connection, the pool's later ones too, must be made and
// logged in within limit. The driver bounds the dial with its timeout parameter (cfg.Timeout),
// not the handshake that follows: a server that accepts a connection and never sends its
// greeting would hold the caller as long as its context allows, the pool's own opener forever.
// The driver watches the context it is given until the login is done, and no longer.
type loginBound struct {
	sqldriver.Connector
	limit time.Duration
}

// errLogin is the cause of a login that took longer than its bound.
type errLogin time.Duration

func (e errLogin) Error() string {
	return fmt.Sprintf("no answer to the login within %s", time.Duration(e))
}

// newConnector is the driver's connector for cfg under a login bound of cfg.Timeout.
func newConnector(cfg *driver.Config) (sqldriver.Connector, error) {
	c, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return loginBound{Connector: c, limit: cfg.Timeout}, nil
}

// Connect implements driver.Connector.
func (c loginBound) Connect(ctx context.Context) (sqldriver.Conn, error) {
	lctx, cancel := context.WithTimeoutCause(ctx, c.limit, errLogin(c.limit))
	defer cancel()
	conn, err := c.Connector.Connect(lctx)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, fmt.Errorf("the login did not finish: %w", context.Cause(ctx))
	case lctx.Err() != nil:
		return nil, context.Cause(lctx)
	}
	return conn, err
}

// connectError says why a connection failed in one line: refused, access denied, unknown
// database, timeout.
func connectError(addr, db string, err error) error {
	var el errLogin
	if errors.As(err, &el) {
		return fmt.Errorf("mysql: cannot connect to %s: %w", addr, err)
	}
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1044, 1045:
			return fmt.Errorf("mysql: %s: access denied (wrong user or password): %w", addr, err)
		case 1698:
			// ER_ACCESS_DENIED_NO_PASSWORD_ERROR: an account that authenticates another way
			// (Debian's MariaDB gives root unix_socket authentication), or no such user there.
			return fmt.Errorf("mysql: %s: access denied (wrong user or password, or an account that only logs in another way, such as unix_socket): %w", addr, err)
		case 1862, 1820:
			return fmt.Errorf("mysql: %s: access denied (the password has expired): %w", addr, err)
		case 3118, 4151:
			return fmt.Errorf("mysql: %s: access denied (the account is locked): %w", addr, err)
		case 1049:
			return fmt.Errorf("mysql: %s: database %q: %w: %w", addr, db, dialect.ErrNotFound, err)
		}
	}
	return fmt.Errorf("mysql: cannot connect to %s: %w", addr, err)
}

// versionBefore reports whether a MySQL version string is older than major.minor.patch.
func versionBefore(v string, major, minor, patch int) bool {
	parts := strings.SplitN(strings.SplitN(v, "-", 2)[0], ".", 3)
	want := []int{major, minor, patch}
	for i := range want {
		if i >= len(parts) {
			return false
		}
		n, _ := strconv.Atoi(parts[i])
		if n != want[i] {
			return n < want[i]
		}
	}
	return false
}

// Engine implements dialect.DB.
func (d *DB) Engine() string { return dialect.MySQL }

// Version implements dialect.DB.
func (d *DB) Version() string { return d.version }

// Schema implements dialect.DB.
func (d *DB) Schema() string { return d.schema }

// Close implements dialect.DB.
func (d *DB) Close() error { return d.db.Close() }

// Tables implements dialect.DB.
func (d *DB) Tables(ctx context.Context) ([]string, error) {
	rows, err := d.read(ctx, listTables, d.schema)
	if err != nil {
		return nil, fmt.Errorf("mysql: list tables of %s: %w", d.schema, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("mysql: list tables of %s: %w", d.schema, err)
		}
		names = append(names, n)
	}
	slices.Sort(names) // by bytes: information_schema sorts by its collation
	return names, rows.Err()
}

// Table implements dialect.DB.
func (d *DB) Table(ctx context.Context, name string) (*dialect.Table, error) {
	schema := d.schema
	var kind string
	err := d.readRow(ctx, tableExists, schema, name).Scan(&kind)
	if s, n, ok := strings.Cut(name, "."); ok && errors.Is(err, sql.ErrNoRows) {
		// Not a table of the default schema whose name holds a dot: schema.table.
		schema, name = s, n
		err = d.readRow(ctx, tableExists, schema, name).Scan(&kind)
	}
	t := &dialect.Table{Schema: schema, Name: name, KeyKind: dialect.KeyNone}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("mysql: table %s: %w", t, dialect.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("mysql: table %s: %w", t, err)
	}
	if err := d.readColumns(ctx, t); err != nil {
		return nil, err
	}
	if err := d.readKey(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

func (d *DB) readColumns(ctx context.Context, t *dialect.Table) error {
	rows, err := d.read(ctx, listColumns, t.Schema, t.Name)
	if err != nil {
		return fmt.Errorf("mysql: columns of %s: %w", t, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, dataType, colType, nullable, collation, extra string
		if err := rows.Scan(&name, &dataType, &colType, &nullable, &collation, &extra); err != nil {
			return fmt.Errorf("mysql: columns of %s: %w", t, err)
		}
		c := dialect.Column{Name: name, Type: colType, Nullable: nullable == "YES", Collation: collation}
		extra = strings.ToUpper(extra)
		c.Generated = strings.Contains(extra, "VIRTUAL GENERATED") || strings.Contains(extra, "STORED GENERATED") || strings.Contains(extra, "PERSISTENT GENERATED")
		c.Class, c.PadChar = classify(strings.ToLower(dataType), strings.ToLower(colType))
		t.Columns = append(t.Columns, c)
	}
	// Closed before the next statement: its transaction holds a connection of the pool.
	if err := rows.Close(); err != nil {
		return fmt.Errorf("mysql: columns of %s: %w", t, err)
	}
	if d.mariadb {
		return d.readJSONChecks(ctx, t)
	}
	return nil
}

// readJSONChecks gives MariaDB's JSON columns (text with a json_valid check) the JSON class, so
// that they compare with another engine's JSON columns.
func (d *DB) readJSONChecks(ctx context.Context, t *dialect.Table) error {
	rows, err := d.read(ctx, jsonChecks, t.Schema, t.Name)
	if err != nil {
		return fmt.Errorf("mysql: check constraints of %s: %w", t, err)
	}
	defer rows.Close()
	for rows.Next() {
		var clause string
		if err := rows.Scan(&clause); err != nil {
			return fmt.Errorf("mysql: check constraints of %s: %w", t, err)
		}
		for i, c := range t.Columns {
			if c.Class == dialect.ClassString && !c.PadChar && clause == "json_valid("+quote(c.Name)+")" {
				t.Columns[i].Class = dialect.ClassJSON
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mysql: check constraints of %s: %w", t, err)
	}
	return nil
}

// classify maps a MySQL type to its class, and says whether it is a padded CHAR.
func classify(dataType, colType string) (dialect.Class, bool) {
	switch dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		if strings.Contains(colType, "unsigned") {
			return dialect.ClassUint, false
		}
		return dialect.ClassInt, false
	case "decimal", "numeric":
		return dialect.ClassDecimal, false
	case "float":
		return dialect.ClassFloat, false
	case "double", "real", "double precision":
		return dialect.ClassDouble, false
	case "bit":
		return dialect.ClassBit, false
	case "char":
		return dialect.ClassString, true
	case "varchar", "tinytext", "text", "mediumtext", "longtext":
		return dialect.ClassString, false
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return dialect.ClassBytes, false
	case "enum", "set":
		return dialect.ClassEnum, false
	case "date":
		return dialect.ClassDate, false
	case "time":
		return dialect.ClassTime, false
	case "datetime", "timestamp":
		return dialect.ClassTimestamp, false
	case "year":
		return dialect.ClassYear, false
	case "json":
		return dialect.ClassJSON, false
	case "uuid":
		return dialect.ClassUUID, false
	}
	return dialect.ClassOther, false
}

func (d *DB) readKey(ctx context.Context, t *dialect.Table) error {
	usable := ""
	switch {
	case d.mariadb && !versionBefore(d.version, 10, 6, 0):
		usable = usableIndexMariaDB
	case !d.mariadb && !versionBefore(d.version, 8, 0, 0):
		usable = usableIndexMySQL
	}
	rows, err := d.read(ctx, fmt.Sprintf(listUniqueIndexes, usable), t.Schema, t.Name)
	if err != nil {
		return fmt.Errorf("mysql: indexes of %s: %w", t, err)
	}
	defer rows.Close()
	type index struct {
		name   string
		cols   []int
		usable bool
	}
	var idx []*index
	for rows.Next() {
		var name string
		var col sql.NullString // NULL for an expression
		var prefix bool
		if err := rows.Scan(&name, &col, &prefix); err != nil {
			return fmt.Errorf("mysql: indexes of %s: %w", t, err)
		}
		if len(idx) == 0 || idx[len(idx)-1].name != name {
			idx = append(idx, &index{name: name, usable: true})
		}
		x := idx[len(idx)-1]
		c := t.Column(col.String)
		if !col.Valid || c < 0 || prefix || t.Columns[c].Nullable {
			x.usable = false // an expression, a prefix or a NULL-able column: not a row identity
			continue
		}
		x.cols = append(x.cols, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mysql: indexes of %s: %w", t, err)
	}
	var best *index
	for _, x := range idx {
		if !x.usable {
			continue
		}
		if x.name == "PRIMARY" {
			best = x
			break
		}
		if best == nil || len(x.cols) < len(best.cols) {
			best = x
		}
	}
	if best != nil {
		t.Key, t.KeyName, t.KeyKind = best.cols, best.name, dialect.KeyUnique
		if best.name == "PRIMARY" {
			t.KeyKind = dialect.KeyPrimary
		}
	}
	return nil
}

// EstimateRows implements dialect.DB.
func (d *DB) EstimateRows(ctx context.Context, t *dialect.Table) (int64, error) {
	var n int64
	if err := d.readRow(ctx, tableRows, t.Schema, t.Name).Scan(&n); err != nil {
		return 0, fmt.Errorf("mysql: row estimate of %s: %w", t, err)
	}
	return n, nil
}

// CountRows implements dialect.DB.
func (d *DB) CountRows(ctx context.Context, q dialect.Query) (int64, error) {
	pred, args := rangePredicate(q)
	var n int64
	if err := d.readRow(ctx, fmt.Sprintf(countRows, quoteTable(q.Table), pred), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("mysql: count rows of %s: %w", q.Table, err)
	}
	return n, nil
}

// indexHint forces the key's index, if the key is one here.
func indexHint(t *dialect.Table) string {
	if t.KeyName == "" {
		return ""
	}
	return fmt.Sprintf(forceIndex, quote(t.KeyName))
}

func (d *DB) query(ctx context.Context, t *dialect.Table, cols []int, query string, args []any) (dialect.Rows, error) {
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("mysql: read %s: %w", t, err)
	}
	return newRowStream(t, cols, rows), nil
}

// limited gives a SELECT the time left before ctx's deadline as a server-side limit, a little
// longer than the client's: when the client gives up, the driver drops the connection, and
// MySQL would otherwise run the statement to its end. MariaDB: SET STATEMENT
// max_statement_time; MySQL 5.7.8+: the MAX_EXECUTION_TIME hint.
func (d *DB) limited(ctx context.Context, query string) string {
	deadline, ok := ctx.Deadline()
	if !ok || !strings.HasPrefix(query, "SELECT ") {
		return query
	}
	left := time.Until(deadline)
	if left <= 0 {
		return query
	}
	limit := left + left/10 + 100*time.Millisecond
	if d.mariadb {
		return fmt.Sprintf("SET STATEMENT max_statement_time=%.3f FOR %s", limit.Seconds(), query)
	}
	if versionBefore(d.version, 5, 7, 8) {
		return query
	}
	return fmt.Sprintf("SELECT /*+ MAX_EXECUTION_TIME(%d) */ %s", limit.Milliseconds(), query[len("SELECT "):])
}
