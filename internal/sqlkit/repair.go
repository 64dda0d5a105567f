package sqlkit

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Writer is what the statements of repair SQL are built from: an engine's quoting and
// literals.
type Writer interface {
	// QuoteIdent quotes an identifier; QuoteTable a table's schema-qualified name.
	QuoteIdent(name string) string
	QuoteTable(t *dialect.Table) string
	// Literal is the SQL literal of canonical value v for column c of this engine (NULL for
	// nil); ok is false when the value cannot be written into such a column (a NaN into a
	// MySQL DOUBLE, say).
	Literal(c dialect.Column, v []byte) (lit string, ok bool)
	// KeyEquals is the condition that the key column c equals lit, exactly (not merely under
	// the column's collation).
	KeyEquals(c dialect.Column, lit string) string
}

// Statements writes the statements of repair SQL from an engine's Writer: an engine embeds it
// (set to its own Writer when it opens) for the Insert, Update, Delete and Comment of
// dialect.Repairer.
type Statements struct{ W Writer }

// Insert is InsertSQL with the engine's Writer.
func (s Statements) Insert(t *dialect.Table, cols []int, vals [][]byte) (string, error) {
	return InsertSQL(s.W, t, cols, vals)
}

// Update is UpdateSQL with the engine's Writer.
func (s Statements) Update(t *dialect.Table, set []int, vals [][]byte, k dialect.Key) (string, error) {
	return UpdateSQL(s.W, t, set, vals, k)
}

// Delete is DeleteSQL with the engine's Writer.
func (s Statements) Delete(t *dialect.Table, k dialect.Key) (string, error) {
	return DeleteSQL(s.W, t, k)
}

// Comment is the package's Comment.
func (Statements) Comment(text string) string { return Comment(text) }

// ScanTableNames reads rows of (schema, name) into Table.String() names: the result of a
// Referencer's query, from database/sql or pgx alike.
func ScanTableNames(rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}) ([]string, error) {
	var out []string
	for rows.Next() {
		var t dialect.Table
		if err := rows.Scan(&t.Schema, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t.String())
	}
	return out, rows.Err()
}

// plainNumber matches numbers every engine reads as a numeric literal.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// IsPlainNumber reports whether a canonical value can be written as an unquoted number.
func IsPlainNumber(v []byte) bool { return plainNumber.Match(v) }

// calendarDate matches a canonical date or timestamp of years 0001-9999 AD, months and days
// not zero: what both engines hold (not PostgreSQL's BC dates and infinities, not MySQL's zero
// dates).
var calendarDate = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])( [0-9:.]+)?$`)

// IsCalendarDate reports whether a canonical date or timestamp is a plain date of years
// 0001-9999.
func IsCalendarDate(v []byte) bool {
	m := calendarDate.FindSubmatch(v)
	if m == nil || string(m[1]) == "0000" {
		return false
	}
	_, err := time.Parse("2006-01-02", string(v[:10])) // no February 31st (MySQL's ALLOW_INVALID_DATES)
	return err == nil
}

// literals renders values for columns cols of t, naming the first that cannot be written.
func literals(r Writer, t *dialect.Table, cols []int, vals [][]byte) ([]string, error) {
	out := make([]string, len(cols))
	for i, c := range cols {
		lit, ok := r.Literal(t.Columns[c], vals[i])
		if !ok {
			return nil, fmt.Errorf("column %s (%s): value %.40q cannot be written as a literal of this type", t.Columns[c].Name, t.Columns[c].Type, vals[i])
		}
		out[i] = lit
	}
	return out, nil
}

// keyWhere is the WHERE condition selecting the row whose key is k.
func keyWhere(r Writer, t *dialect.Table, k dialect.Key) (string, error) {
	lits, err := literals(r, t, t.Key, k)
	if err != nil {
		return "", err
	}
	conds := make([]string, len(lits))
	for i, c := range t.Key {
		conds[i] = r.KeyEquals(t.Columns[c], lits[i])
	}
	return strings.Join(conds, " AND "), nil
}

// InsertSQL is the statement inserting a row: vals[i] is the canonical value of column cols[i].
func InsertSQL(r Writer, t *dialect.Table, cols []int, vals [][]byte) (string, error) {
	lits, err := literals(r, t, cols, vals)
	if err != nil {
		return "", err
	}
	names := make([]string, len(cols))
	override := ""
	for i, c := range cols {
		names[i] = r.QuoteIdent(t.Columns[c].Name)
		if t.Columns[c].IdentityAlways { // only PostgreSQL has such columns
			override = " OVERRIDING SYSTEM VALUE"
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s)%s VALUES (%s);", r.QuoteTable(t), strings.Join(names, ", "), override, strings.Join(lits, ", ")), nil
}

// UpdateSQL is the statement setting columns set of the row whose key is k to vals.
func UpdateSQL(r Writer, t *dialect.Table, set []int, vals [][]byte, k dialect.Key) (string, error) {
	lits, err := literals(r, t, set, vals)
	if err != nil {
		return "", err
	}
	where, err := keyWhere(r, t, k)
	if err != nil {
		return "", err
	}
	sets := make([]string, len(set))
	for i, c := range set {
		sets[i] = r.QuoteIdent(t.Columns[c].Name) + " = " + lits[i]
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s;", r.QuoteTable(t), strings.Join(sets, ", "), where), nil
}

// DeleteSQL is the statement deleting the row whose key is k.
func DeleteSQL(r Writer, t *dialect.Table, k dialect.Key) (string, error) {
	where, err := keyWhere(r, t, k)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("DELETE FROM %s WHERE %s;", r.QuoteTable(t), where), nil
}

// textWidth finds the declared width of a character type: char(32), varchar(36),
// character varying(36).
var textWidth = regexp.MustCompile(`^(?i)(char|varchar|character|character varying|nchar|nvarchar)\(([0-9]+)\)`)

// TextWidth is the declared width of a character column type, or 0.
func TextWidth(typ string) int {
	m := textWidth.FindStringSubmatch(typ)
	if m == nil {
		return 0
	}
	n := 0
	fmt.Sscan(m[2], &n)
	return n
}

// Comment is text as one SQL comment line: line breaks and other control characters in names
// and values become '?', so that nothing in them can end the comment.
func Comment(text string) string {
	return "-- " + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return '?'
		}
		return r
	}, text)
}
