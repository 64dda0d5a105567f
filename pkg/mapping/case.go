package mapping

import (
	"fmt"
	"strings"
	"unicode"
)

// Case is a naming convention applied to every target name: schema, table and column.
type Case uint8

// The conventions --map accepts.
const (
	Identity  Case = iota // names are kept as they are
	Lower                 // names are lower-cased (Unicode simple case mapping)
	Upper                 // names are upper-cased
	SnakeCase             // OrderId -> order_id; see Case.Apply
)

var caseNames = [...]string{Identity: "identity", Lower: "lower", Upper: "upper", SnakeCase: "snake_case"}

// String returns the name ParseCase accepts for c.
func (c Case) String() string {
	if int(c) < len(caseNames) {
		return caseNames[c]
	}
	return fmt.Sprintf("Case(%d)", c)
}

// ParseCase reads a --map value: "" or "identity", "lower", "upper", "snake_case" (also
// "snake"), in any letter case.
func ParseCase(s string) (Case, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "identity":
		return Identity, nil
	case "lower":
		return Lower, nil
	case "upper":
		return Upper, nil
	case "snake_case", "snake":
		return SnakeCase, nil
	}
	return Identity, fmt.Errorf("mapping: unknown name mapping %q: use identity, lower, upper or snake_case", s)
}

// Apply converts name to the convention c.
//
// SnakeCase lower-cases the name and puts an underscore before an upper-case letter that starts
// a word: one that follows a lower-case letter or a digit (OrderId -> order_id,
// Order2Item -> order2_item), or that ends a run of capitals and is followed by a lower-case
// letter, so an acronym stays one word (HTTPServer -> http_server, UserID -> user_id). Digits
// stay with what precedes them (Address2 -> address2, V2Api -> v2_api), a letter after a digit
// starts no word unless it is a capital (2ndLine -> 2nd_line). No underscore is added next to an
// existing one, and every other character (spaces, hyphens, existing underscores) is kept, so
// snake_case names are left unchanged. A plural acronym splits (IDs -> i_ds): rename such names
// explicitly.
func (c Case) Apply(name string) string {
	switch c {
	case Lower:
		return strings.ToLower(name)
	case Upper:
		return strings.ToUpper(name)
	case SnakeCase:
		return snake(name)
	}
	return name
}

func snake(name string) string {
	rs := []rune(name)
	var b strings.Builder
	b.Grow(len(name) + 4)
	for i, r := range rs {
		if i > 0 && upper(r) && rs[i-1] != '_' {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (upper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// upper reports a capital that has a lower-case form. A capital without one (U+03D2) is kept as
// it is, so it must not start a word either, or a second pass would split what the first kept.
func upper(r rune) bool { return unicode.IsUpper(r) && unicode.ToLower(r) != r }
