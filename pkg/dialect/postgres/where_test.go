package postgres

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
		{`"weird;col" = 1 AND "a""b" = 2`, ""},
		{`note LIKE 'a\_%'`, ""},
		{`note = E'back\\slash and \' quote; ('`, ""},
		{"note = $$dollar; (quoted) 'text$$ AND x = $tag$ a $$ b; $tag$", ""},
		{"price$ > 1 AND a$b$ = 2", ""}, // '$' inside a name is part of it
		{"(a = 1 OR (b = 2)) AND c IN (1, 2, 3)", ""},
		{"created_at < '2026-01-01' AND x - -1 > 0 AND 1.5e3 > .5 AND 2e-3 < 1", ""},
		{"doc ? 'key' AND doc ?| array['a']", ""}, // jsonb operators, not parameters
		{"v = U&'d\\0061t\\+000061' AND \"x\" = B'0101' AND y = X'1F'", ""},
		{"a/b > 1 AND c*d < 2", ""},

		{"1=1); COMMIT; SET default_transaction_read_only=off; DELETE FROM t; SELECT 1 FROM t WHERE (1=1", "closes a parenthesis"},
		{"1=1 OR (COMMIT; DELETE FROM t)", "semicolon"},
		{"id = 1; DELETE FROM t", "semicolon"},
		{"id = 1 -- ) OR 1=1", "comment"},
		{"id = 1 /* ) */", "comment"},
		{"id = (1", "never closed"},
		{"name = 'unterminated", "never closed"},
		{"name = E'unterminated\\'", "never closed"},
		{`name = "unterminated`, "never closed"},
		{"name = $$unterminated", "never closed"},
		{"name = $a$ b $b$", "never closed"},
		// With standard_conforming_strings off a backslash escapes the quote: both readings
		// must be safe.
		{`name = 'a\'' ; DELETE FROM t; SELECT '`, "standard_conforming_strings"},
		{`name = 'a\'' ) OR (1=1 '`, "standard_conforming_strings"},
		{`name = 'a\' ; '`, "semicolon"},
		// A dollar quote hides the semicolon only where the server reads it as one.
		{"x = 1$$ ; DELETE FROM t; $$", "number followed"},
		{"id = $1", "parameter"},
		{`\' ; DELETE FROM t ; SELECT '`, "backslash"},
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

// refToken reads one token of s the way PostgreSQL does under one reading of plain strings,
// written apart from the lexer under test (regular expressions), for the fuzz target.
var (
	refIdent  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*`)
	refEStr   = regexp.MustCompile(`^(?s:[eE]'(?:[^'\\]|\\.|'')*')`)
	refUStr   = regexp.MustCompile(`^(?s:[uU]&(?:'(?:[^']|'')*'|"(?:[^"]|"")*"))`)
	refStr    = map[bool]*regexp.Regexp{false: regexp.MustCompile(`^(?s:'(?:[^']|'')*')`), true: regexp.MustCompile(`^(?s:'(?:[^'\\]|\\.|'')*')`)}
	refName   = regexp.MustCompile(`^(?s:"(?:[^"]|"")*")`)
	refDollar = regexp.MustCompile(`^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$`)
)

func refToken(s string, escapes bool) (tok string, quoted bool) {
	for _, re := range []*regexp.Regexp{refEStr, refUStr} {
		if m := re.FindString(s); m != "" {
			return m, true
		}
	}
	if m := refIdent.FindString(s); m != "" {
		return m, false
	}
	for _, re := range []*regexp.Regexp{refStr[escapes], refName} {
		if m := re.FindString(s); m != "" {
			return m, true
		}
	}
	if tag := refDollar.FindString(s); tag != "" {
		if end := strings.Index(s[len(tag):], tag); end >= 0 {
			return s[:len(tag)+end+len(tag)], true
		}
	}
	return s[:1], false
}

// FuzzCheckCondition: whatever the input, an accepted condition has no semicolon, comment or
// unbalanced parenthesis outside quotes under either reading of an independent tokenizer, and
// text after it is outside any quote: what follows the condition in dbverify's SQL stays SQL.
func FuzzCheckCondition(f *testing.F) {
	for _, s := range []string{"id > 5", "a = 'x;y'", `a = 'x\';y'`, `a = E'x\';y'`, "a = $$;$$", "a = $t$;$t$",
		"a$b$ = 1", "1=1); DELETE FROM t; SELECT (1", "a = 'b' -- c", `a = "x;y"`, "a = 1$$;$$", "u&'x'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		if checkCondition(cond) != nil {
			return
		}
		// Bytes past ASCII are parts of names to PostgreSQL (and never quotes, parentheses or
		// semicolons); the regular expressions read runes, so they see letters instead.
		ascii := []byte(cond)
		for i, b := range ascii {
			if b >= 0x80 {
				ascii[i] = 'x'
			}
		}
		for _, escapes := range []bool{false, true} {
			depth := 0
			for rest := string(ascii); rest != ""; {
				tok, quoted := refToken(rest, escapes)
				if !quoted {
					switch {
					case tok == ";", strings.HasPrefix(rest, "--"), strings.HasPrefix(rest, "/*"):
						t.Fatalf("%q accepted, but (escapes %v) it holds %q outside quotes", cond, escapes, rest)
					case tok == "(":
						depth++
					case tok == ")":
						depth--
					case tok == "'" || tok == `"` || strings.HasPrefix(rest, "$$"):
						t.Fatalf("%q accepted, but (escapes %v) a quote is never closed: %q", cond, escapes, rest)
					}
				}
				if depth < 0 {
					t.Fatalf("%q accepted, but (escapes %v) it closes a parenthesis it did not open", cond, escapes)
				}
				rest = rest[len(tok):]
			}
			if depth != 0 {
				t.Fatalf("%q accepted, but (escapes %v) a parenthesis is left open", cond, escapes)
			}
		}
		for _, after := range []string{") OR (1=1", "; SELECT 1"} {
			if checkCondition(cond+after) == nil {
				t.Fatalf("%q accepted, and so is it followed by %q: it does not end outside quotes", cond, after)
			}
		}
	})
}
