package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// quote quotes an identifier with backticks.
func quote(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// quoteTable quotes schema.name.
func quoteTable(t *dialect.Table) string {
	if t.Schema == "" {
		return quote(t.Name)
	}
	return quote(t.Schema) + "." + quote(t.Name)
}

// quoteList quotes the named columns of t and joins them with commas, each with suffix.
func quoteList(t *dialect.Table, idx []int, suffix string) string {
	parts := make([]string, len(idx))
	for i, c := range idx {
		parts[i] = quote(t.Columns[c].Name) + suffix
	}
	return strings.Join(parts, ", ")
}

// selectList is the select list reading the columns idx of t. FLOAT columns are read widened to
// DOUBLE: MySQL prints a FLOAT with six significant digits, which loses the stored value.
func selectList(t *dialect.Table, idx []int) string {
	parts := make([]string, len(idx))
	for i, c := range idx {
		parts[i] = quote(t.Columns[c].Name)
		if t.Columns[c].Class == dialect.ClassFloat {
			parts[i] = "(" + parts[i] + " + 0E0)"
		}
	}
	return strings.Join(parts, ", ")
}

// placeholder is the parameter marker for a key column. Decimals are cast so that MySQL compares
// them as decimals: a decimal column against a string parameter would compare as doubles.
func placeholder(c dialect.Column) string {
	if c.Class == dialect.ClassDecimal {
		return "CAST(? AS DECIMAL(65,30))"
	}
	return "?"
}

// param turns a key column's canonical value into a parameter. Integers travel as integers:
// MySQL compares an integer column with a string as doubles, which is inexact past 2^53.
func param(c dialect.Column, v []byte) any {
	switch c.Class {
	case dialect.ClassInt, dialect.ClassYear:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n
		}
	case dialect.ClassUint, dialect.ClassBit:
		if n, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return n
		}
	case dialect.ClassFloat:
		// The column holds a float32 and is compared widened to a double: pass that same double,
		// or the shortest text of the float32 (0.1) never equals the stored 0.100000001490116.
		if f, err := strconv.ParseFloat(string(v), 32); err == nil {
			return f
		}
	case dialect.ClassDouble:
		if f, err := strconv.ParseFloat(string(v), 64); err == nil {
			return f
		}
	case dialect.ClassBytes, dialect.ClassOther:
		return v
	}
	return string(v)
}

// keyCompare builds "key op k" for a composite key expanded into ORs of column comparisons,
// which MySQL's range optimizer turns into index ranges (a row constructor it does not):
//
//	(a > ?) OR (a = ? AND b > ?)     op ">", last ">"  (lower bound, exclusive)
//	(a < ?) OR (a = ? AND b <= ?)    op "<", last "<=" (upper bound, inclusive)
func keyCompare(t *dialect.Table, k dialect.Key, op, last string) (string, []any) {
	cols := t.KeyColumns()
	ors := make([]string, len(cols))
	var args []any
	for i := range cols {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, quote(cols[j].Name)+" = "+placeholder(cols[j]))
			args = append(args, param(cols[j], k[j]))
		}
		o := op
		if i == len(cols)-1 {
			o = last
		}
		ands = append(ands, quote(cols[i].Name)+" "+o+" "+placeholder(cols[i]))
		args = append(args, param(cols[i], k[i]))
		ors[i] = strings.Join(ands, " AND ")
	}
	if len(ors) == 1 {
		return ors[0], args
	}
	return "((" + strings.Join(ors, ") OR (") + "))", args
}

// rangePredicate returns the WHERE condition selecting q's range and filter. It is never empty.
func rangePredicate(q dialect.Query) (string, []any) {
	var conds []string
	var args []any
	if q.Range.Lo != nil {
		c, a := keyCompare(q.Table, q.Range.Lo, ">", ">")
		conds, args = append(conds, c), append(args, a...)
	}
	if q.Range.Hi != nil {
		c, a := keyCompare(q.Table, q.Range.Hi, "<", "<=")
		conds, args = append(conds, c), append(args, a...)
	}
	if q.Where != "" {
		conds = append(conds, "("+q.Where+")")
	}
	if len(conds) == 0 {
		return "1=1", nil
	}
	return strings.Join(conds, " AND "), args
}

// keysPredicate returns the WHERE condition selecting rows whose key equals one of keys; no
// keys select no rows.
func keysPredicate(t *dialect.Table, keys []dialect.Key) (string, []any) {
	cols := t.KeyColumns()
	args := make([]any, 0, len(keys)*len(cols))
	if len(keys) == 0 {
		return "1=0", args // "IN ()" is a syntax error
	}
	if len(cols) == 1 {
		marks := make([]string, len(keys))
		for i, k := range keys {
			marks[i] = placeholder(cols[0])
			args = append(args, param(cols[0], k[0]))
		}
		return quote(cols[0].Name) + " IN (" + strings.Join(marks, ", ") + ")", args
	}
	ors := make([]string, len(keys))
	for i, k := range keys {
		ands := make([]string, len(cols))
		for j, c := range cols {
			ands[j] = quote(c.Name) + " = " + placeholder(c)
			args = append(args, param(c, k[j]))
		}
		ors[i] = "(" + strings.Join(ands, " AND ") + ")"
	}
	return strings.Join(ors, " OR "), args
}

// syntax is the MySQL SQL of sqlkit.SQLReader's reads.
type syntax struct{}

func (syntax) SelectRange(q dialect.Query) (string, []any) {
	pred, args := rangePredicate(q)
	return fmt.Sprintf(selectRows, selectList(q.Table, q.Columns), quoteTable(q.Table), pred), args
}

func (syntax) SelectKeys(q dialect.Query, keys []dialect.Key) (string, []any) {
	pred, args := keysPredicate(q.Table, keys)
	if q.Where != "" {
		pred = "(" + pred + ") AND (" + q.Where + ")"
	}
	return fmt.Sprintf(selectRows, selectList(q.Table, q.Columns), quoteTable(q.Table), pred), args
}

func (syntax) KeyWalk(q dialect.Query, desc bool, offset int) (string, []any) {
	pred, args := rangePredicate(q)
	t, dir := q.Table, ""
	if desc {
		dir = " DESC"
	}
	return fmt.Sprintf(keyWalk, selectList(t, t.Key), quoteTable(t), indexHint(t), pred, quoteList(t, t.Key, dir), offset), args
}

// QuoteIdent quotes an identifier, for conditions built outside this package.
func (d *DB) QuoteIdent(name string) string { return quote(name) }

// QuoteString quotes a string literal for MySQL so that it reads the same with and without the
// NO_BACKSLASH_ESCAPES SQL mode: quotes are doubled, and a value holding a backslash or NUL is
// written in hex with a character set introducer (a string, even beside a number).
func (d *DB) QuoteString(s string) string {
	if strings.ContainsAny(s, "\\\x00") {
		return fmt.Sprintf("_utf8mb4 X'%x'", s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
