package sqlkit

import (
	"fmt"

	"github.com/dbverify/dbverify/pkg/dialect"
)

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
	return fmt.Errorf("%w: %s at byte %d (%q%s): the condition must be one SQL expression", dialect.ErrBadWhere, problem, pos, excerpt, reading)
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
