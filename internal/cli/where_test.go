package cli

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestSplitScoped: TABLE:CONDITION is told from a condition for every table that holds a colon
// (a cast, a time, a string, a named parameter) by its start alone.
func TestSplitScoped(t *testing.T) {
	for _, c := range []struct {
		in, table, cond string
		scoped          bool
	}{
		{"orders:id > 5", "orders", "id > 5", true},
		{"shop.orders: id > 5", "shop.orders", "id > 5", true},
		{`"we:ird":id > 1`, "we:ird", "id > 1", true},
		{`"a""b":x = 1`, `a"b`, "x = 1", true},
		{"t:1=1) OR (1=1", "t", "1=1) OR (1=1", true},
		{"t:1; DROP TABLE x", "t", "1; DROP TABLE x", true},
		{"we:ird:id > 1", "we", "ird:id > 1", true},
		{"price::numeric > 0", "", "", false},
		{"created_at < '10:00'", "", "", false},
		{"id = :x", "", "", false},
		{"@a:=1", "", "", false},
		{"a:=1", "", "", false},
		{`"Amount" > 5`, "", "", false},
		{`"x"::int > 3`, "", "", false},
		{`"unclosed:x`, "", "", false},
		{"(t:1)", "", "", false},
	} {
		table, cond, ok := splitScoped(c.in)
		if ok != c.scoped || table != c.table || cond != c.cond {
			t.Errorf("%q: %q, %q, %v; want %q, %q, %v", c.in, table, cond, ok, c.table, c.cond, c.scoped)
		}
	}
	if _, _, err := parseWhere([]string{"a = 1", "b = 2"}); err == nil {
		t.Error("two conditions for every table accepted")
	}
	if _, _, err := parseWhere([]string{"t:a = 1", "t:b = 2"}); err == nil {
		t.Error("two conditions for one table accepted")
	}
	if _, _, err := parseWhere([]string{"t:"}); err == nil {
		t.Error("an empty scoped condition accepted")
	}
}

// TestWhereScoped: --where TABLE:CONDITION filters that table only, in place of the condition
// for every table, so that a table without the other's column no longer fails the run. A scoped
// condition gets the same checks as any: one that tries to close the parentheses it is put in
// or to add a statement is refused before anything runs (the table it names is still there),
// and a table whose name holds a colon is named in double quotes, never read as name and
// condition split elsewhere.
func TestWhereScoped(t *testing.T) {
	for _, newDB := range []func(testing.TB) *testdb.DB{testdb.MySQL, testdb.Postgres} {
		src, tgt := newDB(t), newDB(t)
		q := func(s string) string { return `"` + s + `"` }
		if strings.HasPrefix(src.DSN, "mysql") {
			q = func(s string) string { return "`" + s + "`" }
		}
		t.Run(strings.SplitN(src.DSN, ":", 2)[0], func(t *testing.T) {
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE orders (id INT PRIMARY KEY, n INT)", "INSERT INTO orders VALUES (1, 1), (2, 2), (9, 9)",
					"CREATE TABLE audit (id INT PRIMARY KEY, logged INT)", "INSERT INTO audit VALUES (1, 1), (7, 7)",
					"CREATE TABLE "+q("we:ird")+" (id INT PRIMARY KEY)", "INSERT INTO "+q("we:ird")+" VALUES (1), (5)",
					"CREATE TABLE x (id INT PRIMARY KEY)")
			}
			// Differences outside the filters only.
			tgt.Exec(t, "UPDATE orders SET n = 90 WHERE id = 9", "UPDATE audit SET logged = 70 WHERE id = 7",
				"DELETE FROM "+q("we:ird")+" WHERE id = 5")
			base := []string{"compare", "--source", src.DSN, "--target", tgt.DSN}
			args := func(more ...string) []string { return append(append([]string{}, base...), more...) }

			code, _, errw := runMain(t, args("--where", "n < 5", "--tables", "orders,audit")...)
			if code != ExitUsage || !strings.Contains(errw, "table audit") || !strings.Contains(errw, "--where") {
				t.Errorf("one condition for a table without its column: exit %d: %s", code, errw)
			}
			code, out, errw := runMain(t, args("--where", "n < 5", "--where", "audit:logged < 3", "--where", `"we:ird":id < 5`, "--where", "x:id > 0")...)
			if code != 0 {
				t.Errorf("scoped: exit %d\n%s\n%s", code, out, errw)
			}
			code, out, errw = runMain(t, args("--where", "audit:logged < 3", "--tables", "orders,audit")...)
			if code != ExitDiffer || !strings.Contains(out, "orders: 1 differing row\n") || strings.Contains(out, "audit: 1 differing") {
				t.Errorf("scoped alone (orders unfiltered): exit %d\n%s\n%s", code, out, errw)
			}

			for _, c := range []struct{ where, says string }{
				{"audit:1=1) OR (1=1", "closes a parenthesis"},
				{"audit:1; DROP TABLE x", "semicolon"},
				{"audit:1=1 -- ", "comment"},
				{`"we:ird":1=1) OR (1=1`, "closes a parenthesis"},
				{"we:ird:id < 5", `table "we"`},
				{"nosuch:id < 5", `table "nosuch"`},
				{"x:id < 5", `table "x"`}, // x is not among --tables
			} {
				code, out, errw := runMain(t, args("--tables", "orders,audit,we:ird", "--where", c.where)...)
				first, _, _ := strings.Cut(errw, "\n")
				if code != ExitUsage || !strings.Contains(first, c.says) || !strings.Contains(first, "--where") || out != "" {
					t.Errorf("--where %q: exit %d, want 2 saying %q\nstdout: %s\nstderr: %s", c.where, code, c.says, out, errw)
				}
			}
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "SELECT COUNT(*) FROM x") // still there
			}
		})
	}
}
