package verify_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// parityCol is one column of the parity table: its type on each engine, its value in each row
// (for MariaDB, for PostgreSQL; nil is NULL) and the smallest change the type allows, applied to
// row stepRow.
type parityCol struct {
	name   string
	my, pg string
	vals   func(row int) (my, pg any)
	step   func() (my, pg any)
}

// same returns a value function giving the same value on both engines.
func same(vals ...any) func(int) (any, any) {
	return func(r int) (any, any) { return vals[r], vals[r] }
}

// both returns a step giving the same changed value on both engines.
func both(v any) func() (any, any) { return func() (any, any) { return v, v } }

const (
	parityRows = 6 // rows 0..5; row 5 is all NULL
	stepRow    = 3
)

var nullRow = func(f func(int) (any, any)) func(int) (any, any) {
	return func(r int) (any, any) {
		if r == parityRows-1 {
			return nil, nil
		}
		return f(r)
	}
}

// parityCols is every common type with its edge values. Rows: 0 minimum, 1 maximum, 2 zero and
// empty, 3 ordinary (the one that is stepped), 4 special (multi-byte text, leap day, JSON in
// another key order, upper-case UUID), 5 NULL.
var parityCols = []parityCol{
	{name: "i8", my: "TINYINT", pg: "SMALLINT", vals: same(-128, 127, 0, 42, -1), step: both(43)},
	{name: "i16", my: "SMALLINT", pg: "SMALLINT", vals: same(-32768, 32767, 0, 42, -1), step: both(41)},
	{name: "i24", my: "MEDIUMINT", pg: "INTEGER", vals: same(-8388608, 8388607, 0, 42, -1), step: both(43)},
	{name: "i32", my: "INT", pg: "INTEGER", vals: same(math.MinInt32, math.MaxInt32, 0, 42, -1), step: both(43)},
	{name: "i64", my: "BIGINT", pg: "BIGINT", vals: same(int64(math.MinInt64), int64(math.MaxInt64), 0, 42, -1), step: both(43)},
	{name: "u8", my: "TINYINT UNSIGNED", pg: "SMALLINT", vals: same(0, 255, 0, 42, 1), step: both(43)},
	{name: "u16", my: "SMALLINT UNSIGNED", pg: "INTEGER", vals: same(0, 65535, 0, 42, 1), step: both(43)},
	{name: "u32", my: "INT UNSIGNED", pg: "BIGINT", vals: same(0, int64(math.MaxUint32), 0, 42, 1), step: both(43)},
	{name: "u64", my: "BIGINT UNSIGNED", pg: "NUMERIC(20,0)", vals: same("0", "18446744073709551615", "0", "42", "1"), step: both("43")},
	{name: "num", my: "DECIMAL(30,10)", pg: "NUMERIC(30,10)", vals: same("-99999999999999999999.9999999999", "99999999999999999999.9999999999", "0.0000000000", "1.5000000000", "-0.0000000001"), step: both("1.5000000001")},
	{name: "num0", my: "DECIMAL(12,0)", pg: "NUMERIC(12,0)", vals: same("-999999999999", "999999999999", "0", "42", "-1"), step: both("43")},
	{name: "f", my: "FLOAT", pg: "REAL", vals: same("-3.40282e38", "3.40282e38", "-0", "0.1", "1e-38"), step: both(fmt.Sprint(math.Nextafter32(0.1, 1)))},
	{name: "d", my: "DOUBLE", pg: "DOUBLE PRECISION", vals: same("-1.7976931348623157e308", "1.7976931348623157e308", "-0", "0.1", "1e-308"), step: both(fmt.Sprint(math.Nextafter(0.1, 1)))},
	{name: "b", my: "TINYINT(1)", pg: "BOOLEAN", vals: func(r int) (any, any) { return r % 2, r%2 == 1 }, step: func() (any, any) { return 0, false }},
	{name: "bits", my: "BIT(10)", pg: "BIT(10)", vals: func(r int) (any, any) {
		v := []int{0, 1023, 0, 42, 1}[r]
		return v, fmt.Sprintf("%010b", v)
	}, step: func() (any, any) { return 43, fmt.Sprintf("%010b", 43) }},
	{name: "ch", my: "CHAR(10)", pg: "CHAR(10)", vals: same("", "zzzzzzzzzz", "", "ab", "ä€"), step: both("aB")},
	{name: "vc", my: "VARCHAR(100)", pg: "VARCHAR(100)", vals: same("", strings.Repeat("ÿ", 100), "", "Hello World", "🎉 naïve café 日本語 "), step: both("Hello world")},
	{name: "tx", my: "TEXT", pg: "TEXT", vals: same("", strings.Repeat("x", 5000), "", "some text", "multi\nline\ttext 👩‍👩‍👧"), step: both("some Text")},
	{name: "bin", my: "VARBINARY(64)", pg: "BYTEA", vals: same([]byte{}, []byte{0xff, 0xff, 0xff}, []byte{0}, []byte("abc"), []byte{0x00, 0x80, 0xff}), step: both([]byte("abd"))},
	{name: "blb", my: "BLOB", pg: "BYTEA", vals: same([]byte{}, make([]byte, 4000), []byte{}, []byte{1, 2, 3}, []byte("\xc3\x28")), step: both([]byte{1, 2, 4})},
	{name: "dt", my: "DATE", pg: "DATE", vals: same("1000-01-01", "9999-12-31", "1970-01-01", "2024-02-28", "2024-02-29"), step: both("2024-02-29")},
	{name: "tm", my: "TIME(6)", pg: "TIME(6)", vals: same("00:00:00", "23:59:59.999999", "00:00:00", "12:34:56.5", "08:00:00.000001"), step: both("12:34:56.500001")},
	{name: "dtm", my: "DATETIME(6)", pg: "TIMESTAMP(6)", vals: same("1000-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1970-01-01 00:00:00", "2024-02-29 12:00:00.5", "2000-01-01 00:00:00.000001"), step: both("2024-02-29 12:00:00.500001")},
	{name: "ts", my: "TIMESTAMP(6) NULL", pg: "TIMESTAMPTZ(6)", vals: func(r int) (any, any) {
		v := []string{"1970-01-01 00:00:01", "2038-01-19 03:14:07.999999", "2000-01-01 00:00:00", "2024-02-29 23:59:59.999999", "2024-06-30 12:00:00"}[r]
		return v, v + "+00"
	}, step: func() (any, any) { return "2024-02-29 23:59:59.999998", "2024-02-29 23:59:59.999998+00" }},
	{name: "yr", my: "YEAR", pg: "SMALLINT", vals: same(1901, 2155, 2000, 2024, 1999), step: both(2025)},
	{name: "en", my: "ENUM('a','b','c')", pg: "parity_enum", vals: same("a", "c", "a", "b", "c"), step: both("c")},
	{name: "st", my: "SET('x','y','z')", pg: "VARCHAR(10)", vals: same("", "x,y,z", "", "x", "y,z"), step: both("x,y")},
	{name: "js", my: "JSON", pg: "JSONB", vals: func(r int) (any, any) {
		my := []string{"{}", `{"a":{"b":{"c":[1,2,3]}},"z":null}`, "[]", `{"k":"v","n":1.5}`, `{"b":1,"a":{"y":[1,2],"x":"é"}}`}[r]
		pg := []string{"{}", `{"z": null, "a": {"b": {"c": [1, 2, 3]}}}`, "[]", `{"n": 1.5, "k": "v"}`, `{"a": {"x": "\u00e9", "y": [1, 2]}, "b": 1}`}[r]
		return my, pg
	}, step: both(`{"k":"V","n":1.5}`)},
	{name: "js2", my: "LONGTEXT", pg: "JSON", vals: func(r int) (any, any) {
		v := []string{"{}", `{"a":1}`, "[]", `{"k":[true,false,null]}`, `{"é":"ü"}`}[r]
		return v, v
	}, step: both(`{"k":[true,false,false]}`)},
	{name: "uid", my: "CHAR(36)", pg: "UUID", vals: func(r int) (any, any) {
		v := []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12"}[r]
		return v, strings.ToLower(v)
	}, step: both("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12")},
	{name: "ubin", my: "BINARY(16)", pg: "UUID", vals: func(r int) (any, any) {
		raw := make([]byte, 16)
		for i := range raw {
			raw[i] = byte(r*16 + i)
		}
		return raw, fmt.Sprintf("%x-%x-%x-%x-%x", raw[:4], raw[4:6], raw[6:8], raw[8:10], raw[10:])
	}, step: func() (any, any) {
		raw := make([]byte, 16)
		for i := range raw {
			raw[i] = byte(stepRow*16 + i)
		}
		raw[15]++
		return raw, fmt.Sprintf("%x-%x-%x-%x-%x", raw[:4], raw[4:6], raw[6:8], raw[8:10], raw[10:])
	}},
}

