package postgres

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// quote quotes an identifier with double quotes.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteTable quotes schema.name.
func quoteTable(t *dialect.Table) string {
	if t.Schema == "" {
		return quote(t.Name)
	}
	return quote(t.Schema) + "." + quote(t.Name)
}

// fromTable is the table as a FROM clause names it: ONLY for an ordinary table, whose plain
// name would also read the rows of the tables inheriting from it; a partitioned table's rows are
// all in its partitions.
func fromTable(t *dialect.Table) string {
	if t.OwnRowsOnly {
		return "ONLY " + quoteTable(t)
	}
	return quoteTable(t)
}

// quoteList quotes the named columns of t and joins them with commas, each with suffix.
func quoteList(t *dialect.Table, idx []int, suffix string) string {
	parts := make([]string, len(idx))
	for i, c := range idx {
		parts[i] = quote(t.Columns[c].Name) + suffix
	}
	return strings.Join(parts, ", ")
}

// params numbers parameters and casts each to its key column's type.
type params struct {
	args []any
}

// add returns the marker of a new parameter for column c. Key values travel as canonical text
// and are cast server-side (text first, then the column's bare type), which is exact for every
// type and keeps the comparison indexable; binary values travel as bytea.
func (p *params) add(c dialect.Column, v []byte) string {
	n := "$" + strconv.Itoa(len(p.args)+1)
	switch {
	case c.Class == dialect.ClassBytes:
		p.args = append(p.args, v)
		return n + "::bytea"
	case c.PadChar:
		// The bare type of char(n) is "character", which means char(1): the cast would cut the
		// value to one character. bpchar has no width and compares the same way.
		p.args = append(p.args, string(v))
		return n + "::text::bpchar"
	case c.Class == dialect.ClassBit && strings.HasPrefix(c.Type, "bit("):
		// The canonical value is the unsigned integer, not a bit string: cast it through bigint
		// (two's complement, so all 64 bits) to the column's own width.
		if u, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			p.args = append(p.args, strconv.FormatInt(int64(u), 10))
			return n + "::text::bigint::" + c.Type
		}
	}
	p.args = append(p.args, string(v))
	return n + "::text::" + c.BaseType
}

// keyTuple is "(a, b)" or "a" for the key columns, and the matching parameter tuple.
func keyTuple(t *dialect.Table, k dialect.Key, p *params) (string, string) {
	cols := t.KeyColumns()
	names := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.Name)
		marks[i] = p.add(c, k[i])
	}
	if len(cols) == 1 {
		return names[0], marks[0]
	}
	return "(" + strings.Join(names, ", ") + ")", "(" + strings.Join(marks, ", ") + ")"
}

// rangePredicate returns the WHERE condition selecting q's range and filter, never empty.
// Composite keys compare as row values, which PostgreSQL answers with one index range.
func rangePredicate(q dialect.Query) (string, []any) {
	var conds []string
	var p params
	if q.Range.Lo != nil {
		cols, vals := keyTuple(q.Table, q.Range.Lo, &p)
		conds = append(conds, cols+" > "+vals)
	}
	if q.Range.Hi != nil {
		cols, vals := keyTuple(q.Table, q.Range.Hi, &p)
		conds = append(conds, cols+" <= "+vals)
	}
	if q.Where != "" {
		conds = append(conds, "("+q.Where+")")
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), p.args
}

// keysPredicate returns the WHERE condition selecting rows whose key equals one of keys; no
// keys select no rows.
func keysPredicate(t *dialect.Table, keys []dialect.Key) (string, []any) {
	if len(keys) == 0 {
		return "false", nil // "IN ()" is a syntax error
	}
	var p params
	var cols string
	tuples := make([]string, len(keys))
	for i, k := range keys {
		cols, tuples[i] = keyTuple(t, k, &p)
	}
	return cols + " IN (" + strings.Join(tuples, ", ") + ")", p.args
}

// syntax is the PostgreSQL SQL of sqlkit.SQLReader's reads.
type syntax struct{}

func (syntax) SelectRange(q dialect.Query) (string, []any) {
	pred, args := rangePredicate(q)
	return fmt.Sprintf(selectRows, quoteList(q.Table, q.Columns, ""), fromTable(q.Table), pred), args
}

func (syntax) SelectKeys(q dialect.Query, keys []dialect.Key) (string, []any) {
	pred, args := keysPredicate(q.Table, keys)
	if q.Where != "" {
		pred = "(" + pred + ") AND (" + q.Where + ")"
	}
	return fmt.Sprintf(selectRows, quoteList(q.Table, q.Columns, ""), fromTable(q.Table), pred), args
}

func (syntax) KeyWalk(q dialect.Query, desc bool, offset int) (string, []any) {
	pred, args := rangePredicate(q)
	t, dir := q.Table, ""
	if desc {
		dir = " DESC"
	}
	return fmt.Sprintf(keyWalk, quoteList(t, t.Key, ""), fromTable(t), pred, quoteList(t, t.Key, dir), offset), args
}

// QuoteIdent quotes an identifier, for conditions built outside this package.
func (d *DB) QuoteIdent(name string) string { return quote(name) }

// QuoteString quotes a string literal for PostgreSQL so that it reads the same whatever
// standard_conforming_strings says: quotes are doubled, and a value holding a backslash is
// written as an escape string (E'...'), in which backslashes are always escapes and are doubled.
func (d *DB) QuoteString(s string) string {
	if strings.Contains(s, `\`) {
		return "E'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
