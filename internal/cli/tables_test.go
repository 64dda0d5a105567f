package cli_test

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestTablesMatchNothing: a --tables name that is no table of the source and a pattern that
// matches none are both usage errors (exit 2: nothing was compared), told in one line naming
// the name or pattern, the side and the flag, on both engines.
func TestTablesMatchNothing(t *testing.T) {
	for _, newDB := range []func(testing.TB) *testdb.DB{testdb.MySQL, testdb.Postgres} {
		src, tgt := newDB(t), newDB(t)
		for _, db := range []*testdb.DB{src, tgt} {
			db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
		}
		for _, tables := range []string{"nosuch", "t,nosuch", "nosuch*", "other_schema.nosuch"} {
			code, out, errw := run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--tables", tables)
			first, rest, _ := strings.Cut(errw, "\n")
			pattern := tables[strings.LastIndexByte(tables, ',')+1:]
			if code != 2 || out != "" || !strings.HasPrefix(first, "dbverify: source ") || !strings.Contains(first, `"`+pattern+`"`) ||
				!strings.Contains(first, "--tables") || strings.Contains(rest, "dbverify: ") {
				t.Errorf("--tables %s: exit %d, want 2 with one line naming the source and %q\nstdout: %s\nstderr: %s", tables, code, pattern, out, errw)
			}
		}
	}
}
