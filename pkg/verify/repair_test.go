package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// driftParity makes the parity table on db differ from the source's in every way: rows 1 and
// 5 (the maximum and the all-NULL row) missing, row 2 moved to id 9 (missing 2, extra 9), rows
// 3 and 4 holding row 0's values (changed in most columns).
func driftParity(t *testing.T, e engine, db *testdb.DB) {
	t.Helper()
	db.Exec(t, "DELETE FROM parity WHERE id IN (1, 3, 4, 5)", "UPDATE parity SET id = 9 WHERE id = 2")
	names := []string{"id"}
	for _, c := range parityCols {
		names = append(names, c.name)
	}
	e.insert(t, db, "parity", strings.Join(names, ", "), [][]any{parityRow(e, 3, 0), parityRow(e, 4, 0)})
}

// TestRepair: on every engine pair, the repair SQL written for a target that differs from the
// source in every way (missing rows, an extra row, changed rows; every common type, edge
// values and NULLs) makes the next compare identical when run on the target with the
// engine's command-line client.
func TestRepair(t *testing.T) {
	my, pg := engines[0], engines[1]
	sources := map[string]*testdb.DB{"mariadb": my.newDB(t), "postgres": pg.newDB(t)}
	createParity(t, my, sources["mariadb"])
	createParity(t, pg, sources["postgres"])
	for _, pair := range [][2]engine{{my, my}, {pg, pg}, {my, pg}, {pg, my}} {
		se, te := pair[0], pair[1]
		t.Run(se.name+"->"+te.name, func(t *testing.T) {
			src, tgt := sources[se.name], te.newDB(t)
			createParity(t, te, tgt)
			driftParity(t, te, tgt)
			rep, res, sql := repairSQL(t, src, tgt, verify.Options{})
			tr := table(t, rep, "parity")
			if tr.Missing != 3 || tr.Extra != 1 || tr.Changed != 2 {
				t.Fatalf("before: %d missing, %d extra, %d changed; want 3, 1, 2:\n%s", tr.Missing, tr.Extra, tr.Changed, strings.Join(diffString(tr), "\n"))
			}
			want := 6
			if te.dollarArg {
				want++ // the key's sequence raised, had it one
			}
			if res.Statements != want || len(res.Skipped) != 0 {
				t.Fatalf("%d statements, skipped %q; want %d, none\n%s", res.Statements, res.Skipped, want, sql.String())
			}
			for _, want := range []string{"DELETE FROM ", "UPDATE ", "INSERT INTO ", "START TRANSACTION;", "COMMIT;"} {
				if !strings.Contains(sql.String(), want) {
					t.Errorf("no %q in\n%s", want, sql.String())
				}
			}
			runRepair(t, tgt, sql) // with the mysql or psql client, as a person would
			after := table(t, compare(t, src, tgt, verify.Options{}), "parity")
			if !after.Identical() {
				t.Fatalf("after the repair:\n%s\n\nrepair SQL:\n%s", strings.Join(diffString(after), "\n"), sql.String())
			}
		})
	}
}

// TestRepairSkips: a table whose differences the report lists only in part, or that has no
// key, is named in the file and in Skipped, with no statement.
func TestRepairSkips(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE many (id INT NOT NULL PRIMARY KEY, v INT)", "CREATE TABLE nokey (v INT)")
			}
			src.Exec(t, "INSERT INTO many VALUES (1, 1), (2, 2), (3, 3)", "INSERT INTO nokey VALUES (1)")
			_, res, sql := repairSQL(t, src, tgt, verify.Options{MaxDiffs: 2})
			want := []string{
				"many -> many: the report lists 2 of its 3 differing rows: compare again listing at least 3 rows (MaxDiffs)",
				"nokey -> nokey: no key: rows cannot be told apart, so no statement can target one",
			}
			got := fmt.Sprint(res.Skipped)
			if res.Statements != 0 || len(res.Skipped) != 2 || !strings.Contains(got, want[0]) || !strings.Contains(got, want[1]) {
				t.Fatalf("%d statements, skipped %q\n%s", res.Statements, res.Skipped, sql.String())
			}
			if !strings.Contains(sql.String(), "-- SKIPPED ") {
				t.Errorf("the file does not say what it skipped:\n%s", sql.String())
			}
		})
	}
}