// createParity creates and fills the parity table on one engine.
func createParity(t *testing.T, e engine, db *testdb.DB) {
	t.Helper()
	var defs []string
	names := []string{"id"}
	for _, c := range parityCols {
		typ := c.my
		if e.dollarArg {
			typ = c.pg
		}
		defs = append(defs, c.name+" "+typ)
		names = append(names, c.name)
	}
	if e.dollarArg {
		db.Exec(t, "CREATE TYPE parity_enum AS ENUM ('a', 'b', 'c')")
	}
	db.Exec(t, fmt.Sprintf("CREATE TABLE parity (id INT NOT NULL PRIMARY KEY, %s)", strings.Join(defs, ", ")))
	var rows [][]any
	for r := 0; r < parityRows; r++ {
		rows = append(rows, parityRow(e, r, r))
	}
	e.insert(t, db, "parity", strings.Join(names, ", "), rows)
}

// parityRow is row r of the parity table in engine e's values, with key id.
func parityRow(e engine, id, r int) []any {
	row := []any{id}
	for _, c := range parityCols {
		my, pg := nullRow(c.vals)(r)
		if e.dollarArg {
			row = append(row, pg)
		} else {
			row = append(row, my)
		}
	}
	return row
}

// TestParity creates the same rows, edge values included, in a MariaDB table and the equivalent
// PostgreSQL table: compare must call them identical in both directions. Then each column of one
// row is changed by the smallest step its type allows, on either side, and compare must report
// exactly that row and column.
func TestParity(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	createParity(t, my, mdb)
	createParity(t, pg, pdb)

	type dir struct {
		name     string
		src, tgt *testdb.DB
		tgtEng   engine
	}
	dirs := []dir{{"mariadb->postgres", mdb, pdb, pg}, {"postgres->mariadb", pdb, mdb, my}}
	for _, d := range dirs {
		t.Run(d.name, func(t *testing.T) {
			rep := compare(t, d.src, d.tgt, verify.Options{})
			tr := table(t, rep, "parity")
			if !tr.Identical() {
				t.Fatalf("equal data reported different:\n%s", strings.Join(diffString(tr), "\n"))
			}
			if tr.SourceRows != parityRows {
				t.Fatalf("%d rows compared, want %d", tr.SourceRows, parityRows)
			}
		})
	}
	for _, d := range dirs {
		for _, c := range parityCols {
			if c.step == nil {
				continue
			}
			t.Run(d.name+"/step/"+c.name, func(t *testing.T) {
				myv, pgv := c.step()
				oldMy, oldPg := c.vals(stepRow)
				newv, oldv := myv, oldMy
				if d.tgtEng.dollarArg {
					newv, oldv = pgv, oldPg
				}
				update := fmt.Sprintf("UPDATE parity SET %s = ? WHERE id = ?", c.name)
				d.tgtEng.exec(t, d.tgt, update, newv, stepRow)
				defer d.tgtEng.exec(t, d.tgt, update, oldv, stepRow)
				rep := compare(t, d.src, d.tgt, verify.Options{})
				tr := table(t, rep, "parity")
				got := diffString(tr)
				if len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprintf("changed id=%d %s:", stepRow, c.name)) || len(tr.Diffs[0].Columns) != 1 {
					t.Fatalf("want exactly row %d column %s changed, got %q", stepRow, c.name, got)
				}
			})
		}
	}
}
