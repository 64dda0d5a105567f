package mapping

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// reference translates a compiled DMS pattern into a regular expression, token by token: an
// independent second implementation of the matcher.
func reference(p pattern, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	if fold {
		b.WriteString(`(?i)`)
	}
	for _, t := range p.toks {
		switch t.kind {
		case tokRune:
			b.WriteString(regexp.QuoteMeta(string(t.r)))
		case tokOne:
			b.WriteString(`.`)
		case tokAny:
			b.WriteString(`.*`)
		case tokSet:
			b.WriteString(`[`)
			for _, r := range t.set {
				fmt.Fprintf(&b, `\x{%x}-\x{%x}`, r.lo, r.hi)
			}
			b.WriteString(`]`)
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

func FuzzPattern(f *testing.F) {
	for _, s := range [][2]string{
		{"%", "x"}, {"DMS%", "DMS_log"}, {"order_items", "orderXitems"}, {"order[_]items", "order_items"},
		{"t[a-d]%", "tCx"}, {"%a%b", "aab"}, {"[%]_", "%%"}, {"a[", "a["}, {"K%", "\u212a"},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, name string, fold bool) {
		if !utf8.ValidString(pat) || !utf8.ValidString(name) { // names from MySQL and PostgreSQL are UTF-8
			return
		}
		p := compilePattern(pat)
		got := p.match(name, fold)
		if want := reference(p, fold).MatchString(name); got != want {
			t.Fatalf("%q matches %q (fold %v) = %v, regexp says %v", pat, name, fold, got, want)
		}
		// A name always matches itself once its wildcard characters are bracketed.
		var lit strings.Builder
		for _, r := range name {
			if r == '%' || r == '_' || r == '[' {
				lit.WriteString("[" + string(r) + "]")
			} else {
				lit.WriteRune(r)
			}
		}
		q := compilePattern(lit.String())
		if !q.match(name, fold) {
			t.Fatalf("escaped %q does not match %q", lit.String(), name)
		}
		if fold && !q.match(strings.ToUpper(name), true) && strings.EqualFold(strings.ToUpper(name), name) {
			t.Fatalf("escaped %q does not match %q ignoring case", lit.String(), strings.ToUpper(name))
		}
	})
}

func FuzzSnakeCase(f *testing.F) {
	for _, s := range []string{"OrderId", "HTTPServer", "Order2Item", "already_snake", "IDs", "ÜberGröße", "x\u03d2Y", "ǅa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := SnakeCase.Apply(s)
		if again := SnakeCase.Apply(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		// Only underscores are added, and every rune is lowered.
		var want strings.Builder
		for _, r := range s {
			want.WriteRune(unicode.ToLower(r))
		}
		if strings.ReplaceAll(got, "_", "") != strings.ReplaceAll(want.String(), "_", "") {
			t.Fatalf("%q -> %q: more than underscores and case changed", s, got)
		}
		if strings.Contains(got, "__") && !strings.Contains(s, "__") {
			t.Fatalf("%q -> %q: doubled underscore", s, got)
		}
	})
}
