package verify_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/verify"
)

// Regression tests for findings of the code review of 2026-11-22.

// TestNullKeyOnTarget: a target row whose key column is NULL (no key on the target) is reported,
// whatever the chunk size; it used to fall in no chunk and pass silently.
func TestNullKeyOnTarget(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			src.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)")
			tgt.Exec(t, "CREATE TABLE t (id INT NULL, v INT)")
			var rows [][]any
			for i := 1; i <= 10; i++ {
				rows = append(rows, []any{i, i})
			}
			e.insert(t, src, "t", "id, v", rows)
			e.insert(t, tgt, "t", "id, v", append(rows, []any{nil, 99}))
			for _, chunk := range []int{0, 3} {
				tr := table(t, compare(t, src, tgt, verify.Options{ChunkRows: chunk}), "t")
				if got, want := diffString(tr), []string{"extra id=NULL"}; !slices.Equal(got, want) || tr.TargetRows != 11 || tr.Identical() {
					t.Errorf("chunk rows %d: %q (target rows %d), want %q", chunk, got, tr.TargetRows, want)
				}
			}
		})
	}
}

// TestDuplicateKeysOnTarget: copies of a key on a target without a unique key are each reported;
// an equal copy pairs with the source's row and the rest are extra.
func TestDuplicateKeysOnTarget(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			src.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)")
			tgt.Exec(t, "CREATE TABLE t (id INT NOT NULL, v INT)")
			var rows [][]any
			for i := 1; i <= 10; i++ {
				rows = append(rows, []any{i, i})
			}
			e.insert(t, src, "t", "id, v", rows)
			e.insert(t, tgt, "t", "id, v", append(rows, []any{5, 5}, []any{6, 66}))
			tr := table(t, compare(t, src, tgt, verify.Options{ChunkRows: 4}), "t")
			if got, want := diffString(tr), []string{"extra id=5", "extra id=6"}; !slices.Equal(got, want) || tr.Extra != 2 || tr.Changed != 0 {
				t.Errorf("%q (extra %d, changed %d), want %q", got, tr.Extra, tr.Changed, want)
			}
		})
	}
}

// TestManyDuplicatesNoHang: more copies of one key than DiffRows used to make narrowing recurse
// forever; they are now all reported, quickly.
func TestManyDuplicatesNoHang(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			src.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1)")
			tgt.Exec(t, "CREATE TABLE t (id INT NOT NULL, v INT)")
			var rows [][]any
			for i := 0; i < 30; i++ {
				rows = append(rows, []any{1, 1})
			}
			e.insert(t, tgt, "t", "id, v", rows)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, _ := verify.Open(ctx, verify.Source, src.DSN, verify.OpenOptions{})
			d, _ := verify.Open(ctx, verify.Target, tgt.DSN, verify.OpenOptions{})
			defer s.Close()
			defer d.Close()
			rep, err := verify.Compare(ctx, s, d, verify.Options{DiffRows: 10})
			if err != nil {
				t.Fatal(err)
			}
			if tr := table(t, rep, "t"); tr.Extra != 29 || tr.Missing != 0 || tr.Changed != 0 {
				t.Errorf("extra %d missing %d changed %d, want 29 extra", tr.Extra, tr.Missing, tr.Changed)
			}
		})
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

