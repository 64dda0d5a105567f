// Package dialecttest is the conformance suite every dialect passes: introspection, key
// detection, canonical values, range and keyset semantics, lookups and exact big integers, run
// against a real server through the dialect.DB interface alone.
//
// An engine's tests call Run with a Harness that opens the dialect on a fresh database and names
// the engine's column types, so the suite can create its tables portably:
//
//	func TestSuite(t *testing.T) { dialecttest.Run(t, harness) }
//
// What only one engine has (its read-only session variable, its DSN forms) is tested in that
// engine's package.
package dialecttest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// Harness is what the suite needs from an engine's tests.
type Harness struct {
	Name string
	// New creates a fresh database and opens the dialect on it; both close when t ends.
	New func(t *testing.T) (setup *sql.DB, db dialect.DB)
	// Types names the engine's column types, given the opened dialect (types may depend on the
	// server's version).
	Types func(db dialect.DB) Types
	// Quote quotes an identifier for setup DDL.
	Quote func(name string) string
	// Placeholder is the marker of the nth (from 1) parameter of a setup statement.
	Placeholder func(n int) string
	// Gaps names subtests (as t.Name() ends, e.g. "TextKeys/BinaryOrder") that the dialect is
	// known to fail, with the reason; they skip and say so.
	Gaps map[string]string
}

// Types are an engine's DDL type names for the suite's tables.
type Types struct {
	Int       string             // 32-bit signed integer
	BigInt    string             // 64-bit signed integer
	BigUint   string             // 64-bit unsigned integer; empty where the engine has none
	Text      string             // unbounded text (not used in keys)
	VarChar   func(n int) string // variable-length text of at most n characters
	Char      func(n int) string // fixed-width, blank-padded text
	Bytes     string             // variable-length binary, usable in a key
	Timestamp string             // date and time without zone, with microseconds
	Decimal   string             // exact numeric with two fractional digits
	UUID      string             // the engine's UUID type
	UUIDClass dialect.Class      // the class the dialect gives UUID columns
}

// Run runs the suite as subtests of t.
func Run(t *testing.T, h Harness) {
	s := &suite{h: h}
	cases := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"Info", s.info},
		{"Tables", s.tables},
		{"Table", s.table},
		{"Keys", s.keys},
		{"Scan", s.scan},
		{"Range", s.rangeInt},
		{"RangeComposite", s.rangeComposite},
		{"KeyBounds", s.keyBounds},
		{"GroupDigests", s.groupDigests},
		{"KeyAfter", s.keyAfter},
		{"KeyAfterComposite", s.keyAfterComposite},
		{"TextKeys", s.textKeys},
		{"CharKeys", s.charKeys},
		{"UUIDKeys", s.uuidKeys},
		{"Lookup", s.lookup},
		{"BigInts", s.bigInts},
		{"Errors", s.errors},
		{"Where", s.where},
		{"Rows", s.rows},
		{"Concurrent", s.concurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s.gap(t)
			setup, db := h.New(t)
			c.fn(t, &env{suite: s, setup: setup, db: db, ty: h.Types(db)})
		})
	}
}

type suite struct {
	h Harness
}

// gap skips a subtest the harness names as a known gap.
func (s *suite) gap(t *testing.T) {
	t.Helper()
	name := t.Name()
	for k, reason := range s.h.Gaps {
		if strings.HasSuffix(name, "/"+k) {
			t.Skipf("known gap of %s: %s", s.h.Name, reason)
		}
	}
}

// env is one subtest's database.
type env struct {
	*suite
	setup *sql.DB
	db    dialect.DB
	ty    Types
}

func (e *env) q(name string) string { return e.h.Quote(name) }

// insert adds rows to a table in one statement, values as parameters.
func (e *env) insert(t *testing.T, table string, cols []string, rows ...[]any) {
	t.Helper()
	for len(rows) > 0 {
		batch := rows[:min(len(rows), 500)]
		rows = rows[len(batch):]
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = e.q(c)
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", e.q(table), strings.Join(quoted, ", "))
		var args []any
		for i, r := range batch {
			if len(r) != len(cols) {
				t.Fatalf("insert into %s: row %v has %d values for %d columns", table, r, len(r), len(cols))
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			marks := make([]string, len(r))
			for j, v := range r {
				args = append(args, v)
				marks[j] = e.h.Placeholder(len(args))
			}
			sb.WriteString("(" + strings.Join(marks, ", ") + ")")
		}
		if _, err := e.setup.ExecContext(t.Context(), sb.String(), args...); err != nil {
			t.Fatalf("insert into %s: %v", table, err)
		}
	}
}

func (e *env) table(t *testing.T, name string) *dialect.Table {
	t.Helper()
	tb, err := e.db.Table(t.Context(), name)
	if err != nil {
		t.Fatalf("Table(%q): %v", name, err)
	}
	return tb
}

// cols returns the indexes of the named columns.
func cols(t *testing.T, tb *dialect.Table, names ...string) []int {
	t.Helper()
	idx := make([]int, len(names))
	for i, n := range names {
		if idx[i] = tb.Column(n); idx[i] < 0 {
			t.Fatalf("%s has no column %q", tb, n)
		}
	}
	return idx
}

// allCols is every column of a table.
func allCols(tb *dialect.Table) []int {
	idx := make([]int, len(tb.Columns))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// row renders values as the suite compares them: strings, nil for NULL, []byte.
func row(vals ...any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
			parts[i] = dialect.FormatValue(nil, 0)
		case string:
			parts[i] = dialect.FormatValue([]byte(v), 0)
		case []byte:
			parts[i] = dialect.FormatValue(v, 0)
		case int:
			parts[i] = dialect.FormatValue([]byte(strconv.Itoa(v)), 0)
		default:
			panic(fmt.Sprintf("row: %T", v))
		}
	}
	return strings.Join(parts, " | ")
}

func fmtVals(vals [][]byte) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = dialect.FormatValue(v, 0)
	}
	return strings.Join(parts, " | ")
}

// collect drains rows into rendered strings, in the order read, and checks NULL and empty
// values are told apart by identity.
func collect(t *testing.T, rows dialect.Rows, err error) []string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		out = append(out, fmtVals(rows.Values()))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scan reads q's rows, sorted.
func (e *env) scan(t *testing.T, q dialect.Query) []string {
	t.Helper()
	rows, err := e.db.Scan(t.Context(), q)
	got := collect(t, rows, err)
	slices.Sort(got)
	return got
}