// TestRepairGenerated: generated columns are compared but never written (the server computes
// them from the repaired ones), and a PostgreSQL GENERATED ALWAYS identity key is inserted with
// OVERRIDING SYSTEM VALUE and its sequence raised past the inserted keys.
func TestRepairGenerated(t *testing.T) {
	ddl := map[string]string{
		"mariadb":  "CREATE TABLE g (id INT NOT NULL PRIMARY KEY, a INT, b INT AS (a * 2) STORED, c INT AS (a + 1) VIRTUAL)",
		"postgres": "CREATE TABLE g (id INT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a INT, b INT GENERATED ALWAYS AS (a * 2) STORED)",
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			over := ""
			if e.dollarArg {
				over = " OVERRIDING SYSTEM VALUE"
			}
			src.Exec(t, ddl[e.name], "INSERT INTO g (id, a)"+over+" VALUES (1, 10), (2, 20), (3, 30)")
			tgt.Exec(t, ddl[e.name], "INSERT INTO g (id, a)"+over+" VALUES (1, 10), (2, 21), (4, 40)")
			_, res, sql := repairSQL(t, src, tgt, verify.Options{})
			if want := map[bool]int{false: 3, true: 4}[e.dollarArg]; res.Statements != want {
				t.Fatalf("%d statements, want %d\n%s", res.Statements, want, sql.String())
			}
			if strings.Contains(sql.String(), "`b`") || strings.Contains(sql.String(), `"b"`) || (e.dollarArg && !strings.Contains(sql.String(), "OVERRIDING SYSTEM VALUE")) {
				t.Errorf("generated column written, or identity not overridden:\n%s", sql.String())
			}
			if _, err := tgt.SQL.Exec(sql.String()); err != nil {
				t.Fatalf("running the repair SQL: %v\n%s", err, sql.String())
			}
			if after := table(t, compare(t, src, tgt, verify.Options{}), "g"); !after.Identical() {
				t.Fatalf("after the repair: %q\n%s", diffString(after), sql.String())
			}
			// The application's next insert takes a new key: the identity's sequence was raised
			// past the repaired rows (MySQL's AUTO_INCREMENT needs no help; here ids are given).
			if e.dollarArg {
				var id int
				if err := tgt.SQL.QueryRow("INSERT INTO g (a) VALUES (50) RETURNING id").Scan(&id); err != nil || id != 4 {
					t.Errorf("next insert: id %d, %v; want 4 (row 4 was deleted)\n%s", id, err, sql.String())
				}
			}
		})
	}
}

// TestRepairEdges: the statements touch exactly their rows where a careless WHERE would not:
// a latin1 text key under a case-insensitive collation (MariaDB: "B" and "b" are equal, and
// "café" is other bytes in latin1 than in the UTF-8 script), a FLOAT/real key (0.1 as a double
// is not the stored float). A target without a unique index on the key is left out, and a
// table name with a line break cannot leave its comment.
func TestRepairEdges(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			text, float, evil := "VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci", "FLOAT", "`evil\nDROP TABLE victim; --`"
			if e.dollarArg {
				text, float, evil = "VARCHAR(10)", "REAL", `"evil`+"\n"+`DROP TABLE victim; --"`
			}
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE lat (k "+text+" NOT NULL PRIMARY KEY, v INT)", "CREATE TABLE fk (k "+float+" NOT NULL PRIMARY KEY, v INT)",
					"CREATE TABLE "+evil+" (id INT NOT NULL PRIMARY KEY)", "CREATE TABLE victim (id INT)")
			}
			src.Exec(t, "CREATE TABLE nk (id INT NOT NULL PRIMARY KEY, v INT)", "INSERT INTO nk VALUES (1, 1)",
				"INSERT INTO lat VALUES ('café', 1), ('b', 2)", "INSERT INTO fk VALUES (0.1, 1)", "INSERT INTO "+evil+" VALUES (1)")
			tgt.Exec(t, "CREATE TABLE nk (id INT NOT NULL, v INT)", "INSERT INTO nk VALUES (1, 2), (1, 3)",
				"INSERT INTO lat VALUES ('café', 9), ('B', 2)", "INSERT INTO fk VALUES (0.1, 2)")
			_, res, sql := repairSQL(t, src, tgt, verify.Options{})
			if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "nk -> nk: the target has no unique index on the key (id)") {
				t.Errorf("skipped %q", res.Skipped)
			}
			if _, err := tgt.SQL.Exec(sql.String()); err != nil {
				t.Fatalf("running the repair SQL: %v\n%s", err, sql.String())
			}
			if _, err := tgt.SQL.Exec("SELECT COUNT(*) FROM victim"); err != nil {
				t.Errorf("a table name broke out of its comment (%v):\n%s", err, sql.String())
			}
			after := compare(t, src, tgt, verify.Options{})
			for _, name := range []string{"lat", "fk", "evil\nDROP TABLE victim; --"} {
				if tr := table(t, after, name); !tr.Identical() {
					t.Errorf("%q after the repair: %q\n%s", name, diffString(tr), sql.String())
				}
			}
		})
	}
}

