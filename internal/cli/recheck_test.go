package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// param runs a statement with ? placeholders (numbered for PostgreSQL) and arguments, so that
// awkward values need no quoting.
func param(t *testing.T, db *testdb.DB, q string, args ...any) {
	t.Helper()
	if strings.HasPrefix(db.DSN, "postgres") {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
		}
	}
	if _, err := db.SQL.Exec(q, args...); err != nil {
		t.Fatalf("%s %q: %v", q, args, err)
	}
}

// savedReport compares src and tgt with --repair and -o json, and returns the report's and
// the repair SQL's files.
func savedReport(t *testing.T, src, tgt *testdb.DB, extra ...string) (report, sql string) {
	t.Helper()
	dir := t.TempDir()
	report, sql = filepath.Join(dir, "report.json"), filepath.Join(dir, "compare-fix.sql")
	code, out, errw := runMain(t, append([]string{"compare", "--source", src.DSN, "--target", tgt.DSN, "-o", "json", "--repair", sql}, extra...)...)
	if code != ExitDiffer {
		t.Fatalf("compare: exit %d\n%s\n%s", code, out, errw)
	}
	if err := os.WriteFile(report, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return report, sql
}

// TestRecheckRepairCommands: on MariaDB, PostgreSQL and MariaDB->PostgreSQL, with keys holding
// quotes, backslashes and unicode: repair --report writes the same SQL as compare --repair did
// (but for the line with the time); after some rows are fixed on the target, recheck says
// those are resolved and the others still differ (exit 1, text and JSON); the repair SQL makes
// the next compare identical, and recheck then exits 0.
func TestRecheckRepairCommands(t *testing.T) {
	my, pg := testdb.MySQL, testdb.Postgres
	for _, c := range []struct {
		name     string
		src, tgt func(testing.TB) *testdb.DB
	}{{"mariadb", my, my}, {"postgres", pg, pg}, {"mariadb->postgres", my, pg}} {
		t.Run(c.name, func(t *testing.T) {
			src, tgt := c.src(t), c.tgt(t)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE k (name VARCHAR(40) NOT NULL PRIMARY KEY, v INT, note VARCHAR(20))")
			}
			for _, r := range [][]any{{"it's", 1, "a"}, {`back\slash`, 2, ""}, {"ünï 😀", 3, nil}, {`"dq"`, 4, "d"}} {
				param(t, src, "INSERT INTO k VALUES (?, ?, ?)", r...)
			}
			for _, r := range [][]any{{"it's", 10, "a"}, {"ünï 😀", 3, ""}, {`"dq"`, 4, "d"}, {"extra'x", 6, nil}} {
				param(t, tgt, "INSERT INTO k VALUES (?, ?, ?)", r...)
			}
			report, compareSQL := savedReport(t, src, tgt)

			fix := filepath.Join(t.TempDir(), "fix.sql")
			code, out, errw := runMain(t, "repair", "--report", report, "--source", src.DSN, "--target", tgt.DSN, "--out", fix)
			if code != 0 || !strings.Contains(errw, "repair SQL: 4 statements written to "+fix) {
				t.Fatalf("repair: exit %d\n%s\n%s", code, out, errw)
			}
			a, _ := os.ReadFile(compareSQL)
			b, _ := os.ReadFile(fix)
			if _, a1, _ := strings.Cut(string(a), "\n"); !strings.HasSuffix(string(b), "\n"+a1) {
				t.Fatalf("repair --report wrote other SQL than compare --repair:\n%s\n---\n%s", b, a)
			}

			param(t, tgt, "UPDATE k SET v = 1 WHERE name = ?", "it's")
			param(t, tgt, "DELETE FROM k WHERE name = ?", "extra'x")
			code, out, errw = runMain(t, "recheck", "--report", report, "--source", src.DSN, "--target", tgt.DSN)
			for _, want := range []string{
				"k: 4 listed of 4 differing: 2 resolved, 2 still differ\n",
				`  resolved  changed  name="it's"` + "\n",
				`  resolved  extra    name="extra'x"` + "\n",
				`  differs   missing  name="back\\slash"` + "\n",
				`  differs   changed  name="ünï 😀"  note: NULL -> ""` + "\n",
				"STILL DIFFERENT: 2 of 4 rechecked rows still differ, 2 resolved",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("recheck lacks %q", want)
				}
			}
			if code != ExitDiffer {
				t.Fatalf("recheck: exit %d, want 1\n%s\n%s", code, out, errw)
			}
			code, out, errw = runMain(t, "recheck", "--report", report, "--source", src.DSN, "--target", tgt.DSN, "-o", "json")
			var res struct {
				Resolved, Differ int
				Clean            bool
				Tables           []struct {
					Rows []struct {
						Key      map[string]struct{ Text *string }
						Resolved bool
						Now      *struct{ Kind string }
					}
				}
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != ExitDiffer {
				t.Fatalf("recheck -o json: exit %d, %v\n%s\n%s", code, err, out, errw)
			}
			if res.Resolved != 2 || res.Differ != 2 || res.Clean || len(res.Tables) != 1 || len(res.Tables[0].Rows) != 4 {
				t.Fatalf("recheck -o json: %+v\n%s", res, out)
			}
			for _, r := range res.Tables[0].Rows {
				if name := r.Key["name"].Text; name == nil || r.Resolved != (*name == "it's" || *name == "extra'x") || r.Resolved != (r.Now == nil) {
					t.Errorf("recheck -o json row %+v\n%s", r, out)
				}
			}

			tgt.RunScript(t, fix)
			if code, out, errw := runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN); code != 0 {
				t.Fatalf("after the repair: exit %d\n%s\n%s\n%s", code, out, errw, b)
			}
			if code, out, errw := runMain(t, "recheck", "--report", report, "--source", src.DSN, "--target", tgt.DSN); code != 0 || !strings.Contains(out, "RESOLVED: all 4 rechecked rows resolved") {
				t.Fatalf("recheck after the repair: exit %d\n%s\n%s", code, out, errw)
			}
		})
	}
}