func (e *env) lookupRows(t *testing.T, q dialect.Query, keys []dialect.Key) []string {
	t.Helper()
	rows, err := e.db.Lookup(t.Context(), q, keys)
	got := collect(t, rows, err)
	slices.Sort(got)
	return got
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// k builds a key from strings.
func k(vals ...string) dialect.Key {
	key := make(dialect.Key, len(vals))
	for i, v := range vals {
		key[i] = []byte(v)
	}
	return key
}

func fmtKey(key dialect.Key) string {
	if key == nil {
		return "<nil>"
	}
	return fmtVals(key)
}

func (s *suite) info(t *testing.T, e *env) {
	if e.db.Engine() != dialect.MySQL && e.db.Engine() != dialect.Postgres {
		t.Errorf("Engine() = %q", e.db.Engine())
	}
	if e.db.Version() == "" {
		t.Error("Version() is empty")
	}
	if e.db.Schema() == "" {
		t.Error("Schema() is empty")
	}
}

func (s *suite) tables(t *testing.T, e *env) {
	got, err := e.db.Tables(t.Context())
	if err != nil || len(got) != 0 {
		t.Fatalf("Tables() of an empty database = %q, %v", got, err)
	}
	for _, n := range []string{"b", "a", "C", "a_b", "B2"} {
		e.exec(t, fmt.Sprintf("CREATE TABLE %s (id %s)", e.q(n), e.ty.Int))
	}
	e.exec(t, fmt.Sprintf("CREATE VIEW %s AS SELECT id FROM %s", e.q("a_view"), e.q("a")))
	got, err = e.db.Tables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Sorted as Go sorts strings (bytewise), whatever the server's collation; views left out.
	equal(t, "Tables()", got, []string{"B2", "C", "a", "a_b", "b"})
}

func (s *suite) table(t *testing.T, e *env) {
	e.exec(t, fmt.Sprintf(`CREATE TABLE %s (
  %s %s NOT NULL PRIMARY KEY,
  %s %s NULL,
  %s %s NOT NULL,
  %s %s NULL,
  %s %s NULL,
  %s %s NULL,
  %s %s NULL,
  %s %s NULL,
  %s %s NULL)`, e.q("t1"),
		e.q("id"), e.ty.BigInt,
		e.q("n"), e.ty.Int,
		e.q("name"), e.ty.VarChar(20),
		e.q("code"), e.ty.Char(4),
		e.q("body"), e.ty.Text,
		e.q("data"), e.ty.Bytes,
		e.q("amount"), e.ty.Decimal,
		e.q("at"), e.ty.Timestamp,
		e.q("u"), e.ty.UUID))
	want := []dialect.Column{
		{Name: "id", Class: dialect.ClassInt},
		{Name: "n", Class: dialect.ClassInt, Nullable: true},
		{Name: "name", Class: dialect.ClassString},
		{Name: "code", Class: dialect.ClassString, Nullable: true, PadChar: true},
		{Name: "body", Class: dialect.ClassString, Nullable: true},
		{Name: "data", Class: dialect.ClassBytes, Nullable: true},
		{Name: "amount", Class: dialect.ClassDecimal, Nullable: true},
		{Name: "at", Class: dialect.ClassTimestamp, Nullable: true},
		{Name: "u", Class: e.ty.UUIDClass, Nullable: true},
	}
	e.exec(t, fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM %s", e.q("a_view"), e.q("id"), e.q("t1")))
	for _, name := range []string{"t1", e.db.Schema() + ".t1"} {
		tb := e.table(t, name)
		if tb.Name != "t1" || tb.Schema != e.db.Schema() {
			t.Errorf("Table(%q) is %q.%q, want %q.t1", name, tb.Schema, tb.Name, e.db.Schema())
		}
		if len(tb.Columns) != len(want) {
			t.Fatalf("Table(%q) has %d columns, want %d: %+v", name, len(tb.Columns), len(want), tb.Columns)
		}
		for i, w := range want {
			c := tb.Columns[i]
			if c.Name != w.Name || c.Class != w.Class || c.Nullable != w.Nullable || c.PadChar != w.PadChar {
				t.Errorf("column %d = {%s %s nullable=%v pad=%v} (type %q), want {%s %s nullable=%v pad=%v}",
					i, c.Name, c.Class, c.Nullable, c.PadChar, c.Type, w.Name, w.Class, w.Nullable, w.PadChar)
			}
			if c.Type == "" {
				t.Errorf("column %s has no type", c.Name)
			}
		}
		if tb.KeyKind != dialect.KeyPrimary || !slices.Equal(tb.Key, []int{0}) {
			t.Errorf("key = %s %v, want primary key [0]", tb.KeyKind, tb.Key)
		}
		if n, err := e.db.EstimateRows(t.Context(), tb); err != nil || n < 0 {
			t.Errorf("EstimateRows = %d, %v", n, err)
		}
	}

	for _, name := range []string{"missing", "T1", "a_view", "no_such_schema.t1"} {
		_, err := e.db.Table(t.Context(), name)
		if !errors.Is(err, dialect.ErrNotFound) {
			t.Errorf("Table(%q) error = %v, want one wrapping ErrNotFound", name, err)
		} else if !strings.Contains(err.Error(), strings.TrimPrefix(name, "no_such_schema.")) {
			t.Errorf("Table(%q) error %q does not name the table", name, err)
		}
	}
}

func (s *suite) keys(t *testing.T, e *env) {
	ty := e.ty
	e.exec(t,
		fmt.Sprintf("CREATE TABLE pk1 (id %s NOT NULL PRIMARY KEY, v %s NULL)", ty.BigInt, ty.Text),
		// Key order (b, a) is not column order (a, b).
		fmt.Sprintf("CREATE TABLE pk2 (a %s NOT NULL, b %s NOT NULL, c %s NULL, PRIMARY KEY (b, a))", ty.Int, ty.VarChar(10), ty.Int),
		fmt.Sprintf("CREATE TABLE uq (a %s NULL, b %s NOT NULL, c %s NOT NULL)", ty.Int, ty.Int, ty.VarChar(10)),
		"CREATE UNIQUE INDEX uq_cb ON uq (c, b)",
		fmt.Sprintf("CREATE TABLE uq_null (a %s NULL, b %s NOT NULL)", ty.Int, ty.Int),
		"CREATE UNIQUE INDEX uq_null_ab ON uq_null (a, b)",
		// A NULL-able unique index is passed over for a NOT NULL one.
		fmt.Sprintf("CREATE TABLE uq_two (a %s NULL, b %s NOT NULL, c %s NULL)", ty.Int, ty.Int, ty.Int),
		"CREATE UNIQUE INDEX uq_two_a ON uq_two (a)",
		"CREATE UNIQUE INDEX uq_two_b ON uq_two (b)",
		// The primary key wins over a unique index, even a narrower or earlier-named one.
		fmt.Sprintf("CREATE TABLE pk_uq (a %s NOT NULL, b %s NOT NULL, c %s NOT NULL, PRIMARY KEY (b, c))", ty.Int, ty.Int, ty.Int),
		"CREATE UNIQUE INDEX a_first ON pk_uq (a)",
		fmt.Sprintf("CREATE TABLE plain (a %s NOT NULL, b %s NULL)", ty.Int, ty.Text),
		"CREATE INDEX plain_a ON plain (a)",
		fmt.Sprintf("CREATE TABLE nokey (a %s NULL, b %s NULL)", ty.Int, ty.Text),
	)
	tests := []struct {
		table   string
		kind    dialect.KeyKind
		keyName string // "" to not check
		key     []string
	}{
		{"pk1", dialect.KeyPrimary, "", []string{"id"}},
		{"pk2", dialect.KeyPrimary, "", []string{"b", "a"}},
		{"uq", dialect.KeyUnique, "uq_cb", []string{"c", "b"}},
		{"uq_null", dialect.KeyNone, "", nil},
		{"uq_two", dialect.KeyUnique, "uq_two_b", []string{"b"}},
		{"pk_uq", dialect.KeyPrimary, "", []string{"b", "c"}},
		{"plain", dialect.KeyNone, "", nil},
		{"nokey", dialect.KeyNone, "", nil},
	}
	for _, tt := range tests {
		tb := e.table(t, tt.table)
		if tb.KeyKind != tt.kind || !slices.Equal(tb.KeyNames(), tt.key) || len(tb.Key) != len(tt.key) {
			t.Errorf("%s: key %s %q, want %s %q", tt.table, tb.KeyKind, tb.KeyNames(), tt.kind, tt.key)
		}
		if tt.keyName != "" && tb.KeyName != tt.keyName {
			t.Errorf("%s: key name %q, want %q", tt.table, tb.KeyName, tt.keyName)
		}
		if tt.kind == dialect.KeyNone && tb.KeyName != "" {
			t.Errorf("%s: no key but key name %q", tt.table, tb.KeyName)
		}
		if tt.kind != dialect.KeyNone && tb.KeyName == "" {
			t.Errorf("%s: key without a name", tt.table)
		}
	}
}

// canonTable creates and fills a table of one value of each kind the canonical form cares for.
func (e *env) canonTable(t *testing.T) *dialect.Table {
	ty := e.ty
	e.exec(t, fmt.Sprintf(`CREATE TABLE canon (id %s NOT NULL PRIMARY KEY, s %s NULL, c %s NULL,
  b %s NULL, d %s NULL, ts %s NULL, u %s NULL)`,
		ty.Int, ty.VarChar(20), ty.Char(5), ty.Bytes, ty.Decimal, ty.Timestamp, ty.UUID))
	e.insert(t, "canon", []string{"id", "s", "c", "b", "d", "ts", "u"},
		[]any{1, nil, nil, nil, nil, nil, nil},
		[]any{2, "", "ab", []byte{0x00, 0xff, 0x00, 'a'}, "1.50", "2024-02-29 23:59:59.123456", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"},
		[]any{3, "x  ", "", []byte{}, "-0.10", "1970-01-01 00:00:00", "00000000-0000-0000-0000-000000000000"},
		[]any{4, "  y", "ab  ", []byte{0xff}, "100.00", "2000-01-01 00:00:00.5", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		[]any{5, "é\t\n", "é", []byte("\x00"), "0.00", "2038-01-19 03:14:08.000001", "123e4567-e89b-12d3-a456-426614174000"},
	)
	return e.table(t, "canon")
}

func (s *suite) scan(t *testing.T, e *env) {
	tb := e.canonTable(t)
	uuid := func(s string) any {
		if e.ty.UUIDClass == dialect.ClassUUID {
			return strings.ToLower(s)
		}
		return s
	}
	want := []string{
		row(1, nil, nil, nil, nil, nil, nil),
		row(2, "", "ab", []byte{0x00, 0xff, 0x00, 'a'}, "1.5", "2024-02-29 23:59:59.123456", uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")),
		row(3, "x  ", "", []byte{}, "-0.1", "1970-01-01 00:00:00.000000", "00000000-0000-0000-0000-000000000000"),
		row(4, "  y", "ab", []byte{0xff}, "100", "2000-01-01 00:00:00.500000", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
		row(5, "é\t\n", "é", []byte{0}, "0", "2038-01-19 03:14:08.000001", "123e4567-e89b-12d3-a456-426614174000"),
	}
	equal(t, "Scan(all columns)", e.scan(t, dialect.Query{Table: tb, Columns: allCols(tb)}), want)

	// Columns come back in Query.Columns order, repeats and all.
	got := e.scan(t, dialect.Query{Table: tb, Columns: cols(t, tb, "ts", "id", "s", "id"), Range: dialect.Range{Lo: k("1"), Hi: k("2")}})
	equal(t, "Scan(ts, id, s, id)", got, []string{row("2024-02-29 23:59:59.123456", 2, "", 2)})

	// NULL and empty stay apart even when a row's only value is empty (nothing buffered yet).
	for _, c := range []struct{ col, lo, hi string }{{"s", "1", "2"}, {"c", "2", "3"}, {"b", "2", "3"}} {
		rows, err := e.db.Scan(t.Context(), dialect.Query{Table: tb, Columns: cols(t, tb, c.col), Range: dialect.Range{Lo: k(c.lo), Hi: k(c.hi)}})
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatalf("Scan(%s of row %s): no row: %v", c.col, c.hi, rows.Err())
		}
		if v := rows.Values()[0]; v == nil || len(v) != 0 {
			t.Errorf("Scan(%s of row %s) = %#v, want a non-nil empty value", c.col, c.hi, v)
		}
		rows.Close()
		rows, err = e.db.Scan(t.Context(), dialect.Query{Table: tb, Columns: cols(t, tb, c.col), Range: dialect.Range{Hi: k("1")}})
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatalf("Scan(%s of row 1): no row: %v", c.col, rows.Err())
		}
		if v := rows.Values()[0]; v != nil {
			t.Errorf("Scan(%s of row 1) = %#v, want nil (NULL)", c.col, v)
		}
		rows.Close()
	}
}

// intTable creates table name (id int primary key, v int) with ids 1..n and v = 10*id.
func (e *env) intTable(t *testing.T, name string, n int) *dialect.Table {
	e.exec(t, fmt.Sprintf("CREATE TABLE %s (id %s NOT NULL PRIMARY KEY, v %s NULL)", name, e.ty.Int, e.ty.Int))
	var rows [][]any
	for i := 1; i <= n; i++ {
		rows = append(rows, []any{i, 10 * i})
	}
	e.insert(t, name, []string{"id", "v"}, rows...)
	return e.table(t, name)
}

func ids(from, to int, except ...int) []string {
	var out []string
	for i := from; i <= to; i++ {
		if !slices.Contains(except, i) {
			out = append(out, row(i))
		}
	}
	return sorted(out)
}

// checkRange scans q and counts it, and compares both with want.
func (e *env) checkRange(t *testing.T, q dialect.Query, want []string) {
	t.Helper()
	what := fmt.Sprintf("Scan(%s where %q)", q.Range, q.Where)
	equal(t, what, e.scan(t, q), sorted(want))
	n, err := e.db.CountRows(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(want)) {
		t.Errorf("CountRows(%s where %q) = %d, want %d", q.Range, q.Where, n, len(want))
	}
}

func (s *suite) rangeInt(t *testing.T, e *env) {
	tb := e.intTable(t, "r", 10)
	id := cols(t, tb, "id")
	tests := []struct {
		lo, hi dialect.Key
		where  string
		want   []string
	}{
		{nil, nil, "", ids(1, 10)},
		{k("3"), k("7"), "", ids(4, 7)},
		{nil, k("3"), "", ids(1, 3)},
		{k("7"), nil, "", ids(8, 10)},
		{k("0"), k("1"), "", ids(1, 1)},
		{k("10"), nil, "", nil},
		{k("5"), k("5"), "", nil},
		{k("6"), k("5"), "", nil},
		{k("-100"), k("100"), "", ids(1, 10)},
		{nil, nil, "v <> 50", ids(1, 10, 5)},
		{k("3"), k("7"), "v <> 50", ids(4, 7, 5)},
		{k("3"), k("7"), "v > 1000", nil},
		{k("3"), nil, "v = 40 OR v = 90", []string{row(4), row(9)}},
	}
	for _, tt := range tests {
		e.checkRange(t, dialect.Query{Table: tb, Columns: id, Range: dialect.Range{Lo: tt.lo, Hi: tt.hi}, Where: tt.where}, tt.want)
	}
}

// compositeTable creates table c (a int, b varchar, v int) keyed on (a, b).
func (e *env) compositeTable(t *testing.T) *dialect.Table {
	e.exec(t, fmt.Sprintf("CREATE TABLE c (a %s NOT NULL, b %s NOT NULL, v %s NULL, PRIMARY KEY (a, b))",
		e.ty.Int, e.ty.VarChar(10), e.ty.Int))
	e.insert(t, "c", []string{"a", "b", "v"},
		[]any{1, "a", 1}, []any{1, "b", 2}, []any{1, "c", 3},
		[]any{2, "a", 4}, []any{2, "b", 5},
		[]any{3, "a", 6}, []any{3, "ab", 7}, []any{3, "b", 8},
	)
	return e.table(t, "c")
}

func ab(pairs ...string) []string {
	var out []string
	for _, p := range pairs {
		a, b, _ := strings.Cut(p, ",")
		out = append(out, row(a, b))
	}
	return sorted(out)
}

func (s *suite) rangeComposite(t *testing.T, e *env) {
	tb := e.compositeTable(t)
	key := cols(t, tb, "a", "b")
	all := ab("1,a", "1,b", "1,c", "2,a", "2,b", "3,a", "3,ab", "3,b")
	tests := []struct {
		lo, hi dialect.Key
		where  string
		want   []string
	}{
		{nil, nil, "", all},
		{k("1", "b"), k("2", "a"), "", ab("1,c", "2,a")},
		{k("1", "b"), nil, "", ab("1,c", "2,a", "2,b", "3,a", "3,ab", "3,b")},
		{nil, k("1", "b"), "", ab("1,a", "1,b")},
		// A bound between existing keys, and bounds on the first column only.
		{k("1", "bb"), k("3", "a"), "", ab("1,c", "2,a", "2,b", "3,a")},
		{k("1", "zzz"), k("2", ""), "", nil},
		{k("0", "zzz"), k("1", "a"), "", ab("1,a")},
		{k("3", "a"), k("3", "b"), "", ab("3,ab", "3,b")},
		{k("2", "b"), k("2", "b"), "", nil},
		{k("1", "a"), k("3", "b"), "v <> 5", ab("1,b", "1,c", "2,a", "3,a", "3,ab", "3,b")},
	}
	for _, tt := range tests {
		e.checkRange(t, dialect.Query{Table: tb, Columns: key, Range: dialect.Range{Lo: tt.lo, Hi: tt.hi}, Where: tt.where}, tt.want)
	}
}

func (s *suite) keyBounds(t *testing.T, e *env) {
	tb := e.intTable(t, "r", 10)
	id := cols(t, tb, "id")
	e.exec(t, fmt.Sprintf("CREATE TABLE empty (id %s NOT NULL PRIMARY KEY)", e.ty.Int))
	empty := e.table(t, "empty")
	ctb := e.compositeTable(t)

	tests := []struct {
		q      dialect.Query
		lo, hi string // "" for ok=false
	}{
		{dialect.Query{Table: tb, Columns: id}, row(1), row(10)},
		{dialect.Query{Table: tb, Columns: id, Range: dialect.Range{Lo: k("3"), Hi: k("7")}}, row(4), row(7)},
		{dialect.Query{Table: tb, Columns: id, Where: "v > 50"}, row(6), row(10)},
		{dialect.Query{Table: tb, Columns: id, Range: dialect.Range{Lo: k("3")}, Where: "v < 60"}, row(4), row(5)},
		{dialect.Query{Table: tb, Columns: id, Range: dialect.Range{Lo: k("10")}}, "", ""},
		{dialect.Query{Table: tb, Columns: id, Where: "v < 0"}, "", ""},
		{dialect.Query{Table: empty, Columns: empty.Key}, "", ""},
		{dialect.Query{Table: ctb, Columns: ctb.Key}, row("1", "a"), row("3", "b")},
		{dialect.Query{Table: ctb, Columns: ctb.Key, Range: dialect.Range{Lo: k("1", "c"), Hi: k("3", "ab")}}, row("2", "a"), row("3", "ab")},
	}
	for _, tt := range tests {
		lo, hi, ok, err := e.db.KeyBounds(t.Context(), tt.q)
		if err != nil {
			t.Fatalf("KeyBounds(%s %s where %q): %v", tt.q.Table, tt.q.Range, tt.q.Where, err)
		}
		if tt.lo == "" {
			if ok || lo != nil || hi != nil {
				t.Errorf("KeyBounds(%s %s where %q) = %s, %s, %v; want ok=false", tt.q.Table, tt.q.Range, tt.q.Where, fmtKey(lo), fmtKey(hi), ok)
			}
			continue
		}
		if !ok || fmtKey(lo) != tt.lo || fmtKey(hi) != tt.hi {
			t.Errorf("KeyBounds(%s %s where %q) = %s, %s, %v; want %s, %s", tt.q.Table, tt.q.Range, tt.q.Where, fmtKey(lo), fmtKey(hi), ok, tt.lo, tt.hi)
		}
	}
}

// checkKeyAfter calls KeyAfter and compares with want ("" for ok=false).
func (e *env) checkKeyAfter(t *testing.T, q dialect.Query, skip int, want string) {
	t.Helper()
	got, ok, err := e.db.KeyAfter(t.Context(), q, skip)
	if err != nil {
		t.Fatalf("KeyAfter(%s where %q, %d): %v", q.Range, q.Where, skip, err)
	}
	if want == "" {
		if ok || got != nil {
			t.Errorf("KeyAfter(%s where %q, %d) = %s, %v; want ok=false", q.Range, q.Where, skip, fmtKey(got), ok)
		}
		return
	}
	if !ok || fmtKey(got) != want {
		t.Errorf("KeyAfter(%s where %q, %d) = %s, %v; want %s", q.Range, q.Where, skip, fmtKey(got), ok, want)
	}
}

func (s *suite) keyAfter(t *testing.T, e *env) {
	tb := e.intTable(t, "r", 10)
	q := func(lo, hi dialect.Key, where string) dialect.Query {
		return dialect.Query{Table: tb, Columns: tb.Key, Range: dialect.Range{Lo: lo, Hi: hi}, Where: where}
	}
	tests := []struct {
		q    dialect.Query
		skip int
		want string
	}{
		{q(nil, nil, ""), 1, row(1)},
		{q(nil, nil, ""), 4, row(4)},
		{q(nil, nil, ""), 10, row(10)},
		{q(nil, nil, ""), 11, ""},
		{q(k("3"), nil, ""), 1, row(4)},
		{q(k("3"), nil, ""), 2, row(5)},
		{q(k("3"), nil, ""), 7, row(10)},
		{q(k("3"), nil, ""), 8, ""},
		{q(k("3"), k("5"), ""), 2, row(5)},
		{q(k("3"), k("5"), ""), 3, ""}, // row 6 exists but lies past Hi
		{q(nil, k("0"), ""), 1, ""},
		{q(k("10"), nil, ""), 1, ""},
		{q(k("2"), nil, "v <> 40 AND v <> 50"), 2, row(6)},
		{q(k("2"), nil, "v <> 40 AND v <> 50"), 6, row(10)},
		{q(k("2"), nil, "v <> 40 AND v <> 50"), 7, ""},
		{q(k("-5"), nil, ""), 1, row(1)},
	}
	for _, tt := range tests {
		e.checkKeyAfter(t, tt.q, tt.skip, tt.want)
	}
	for _, skip := range []int{0, -1} {
		if _, _, err := e.db.KeyAfter(t.Context(), q(nil, nil, ""), skip); err == nil {
			t.Errorf("KeyAfter(skip %d): no error", skip)
		}
	}
	e.checkWalks(t, tb, "", 10)
	e.checkWalks(t, tb, "v <> 30", 9)
}

func (s *suite) keyAfterComposite(t *testing.T, e *env) {
	tb := e.compositeTable(t)
	q := func(lo, hi dialect.Key) dialect.Query {
		return dialect.Query{Table: tb, Columns: tb.Key, Range: dialect.Range{Lo: lo, Hi: hi}}
	}
	tests := []struct {
		q    dialect.Query
		skip int
		want string
	}{
		{q(nil, nil), 1, row("1", "a")},
		{q(k("1", "b"), nil), 1, row("1", "c")},
		{q(k("1", "b"), nil), 2, row("2", "a")},
		{q(k("1", "bb"), nil), 1, row("1", "c")},
		{q(k("2", "b"), nil), 2, row("3", "ab")},
		{q(k("2", "b"), nil), 4, ""},
		{q(k("1", "b"), k("2", "a")), 2, row("2", "a")},
		{q(k("1", "b"), k("2", "a")), 3, ""},
		{q(nil, k("1", "a")), 2, ""},
	}
	for _, tt := range tests {
		e.checkKeyAfter(t, tt.q, tt.skip, tt.want)
	}
	e.checkWalks(t, tb, "", 8)
	e.checkWalks(t, tb, "v <> 4", 7)
}

// checkWalks walks a table's key like the keyset chunker, at several chunk sizes, and checks
// the chunks hold every row exactly once.
func (e *env) checkWalks(t *testing.T, tb *dialect.Table, where string, rows int) {
	t.Helper()
	all := e.scan(t, dialect.Query{Table: tb, Columns: tb.Key, Where: where})
	if len(all) != rows {
		t.Fatalf("%s where %q has %d rows, want %d", tb, where, len(all), rows)
	}
	for _, size := range []int{1, 2, 3, rows, rows + 1} {
		var got []string
		var after dialect.Key
		var chunks []dialect.Range
		for range rows + 2 {
			r := dialect.Range{Lo: after}
			hi, ok, err := e.db.KeyAfter(t.Context(), dialect.Query{Table: tb, Columns: tb.Key, Range: r, Where: where}, size)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				r.Hi = hi
			}
			chunks = append(chunks, r)
			rs := e.scan(t, dialect.Query{Table: tb, Columns: tb.Key, Range: r, Where: where})
			if ok && (len(rs) != size || !slices.Contains(rs, fmtVals(hi))) {
				t.Errorf("walk of %s where %q by %d: chunk %s holds %q, want %d rows ending with its upper bound", tb, where, size, r, rs, size)
				return
			}
			got = append(got, rs...)
			if !ok {
				break
			}
			after = hi
		}
		slices.Sort(got)
		if !slices.Equal(got, all) {
			t.Errorf("walk of %s where %q by %d: chunks %v hold %q, want each of %q once", tb, where, size, chunks, got, all)
		}
	}
}

func (s *suite) textKeys(t *testing.T, e *env) {
	e.exec(t, fmt.Sprintf("CREATE TABLE tk (k %s NOT NULL PRIMARY KEY, v %s NULL)", e.ty.VarChar(20), e.ty.Int))
	keys := []string{"a", "B", "c", "Z", "é", "_", "a b", "ab", "0", "~", "Ab-", "É1", "ß", "~~"}
	var rows [][]any
	for i, key := range keys {
		rows = append(rows, []any{key, i})
	}
	e.insert(t, "tk", []string{"k", "v"}, rows...)
	tb := e.table(t, "tk")

	// Whatever the collation, boundaries the engine finds select each row exactly once.
	e.checkWalks(t, tb, "", len(keys))

	t.Run("BinaryOrder", func(t *testing.T) {
		// Chunks are planned on one engine and applied on the other: both must order text keys
		// the same way, as bytes.
		e.gap(t)
		var got []string
		var after dialect.Key
		for range len(keys) + 2 { // bounded: a seek that fails to advance would loop forever
			key, ok, err := e.db.KeyAfter(t.Context(), dialect.Query{Table: tb, Columns: tb.Key, Range: dialect.Range{Lo: after}}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got, after = append(got, string(key[0])), key
		}
		equal(t, "key order", got, sorted(keys))
		// And a range planned in byte order selects the same rows here.
		e.checkRange(t, dialect.Query{Table: tb, Columns: tb.Key, Range: dialect.Range{Lo: k("Z"), Hi: k("a")}}, []string{row("_"), row("a")})
	})
}

// uuidKeys checks UUID keys: walks select each row once, and (BinaryOrder) the engine orders
// them as their bytes, as the other engine does.
func (s *suite) uuidKeys(t *testing.T, e *env) {
	e.exec(t, fmt.Sprintf("CREATE TABLE uk (k %s NOT NULL PRIMARY KEY, v %s NULL)", e.ty.UUID, e.ty.Int))
	keys := []string{
		"00000000-0000-1000-8000-000000000002",
		"00000001-0000-1000-8000-000000000001",
		"00000000-ffff-4000-8000-000000000000",
		"ffffffff-0000-4000-8000-000000000000",
		"7fffffff-ffff-7fff-bfff-ffffffffffff",
		"00000000-0000-0000-0000-000000000000",
	}
	var rows [][]any
	for i, key := range keys {
		rows = append(rows, []any{key, i})
	}
	e.insert(t, "uk", []string{"k", "v"}, rows...)
	tb := e.table(t, "uk")
	e.checkWalks(t, tb, "", len(keys))
	for _, key := range keys {
		q := dialect.Query{Table: tb, Columns: tb.Key}
		equal(t, "Lookup("+key+")", e.lookupRows(t, q, []dialect.Key{k(key)}), []string{row(key)})
	}

	t.Run("BinaryOrder", func(t *testing.T) {
		e.gap(t)
		var got []string
		var after dialect.Key
		for range len(keys) + 2 {
			key, ok, err := e.db.KeyAfter(t.Context(), dialect.Query{Table: tb, Columns: tb.Key, Range: dialect.Range{Lo: after}}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got, after = append(got, string(key[0])), key
		}
		equal(t, "key order", got, sorted(keys))
	})
}

// charKeys checks fixed-width text keys: pad spaces are not data, and parameters are not cut to
// the column's width or to one character.
func (s *suite) charKeys(t *testing.T, e *env) {
	e.exec(t, fmt.Sprintf("CREATE TABLE ck (k %s NOT NULL PRIMARY KEY, v %s NULL)", e.ty.Char(3), e.ty.Int))
	keys := []string{"a", "ab", "abc", "b", "ba"}
	var rows [][]any
	for i, key := range keys {
		rows = append(rows, []any{key, i})
	}
	e.insert(t, "ck", []string{"k", "v"}, rows...)
	tb := e.table(t, "ck")
	e.checkWalks(t, tb, "", len(keys))
	q := dialect.Query{Table: tb, Columns: tb.Key}
	for i, key := range keys {
		q.Range = dialect.Range{Hi: k(key)}
		if i > 0 {
			q.Range.Lo = k(keys[i-1])
		}
		e.checkRange(t, q, []string{row(key)})
		e.checkKeyAfter(t, dialect.Query{Table: tb, Columns: tb.Key, Range: dialect.Range{Lo: q.Range.Lo}}, 1, row(key))
		equal(t, "Lookup("+key+")", e.lookupRows(t, q, []dialect.Key{k(key)}), []string{row(key)})
	}
	// A key longer than the column selects by its whole value.
	q.Range = dialect.Range{Lo: k("abcd"), Hi: k("b")}
	e.checkRange(t, q, []string{row("b")})
}

func (s *suite) lookup(t *testing.T, e *env) {
	tb := e.intTable(t, "r", 500)
	both := cols(t, tb, "id", "v")
	got := e.lookupRows(t, dialect.Query{Table: tb, Columns: both}, []dialect.Key{k("2"), k("5"), k("999"), k("5")})
	equal(t, "Lookup(2, 5, 999, 5)", got, []string{row(2, 20), row(5, 50)})

	// q.Range is ignored; q.Where applies; columns in q.Columns order.
	got = e.lookupRows(t, dialect.Query{Table: tb, Columns: cols(t, tb, "v", "id"), Range: dialect.Range{Lo: k("100")}, Where: "v <> 20"},
		[]dialect.Key{k("1"), k("2"), k("3")})
	equal(t, "Lookup(1, 2, 3) where v <> 20", got, []string{row(10, 1), row(30, 3)})

	got = e.lookupRows(t, dialect.Query{Table: tb, Columns: both}, nil)
	equal(t, "Lookup(no keys)", got, nil)

	// Many keys in one call.
	var keys []dialect.Key
	var want []string
	for i := 1; i <= 700; i += 2 {
		keys = append(keys, k(strconv.Itoa(i)))
		if i <= 500 {
			want = append(want, row(i, 10*i))
		}
	}
	equal(t, "Lookup(350 keys)", e.lookupRows(t, dialect.Query{Table: tb, Columns: both}, keys), sorted(want))

	ctb := e.compositeTable(t)
	all := allCols(ctb)
	got = e.lookupRows(t, dialect.Query{Table: ctb, Columns: all}, []dialect.Key{k("1", "b"), k("3", "ab"), k("2", "c"), k("9", "a")})
	equal(t, "Lookup((1,b), (3,ab), (2,c), (9,a))", got, sorted([]string{row(1, "b", 2), row(3, "ab", 7)}))
	keys = keys[:0]
	for a := range 120 {
		for _, b := range []string{"a", "b"} {
			keys = append(keys, k(strconv.Itoa(a), b))
		}
	}
	got = e.lookupRows(t, dialect.Query{Table: ctb, Columns: ctb.Key}, keys)
	equal(t, "Lookup(240 composite keys)", got, ab("1,a", "1,b", "2,a", "2,b", "3,a", "3,b"))
}

const (
	minInt64 = "-9223372036854775808"
	maxInt64 = "9223372036854775807"
	two53    = "9007199254740992" // 2^53: past it, doubles skip integers
)

func (s *suite) bigInts(t *testing.T, e *env) {
	e.exec(t, fmt.Sprintf("CREATE TABLE big (k %s NOT NULL PRIMARY KEY)", e.ty.BigInt))
	vals := []string{minInt64, "-9223372036854775807", "-1", "0", two53, "9007199254740993", "9223372036854775806", maxInt64}
	var rows [][]any
	for _, v := range vals {
		rows = append(rows, []any{v})
	}
	e.insert(t, "big", []string{"k"}, rows...)
	tb := e.table(t, "big")
	e.checkBig(t, tb, vals)

	if e.ty.BigUint == "" {
		return
	}
	e.exec(t, fmt.Sprintf("CREATE TABLE ubig (k %s NOT NULL PRIMARY KEY)", e.ty.BigUint))
	uvals := []string{"0", "1", two53, "9007199254740993", maxInt64, "9223372036854775808", "18446744073709551614", "18446744073709551615"}
	rows = rows[:0]
	for _, v := range uvals {
		rows = append(rows, []any{v})
	}
	e.insert(t, "ubig", []string{"k"}, rows...)
	tb = e.table(t, "ubig")
	if c := tb.Columns[0].Class; c != dialect.ClassUint {
		t.Errorf("%s is %s, want uint", tb.Columns[0].Type, c)
	}
	e.checkBig(t, tb, uvals)
}

// checkBig checks ranges, bounds, seeks and lookups are exact on an integer key holding vals
// (sorted), neighbours among them differing by one past 2^53.
func (e *env) checkBig(t *testing.T, tb *dialect.Table, vals []string) {
	t.Helper()
	n := len(vals)
	rowsOf := func(vs ...string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = row(v)
		}
		return out
	}
	q := dialect.Query{Table: tb, Columns: tb.Key}
	lo, hi, ok, err := e.db.KeyBounds(t.Context(), q)
	if err != nil || !ok || string(lo[0]) != vals[0] || string(hi[0]) != vals[n-1] {
		t.Errorf("KeyBounds(%s) = %s, %s, %v, %v; want %s, %s", tb, fmtKey(lo), fmtKey(hi), ok, err, vals[0], vals[n-1])
	}
	for i := 0; i+1 < n; i++ {
		// (vals[i], vals[i+1]] holds exactly vals[i+1]; (-inf, vals[i]] exactly vals[:i+1].
		q.Range = dialect.Range{Lo: k(vals[i]), Hi: k(vals[i+1])}
		e.checkRange(t, q, rowsOf(vals[i+1]))
		q.Range = dialect.Range{Hi: k(vals[i])}
		e.checkRange(t, q, rowsOf(vals[:i+1]...))
		q.Range = dialect.Range{Lo: k(vals[i])}
		e.checkKeyAfter(t, q, 1, row(vals[i+1]))
		got := e.lookupRows(t, q, []dialect.Key{k(vals[i])})
		equal(t, "Lookup("+vals[i]+")", got, rowsOf(vals[i]))
	}
	q.Range = dialect.Range{Lo: k(vals[n-1])}
	e.checkRange(t, q, nil)
	e.checkKeyAfter(t, q, 1, "")
	e.checkWalks(t, tb, "", n)
}

// where checks the row filter checks every dialect makes before its SQL uses a condition: a
// condition that is not one expression is refused without the server, one the server cannot
// run is refused by its prepare; both wrap ErrBadWhere. A valid condition reads as before.
func (s *suite) where(t *testing.T, e *env) {
	wc, ok := e.db.(dialect.WhereChecker)
	if !ok {
		t.Fatal("the dialect does not check row filters (dialect.WhereChecker)")
	}
	if _, ok := e.db.(dialect.Pinger); !ok {
		t.Error("the dialect cannot be pinged (dialect.Pinger)")
	}
	tb := e.intTable(t, "wtab", 5)
	for _, bad := range []string{
		"1=1); DELETE FROM wtab; SELECT (1",
		"1=1) OR (1=1",
		"id > 0; DELETE FROM wtab",
		"id > 0 -- )",
		"id > 0 /* ) */",
		"id = 'unterminated",
		"(id > 0",
	} {
		if err := wc.CheckWhere(bad); !errors.Is(err, dialect.ErrBadWhere) {
			t.Errorf("CheckWhere(%q) = %v, want ErrBadWhere", bad, err)
		}
		if err := wc.PrepareWhere(t.Context(), tb, bad); !errors.Is(err, dialect.ErrBadWhere) {
			t.Errorf("PrepareWhere(%q) = %v, want ErrBadWhere", bad, err)
		}
	}
	if err := wc.PrepareWhere(t.Context(), tb, "no_such_column = 1"); !errors.Is(err, dialect.ErrBadWhere) {
		t.Errorf("PrepareWhere(unknown column) = %v, want ErrBadWhere", err)
	}
	good := "id > 1 AND (id < 5 OR v = 7) AND 'a;)' <> '--'"
	if err := wc.PrepareWhere(t.Context(), tb, good); err != nil {
		t.Errorf("PrepareWhere(%q) = %v", good, err)
	}
	if n, err := e.db.CountRows(t.Context(), dialect.Query{Table: tb, Where: good}); err != nil || n != 3 {
		t.Errorf("CountRows(%q) = %d, %v; want 3", good, n, err)
	}
}

func (s *suite) errors(t *testing.T, e *env) {
	tb := e.intTable(t, "errtab", 3)
	q := dialect.Query{Table: tb, Columns: tb.Key, Where: "no_such_column = 1"}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s with a bad filter: no error", what)
		} else if !strings.Contains(err.Error(), tb.String()) || !strings.Contains(err.Error(), e.db.Engine()+":") {
			t.Errorf("%s error %q does not name the engine and the table", what, err)
		}
	}
	_, err := e.db.CountRows(t.Context(), q)
	check("CountRows", err)
	_, _, _, err = e.db.KeyBounds(t.Context(), q)
	check("KeyBounds", err)
	_, _, err = e.db.KeyAfter(t.Context(), q, 1)
	check("KeyAfter", err)
	rows, err := e.db.Scan(t.Context(), q)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	check("Scan", err)
	rows, err = e.db.Lookup(t.Context(), q, []dialect.Key{k("1")})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	check("Lookup", err)

	// A cancelled context fails rather than reading.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.db.CountRows(ctx, dialect.Query{Table: tb, Columns: tb.Key}); err == nil {
		t.Error("CountRows with a cancelled context: no error")
	}
}

func (s *suite) rows(t *testing.T, e *env) {
	tb := e.intTable(t, "r", 3)
	rows, err := e.db.Scan(t.Context(), dialect.Query{Table: tb, Columns: tb.Key})
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no rows: %v", rows.Err())
	}
	rows.Close()
	rows.Close()
	if rows.Next() {
		t.Error("Next after Close returned true")
	}
	if err := rows.Err(); err != nil {
		t.Errorf("Err after an early Close = %v", err)
	}
	// The pool is not left holding the closed stream's connection.
	for range 20 {
		n, err := e.db.CountRows(t.Context(), dialect.Query{Table: tb, Columns: tb.Key})
		if err != nil || n != 3 {
			t.Fatalf("CountRows after Close = %d, %v", n, err)
		}
	}
}

