package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.WhereChecker = (*DB)(nil)

// prepareWhere is the statement the server prepares to check a row filter on a table.
const prepareWhere = "SELECT 1 FROM %s WHERE (%s)"

// reading is one way the server may read the quotes of a condition: whether a backslash escapes
// the next character in a plain '...' string depends on standard_conforming_strings, which
// any statement may change for the session (set_config), so a condition must stay one
// expression under both. In E'...' a backslash always escapes.
type reading struct {
	backslash bool   // standard_conforming_strings is off
	name      string // for messages; empty for the default
}

var readings = []reading{
	{},
	{backslash: true, name: "reading backslashes in '...' as escapes (standard_conforming_strings off)"},
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

// isIdentStart and isIdentCont are the characters that start and continue a name or key word
// in PostgreSQL's lexer (ident_start, ident_cont): a '$' inside a name is part of it, not a
// dollar quote.
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// check lexes s as PostgreSQL reads it under r: names and key words, numbers, '...' strings (and
// their E'...', U&'...', B'...', X'...' forms), "..." and U&"..." names, $tag$...$tag$ strings,
// comments (-- and /* */) and the characters that matter outside quotes.
func (r reading) check(s string) error {
	var open []int // where each parenthesis still open was opened
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (c == 'e' || c == 'E') && sqlkit.ByteAt(s, i+1) == '\'':
			end := sqlkit.ClosingQuote(s, i+1, true)
			if end < 0 {
				return sqlkit.WhereError(s, i, "a quote that is never closed", r.name)
			}
			i = end
		case (c == 'u' || c == 'U') && sqlkit.ByteAt(s, i+1) == '&' && (sqlkit.ByteAt(s, i+2) == '\'' || sqlkit.ByteAt(s, i+2) == '"'):
			// A Unicode escape string or name: a backslash starts an escape of hex digits, never
			// a quote; the plain reading of its quotes is the right one.
			end := sqlkit.ClosingQuote(s, i+2, false)
			if end < 0 {
				return sqlkit.WhereError(s, i, "a quote that is never closed", r.name)
			}
			i = end
		case isIdentStart(c):
			for i+1 < len(s) && isIdentCont(s[i+1]) {
				i++
			}
		case isDigit(c) || c == '.' && isDigit(sqlkit.ByteAt(s, i+1)):
			i = number(s, i)
			if isIdentStart(sqlkit.ByteAt(s, i+1)) || sqlkit.ByteAt(s, i+1) == '$' {
				// PostgreSQL 15 refuses "trailing junk after numeric literal"; older versions
				// read 123abc as 123 and a name, which a '$' would continue.
				return sqlkit.WhereError(s, i+1, "a number followed directly by a name or '$'", r.name)
			}
		case c == '\'':
			end := sqlkit.ClosingQuote(s, i, r.backslash)
			if end < 0 {
				return sqlkit.WhereError(s, i, "a quote that is never closed", r.name)
			}
			i = end
		case c == '"':
			end := sqlkit.ClosingQuote(s, i, false)
			if end < 0 {
				return sqlkit.WhereError(s, i, "a quote that is never closed", r.name)
			}
			i = end
		case c == '$':
			if isDigit(sqlkit.ByteAt(s, i+1)) {
				// A parameter: it would be bound to one of dbverify's own.
				return sqlkit.WhereError(s, i, "a parameter marker $n", r.name)
			}
			tag, ok := dollarTag(s, i)
			if !ok {
				continue // a lone '$': the server's syntax error
			}
			end := strings.Index(s[i+len(tag):], tag)
			if end < 0 {
				return sqlkit.WhereError(s, i, "a dollar quote "+tag+" that is never closed", r.name)
			}
			i += len(tag) + end + len(tag) - 1
		case c == ';':
			return sqlkit.WhereError(s, i, "a semicolon outside quotes", r.name)
		case c == '-' && sqlkit.ByteAt(s, i+1) == '-', c == '/' && sqlkit.ByteAt(s, i+1) == '*':
			return sqlkit.WhereError(s, i, "a comment ("+s[i:i+2]+")", r.name)
		case c == '\\':
			return sqlkit.WhereError(s, i, "a backslash outside quotes", r.name)
		case c == '(':
			open = append(open, i)
		case c == ')':
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

// number returns the index of the last byte of the number that starts at s[i]: digits and
// points, then an exponent (e, an optional sign, digits).
func number(s string, i int) int {
	for i+1 < len(s) && (isDigit(s[i+1]) || s[i+1] == '.') {
		i++
	}
	if e := sqlkit.ByteAt(s, i+1); e == 'e' || e == 'E' {
		j := i + 2
		if sign := sqlkit.ByteAt(s, j); sign == '+' || sign == '-' {
			j++
		}
		if isDigit(sqlkit.ByteAt(s, j)) {
			for i = j; isDigit(sqlkit.ByteAt(s, i+1)); i++ {
			}
		}
	}
	return i
}

// dollarTag returns the dollar quote that starts at s[i] ($$ or $tag$), if one does.
func dollarTag(s string, i int) (string, bool) {
	j := i + 1
	if isIdentStart(sqlkit.ByteAt(s, j)) {
		for j++; j < len(s) && isIdentCont(s[j]) && s[j] != '$'; j++ {
		}
	}
	if sqlkit.ByteAt(s, j) != '$' {
		return "", false
	}
	return s[i : j+1], true
}

// PrepareWhere implements dialect.WhereChecker. The extended protocol's Parse takes one
// statement ("cannot insert multiple commands into a prepared statement") and runs nothing; it
// is sent inside a read-only transaction all the same.
func (d *DB) PrepareWhere(ctx context.Context, t *dialect.Table, cond string) error {
	if err := checkCondition(cond); err != nil {
		return err
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: check the row filter on %s: %w", t, err)
	}
	defer conn.Release() // a connection left in its transaction by an error is closed, not reused
	if _, err := conn.Exec(ctx, beginReadOnly); err != nil {
		return fmt.Errorf("postgres: check the row filter on %s: %w", t, err)
	}
	_, err = conn.Conn().PgConn().Prepare(ctx, "", fmt.Sprintf(prepareWhere, fromTable(t), cond), nil)
	if isServerError(err) {
		conn.Exec(ctx, rollback)
		return fmt.Errorf("%w: the server rejects it on %s: %v", dialect.ErrBadWhere, t, err)
	}
	if err != nil {
		return fmt.Errorf("postgres: check the row filter on %s: %w", t, err)
	}
	if _, err := conn.Exec(ctx, commit); err != nil {
		return fmt.Errorf("postgres: check the row filter on %s: %w", t, err)
	}
	return nil
}
