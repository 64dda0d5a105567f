package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestCompareRepair: compare --repair writes SQL that, run on the target with the command-line
// client as the README says (mysql < FILE, psql -v ON_ERROR_STOP=1 -f FILE), makes the next
// compare identical; the compare itself still exits 1 and writes nothing to either database.
// The values hold a quote, an emoji and backslashes.
// The MariaDB key is text under a case-insensitive collation: the repair deletes the target's
// "bob" and inserts the source's "Bob", each statement touching its own row only.
func TestCompareRepair(t *testing.T) {
	for _, newDB := range []func(testing.TB) *testdb.DB{testdb.MySQL, testdb.Postgres} {
		src, tgt := newDB(t), newDB(t)
		t.Run(strings.SplitN(src.DSN, ":", 2)[0], func(t *testing.T) {
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE users (name VARCHAR(20) NOT NULL PRIMARY KEY, age INT, note TEXT)")
			}
			src.Exec(t, "INSERT INTO users VALUES ('Bob', 30, 'it''s me'), ('carol', 41, NULL), ('dave', 52, 'x 🎉 c:\\temp\\new')")
			tgt.Exec(t, "INSERT INTO users VALUES ('bob', 30, 'it''s me'), ('carol', 40, 'stale'), ('erin', 1, NULL)")
			file := filepath.Join(t.TempDir(), "fix.sql")
			code, out, errw := runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--repair", file)
			if code != ExitDiffer || !strings.Contains(errw, "repair SQL: 5 statements written to "+file+"; review it, then run it on the target") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errw)
			}
			sql, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"DELETE FROM ", "UPDATE ", "INSERT INTO ", "COMMIT;\n-- 5 statements.\n"} {
				if !strings.Contains(string(sql), want) {
					t.Errorf("repair SQL lacks %q:\n%s", want, sql)
				}
			}
			if code, _, _ := runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN); code != ExitDiffer {
				t.Fatalf("the compare changed the target (exit %d before the repair ran)", code)
			}
			tgt.RunScript(t, file)
			if code, out, errw := runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN); code != 0 {
				t.Fatalf("after the repair: exit %d\n%s\n%s\nrepair SQL:\n%s", code, out, errw, sql)
			}
		})
	}
}

// TestCompareRepairUsage: a repair file that cannot be written is refused before any compare
// with one line and exit 2.
func TestCompareRepairUsage(t *testing.T) {
	src := testdb.MySQL(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--repair", "/nonexistent/dir/fix.sql"}, "dbverify: --repair: open /nonexistent/dir/fix.sql: no such file or directory"},
	} {
		code, _, errw := runMain(t, append([]string{"compare", "--source", src.DSN, "--target", src.DSN}, c.args...)...)
		if first, _, _ := strings.Cut(errw, "\n"); code != ExitUsage || !strings.HasPrefix(first, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errw, c.want)
		}
	}
}
