package verify_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// textKeys are keys that sort differently under MariaDB's utf8mb4_general_ci (case- and
// accent-insensitive, PAD SPACE) and PostgreSQL's byte order: mixed case, accents, punctuation
// and trailing spaces. None are equal under general_ci, so MariaDB's unique key holds them all.
func textKeys() []string {
	stems := []string{"apple", "Banana", "cherry", "Äpfel", "éclair", "Zebra", "zulu", "a b", "a-c", "a_d", "ab ", "Ωmega", "日本", "émoji🎉", "MiXeD"}
	var keys []string
	for i := 0; i < 40; i++ {
		for _, s := range stems {
			keys = append(keys, fmt.Sprintf("%s%03d", s, i))
		}
	}
	keys = append(keys, "trailing ", "x  ")
	return keys
}

// TestTextKeysAcrossEngines: a text key compared between MariaDB and PostgreSQL, whose
// collations order it differently, gives identical for equal data and exactly the planted
// differences otherwise, with small chunks so that many boundaries fall between the keys.
func TestTextKeysAcrossEngines(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	keys := textKeys()
	for _, side := range []struct {
		e  engine
		db *testdb.DB
	}{{my, mdb}, {pg, pdb}} {
		side.db.Exec(t, "CREATE TABLE tk (code VARCHAR(40) NOT NULL PRIMARY KEY, v INT NOT NULL)", "CREATE TABLE tk_drift (code VARCHAR(40) NOT NULL PRIMARY KEY, v INT NOT NULL)")
		var rows [][]any
		for i, k := range keys {
			rows = append(rows, []any{k, i})
		}
		side.e.insert(t, side.db, "tk", "code, v", rows)
		side.e.insert(t, side.db, "tk_drift", "code, v", rows)
	}
	// Drift on PostgreSQL: a row changed, one gone, one added whose key differs from an existing
	// key only by case (MariaDB could not even hold both).
	pg.exec(t, pdb, "UPDATE tk_drift SET v = -1 WHERE code = ?", "Äpfel007")
	pg.exec(t, pdb, "DELETE FROM tk_drift WHERE code = ?", "ab 013")
	pg.exec(t, pdb, "INSERT INTO tk_drift VALUES (?, ?)", "APPLE001", 5)

	for _, d := range []struct {
		name     string
		src, tgt *testdb.DB
		want     []string
	}{
		{"mariadb->postgres", mdb, pdb, []string{`extra code="APPLE001"`, `changed code="Äpfel007" v:108->-1`, `missing code="ab 013"`}},
		{"postgres->mariadb", pdb, mdb, []string{`missing code="APPLE001"`, `changed code="Äpfel007" v:-1->108`, `extra code="ab 013"`}},
	} {
		t.Run(d.name, func(t *testing.T) {
			rep := compare(t, d.src, d.tgt, verify.Options{ChunkRows: 37, Workers: 3})
			tk := table(t, rep, "tk")
			if !tk.Identical() || tk.SourceRows != int64(len(keys)) || tk.TargetRows != int64(len(keys)) {
				t.Errorf("tk: equal data not identical: rows %d/%d, diffs %q", tk.SourceRows, tk.TargetRows, diffString(tk))
			}
			if tk.Strategy != "hash-buckets" {
				t.Errorf("tk: strategy %s, want hash-buckets", tk.Strategy)
			}
			got := diffString(table(t, rep, "tk_drift"))
			want := slices.Clone(d.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("tk_drift:\n got  %q\n want %q", got, want)
			}
		})
	}
}

// TestCollationsWithinPostgres: a text key under "C" on one side and an ICU collation on the
// other orders differently, is detected, and compares exactly; equal collations keep ranges.
func TestCollationsWithinPostgres(t *testing.T) {
	pg := engines[1]
	src, tgt := pg.newDB(t), pg.newDB(t)
	keys := textKeys()
	for i, db := range []*testdb.DB{src, tgt} {
		coll := []string{`"C"`, `"en-x-icu"`}[i]
		db.Exec(t, "CREATE TABLE coll (code VARCHAR(40) COLLATE "+coll+" NOT NULL PRIMARY KEY, v INT)",
			"CREATE TABLE same_coll (code VARCHAR(40) NOT NULL PRIMARY KEY, v INT)")
		var rows [][]any
		for j, k := range keys {
			rows = append(rows, []any{k, j})
		}
		pg.insert(t, db, "coll", "code, v", rows)
		pg.insert(t, db, "same_coll", "code, v", rows)
	}
	pg.exec(t, tgt, "UPDATE coll SET v = -1 WHERE code = ?", "zulu020")
	rep := compare(t, src, tgt, verify.Options{ChunkRows: 50})
	c := table(t, rep, "coll")
	if c.Strategy != "hash-buckets" {
		t.Errorf("coll: strategy %s, want hash-buckets", c.Strategy)
	}
	if got, want := diffString(c), []string{`changed code="zulu020" v:306->-1`}; !slices.Equal(got, want) {
		t.Errorf("coll: %q, want %q", got, want)
	}
	if s := table(t, rep, "same_coll"); s.Strategy != "keyset" || !s.Identical() {
		t.Errorf("same_coll: strategy %s, identical %v", s.Strategy, s.Identical())
	}
}

// TestSameCollationNameOtherProvider: two collations of the same name, libc "C" on one side and
// ICU on the other, sort differently; that is detected, and each difference is reported once
// (a changed row used to be reported from two ranges, and rows counted twice).
func TestSameCollationNameOtherProvider(t *testing.T) {
	pg := engines[1]
	src, tgt := pg.newDB(t), pg.newDB(t)
	src.Exec(t, `CREATE COLLATION mycoll (locale = 'C')`)
	tgt.Exec(t, `CREATE COLLATION mycoll (provider = icu, locale = 'und')`)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, `CREATE TABLE t (k TEXT COLLATE mycoll NOT NULL PRIMARY KEY, v INT)`,
			`INSERT INTO t VALUES ('a',1),('B',2),('c',3),('D',4),('e',5),('F',6),('g',7),('H',8)`,
			`CREATE TABLE same (k TEXT COLLATE mycoll NOT NULL PRIMARY KEY, v INT)`,
			`INSERT INTO same VALUES ('a',1),('B',2),('c',3),('D',4),('e',5),('F',6),('g',7),('H',8)`)
	}
	tgt.Exec(t, `UPDATE t SET v = 100 WHERE k = 'a'`, `DELETE FROM t WHERE k = 'c'`)
	rep := compare(t, src, tgt, verify.Options{ChunkRows: 2})
	got := diffString(table(t, rep, "t"))
	slices.Sort(got)
	if want := []string{`changed k="a" v:1->100`, `missing k="c"`}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
	if s := table(t, rep, "same"); !s.Identical() || s.TargetRows != 8 || s.Strategy != "hash-buckets" {
		t.Errorf("same: identical %v, target rows %d, strategy %s", s.Identical(), s.TargetRows, s.Strategy)
	}
}