func (s *suite) concurrent(t *testing.T, e *env) {
	tb := e.intTable(t, "r", 200)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			lo := strconv.Itoa(i * 10)
			rows, err := e.db.Scan(t.Context(), dialect.Query{Table: tb, Columns: allCols(tb), Range: dialect.Range{Lo: k(lo), Hi: k(strconv.Itoa(i*10 + 10))}})
			if err != nil {
				errs <- err
				return
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				errs <- err
			} else if n != 10 {
				errs <- fmt.Errorf("range %d: %d rows, want 10", i, n)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// groupDigests checks GroupDigests against the rows' own hashes grouped in Go: every group of
// key values (negative, zero, at the group edges, at the type's ends) gets exactly its rows, for
// several widths, ranges and filters, and the groups add up to the range's digest.
func (s *suite) groupDigests(t *testing.T, e *env) {
	p, ok := e.db.(dialect.Pushdown)
	if !ok || len(p.HashFamilies()) == 0 {
		t.Skipf("%s does not push digests down", s.h.Name)
	}
	e.exec(t, fmt.Sprintf("CREATE TABLE g (k %s NOT NULL PRIMARY KEY, v %s NULL)", e.ty.BigInt, e.ty.Int))
	keys := []string{minInt64, "-9223372036854775807", "-1025", "-1024", "-1023", "-257", "-256", "-255",
		"-3", "-2", "-1", "0", "1", "2", "3", "255", "256", "257", "1023", "1024", "1025", "9223372036854775806", maxInt64}
	for i := 5000; i < 5100; i++ {
		keys = append(keys, strconv.Itoa(i))
	}
	var rows [][]any
	for i, k := range keys {
		var v any = i * 7
		if i%5 == 0 {
			v = nil
		}
		rows = append(rows, []any{k, v})
	}
	e.insert(t, "g", []string{"k", "v"}, rows...)
	tb := e.table(t, "g")
	queries := []dialect.Query{
		{Table: tb, Columns: allCols(tb)},
		{Table: tb, Columns: allCols(tb), Range: dialect.Range{Lo: k("-300"), Hi: k("5050")}},
		{Table: tb, Columns: allCols(tb), Where: e.q("v") + " IS NOT NULL"},
	}
	if e.ty.BigUint != "" {
		e.exec(t, fmt.Sprintf("CREATE TABLE ug (k %s NOT NULL PRIMARY KEY, v %s NULL)", e.ty.BigUint, e.ty.Int))
		e.insert(t, "ug", []string{"k", "v"}, []any{"0", 1}, []any{"1", 2}, []any{maxInt64, 3},
			[]any{"9223372036854775808", 4}, []any{"18446744073709551614", 5}, []any{"18446744073709551615", nil})
		ug := e.table(t, "ug")
		queries = append(queries, dialect.Query{Table: ug, Columns: allCols(ug)})
	}
	for _, fam := range p.HashFamilies() {
		l := checksum.Layout{Family: fam, Forms: []checksum.Form{{Kind: checksum.FormPlain}, {Kind: checksum.FormPlain}}}
		for _, q := range queries {
			for _, w := range []int64{2, 3, 256, 1024, 1 << 62} {
				e.checkGroups(t, p, q, l, w)
			}
		}
	}
	if _, err := p.GroupDigests(t.Context(), queries[0], checksum.Layout{Family: p.HashFamilies()[0]}, 1); err == nil {
		t.Error("GroupDigests with width 1: no error")
	}
	ctb := e.compositeTable(t)
	if _, err := p.GroupDigests(t.Context(), dialect.Query{Table: ctb, Columns: ctb.Key}, checksum.Layout{Family: p.HashFamilies()[0]}, 4); err == nil {
		t.Error("GroupDigests on a composite key: no error")
	}
}

// checkGroups compares GroupDigests(q, l, w) with q's row hashes grouped by trunc(key / w).
func (e *env) checkGroups(t *testing.T, p dialect.Pushdown, q dialect.Query, l checksum.Layout, w int64) {
	t.Helper()
	what := fmt.Sprintf("GroupDigests(%s %s where %q, %s, width %d)", q.Table, q.Range, q.Where, l.Family, w)
	want := map[int64]checksum.Digest{}
	var total checksum.Digest
	rows, err := p.RowHashes(t.Context(), q, l)
	if err != nil {
		t.Fatalf("%s: RowHashes: %v", what, err)
	}
	for rows.Next() {
		key, ok := new(big.Int).SetString(string(rows.Key()[0]), 10)
		if !ok {
			t.Fatalf("%s: key %q", what, rows.Key()[0])
		}
		g := new(big.Int).Quo(key, big.NewInt(w)).Int64()
		d := want[g]
		d.Add(rows.Hashes())
		want[g] = d
		total.Add(rows.Hashes())
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: RowHashes: %v", what, err)
	}
	rows.Close()
	gs, err := p.GroupDigests(t.Context(), q, l, w)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := map[int64]checksum.Digest{}
	var sum checksum.Digest
	for _, gd := range gs {
		if _, dup := got[gd.Group]; dup {
			t.Errorf("%s: group %d twice", what, gd.Group)
		}
		got[gd.Group] = gd.Digest
		sum.Merge(gd.Digest)
	}
	for g, d := range want {
		if got[g] != d {
			t.Errorf("%s: group %d = %v, want %v", what, g, got[g], d)
		}
	}
	for g, d := range got {
		if _, ok := want[g]; !ok {
			t.Errorf("%s: group %d = %v, want no such group", what, g, d)
		}
	}
	d, err := p.Digest(t.Context(), q, l)
	if err != nil {
		t.Fatalf("%s: Digest: %v", what, err)
	}
	if sum != d || d != total {
		t.Errorf("%s: groups add up to %v, Digest %v, rows %v", what, sum, d, total)
	}
}

// exec runs setup statements in order and fails the test on the first error.
func (e *env) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := e.setup.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("setup: %v\n%s", err, q)
		}
	}
}
