package mysql

import (
	"context"
	sqldriver "database/sql/driver"
	"fmt"
	"io"
	"syscall"
	"testing"

	driver "github.com/go-sql-driver/mysql"
)

// TestTransient: lost connections, killed connections, deadlocks and lock waits are retried;
// the server's refusals of the statement itself, its time limit and the caller's cancellation
// are not.
func TestTransient(t *testing.T) {
	d := &DB{}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{driver.ErrInvalidConn, true},
		{sqldriver.ErrBadConn, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{fmt.Errorf("mysql: read t: %w", &driver.MySQLError{Number: 1927, Message: "Connection was killed"}), true},
		{&driver.MySQLError{Number: 1213}, true},
		{&driver.MySQLError{Number: 1205}, true},
		{&driver.MySQLError{Number: 1040}, true},
		{&driver.MySQLError{Number: 1053}, true},
		{&driver.MySQLError{Number: 1064}, false}, // syntax
		{&driver.MySQLError{Number: 1146}, false}, // no such table
		{&driver.MySQLError{Number: 1045}, false}, // access denied
		{&driver.MySQLError{Number: 1969}, false}, // MariaDB max_statement_time
		{&driver.MySQLError{Number: 3024}, false}, // MySQL MAX_EXECUTION_TIME
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
	} {
		if got := d.Transient(c.err); got != c.want {
			t.Errorf("Transient(%v) = %v; want %v", c.err, got, c.want)
		}
	}
}
