package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Side names an endpoint's role in a compare.
type Side string

// The two sides.
const (
	Source Side = "source"
	Target Side = "target"
)

// Endpoint is one side of a compare: an open database and how to name it in messages.
type Endpoint struct {
	Side    Side
	DB      dialect.DB
	dsn     string   // masked
	secrets []string // passwords, to scrub from messages that drivers build
}

// OpenOptions tune Open. Zero values mean the defaults.
type OpenOptions struct {
	Conns int // the most connections the pool holds; 0 means 8
	// Auth gives the password when the DSN has none: a password file's, a prompt's, or a token
	// made for each connection (package creds builds it from Secrets Manager and RDS IAM DSNs).
	// The zero Auth reads MYSQL_PWD / PGPASSWORD and ~/.my.cnf / ~/.pgpass.
	Auth dialect.Auth
}

// Open connects to a DSN as one side of a compare.
// DSNs are URLs (mysql://user:pass@host:3306/db?tls=true, postgres://user:pass@host:5432/db) or
// the drivers' native forms. The DSN's engine must be registered: import its package
// (pkg/dialect/mysql, pkg/dialect/postgres).
func Open(ctx context.Context, side Side, dsn string, opt OpenOptions) (*Endpoint, error) {
	auth := opt.Auth
	e := &Endpoint{Side: side, dsn: dialect.MaskDSN(dsn), secrets: []string{dialect.Password(dsn), auth.Password}}
	if !auth.NoDefaults {
		e.secrets = append(e.secrets, os.Getenv("MYSQL_PWD"), os.Getenv("PGPASSWORD"))
	}
	if prompt := auth.Prompt; prompt != nil {
		auth.Prompt = func(l dialect.Login) (string, error) {
			p, err := prompt(l)
			e.secrets = append(e.secrets, p) // Open calls it before it returns
			return p, err
		}
	}
	db, err := dialect.Open(ctx, dsn, opt.Conns, auth)
	if errors.Is(err, dialect.ErrMalformedDSN) || errors.Is(err, dialect.ErrUnsafeDSN) || errors.Is(err, dialect.ErrNoEngine) {
		err = invalid(err)
	}
	if err != nil {
		return nil, e.errorf("", err)
	}
	e.DB = db
	return e, nil
}

// NewEndpoint wraps an already open database (a custom dialect, or one opened with options
// Open does not offer).
func NewEndpoint(side Side, db dialect.DB, maskedDSN string) *Endpoint {
	return &Endpoint{Side: side, DB: db, dsn: maskedDSN}
}

// DSN is the endpoint's DSN with its password masked.
func (e *Endpoint) DSN() string { return e.dsn }

// Close closes the database.
func (e *Endpoint) Close() error {
	if e == nil || e.DB == nil {
		return nil
	}
	return e.DB.Close()
}

// tableName is a table's name as reports show it: without the schema when it is the default one.
func (e *Endpoint) tableName(t *dialect.Table) string {
	if t.Schema == e.DB.Schema() {
		return t.Name
	}
	return t.String()
}

// tableError wraps err as this side's error about table t.
func (e *Endpoint) tableError(t *dialect.Table, err error) error {
	return e.errorf(e.tableName(t), err)
}

func (e *Endpoint) String() string { return fmt.Sprintf("%s (%s)", e.Side, e.dsn) }

// errorf wraps err as this side's error about table (empty for the endpoint itself).
func (e *Endpoint) errorf(table string, err error) error {
	return &Error{Side: e.Side, DSN: e.dsn, Table: table, Err: err, secrets: e.secrets}
}

// ErrInvalid is wrapped by errors in the caller's input (a malformed DSN, options that cannot
// work, a pattern that matches no table), as opposed to failures while comparing.
var ErrInvalid = errors.New("invalid input")

// ErrStopped is returned by Compare when Options.Stop was closed: the chunks under way finished
// (and are in the checkpoint, if there is one), the rest was not compared.
var ErrStopped = errors.New("stopped before the end: the chunks under way finished")

// invalid marks err as the caller's bad input without changing its message.
func invalid(err error) error { return invalidError{err} }

type invalidError struct{ error }

func (e invalidError) Unwrap() []error { return []error{e.error, ErrInvalid} }

// Error is a failure on one side of a compare.
type Error struct {
	Side    Side
	DSN     string // masked
	Table   string // empty when the failure is not about one table
	Err     error
	secrets []string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Side))
	if e.DSN != "" {
		fmt.Fprintf(&b, " (%s)", e.DSN)
	}
	if e.Table != "" {
		fmt.Fprintf(&b, " table %s", e.Table)
	}
	b.WriteString(": ")
	msg := strings.ReplaceAll(e.Err.Error(), "\n", " ")
	b.WriteString(dialect.Scrub(msg, e.secrets...))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
