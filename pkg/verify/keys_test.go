package verify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

const keyRows = 600

// keyCase is a table with some kind of key, filled alike on both sides, then drifted on the
// target: a row missing, a row extra, a row changed.
type keyCase struct {
	table    string
	ddl      func(e engine) string
	row      func(i int) []any // i from 1; the value column is always last
	cols     string
	keyWhere string // WHERE for one row, ? for its key parameters
	key      func(i int) []any
	strategy string
	want     []string // with rows 10 missing, keyRows+5 extra, 20 changed
}

func uuidOf(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i*2654435761%(1<<32), i) }

var keyCases = []keyCase{
	{
		table: "k_int", cols: "id, v",
		ddl:      func(e engine) string { return "CREATE TABLE k_int (id INT NOT NULL PRIMARY KEY, v VARCHAR(20))" },
		row:      func(i int) []any { return []any{i, fmt.Sprint("v", i)} },
		keyWhere: "id = ?", key: func(i int) []any { return []any{i} },
		strategy: "range",
		want:     []string{`missing id=10`, `changed id=20 v:"v20"->"changed"`, fmt.Sprintf(`extra id=%d`, keyRows+5)},
	},
	{
		table: "k_sparse", cols: "id, v",
		ddl:      func(e engine) string { return "CREATE TABLE k_sparse (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))" },
		row:      func(i int) []any { return []any{int64(i) * 1_000_000_007, fmt.Sprint("v", i)} },
		keyWhere: "id = ?", key: func(i int) []any { return []any{int64(i) * 1_000_000_007} },
		strategy: "keyset",
		want:     []string{`missing id=10000000070`, `changed id=20000000140 v:"v20"->"changed"`, fmt.Sprintf(`extra id=%d`, int64(keyRows+5)*1_000_000_007)},
	},
	{
		table: "k_composite", cols: "a, b, v",
		ddl: func(e engine) string {
			return "CREATE TABLE k_composite (a INT NOT NULL, b VARCHAR(20) NOT NULL, v VARCHAR(20), PRIMARY KEY (a, b))"
		},
		row:      func(i int) []any { return []any{i / 7, fmt.Sprintf("b%03d", i), fmt.Sprint("v", i)} },
		keyWhere: "a = ? AND b = ?", key: func(i int) []any { return []any{i / 7, fmt.Sprintf("b%03d", i)} },
		strategy: "keyset",
		want:     []string{`missing a=1 b="b010"`, `changed a=2 b="b020" v:"v20"->"changed"`, fmt.Sprintf(`extra a=%d b="b%03d"`, (keyRows+5)/7, keyRows+5)},
	},
	{
		table: "k_string", cols: "code, v",
		ddl: func(e engine) string {
			return "CREATE TABLE k_string (code VARCHAR(40) NOT NULL PRIMARY KEY, v VARCHAR(20))"
		},
		row:      func(i int) []any { return []any{fmt.Sprintf("code-%04d-ä", i), fmt.Sprint("v", i)} },
		keyWhere: "code = ?", key: func(i int) []any { return []any{fmt.Sprintf("code-%04d-ä", i)} },
		strategy: "keyset",
		want:     []string{`missing code="code-0010-ä"`, `changed code="code-0020-ä" v:"v20"->"changed"`, fmt.Sprintf(`extra code="code-%04d-ä"`, keyRows+5)},
	},
	{
		table: "k_uuid", cols: "id, v",
		ddl: func(e engine) string {
			return fmt.Sprintf("CREATE TABLE k_uuid (id %s NOT NULL PRIMARY KEY, v VARCHAR(20))", e.uuid)
		},
		row:      func(i int) []any { return []any{uuidOf(i), fmt.Sprint("v", i)} },
		keyWhere: "id = ?", key: func(i int) []any { return []any{uuidOf(i)} },
		strategy: "keyset",
		// sorted by key bytes, not by i
		want: sortedUUIDWant(),
	},
	{
		table: "k_unique", cols: "id, email, v",
		ddl: func(e engine) string {
			return "CREATE TABLE k_unique (id INT NULL, email VARCHAR(40) NOT NULL, v VARCHAR(20), CONSTRAINT k_unique_email UNIQUE (email))"
		},
		row:      func(i int) []any { return []any{i, fmt.Sprintf("u%04d@example.com", i), fmt.Sprint("v", i)} },
		keyWhere: "email = ?", key: func(i int) []any { return []any{fmt.Sprintf("u%04d@example.com", i)} },
		strategy: "keyset",
		want:     []string{`missing email="u0010@example.com"`, `changed email="u0020@example.com" v:"v20"->"changed"`, fmt.Sprintf(`extra email="u%04d@example.com"`, keyRows+5)},
	},
}

