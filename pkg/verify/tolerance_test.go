package verify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestTolerances: float digits and time precision are opt-in, make the differences they cover
// disappear (on a real MariaDB source and PostgreSQL target), leave others, and show in the report.
func TestTolerances(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	mdb.Exec(t, "CREATE TABLE tol (id INT NOT NULL PRIMARY KEY, d DOUBLE, ts DATETIME(6), n INT)")
	pdb.Exec(t, "CREATE TABLE tol (id INT NOT NULL PRIMARY KEY, d DOUBLE PRECISION, ts TIMESTAMP(6), n INT)")
	my.insert(t, mdb, "tol", "id, d, ts, n", [][]any{{1, 3.14159265358979, "2024-01-01 00:00:00.123456", 1}, {2, 2.5, "2024-01-01 00:00:00", 2}})
	pg.insert(t, pdb, "tol", "id, d, ts, n", [][]any{{1, 3.1415926, "2024-01-01 00:00:00.123", 1}, {2, 2.5, "2024-01-01 00:00:00", 3}})

	exact := table(t, compare(t, mdb, pdb, verify.Options{}), "tol")
	if got := diffString(exact); len(got) != 2 || !strings.Contains(got[0], "d:") || !strings.Contains(got[0], "ts:") {
		t.Fatalf("exact compare: %q", got)
	}
	tr := table(t, compare(t, mdb, pdb, verify.Options{FloatDigits: 6, TimePrecision: time.Millisecond}), "tol")
	if got, want := diffString(tr), []string{"changed id=2 n:2->3"}; !slices.Equal(got, want) {
		t.Errorf("with tolerances: %q, want %q", got, want)
	}
	if want := []string{"d: floats compared to 6 significant digits", "ts: times truncated to 1ms"}; !slices.Equal(tr.Tolerances, want) {
		t.Errorf("tolerances reported %q, want %q", tr.Tolerances, want)
	}
	for _, bad := range []verify.Options{{FloatDigits: 18}, {TimePrecision: 3 * time.Millisecond}} {
		s, _ := verify.Open(t.Context(), verify.Source, mdb.DSN, verify.OpenOptions{})
		d, _ := verify.Open(t.Context(), verify.Target, pdb.DSN, verify.OpenOptions{})
		if _, err := verify.Compare(t.Context(), s, d, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
		s.Close()
		d.Close()
	}
}

// TestColumnTolerances: tolerances set per column apply to that column only.
func TestColumnTolerances(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	mdb.Exec(t, "CREATE TABLE ct (id INT PRIMARY KEY, a DOUBLE, b DOUBLE, t1 DATETIME(6), t2 DATETIME(6))",
		"INSERT INTO ct VALUES (1, 3.14159265, 3.14159265, '2024-01-01 00:00:00.123456', '2024-01-01 00:00:00.123456')")
	pdb.Exec(t, "CREATE TABLE ct (id INT PRIMARY KEY, a DOUBLE PRECISION, b DOUBLE PRECISION, t1 TIMESTAMP(6), t2 TIMESTAMP(6))",
		"INSERT INTO ct VALUES (1, 3.1415926, 3.1415926, '2024-01-01 00:00:00.123', '2024-01-01 00:00:00.123')")
	tr := table(t, compare(t, mdb, pdb, verify.Options{
		ColumnFloatDigits:   map[string]int{"a": 6},
		ColumnTimePrecision: map[string]time.Duration{"ct.t1": time.Millisecond},
	}), "ct")
	if len(tr.Diffs) != 1 || len(tr.Diffs[0].Columns) != 2 || tr.Diffs[0].Columns[0].Column != "b" || tr.Diffs[0].Columns[1].Column != "t2" {
		t.Errorf("want b and t2 to differ: %q", diffString(tr))
	}
	if want := []string{"a: floats compared to 6 significant digits", "t1: times truncated to 1ms"}; !slices.Equal(tr.Tolerances, want) {
		t.Errorf("tolerances %q, want %q", tr.Tolerances, want)
	}
}

// TestToleranceSparesKeys: --time-precision does not merge rows whose timestamp keys differ
// below the precision (values swapped between them used to compare identical).
func TestToleranceSparesKeys(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE t (ts "+e.ts+" NOT NULL PRIMARY KEY, v INT, at "+e.ts+")")
			}
			e.insert(t, src, "t", "ts, v, at", [][]any{{"2024-01-01 10:00:00.1", 1, "2024-01-01 10:00:00.1"}, {"2024-01-01 10:00:00.2", 2, "2024-01-01 10:00:00"}})
			e.insert(t, tgt, "t", "ts, v, at", [][]any{{"2024-01-01 10:00:00.1", 2, "2024-01-01 10:00:00.4"}, {"2024-01-01 10:00:00.2", 1, "2024-01-01 10:00:00"}})
			tr := table(t, compare(t, src, tgt, verify.Options{TimePrecision: time.Second}), "t")
			want := []string{`changed ts="2024-01-01 10:00:00.100000" v:1->2`, `changed ts="2024-01-01 10:00:00.200000" v:2->1`}
			if got := diffString(tr); !slices.Equal(got, want) {
				t.Errorf("%q, want %q", got, want)
			}
			if want := []string{"at: times truncated to 1s"}; !slices.Equal(tr.Tolerances, want) {
				t.Errorf("tolerances %q, want %q", tr.Tolerances, want)
			}
		})
	}
}
