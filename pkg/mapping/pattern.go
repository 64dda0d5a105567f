package mapping

import (
	"strings"
	"unicode"
)

// pattern is a compiled DMS object-locator value. The wildcards are those of the DMS user
// guide, "Wildcards in table mapping"
// (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Wildcards.html):
//
//	%      zero or more characters
//	_      exactly one character
//	[_]    a literal underscore (any one-character set is a literal: [%], [[])
//	[ab]   one character of the set
//	[a-d]  one character of the range
//
// A '[' with no closing ']' after at least one character is a literal '['; a '-' first or last
// in a set is a literal '-'. Negated sets ([^a], [!a]) are not documented and are not
// supported: '^' and '!' are members like any other. DMS's escapeCharacter endpoint setting
// exists only for Oracle endpoints and is not supported.
type pattern struct {
	src     string
	toks    []tok
	literal bool // no wildcard: matched by plain comparison
}

type tokKind uint8

const (
	tokRune tokKind = iota // one given character
	tokOne                 // _
	tokAny                 // %
	tokSet                 // [...]
)

type tok struct {
	kind tokKind
	r    rune
	set  []runeRange
}

type runeRange struct{ lo, hi rune }

// compilePattern compiles a DMS wildcard pattern; it cannot fail, every string is a pattern.
func compilePattern(s string) pattern {
	p := pattern{src: s, literal: true}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '%':
			p.literal = false
			if n := len(p.toks); n > 0 && p.toks[n-1].kind == tokAny {
				continue // %% is %
			}
			p.toks = append(p.toks, tok{kind: tokAny})
		case '_':
			p.literal = false
			p.toks = append(p.toks, tok{kind: tokOne})
		case '[':
			end := -1
			for j := i + 2; j < len(rs); j++ { // at least one member: "[]" is no set
				if rs[j] == ']' {
					end = j
					break
				}
			}
			if end < 0 {
				p.toks = append(p.toks, tok{kind: tokRune, r: r})
				continue
			}
			p.literal = false
			p.toks = append(p.toks, tok{kind: tokSet, set: parseSet(rs[i+1 : end])})
			i = end
		default:
			p.toks = append(p.toks, tok{kind: tokRune, r: r})
		}
	}
	return p
}

func parseSet(m []rune) []runeRange {
	var set []runeRange
	for i := 0; i < len(m); i++ {
		if i+2 < len(m) && m[i+1] == '-' {
			lo, hi := m[i], m[i+2]
			if lo > hi {
				lo, hi = hi, lo
			}
			set = append(set, runeRange{lo, hi})
			i += 2
			continue
		}
		set = append(set, runeRange{m[i], m[i]})
	}
	return set
}

// match reports whether name matches the whole pattern; fold compares letters without regard to
// case (Unicode simple folding, as strings.EqualFold).
func (p *pattern) match(name string, fold bool) bool {
	if p.literal {
		if fold {
			return strings.EqualFold(p.src, name)
		}
		return p.src == name
	}
	s := []rune(name)
	// Greedy match with one backtrack point, the last % seen: correct because every other token
	// consumes exactly one character.
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) {
		if ti < len(p.toks) {
			t := &p.toks[ti]
			if t.kind == tokAny {
				starT, starS = ti, si
				ti++
				continue
			}
			if t.matches(s[si], fold) {
				ti++
				si++
				continue
			}
		}
		if starT < 0 {
			return false
		}
		starS++
		si, ti = starS, starT+1
	}
	for ti < len(p.toks) && p.toks[ti].kind == tokAny {
		ti++
	}
	return ti == len(p.toks)
}

func (t *tok) matches(r rune, fold bool) bool {
	switch t.kind {
	case tokOne:
		return true
	case tokRune:
		return r == t.r || fold && sameFold(r, t.r)
	case tokSet:
		if t.inSet(r) {
			return true
		}
		if fold {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if t.inSet(f) {
					return true
				}
			}
		}
	}
	return false
}

func (t *tok) inSet(r rune) bool {
	for _, rr := range t.set {
		if rr.lo <= r && r <= rr.hi {
			return true
		}
	}
	return false
}

// sameFold reports whether a and b are in the same Unicode simple-folding orbit.
func sameFold(a, b rune) bool {
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}
