package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/dbverify/dbverify/pkg/verify"
)

// The report formats --output takes: text for people, json for machines, junit for CI systems
// (a test case per table), csv for a spreadsheet of the differing rows.
var outputFormats = []string{"text", "json", "junit", "csv"}

// checkOutput refuses a format dbverify cannot write.
func checkOutput(format string) error {
	for _, f := range outputFormats {
		if format == f {
			return nil
		}
	}
	return usage("--output must be %s, not %q", strings.Join(outputFormats, ", "), format)
}

// writeReport writes rep to w in format (one checkOutput accepted).
func writeReport(w io.Writer, rep *verify.Report, format string) error {
	switch format {
	case "json":
		return rep.WriteJSON(w)
	case "junit":
		return writeJUnit(w, rep)
	case "csv":
		return writeCSV(w, rep)
	}
	return rep.WriteText(w)
}

// rowLine is a differing row for people, on one line: kind, key by column, differing columns.
func rowLine(t *verify.TableReport, d verify.RowDiff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %s", d.Kind, keyPairs(t, d))
	for i, c := range d.Columns {
		if i == 0 {
			b.WriteString("  ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	return b.String()
}

// keyPairs is a row's key as column=value pairs.
func keyPairs(t *verify.TableReport, d verify.RowDiff) string {
	parts := make([]string, len(d.Key))
	for i, v := range d.Key {
		name := "?"
		if i < len(t.Key) {
			name = t.Key[i]
		}
		parts[i] = name + "=" + v.String()
	}
	return strings.Join(parts, " ")
}

// tableName is a table as reports name it: the source's name, and the target's when it differs.
func tableName(t *verify.TableReport) string {
	if t.Target != "" && t.Target != t.Source {
		return t.Source + " -> " + t.Target
	}
	return t.Source
}

// differsBy says in a few words how a differing table differs: its row counts by kind, or, when
// it lists no row (no key), its row counts or digests.
func differsBy(t *verify.TableReport) string {
	if t.Differences() > 0 {
		return fmt.Sprintf("%s differ: %d missing on target, %d extra on target, %d changed",
			plural64(t.Differences(), "row", "rows"), t.Missing, t.Extra, t.Changed)
	}
	s := fmt.Sprintf("same row count (%d), different digests", t.SourceRows)
	if t.SourceRows != t.TargetRows {
		s = fmt.Sprintf("row counts differ: source %d, target %d", t.SourceRows, t.TargetRows)
	}
	if len(t.Key) == 0 {
		s += "; no key, rows not listed"
	}
	return s
}

func plural64(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
