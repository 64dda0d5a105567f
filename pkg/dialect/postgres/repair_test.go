package postgres

import (
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestRepairLiterals: values a PostgreSQL column cannot hold are refused (the row is skipped,
// not the script broken), and UUIDs take the form of the column that holds them.
func TestRepairLiterals(t *testing.T) {
	d := &DB{}
	col := func(class dialect.Class, typ string) dialect.Column { return dialect.Column{Class: class, Type: typ} }
	for _, c := range []struct {
		col  dialect.Column
		v    string
		want string // "" when refused
	}{
		{col(dialect.ClassDate, "date"), "2024-02-31", ""},
		{col(dialect.ClassDate, "date"), "0000-00-00", ""},
		{col(dialect.ClassDate, "date"), "0044-03-15 BC", "'0044-03-15 BC'"},
		{col(dialect.ClassDate, "date"), "infinity", "'infinity'"},
		{col(dialect.ClassTime, "time(6) without time zone"), "-01:00:00", ""},
		{col(dialect.ClassTime, "time(6) without time zone"), "30:00:00", ""},
		{col(dialect.ClassTime, "time(6) without time zone"), "23:59:59.999999", "'23:59:59.999999'"},
		{col(dialect.ClassDouble, "double precision"), "NaN", "'NaN'"},
		{col(dialect.ClassUUID, "uuid"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"},
		{col(dialect.ClassUUID, "bytea"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `'\xa0eebc999c0b4ef8bb6d6bb9bd380a11'::bytea`},
		{col(dialect.ClassUUID, "character(32)"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "'a0eebc999c0b4ef8bb6d6bb9bd380a11'"},
	} {
		got, ok := d.Literal(c.col, []byte(c.v))
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("%s %q: %q, want %q", c.col.Type, c.v, got, c.want)
		}
	}
	if got := d.KeyEquals(dialect.Column{Name: "k", Class: dialect.ClassUUID, Type: "text"}, "'a0'"); got != `lower("k") = 'a0'` {
		t.Errorf("text UUID key: %s", got)
	}
}
