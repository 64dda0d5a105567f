package mysql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.WhereChecker = (*DB)(nil)

// prepareWhere is the statement the server prepares to check a row filter on a table.
const prepareWhere = "SELECT 1 FROM %s WHERE (%s)"

// reading is one way the server may read the quotes of a condition. The SQL mode decides it
// (NO_BACKSLASH_ESCAPES, ANSI_QUOTES), and a session, even a statement, may change the SQL mode
// after the check: a condition must stay one expression under every reading.
type reading struct {
	backslash  bool   // a backslash escapes the next character in '...' (and in "..." strings)
	ansiQuotes bool   // "..." is a name, in which a backslash is a plain character
	name       string // for messages; empty for the default
}

var readings = []reading{
	{backslash: true},
	{name: "reading backslashes in strings as plain characters (SQL mode NO_BACKSLASH_ESCAPES)"},
	{backslash: true, ansiQuotes: true, name: `reading "..." as a name (SQL mode ANSI_QUOTES)`},
}

// CheckWhere implements dialect.WhereChecker.
func (d *DB) CheckWhere(cond string) error { return checkCondition(cond) }

// checkCondition checks cond under every reading (see dialect.WhereChecker.CheckWhere).
func checkCondition(cond string) error {
	if i := strings.IndexByte(cond, 0); i >= 0 {
		return sqlkit.WhereError(cond, i, "a NUL byte", "")
	}
	for _, r := range readings {
		if err := r.check(cond); err != nil {
			return err
		}
	}
	return nil
}

// check lexes s as MySQL reads it under r: quoted strings and names ('...', "...", `...`, a
// doubled quote standing for itself), comments (#, -- and /* */, including MySQL's executable
// /*! */ and optimizer hints /*+ */) and the characters that matter outside quotes.
func (r reading) check(s string) error {
	var open []int // where each parenthesis still open was opened
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			end := sqlkit.ClosingQuote(s, i, c == '\'' && r.backslash || c == '"' && r.backslash && !r.ansiQuotes)
			if end < 0 {
				return sqlkit.WhereError(s, i, "a quote that is never closed", r.name)
			}
			i = end
		case ';':
			return sqlkit.WhereError(s, i, "a semicolon outside quotes", r.name)
		case '#':
			return sqlkit.WhereError(s, i, "a comment (#)", r.name)
		case '-', '/':
			// "--" starts a comment when a space follows; rejected whatever follows, so that no
			// reading of the spaces matters ("- -" is two minus signs).
			if next := sqlkit.ByteAt(s, i+1); c == '-' && next == '-' || c == '/' && next == '*' {
				return sqlkit.WhereError(s, i, "a comment ("+s[i:i+2]+")", r.name)
			}
		case '\\':
			// Outside quotes MySQL reads \N as NULL and takes any other backslash with the
			// character after it, a quote included: refused, so that no quote goes unseen.
			return sqlkit.WhereError(s, i, "a backslash outside quotes (write NULL for \\N)", r.name)
		case '?':
			// The driver would put a parameter of dbverify's own there.
			return sqlkit.WhereError(s, i, "a parameter marker ? outside quotes", r.name)
		case '(':
			open = append(open, i)
		case ')':
			if len(open) == 0 {
				return sqlkit.WhereError(s, i, "a ')' that closes a parenthesis the condition did not open", r.name)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return sqlkit.WhereError(s, open[len(open)-1], "a '(' that is never closed", r.name)
	}
	return nil
}

// PrepareWhere implements dialect.WhereChecker. COM_STMT_PREPARE takes one statement only,
// whatever the connection's options, and runs nothing; it is sent inside a read-only
// transaction all the same.
func (d *DB) PrepareWhere(ctx context.Context, t *dialect.Table, cond string) error {
	if err := checkCondition(cond); err != nil {
		return err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mysql: check the row filter on %s: %w", t, err)
	}
	if _, err := conn.ExecContext(ctx, beginReadOnly); err != nil {
		discard(conn)
		return fmt.Errorf("mysql: check the row filter on %s: %w", t, err)
	}
	stmt, err := conn.PrepareContext(ctx, fmt.Sprintf(prepareWhere, quoteTable(t), cond))
	if err == nil {
		err = stmt.Close()
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, commit)
	}
	if err != nil {
		discard(conn)
		var me *driver.MySQLError
		if errors.As(err, &me) {
			return fmt.Errorf("%w: the server rejects it on %s: %v", dialect.ErrBadWhere, t, err)
		}
		return fmt.Errorf("mysql: check the row filter on %s: %w", t, err)
	}
	return conn.Close()
}
