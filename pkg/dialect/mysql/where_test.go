package mysql

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

func TestCheckCondition(t *testing.T) {
	for _, c := range []struct {
		cond string
		bad  string // "" for a valid condition, else a word of the error
	}{
		{"id > 5", ""},
		{"name = 'it''s (not) a; problem'", ""},
		{`name = "double "" quoted; (still) a string"`, ""},
		// Without backslash escapes the string ends at \", and the semicolon is outside quotes.
		{`name = "double \" quoted; (still) a string"`, "NO_BACKSLASH_ESCAPES"},
		{`note LIKE 'a\_%'`, ""},
		{`note = 'back\\slash'`, ""},
		{"`weird;col` = 1 AND `a``b` = 2", ""},
		{"(a = 1 OR (b = 2)) AND c IN (1, 2, 3)", ""},
		{"created_at < '2026-01-01' AND x - -1 > 0", ""},
		{"title = 'what?'", ""},
		{"v = _utf8mb4 X'5c27' AND w = N'x'", ""},
		{"a/b > 1 AND c*d < 2", ""},

		{"1=1); SET SESSION tx_read_only=0; DELETE FROM x; SELECT 1 FROM y WHERE (1=1", "closes a parenthesis"},
		{"1=1 OR (SET SESSION tx_read_only=0; DELETE FROM x)", "semicolon"},
		{"1=1) OR (1=1", "closes a parenthesis"},
		{"id = 1; DELETE FROM t", "semicolon"},
		{"id = 1 -- ) OR 1=1", "comment"},
		{"id = 1 --)", "comment"},
		{"id = 1 # )", "comment"},
		{"id = 1 /* ) */", "comment"},
		{"id = 1 /*!50000 ) */", "comment"},
		{"id = (1", "never closed"},
		{"name = 'unterminated", "never closed"},
		{"name = `unterminated", "never closed"},
		{`name = "unterminated`, "never closed"},
		// Read with backslash escapes the string ends at the last quote; without, the
		// semicolon is outside quotes. Both readings must be safe.
		{`name = 'a\' ; DELETE FROM t; SELECT '`, "NO_BACKSLASH_ESCAPES"},
		{`name = 'a\' ) OR (1=1 '`, "NO_BACKSLASH_ESCAPES"},
		// The other way round: without escapes the string ends early and the rest is a string again.
		{`name = 'a\'' ; '`, "semicolon"},
		// Under ANSI_QUOTES "..." is a name, in which a backslash is plain.
		{`"a\" ; DELETE FROM t ; SELECT 1 WHERE "`, "semicolon"},
		{`\' ; DELETE FROM t ; SELECT '`, "backslash"},
		{"id = ?", "parameter"},
		{"id = 1\x00) OR (1=1", "NUL"},
	} {
		err := checkCondition(c.cond)
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", c.cond, err)
		case c.bad != "" && err == nil:
			t.Errorf("%s: accepted, want an error about %s", c.cond, c.bad)
		case c.bad != "" && (!strings.Contains(err.Error(), c.bad) || !errors.Is(err, dialect.ErrBadWhere) || strings.Contains(err.Error(), "\n")):
			t.Errorf("%s: %v, want one line about %s wrapping ErrBadWhere", c.cond, err, c.bad)
		}
	}
}

// refTokens are the tokens of an independent, regular-expression reading of MySQL quotes, for
// the fuzz target: a quoted string or name, or one other character.
var refTokens = map[string]*regexp.Regexp{
	"escapes":    regexp.MustCompile("^(?s:'(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"\\\\]|\\\\.|\"\")*\"|`(?:[^`]|``)*`|.)"),
	"no escapes": regexp.MustCompile("^(?s:'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|.)"),
	"ansi":       regexp.MustCompile("^(?s:'(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|.)"),
}

// FuzzCheckCondition: whatever the input, an accepted condition has no semicolon, comment or
// unbalanced parenthesis outside quotes under any reading of an independent tokenizer, and
// text after it is outside any quote: what follows the condition in dbverify's SQL stays SQL.
func FuzzCheckCondition(f *testing.F) {
	for _, s := range []string{"id > 5", "a = 'x;y'", `a = 'x\';y'`, "a = \"x\\\";y\"", "(a) = (b)", "`a;b` = 1",
		"1=1); DELETE FROM t; SELECT (1", "a = 'b' -- c", "a = '''';'", `a = '\\';'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		if checkCondition(cond) != nil {
			return
		}
		for name, tok := range refTokens {
			depth := 0
			for rest := cond; rest != ""; {
				m := tok.FindString(rest)
				if m == "" {
					m = rest[:1] // an unterminated quote: one character
				}
				switch {
				case m == ";", strings.HasPrefix(rest, "--"), strings.HasPrefix(rest, "/*"), m == "#":
					t.Fatalf("%q accepted, but under %s it holds %q outside quotes", cond, name, rest)
				case m == "(":
					depth++
				case m == ")":
					depth--
				}
				if depth < 0 {
					t.Fatalf("%q accepted, but under %s it closes a parenthesis it did not open", cond, name)
				}
				if strings.ContainsAny(m[:1], "'\"`") && (len(m) == 1 || !strings.HasSuffix(m, m[:1])) {
					t.Fatalf("%q accepted, but under %s a quote is never closed", cond, name)
				}
				rest = rest[len(m):]
			}
			if depth != 0 {
				t.Fatalf("%q accepted, but under %s a parenthesis is left open", cond, name)
			}
		}
		for _, after := range []string{") OR (1=1", "; SELECT 1"} {
			if checkCondition(cond+after) == nil {
				t.Fatalf("%q accepted, and so is it followed by %q: it does not end outside quotes", cond, after)
			}
		}
	})
}