// TestRepairForeignKeys: the child table sorts first in the report, yet the script inserts the
// missing parent before its missing child and deletes the extra child before its extra parent,
// so that a PostgreSQL foreign key, checked at each statement, holds throughout (MySQL's
// checks are off in the script besides). A sequence ahead of the repaired keys (an identity
// starting at 1000) is not lowered.
func TestRepairForeignKeys(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			parent, child := "CREATE TABLE zparent (id INT NOT NULL PRIMARY KEY)",
				"CREATE TABLE achild (id INT NOT NULL PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES zparent (id))"
			seq, over := "CREATE TABLE seq (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT) AUTO_INCREMENT = 1000", ""
			if e.dollarArg {
				seq, over = "CREATE TABLE seq (id INT GENERATED ALWAYS AS IDENTITY (START WITH 1000) PRIMARY KEY, v INT)", " OVERRIDING SYSTEM VALUE"
			}
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, parent, child, seq, "INSERT INTO seq (id, v)"+over+" VALUES (1, 1), (2, 2)")
			}
			src.Exec(t, "INSERT INTO zparent VALUES (1)", "INSERT INTO achild VALUES (1, 1)", "INSERT INTO seq (id, v)"+over+" VALUES (3, 3)")
			tgt.Exec(t, "INSERT INTO zparent VALUES (9)", "INSERT INTO achild VALUES (9, 9)")
			_, _, sql := repairSQL(t, src, tgt, verify.Options{})
			order := regexp.MustCompile(`(?m)^(DELETE FROM|INSERT INTO) \S*(achild|zparent)`).FindAllStringSubmatch(sql.String(), -1)
			var got []string
			for _, m := range order {
				got = append(got, strings.Fields(m[1])[0]+" "+m[2])
			}
			if want := []string{"DELETE achild", "DELETE zparent", "INSERT zparent", "INSERT achild"}; !slices.Equal(got, want) {
				t.Fatalf("statement order %q, want %q\n%s", got, want, sql.String())
			}
			// Through the client, statement by statement, as a person runs it: one
			// multi-statement Exec would be a transaction of its own and hide a misplaced SET.
			runRepair(t, tgt, sql)
			for _, name := range []string{"achild", "zparent", "seq"} {
				if tr := table(t, compare(t, src, tgt, verify.Options{}), name); !tr.Identical() {
					t.Errorf("%s after the repair: %q", name, diffString(tr))
				}
			}
			var id int
			var err error
			q := "INSERT INTO seq (v) VALUES (4)"
			if e.dollarArg {
				err = tgt.SQL.QueryRow(q + " RETURNING id").Scan(&id)
			} else if res, err2 := tgt.SQL.Exec(q); err2 == nil {
				n, _ := res.LastInsertId()
				id, err = int(n), nil
			} else {
				err = err2
			}
			if err != nil || id != 1000 {
				t.Errorf("next id %d (%v), want 1000: the sequence was lowered\n%s", id, err, sql.String())
			}
		})
	}
}

// repairSQL compares src with tgt and writes the repair SQL for what the compare found.
func repairSQL(t *testing.T, src, tgt *testdb.DB, opt verify.Options) (*verify.Report, *verify.RepairResult, *bytes.Buffer) {
	t.Helper()
	ctx := context.Background()
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	rep, err := verify.Compare(ctx, s, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	var sql bytes.Buffer
	res, err := verify.Repair(ctx, s, d, rep, opt, &sql)
	if err != nil {
		t.Fatal(err)
	}
	// The same report saved as JSON and read back gives the same SQL, without the options:
	// the report carries them.
	var saved bytes.Buffer
	if err := rep.WriteJSON(&saved); err != nil {
		t.Fatal(err)
	}
	back, err := verify.ReadReport(&saved)
	if err != nil {
		t.Fatalf("reading the saved report: %v", err)
	}
	defer back.Close()
	var again bytes.Buffer
	res2, err := verify.Repair(ctx, s, d, back, verify.Options{}, &again)
	if err != nil {
		t.Fatalf("repair from the saved report: %v", err)
	}
	if a, b := withoutWritten(sql.String()), withoutWritten(again.String()); a != b || res.Statements != res2.Statements || !slices.Equal(res.Skipped, res2.Skipped) {
		t.Fatalf("repair from the saved report differs:\n%s\n\nfrom the compare's report:\n%s", again.String(), sql.String())
	}
	return rep, res, &sql
}

// withoutWritten drops the first line of repair SQL, which says when it was written.
func withoutWritten(sql string) string {
	_, rest, _ := strings.Cut(sql, "\n")
	return rest
}

// runRepair runs repair SQL on tgt from a file, with the engine's command-line client.
func runRepair(t *testing.T, tgt *testdb.DB, sql *bytes.Buffer) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "fix.sql")
	if err := os.WriteFile(file, sql.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tgt.RunScript(t, file)
}
