package cli

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// whereList is --where: repeatable, each value taken whole (a comma is SQL's, as in IN (1, 2)).
type whereList []string

func (w *whereList) Set(v string) error { *w = append(*w, v); return nil }

func (w *whereList) String() string {
	if w == nil {
		return ""
	}
	return strings.Join(*w, " ")
}

// parseWhere splits the --where values into the condition for every table and those scoped to
// one table (TABLE:CONDITION). Only where the conditions go is decided here: the library checks
// each condition as one SQL expression, scoped or not.
func parseWhere(vals []string) (all string, scoped map[string]string, err error) {
	for _, v := range vals {
		table, cond, ok := splitScoped(v)
		if !ok {
			if all != "" {
				return "", nil, usage("--where %q: a condition for every table is given already (%q); scope one to a table as TABLE:CONDITION", v, all)
			}
			if strings.TrimSpace(v) == "" {
				return "", nil, usage("--where: empty condition")
			}
			all = v
			continue
		}
		if strings.TrimSpace(cond) == "" {
			return "", nil, usage("--where %q: empty condition for table %s", v, table)
		}
		if _, dup := scoped[table]; dup {
			return "", nil, usage("--where %q: table %s has a condition already; join them with AND", v, table)
		}
		if scoped == nil {
			scoped = map[string]string{}
		}
		scoped[table] = cond
	}
	return all, scoped, nil
}

// splitScoped reads TABLE:CONDITION: a table name (letters, digits, _ and $, with a dot before
// a schema's), or a "double-quoted" one for any other name ("" for a quote in it), then one
// colon. ok is false for a condition that applies to every table: one whose start is no such
// name followed by one colon, as in "price::numeric > 0" or "created_at < '10:00'".
func splitScoped(v string) (table, cond string, ok bool) {
	i := 0
	if strings.HasPrefix(v, `"`) {
		var b strings.Builder
		for i = 1; ; i++ {
			if i >= len(v) {
				return "", "", false // an unclosed quote: not a scope
			}
			if v[i] == '"' {
				if i+1 < len(v) && v[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			b.WriteByte(v[i])
		}
		i++ // past the closing quote
		table = b.String()
	} else {
		for i < len(v) {
			r, n := utf8.DecodeRuneInString(v[i:])
			if r != '_' && r != '$' && r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			i += n
		}
		table = v[:i]
	}
	if table == "" || i >= len(v) || v[i] != ':' || i+1 < len(v) && (v[i+1] == ':' || v[i+1] == '=') {
		return "", "", false
	}
	return table, strings.TrimSpace(v[i+1:]), true
}

// whereUsage is --where's help.
var whereUsage = fmt.Sprint("SQL `CONDITION` applied on both sides, to every table; TABLE:CONDITION (repeatable) applies to that table only, ",
	`in place of the one for every table ("odd:name":CONDITION for a name with other characters). `,
	"Each must be one expression (no ; or comment outside quotes, no parenthesis it did not open), which each server prepares first")

// Get implements flag.Getter: the conditions as given.
func (w *whereList) Get() any { return []string(*w) }