// TestRecheckRepairRefuse: a report edited to name a table that does not exist fails (exit 3,
// naming it); one whose key is not the live table's, one of other databases and one that is
// not a report are refused (exit 2, saying what does not fit); repair leaves no file behind.
func TestRecheckRepairRefuse(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)")
	}
	src.Exec(t, "INSERT INTO t VALUES (1, 1), (2, 2)")
	report, _ := savedReport(t, src, tgt)
	saved, _ := os.ReadFile(report)
	edited := func(from, to string) string {
		t.Helper()
		if !strings.Contains(string(saved), from) {
			t.Fatalf("the report lacks %s", from)
		}
		f := filepath.Join(t.TempDir(), "edited.json")
		os.WriteFile(f, []byte(strings.ReplaceAll(string(saved), from, to)), 0o600)
		return f
	}
	other := testdb.MySQL(t)
	for _, c := range []struct {
		name, report, source string
		code                 int
		want                 string
	}{
		{"no such table", edited(`"t"`, `"nosuch"`), src.DSN, ExitFailure, "nosuch"},
		{"not a report", edited(`"format": 2`, `"format": "x"`), src.DSN, ExitUsage, "edited.json: report: not a dbverify JSON report: json: cannot unmarshal string"},
		{"where attack", edited(`"source": "",`, `"source": "1=1) OR (1=1",`), src.DSN, ExitUsage, "table t: the report's row filter: bad row filter: a ')' that closes a parenthesis"},
		{"other database", report, other.DSN, ExitUsage, "the report's source is mysql database " + src.Name},
		{"key changed", report, "", ExitUsage, "table t: the report's key is (id), the source's is now (v)"},
	} {
		if c.report == "" {
			continue
		}
		if c.name == "key changed" {
			src.Exec(t, "DROP TABLE t", "CREATE TABLE t (id INT NOT NULL, v INT NOT NULL PRIMARY KEY)")
			c.source = src.DSN
		}
		code, out, errw := runMain(t, "recheck", "--report", c.report, "--source", c.source, "--target", tgt.DSN)
		if code != c.code || !strings.Contains(errw, c.want) {
			t.Errorf("%s: recheck: exit %d, want %d with %q\n%s\n%s", c.name, code, c.code, c.want, out, errw)
		}
		fix := filepath.Join(t.TempDir(), "fix.sql")
		code, out, errw = runMain(t, "repair", "--report", c.report, "--source", c.source, "--target", tgt.DSN, "--out", fix)
		if code != c.code || !strings.Contains(errw, c.want) {
			t.Errorf("%s: repair: exit %d, want %d with %q\n%s\n%s", c.name, code, c.code, c.want, out, errw)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(fix), "*")); len(left) != 0 {
			t.Errorf("%s: repair left %q", c.name, left)
		}
	}
}
