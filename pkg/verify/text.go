package verify

import (
	"fmt"
	"strings"
)

// The text report's pieces that need more than a format string: notes that many tables share,
// said once; what differs in a table whose rows are not listed; counts with the right noun.

// noteLines are the tables' notes, one line each: a note that several tables share (the same
// text, as "target streamed: ..." is for every table of an engine pair) once, with how many
// tables, and the rest under their table's name.
func noteLines(tables []*TableReport) []string {
	type note struct {
		text   string
		tables []string
	}
	var notes []*note
	byText := map[string]*note{}
	for _, t := range tables {
		parts := splitNote(t.Note)
		for _, tol := range t.Tolerances {
			parts = append(parts, "tolerance: "+tol)
		}
		for _, p := range parts {
			n := byText[p]
			if n == nil {
				n = &note{text: p}
				byText[p] = n
				notes = append(notes, n)
			}
			if len(n.tables) == 0 || n.tables[len(n.tables)-1] != t.Source {
				n.tables = append(n.tables, t.Source)
			}
		}
	}
	var lines []string
	own := map[string][]string{} // a table's notes that no other table has
	var order []string
	for _, n := range notes {
		switch k := len(n.tables); {
		case k == 1:
			if own[n.tables[0]] == nil {
				order = append(order, n.tables[0])
			}
			own[n.tables[0]] = append(own[n.tables[0]], n.text)
		case k == len(tables):
			lines = append(lines, fmt.Sprintf("all %d tables: %s", k, n.text))
		case k <= 3:
			lines = append(lines, fmt.Sprintf("%d tables (%s): %s", k, strings.Join(n.tables, ", "), n.text))
		default:
			lines = append(lines, fmt.Sprintf("%d tables (%s, ...): %s", k, strings.Join(n.tables[:3], ", "), n.text))
		}
	}
	for _, name := range order {
		lines = append(lines, name+": "+strings.Join(own[name], "; "))
	}
	return lines
}

// splitNote cuts a table's note into the parts the compare joined with "; " (see and2).
func splitNote(note string) []string {
	if note == "" {
		return nil
	}
	return strings.Split(note, "; ")
}

// unlisted says what differs in a differing table that lists no row: its row counts or only its
// digest, and why no row is listed. It is "" for a table that lists its rows or is identical.
func (t *TableReport) unlisted() string {
	if t.Identical() || t.Differences() > 0 {
		return ""
	}
	var s string
	if t.SourceRows != t.TargetRows {
		s = fmt.Sprintf("row counts differ: source %s, target %d", plural64(t.SourceRows, "row", "rows"), t.TargetRows)
	} else {
		s = fmt.Sprintf("same row count (%d), different digests: some row's values differ", t.SourceRows)
	}
	if len(t.Key) == 0 {
		return s + "; no key, rows not listed"
	}
	return s + "; no differing row was found when the rows were compared one by one (rows changing while compared?)"
}

// verb is the verb's form for a subject of n things.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plural64 is n with the noun's form for n.
func plural64(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
