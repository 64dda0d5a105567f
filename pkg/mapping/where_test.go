package mapping

import (
	"strings"
	"testing"
)

// ansi quotes the standard way, as PostgreSQL does.
type ansi struct{}

func (ansi) QuoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
func (ansi) QuoteString(s string) string   { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

func filters(fs ...string) string { return `"filters":[` + strings.Join(fs, ",") + `]` }

func flt(column string, conds ...string) string {
	return `{"filter-type":"source","column-name":"` + column + `","filter-conditions":[` + strings.Join(conds, ",") + `]}`
}

func TestWhere(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []string
		want  string
	}{
		{"no filters", []string{sel(1, "include", "Shop", "%")}, ""},
		{"empty filters", []string{sel(1, "include", "Shop", "%", `"filters":[]`)}, ""},
		{"gte", []string{sel(1, "include", "Shop", "Orders", filters(flt("Id", `{"filter-operator":"gte","value":"100"}`)))},
			`"Id" >= '100'`},
		{"every operator", []string{sel(1, "include", "Shop", "Orders", filters(flt("Id",
			`{"filter-operator":"lte","value":"10"}`,
			`{"filter-operator":"ste","value":"11"}`,
			`{"filter-operator":"eq","value":12}`,
			`{"filter-operator":"between","start-value":"50","end-value":"75"}`,
			`{"filter-operator":"null"}`)))},
			`("Id" <= '10' OR "Id" <= '11' OR "Id" = '12' OR "Id" BETWEEN '50' AND '75' OR "Id" IS NULL)`},
		{"negative operators in several filters", []string{sel(1, "include", "Shop", "Orders", filters(
			flt("Id", `{"filter-operator":"noteq","value":"50"}`),
			flt("Dept", `{"filter-operator":"notnull"}`),
			flt("Day", `{"filter-operator":"notbetween","start-value":"2002-01-01","end-value":"2002-12-31"}`)))},
			`("Id" <> '50' AND "Dept" IS NOT NULL AND "Day" NOT BETWEEN '2002-01-01' AND '2002-12-31')`},
		{"filters ANDed, conditions ORed", []string{sel(1, "include", "Shop", "Orders", filters(
			flt("Id", `{"filter-operator":"lte","value":"100"}`, `{"filter-operator":"gte","value":"900"}`),
			flt("Dept", `{"filter-operator":"eq","value":"O'Brien's"}`)))},
			`(("Id" <= '100' OR "Id" >= '900') AND "Dept" = 'O''Brien''s')`},
		{"an unfiltered include wins", []string{
			sel(1, "include", "Shop", "Orders", filters(flt("Id", `{"filter-operator":"gte","value":"100"}`))),
			sel(2, "include", "Shop", "%")}, ""},
		{"several filtered includes are ORed", []string{
			sel(1, "include", "Shop", "Orders", filters(flt("Id", `{"filter-operator":"gte","value":"100"}`))),
			sel(2, "include", "Shop", "Ord%", filters(flt("Id", `{"filter-operator":"lte","value":"5"}`), flt("Dept", `{"filter-operator":"null"}`)))},
			`("Id" >= '100' OR ("Id" <= '5' AND "Dept" IS NULL))`},
		{"filters of another table", []string{
			sel(1, "include", "Shop", "Customers", filters(flt("Id", `{"filter-operator":"gte","value":"100"}`))),
			sel(2, "include", "Shop", "Orders")}, ""},
		{"excluded table", []string{
			sel(1, "include", "Shop", "%", filters(flt("Id", `{"filter-operator":"gte","value":"100"}`))),
			sel(2, "exclude", "Shop", "Orders")}, ""},
		{"filters of explicit rules are ignored", []string{
			sel(1, "explicit", "Shop", "Orders", filters(flt("Id", `{"filter-operator":"gte","value":"100"}`)))}, ""},
		{"quoted column name", []string{sel(1, "include", "Shop", "Orders", filters(flt(`Odd\"Name`, `{"filter-operator":"null"}`)))},
			`"Odd""Name" IS NULL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mapperOf(t, Options{}, tc.rules...)
			if got := m.Where("Shop", "Orders", ansi{}); got != tc.want {
				t.Errorf("Where =\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := m.Where("Shop", "Orders", ansi{}); w != "" {
		t.Errorf("Where without DMS = %q", w)
	}
}
