package dialect

import (
	"context"
	"errors"
	"fmt"
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

// WhereError describes what is wrong with cond at byte pos, in one line that quotes the
// condition around that byte. reading, if not empty, says under which reading of quotes.
func WhereError(cond string, pos int, problem, reading string) error {
	from := max(0, pos-12)
	excerpt := cond[from:min(len(cond), pos+20)]
	if from > 0 {
		excerpt = "..." + excerpt
	}
	if pos+20 < len(cond) {
		excerpt += "..."
	}
	if reading != "" {
		reading = ", " + reading
	}
	return fmt.Errorf("%w: %s at byte %d (%q%s): the condition must be one SQL expression", ErrBadWhere, problem, pos, excerpt, reading)
}

// ClosingQuote returns the index of the quote that closes the one at s[i], or -1: the engines'
// lexers of row filters share it. A doubled quote stands for itself; with escapes, a backslash
// takes the character after it.
func ClosingQuote(s string, i int, escapes bool) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if escapes {
				j++
			}
		case q:
			if ByteAt(s, j+1) == q {
				j++
				continue
			}
			return j
		}
	}
	return -1
}

// ByteAt is s[i], or 0 past its end.
func ByteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}
