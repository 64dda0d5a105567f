package dialect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Class is the engine-neutral family of a column type. It decides how a value is put into
// canonical form and how a key value is passed back to the database as a parameter.
type Class int

// The classes of column types.
const (
	ClassOther     Class = iota // compared by the engine's text form; same-engine only
	ClassInt                    // signed integers of any width
	ClassUint                   // unsigned integers
	ClassDecimal                // exact numerics
	ClassFloat                  // 32-bit floating point
	ClassDouble                 // 64-bit floating point
	ClassBool                   // boolean
	ClassBit                    // bit strings, compared as unsigned integers
	ClassString                 // character data, UTF-8
	ClassBytes                  // binary data
	ClassDate                   // calendar date
	ClassTime                   // time of day (or MySQL's signed interval TIME)
	ClassTimestamp              // date and time, no zone (or normalised to UTC)
	ClassYear                   // MySQL YEAR
	ClassJSON                   // JSON documents, compared with sorted keys
	ClassUUID                   // UUIDs, lower case with hyphens
	ClassEnum                   // enum and set values, compared as text
)

var classNames = [...]string{"other", "int", "uint", "decimal", "float", "double", "bool", "bit",
	"string", "bytes", "date", "time", "timestamp", "year", "json", "uuid", "enum"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Column is one column of a table as the engine reports it.
type Column struct {
	Name     string
	Type     string // the engine's own type name, e.g. "varchar(20)" or "timestamp with time zone"
	BaseType string // the type without modifiers, for casts; may be empty where not needed
	Class    Class
	Nullable bool
	PadChar  bool // fixed-width character type whose trailing pad spaces are not data
	// Collation orders and compares text values ("" for non-text columns): a key whose text
	// columns collate differently on the two sides cannot be cut into the same ranges.
	Collation string
	// Coerced marks a column compared under another side's class (a CHAR(36) against a uuid,
	// a TEXT against a json): a value that does not read as that class is compared as its text.
	Coerced bool
	// Generated marks a column the server computes from others (GENERATED ALWAYS AS ...):
	// compared, but never written by repair SQL.
	Generated bool
	// IdentityAlways marks a PostgreSQL GENERATED ALWAYS AS IDENTITY column: an INSERT that
	// writes it needs OVERRIDING SYSTEM VALUE.
	IdentityAlways bool
}

// KeyKind says which kind of key identifies a table's rows.
type KeyKind string

// The kinds of keys.
const (
	KeyPrimary KeyKind = "primary key"
	KeyUnique  KeyKind = "unique index" // a unique index whose columns are all NOT NULL
	KeyNone    KeyKind = "none"         // no usable key: the table is compared as one digest
)

// Table is an introspected table: its columns in their order, and the key that orders its rows.
type Table struct {
	Schema  string // database (MySQL) or schema (PostgreSQL)
	Name    string
	Columns []Column
	KeyKind KeyKind
	KeyName string // the index's name; empty for KeyNone
	Key     []int  // indexes into Columns of the key's columns, in key order
	// OwnRowsOnly says reads must leave out the rows of tables that inherit from this one
	// (PostgreSQL table inheritance: a parent's rows include its children's).
	OwnRowsOnly bool
}

// String returns schema.name, for messages.
func (t *Table) String() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// Column returns the index of the named column, or -1. Names match exactly.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// KeyColumns returns the key's columns.
func (t *Table) KeyColumns() []Column {
	cols := make([]Column, len(t.Key))
	for i, k := range t.Key {
		cols[i] = t.Columns[k]
	}
	return cols
}

// KeyNames returns the names of the key's columns.
func (t *Table) KeyNames() []string {
	names := make([]string, len(t.Key))
	for i, k := range t.Key {
		names[i] = t.Columns[k].Name
	}
	return names
}

// Key is one key value: the canonical bytes of each key column, in key order. Keys are
// engine-neutral, so a range planned on one engine applies as is to the other; each dialect
// turns them into parameters of its own.
type Key [][]byte

// CloneKey copies canonical values (a row's, valid only until the next row) into a Key.
// NULL (nil) stays nil and the empty value stays empty: they are different values.
func CloneKey(vals [][]byte) Key {
	k := make(Key, len(vals))
	for i, v := range vals {
		if v != nil {
			k[i] = append([]byte{}, v...)
		}
	}
	return k
}

// Range is the set of rows whose key k satisfies Lo < k <= Hi, comparing keys as tuples in the
// key's order. A nil bound is open, so Range{} is the whole table.
type Range struct {
	Lo Key // exclusive; nil means from the first row
	Hi Key // inclusive; nil means to the last row
}

func (r Range) String() string {
	return fmt.Sprintf("(%s, %s]", fmtKey(r.Lo, "-inf"), fmtKey(r.Hi, "+inf"))
}

func fmtKey(k Key, open string) string {
	if k == nil {
		return open
	}
	parts := make([]string, len(k))
	for i, v := range k {
		parts[i] = FormatValue(v, 0)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// ErrNotFound is wrapped by errors for a table, schema or database that does not exist.
var ErrNotFound = errors.New("not found")

// FormatValue renders a canonical value for people: NULL, a quoted string when it is printable
// UTF-8, else 0x and hex. A positive max cuts long values and says how long they were.
func FormatValue(v []byte, max int) string {
	if v == nil {
		return "NULL"
	}
	cut := v
	if max > 0 && len(v) > max {
		cut = v[:max]
		if utf8.Valid(v) {
			// Cut at a character boundary, so that cut text still reads as text.
			for len(cut) > 0 && !utf8.RuneStart(v[len(cut)]) {
				cut = cut[:len(cut)-1]
			}
		}
	}
	var s string
	if printable(cut) {
		s = fmt.Sprintf("%q", cut)
	} else {
		s = fmt.Sprintf("0x%x", cut)
	}
	if len(cut) < len(v) {
		s += fmt.Sprintf("... (%d bytes)", len(v))
	}
	return s
}

func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return false
		}
	}
	return true
}

// DecimalScale returns the declared scale of a decimal column from its type, "decimal(12,2)"
// or "numeric(12, 2)": 0 for "decimal(12)", ok=false when the type declares none.
func (c Column) DecimalScale() (int, bool) {
	_, mods, ok := strings.Cut(c.Type, "(")
	if !ok {
		return 0, false
	}
	mods, _, _ = strings.Cut(mods, ")")
	_, s, ok := strings.Cut(mods, ",")
	if !ok {
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// TimePrecision returns the fractional-second digits of a time or timestamp type, "datetime(3)"
// or "timestamp(3) without time zone"; def when the type declares none.
func (c Column) TimePrecision(def int) int {
	_, mods, ok := strings.Cut(c.Type, "(")
	if !ok {
		return def
	}
	mods, _, _ = strings.Cut(mods, ")")
	n, err := strconv.Atoi(strings.TrimSpace(mods))
	if err != nil {
		return def
	}
	return n
}
