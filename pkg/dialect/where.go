package dialect

import (
	"context"
	"errors"
)

// A row filter (the user's --where, an AWS DMS mapping's source filters) is SQL pasted into the
// dialects' statements as "(cond)". It must be one expression that stays inside those
// parentheses: a condition such as "1=1); DELETE FROM t; SELECT 1 FROM t WHERE (1=1" is not.

// WhereChecker is implemented by a DB that can check a row filter before its SQL uses it.
type WhereChecker interface {
	// CheckWhere checks, without the server, that cond is one SQL expression that cannot leave
	// the parentheses it is wrapped in: no semicolon, comment or backslash outside quotes, no
	// parenthesis closed that it did not open or left open, no unterminated quote, no
	// parameter marker, under every way the server may read quotes (its SQL mode, settings).
	// Its errors wrap ErrBadWhere.
	CheckWhere(cond string) error
	// PrepareWhere has the server prepare (not run) a read of t under cond, so that a condition
	// it rejects is reported before the compare starts. Errors about cond wrap ErrBadWhere.
	PrepareWhere(ctx context.Context, t *Table, cond string) error
}

// ErrBadWhere is wrapped by the errors of a row filter that is not one SQL expression, or that
// the server rejects: the caller's input is wrong.
var ErrBadWhere = errors.New("bad row filter")
