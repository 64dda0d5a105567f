package mysql

import (
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestRepairLiterals: values a MySQL column cannot hold are refused (the row is skipped, not
// the script broken), and the others are written as MySQL reads them back.
func TestRepairLiterals(t *testing.T) {
	d := &DB{}
	col := func(class dialect.Class, typ string) dialect.Column { return dialect.Column{Class: class, Type: typ} }
	for _, c := range []struct {
		col  dialect.Column
		v    string
		want string // "" when refused
	}{
		{col(dialect.ClassTimestamp, "timestamp(6)"), "2050-01-01 00:00:00", ""},
		{col(dialect.ClassTimestamp, "timestamp(6)"), "1960-01-01 00:00:00", ""},
		{col(dialect.ClassTimestamp, "timestamp(6)"), "2024-02-29 12:00:00.5", "'2024-02-29 12:00:00.5'"},
		{col(dialect.ClassTimestamp, "datetime(6)"), "2050-01-01 00:00:00", "'2050-01-01 00:00:00'"},
		{col(dialect.ClassDate, "date"), "2024-02-31", ""},
		{col(dialect.ClassDate, "date"), "infinity", ""},
		{col(dialect.ClassDate, "date"), "0000-00-00", "'0000-00-00'"},
		{col(dialect.ClassFloat, "float"), "3.4028235e+38", "3.4028234663852886e+38"},
		{col(dialect.ClassDouble, "double"), "NaN", ""},
		{col(dialect.ClassUUID, "binary(16)"), "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "X'a0eebc999c0b4ef8bb6d6bb9bd380a11'"},
		{col(dialect.ClassUUID, "char(32)"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "'a0eebc999c0b4ef8bb6d6bb9bd380a11'"},
		{col(dialect.ClassUUID, "char(36)"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"},
		{col(dialect.ClassString, "varchar(10)"), `a\b`, `_utf8mb4 X'615c62'`},
	} {
		got, ok := d.Literal(c.col, []byte(c.v))
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("%s %q: %q, want %q", c.col.Type, c.v, got, c.want)
		}
	}
}
