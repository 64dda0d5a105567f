package postgres

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestTransient: a terminated backend, a lost connection, serialization failures and deadlocks
// are retried; the statement's own errors, a cancelled query (the verifier's time limits) and
// the caller's cancellation are not.
func TestTransient(t *testing.T) {
	d := &DB{}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("postgres: read t: %w", &pgconn.PgError{Code: "57P01"}), true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "53300"}, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined table
		{&pgconn.PgError{Code: "42601"}, false}, // syntax
		{&pgconn.PgError{Code: "28P01"}, false}, // password
		{&pgconn.PgError{Code: "57014"}, false}, // query_canceled: statement_timeout
		{context.Canceled, false},
	} {
		if got := d.Transient(c.err); got != c.want {
			t.Errorf("Transient(%v) = %v; want %v", c.err, got, c.want)
		}
	}
}