// TestFloatKeys: FLOAT and DOUBLE keys select the right rows in ranges and lookups (MySQL
// compared the float32's shortest text as a double, which never equals the stored value).
func TestFloatKeys(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			ftype := map[bool]string{false: "FLOAT", true: "REAL"}[e.dollarArg]
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE f (k "+ftype+" NOT NULL PRIMARY KEY, v INT)", "INSERT INTO f VALUES (0.1, 1), (0.2, 2), (0.3, 3), (0.7, 7)",
					"CREATE TABLE d (k DOUBLE PRECISION NOT NULL PRIMARY KEY, v INT)", "INSERT INTO d VALUES (0.1, 1), (0.2, 2), (1e-300, 3), (0.7, 7)")
			}
			tgt.Exec(t, "UPDATE f SET v = 100 WHERE v = 2", "UPDATE d SET v = 100 WHERE v = 3")
			for _, chunk := range []int{1, 2} {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				s, _ := verify.Open(ctx, verify.Source, src.DSN, verify.OpenOptions{})
				d, _ := verify.Open(ctx, verify.Target, tgt.DSN, verify.OpenOptions{})
				rep, err := verify.Compare(ctx, s, d, verify.Options{ChunkRows: chunk})
				s.Close()
				d.Close()
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				if got, want := diffString(table(t, rep, "f")), []string{"changed k=0.2 v:2->100"}; !slices.Equal(got, want) {
					t.Errorf("float, chunk %d: %q, want %q", chunk, got, want)
				}
				if got, want := diffString(table(t, rep, "d")), []string{"changed k=1e-300 v:3->100"}; !slices.Equal(got, want) {
					t.Errorf("double, chunk %d: %q, want %q", chunk, got, want)
				}
				if c := table(t, rep, "f").Chunks; chunk == 2 && c > 3 {
					t.Errorf("float, chunk 2: %d chunks for 4 rows", c)
				}
			}
		})
	}
}

// TestIgnoredIndex: a MariaDB unique index marked IGNORED is not used as the key (FORCE INDEX
// cannot name it).
func TestIgnoredIndex(t *testing.T) {
	my := engines[0]
	src, tgt := my.newDB(t), my.newDB(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE ig (c INT NOT NULL, d INT NOT NULL, v INT, UNIQUE KEY ud (d), UNIQUE KEY u (c) IGNORED)",
			"INSERT INTO ig VALUES (1, 10, 1), (2, 20, 2), (3, 30, 3)")
	}
	tgt.Exec(t, "UPDATE ig SET v = 9 WHERE c = 2")
	tr := table(t, compare(t, src, tgt, verify.Options{ChunkRows: 1}), "ig")
	if got, want := diffString(tr), []string{"changed d=20 v:2->9"}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
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

// TestBucketSpill: when the rows of the differing buckets exceed the memory bound, they go to
// shard files and are matched shard by shard, in one more pass over each side (review finding:
// each batch re-read both whole tables); the result is the same as in memory.
func TestBucketSpill(t *testing.T) {
	pg := engines[1]
	src, tgt := pg.newDB(t), pg.newDB(t)
	for i, db := range []*testdb.DB{src, tgt} {
		coll := []string{`"C"`, `"en-x-icu"`}[i]
		db.Exec(t, "CREATE TABLE sp (k VARCHAR(20) COLLATE "+coll+" NOT NULL PRIMARY KEY, v INT, b BYTEA)",
			"INSERT INTO sp SELECT 'key-' || g, g, NULL FROM generate_series(1, 3000) g")
	}
	tgt.Exec(t, "UPDATE sp SET v = v + 1 WHERE v % 3 = 0", "DELETE FROM sp WHERE v % 100 = 1", "INSERT INTO sp VALUES ('new', 0, '\\x00')")
	inMemory := table(t, compare(t, src, tgt, verify.Options{MaxDiffs: 5000}), "sp")
	opt := verify.Options{MaxDiffs: 5000}
	verify.SetMaxHeldRows(&opt, 150)
	spilled := table(t, compare(t, src, tgt, opt), "sp")
	var changed, missing int64 // what the UPDATE then the DELETE did
	for g := 1; g <= 3000; g++ {
		v := g
		if v%3 == 0 {
			v++
		}
		switch {
		case v%100 == 1:
			missing++
		case v != g:
			changed++
		}
	}
	if inMemory.Changed != changed || inMemory.Missing != missing || inMemory.Extra != 1 {
		t.Errorf("in memory: changed %d missing %d extra %d, want %d, %d, 1", inMemory.Changed, inMemory.Missing, inMemory.Extra, changed, missing)
	}
	if !slices.Equal(diffString(spilled), diffString(inMemory)) {
		t.Errorf("spilled diffs differ from in-memory ones: %d vs %d", len(spilled.Diffs), len(inMemory.Diffs))
	}
}
