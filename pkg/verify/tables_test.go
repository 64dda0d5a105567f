package verify_test

import (
	"slices"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestInheritanceParent: a PostgreSQL parent table is compared on its own rows, not with those
// of the tables inheriting from it.
func TestInheritanceParent(t *testing.T) {
	my, pg := engines[0], engines[1]
	pdb, mdb := pg.newDB(t), my.newDB(t)
	pdb.Exec(t, "CREATE TABLE p (id INT PRIMARY KEY, v INT)", "CREATE TABLE c (extra INT) INHERITS (p)",
		"INSERT INTO p VALUES (1, 1), (2, 2)", "INSERT INTO c VALUES (3, 3, 0)")
	mdb.Exec(t, "CREATE TABLE p (id INT PRIMARY KEY, v INT)", "INSERT INTO p VALUES (1, 1), (2, 2)")
	rep := compare(t, pdb, mdb, verify.Options{Tables: []string{"p"}})
	if tr := table(t, rep, "p"); !tr.Identical() || tr.SourceRows != 2 {
		t.Errorf("parent: rows %d, diffs %q", tr.SourceRows, diffString(tr))
	}
}

// TestIgnoreColumnsAcrossNames: --ignore-columns takes a column as either side names it, and a
// target-only column; the ignored column's counterpart is left out too.
func TestIgnoreColumnsAcrossNames(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	mdb.Exec(t, "CREATE TABLE ic (id INT PRIMARY KEY, Amount INT, v INT)", "INSERT INTO ic VALUES (1, 5, 1)")
	pdb.Exec(t, "CREATE TABLE ic (id INT PRIMARY KEY, amount INT, v INT, audit_ts TIMESTAMP)", "INSERT INTO ic VALUES (1, 6, 1, now())")
	lower, _ := mapping.New(mapping.Options{Case: mapping.Lower})
	for _, opt := range []verify.Options{
		{IgnoreColumns: []string{"Amount", "audit_ts"}},
		{IgnoreColumns: []string{"amount", "AUDIT_TS"}},
		{IgnoreColumns: []string{"Amount", "audit_ts"}, Mapping: lower},
	} {
		if tr := table(t, compare(t, mdb, pdb, opt), "ic"); !tr.Identical() || tr.Columns != 2 {
			t.Errorf("%v: identical %v, %d columns compared", opt.IgnoreColumns, tr.Identical(), tr.Columns)
		}
	}
}

// TestDottedTableName: a table whose name holds a dot is compared like any other.
func TestDottedTableName(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			q := map[bool]string{false: "`a.b`", true: `"a.b"`}[e.dollarArg]
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE "+q+" (id INT PRIMARY KEY, v INT)", "INSERT INTO "+q+" VALUES (1, 1)", "CREATE TABLE plain (id INT PRIMARY KEY)")
			}
			tgt.Exec(t, "UPDATE "+q+" SET v = 2")
			rep := compare(t, src, tgt, verify.Options{})
			if got, want := diffString(table(t, rep, "a.b")), []string{"changed id=1 v:1->2"}; !slices.Equal(got, want) || len(rep.Tables) != 2 {
				t.Errorf("%q (%d tables), want %q", got, len(rep.Tables), want)
			}
		})
	}
}