// sortedUUIDWant is the UUID table's expected diffs, in report order: by key bytes.
func sortedUUIDWant() []string {
	w := []string{`missing id="` + uuidOf(10) + `"`, `changed id="` + uuidOf(20) + `" v:"v20"->"changed"`, `extra id="` + uuidOf(keyRows+5) + `"`}
	slices.SortFunc(w, func(a, b string) int { return strings.Compare(strings.Fields(a)[1], strings.Fields(b)[1]) })
	return w
}

// TestKeys compares tables keyed every way the issue names, each with one row missing, one extra
// and one changed on the target, plus tables that are empty, have one row, or have no key.
func TestKeys(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, kc := range keyCases {
				for _, db := range []*testdb.DB{src, tgt} {
					db.Exec(t, kc.ddl(e))
					rows := make([][]any, keyRows)
					for i := range rows {
						rows[i] = kc.row(i + 1)
					}
					e.insert(t, db, kc.table, kc.cols, rows)
				}
				e.exec(t, tgt, fmt.Sprintf("DELETE FROM %s WHERE %s", kc.table, kc.keyWhere), kc.key(10)...)
				e.exec(t, tgt, fmt.Sprintf("UPDATE %s SET v = 'changed' WHERE %s", kc.table, kc.keyWhere), kc.key(20)...)
				e.insert(t, tgt, kc.table, kc.cols, [][]any{kc.row(keyRows + 5)})
			}
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t,
					"CREATE TABLE x_empty (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))",
					"CREATE TABLE x_one (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))",
					"INSERT INTO x_one VALUES (1, 'one')",
					"CREATE TABLE x_one_changed (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))",
					"INSERT INTO x_one_changed VALUES (1, 'one')",
					"CREATE TABLE x_nokey (a INT, b VARCHAR(10))",
					"INSERT INTO x_nokey VALUES (1, 'a'), (1, 'a'), (2, NULL)",
					"CREATE TABLE x_nokey_same (a INT, b VARCHAR(10))",
					"INSERT INTO x_nokey_same VALUES (1, 'a'), (1, 'a'), (2, NULL)",
					"CREATE TABLE x_empty_src (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))",
				)
			}
			tgt.Exec(t,
				"UPDATE x_one_changed SET v = 'uno'",
				"DELETE FROM x_nokey WHERE a = 2",
				"INSERT INTO x_nokey VALUES (2, '')",
				"INSERT INTO x_empty_src VALUES (7, 'only')",
			)
			for _, workers := range []int{1, 8} {
				t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
					rep := compare(t, src, tgt, verify.Options{Workers: workers, ChunkRows: 100, DiffRows: 50})
					for _, kc := range keyCases {
						tr := table(t, rep, kc.table)
						if got := diffString(tr); !slices.Equal(got, kc.want) {
							t.Errorf("%s: diffs\n got  %q\n want %q", kc.table, got, kc.want)
						}
						if tr.Missing != 1 || tr.Extra != 1 || tr.Changed != 1 {
							t.Errorf("%s: counts missing=%d extra=%d changed=%d, want 1 each", kc.table, tr.Missing, tr.Extra, tr.Changed)
						}
						if tr.Strategy != kc.strategy {
							t.Errorf("%s: strategy %s, want %s", kc.table, tr.Strategy, kc.strategy)
						}
					}
					if tr := table(t, rep, "k_unique"); tr.KeyKind != "unique index" {
						t.Errorf("k_unique: key kind %q, want unique index", tr.KeyKind)
					}
					for _, name := range []string{"x_empty", "x_one", "x_nokey_same"} {
						if tr := table(t, rep, name); !tr.Identical() || tr.Differences() != 0 {
							t.Errorf("%s: not identical: %+v", name, tr)
						}
					}
					if tr := table(t, rep, "x_one"); tr.SourceRows != 1 || tr.TargetRows != 1 {
						t.Errorf("x_one: rows %d/%d", tr.SourceRows, tr.TargetRows)
					}
					if got, want := diffString(table(t, rep, "x_one_changed")), []string{`changed id=1 v:"one"->"uno"`}; !slices.Equal(got, want) {
						t.Errorf("x_one_changed: %q, want %q", got, want)
					}
					if got, want := diffString(table(t, rep, "x_empty_src")), []string{`extra id=7`}; !slices.Equal(got, want) {
						t.Errorf("x_empty_src: %q, want %q", got, want)
					}
					nk := table(t, rep, "x_nokey")
					if nk.Identical() || nk.Strategy != "whole-table" || nk.KeyKind != "none" || nk.Note == "" || len(nk.Diffs) != 0 {
						t.Errorf("x_nokey: want a whole-table digest that differs, with a note; got %+v", nk)
					}
					if nks := table(t, rep, "x_nokey_same"); nks.Strategy != "whole-table" || nks.SourceRows != 3 {
						t.Errorf("x_nokey_same: %+v", nks)
					}
				})
			}
		})
	}
}

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
