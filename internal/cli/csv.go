package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/dbverify/dbverify/pkg/verify"
)

// csvHeader is the first line of --output csv: one line follows per differing column of a
// changed row, per missing or extra row, and per differing table that lists no row.
var csvHeader = []string{"table", "kind", "key", "column", "source", "target", "detail"}

// csvValue writes a value so that every value reads back apart from every other, as PostgreSQL's
// COPY text format does: NULL is \N, bytes that are not text are \x and their hex digits, a
// backslash of the text is doubled, and the empty string is the empty field. A value a report
// kept cut (past 256 bytes) is its first bytes; the detail column gives its full length. A row
// that was gone when its values were read is \gone.
func csvValue(v verify.Value) string {
	switch {
	case v.Gone:
		return `\gone`
	case v.Null:
		return `\N`
	case v.Hex != "":
		return `\x` + v.Hex
	}
	return strings.ReplaceAll(v.Text, `\`, `\\`)
}

// csvKey is a row's key as a JSON object of its columns, NULL as null and the other values as
// csvValue writes them.
func csvKey(t *verify.TableReport, d verify.RowDiff) (string, error) {
	var b strings.Builder
	b.WriteString("{")
	for i, v := range d.Key {
		if i > 0 {
			b.WriteString(",")
		}
		name := "?"
		if i < len(t.Key) {
			name = t.Key[i]
		}
		k, err := json.Marshal(name)
		if err != nil {
			return "", err
		}
		val := []byte("null")
		if !v.Null {
			if val, err = json.Marshal(csvValue(v)); err != nil {
				return "", err
			}
		}
		b.Write(k)
		b.WriteString(":")
		b.Write(val)
	}
	b.WriteString("}")
	return b.String(), nil
}

// csvDetail is what the value columns cannot say: the cause, the full lengths of cut values and
// where long values first differ.
func csvDetail(c verify.ColumnDiff) string {
	var parts []string
	if c.Cause != "" {
		parts = append(parts, c.Cause)
	}
	for _, s := range []struct {
		side string
		v    verify.Value
	}{{"source", c.Source}, {"target", c.Target}} {
		if s.v.Length > 0 {
			parts = append(parts, fmt.Sprintf("%s value cut: %d bytes in all", s.side, s.v.Length))
		}
	}
	if c.HasOffset() {
		parts = append(parts, fmt.Sprintf("first difference at byte %d", c.Offset))
	}
	return strings.Join(parts, "; ")
}

// writeCSV writes the differing rows of rep as CSV.
func writeCSV(w io.Writer, rep *verify.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, t := range rep.Tables {
		name := tableName(t)
		if !t.Identical() && t.Listed() == 0 {
			if err := cw.Write([]string{name, "table", "", "", "", "", differsBy(t)}); err != nil {
				return err
			}
			continue
		}
		err := t.EachDiff(func(d verify.RowDiff) error {
			key, err := csvKey(t, d)
			if err != nil {
				return err
			}
			if len(d.Columns) == 0 {
				return cw.Write([]string{name, string(d.Kind), key, "", "", "", ""})
			}
			for _, c := range d.Columns {
				if err := cw.Write([]string{name, string(d.Kind), key, c.Column, csvValue(c.Source), csvValue(c.Target), csvDetail(c)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if t.Truncated {
			more := plural64(t.Differences()-int64(t.Listed()), "more differing row", "more differing rows") + " not listed (--max-diffs)"
			if err := cw.Write([]string{name, "table", "", "", "", "", more}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
