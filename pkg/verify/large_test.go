package verify_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect/mysql"
	"github.com/dbverify/dbverify/pkg/verify"
)

// largeSizes are the sizes of the large values: around and past MariaDB's default
// max_allowed_packet (16 MiB), which a hexed blob of half its size already exceeds.
var largeSizes = []int{1 << 20, 17 << 19, 17 << 20, 64 << 20}

// largeDiffs are the rows of the large table that differ in the "diff" copies: rows 1-4 hold
// a text of each size, rows 5-8 a blob of each size; each size differs once, in its last byte,
// and is equal once.
var largeDiffs = []string{"changed id=1 t", "changed id=3 t", "changed id=6 b", "changed id=8 b"}

// fillLarge creates the large table on db, generated server-side: every value ends in 'a' (or
// 0x01), except, when diff is set, those of the rows in largeDiffs, which end in 'b' (0x02).
func fillLarge(t *testing.T, e engine, db *testdb.DB, diff bool) {
	t.Helper()
	ctx := t.Context()
	last := func(id int) (string, string) {
		if diff && slices.Contains([]int{1, 3, 6, 8}, id) {
			return "b", "02"
		}
		return "a", "01"
	}
	if e.name == "postgres" {
		db.Exec(t, "CREATE TABLE big (id INT NOT NULL PRIMARY KEY, t TEXT NULL, b BYTEA NULL)")
		for i, n := range largeSizes {
			c, x := last(i + 1)
			e.exec(t, db, fmt.Sprintf("INSERT INTO big VALUES (%d, repeat('x', %d) || '%s', NULL)", i+1, n-1, c))
			c, x = last(i + 5)
			e.exec(t, db, fmt.Sprintf("INSERT INTO big VALUES (%d, NULL, decode(repeat('ab', %d) || '%s', 'hex'))", i+5, n-1, x))
		}
		return
	}
	// MariaDB builds no string longer than a session's max_allowed_packet, which is the global
	// value when the session began: raise it for one session of this test's, and put it back.
	var old int64
	if err := db.SQL.QueryRowContext(ctx, "SELECT @@GLOBAL.max_allowed_packet").Scan(&old); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, "SET GLOBAL max_allowed_packet = 256 << 20")
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	big, err := sql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		defer big.Close()
		big.SetMaxOpenConns(1)
		err = big.PingContext(ctx)
	}
	db.Exec(t, fmt.Sprintf("SET GLOBAL max_allowed_packet = %d", old))
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{"CREATE TABLE big (id INT NOT NULL PRIMARY KEY, t LONGTEXT NULL, b LONGBLOB NULL)"}
	for i, n := range largeSizes {
		c, x := last(i + 1)
		stmts = append(stmts, fmt.Sprintf("INSERT INTO big VALUES (%d, CONCAT(REPEAT('x', %d), '%s'), NULL)", i+1, n-1, c))
		c, x = last(i + 5)
		stmts = append(stmts, fmt.Sprintf("INSERT INTO big VALUES (%d, NULL, CONCAT(REPEAT(x'ab', %d), x'%s'))", i+5, n-1, x))
	}
	for _, s := range stmts {
		if _, err := big.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s[:min(len(s), 80)], err)
		}
	}
}

// TestLargeValues compares values of 1, 8.5, 17 and 64 MiB that differ only in their last byte,
// and equal ones, on each engine and across engines, in every mode: MariaDB's CONCAT returns NULL
// past max_allowed_packet, and those rows must be hashed in Go rather than left out of a digest
// (issue 13: such tables compared IDENTICAL). Equal values compare identical, different ones
// are found as exactly their rows and columns.
func TestLargeValues(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about a gigabyte")
	}
	if raceEnabled {
		// The race detector finds nothing in moving large values and makes it ten times
		// slower: make test runs this test again without it.
		t.Skip("run without -race (make test does)")
	}
	my, pg := engines[0], engines[1]
	dbs := map[string]*testdb.DB{
		"mariadb": my.newDB(t), "mariadb-diff": my.newDB(t),
		"postgres": pg.newDB(t), "postgres-diff": pg.newDB(t),
	}
	for name, db := range dbs {
		e := my
		if strings.HasPrefix(name, "postgres") {
			e = pg
		}
		start := time.Now()
		fillLarge(t, e, db, strings.HasSuffix(name, "-diff"))
		t.Logf("%s filled in %s", name, time.Since(start))
	}
	var packet int64
	if err := dbs["mariadb"].SQL.QueryRow("SELECT @@GLOBAL.max_allowed_packet").Scan(&packet); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		src, tgt string
		modes    []string // modes, and hash families forced after a slash
	}{
		{"mariadb", "mariadb", []string{"auto"}},
		{"mariadb", "mariadb-diff", []string{"auto", "stream"}},
		{"postgres", "postgres", []string{"auto"}},
		{"postgres", "postgres-diff", []string{"auto", "stream"}},
		{"mariadb", "postgres", []string{"auto", "auto/md5"}},
		{"mariadb", "postgres-diff", []string{"auto", "auto/md5", "stream"}},
		{"postgres", "mariadb-diff", []string{"auto"}},
	} {
		for _, m := range p.modes {
			m0, h0, _ := strings.Cut(m, "/")
			mode, hash := verify.Mode(m0), verify.HashFamily(h0)
			{
				t.Run(p.src+"->"+p.tgt+"/"+m, func(t *testing.T) {
					rep := compare(t, dbs[p.src], dbs[p.tgt], verify.Options{Mode: mode, Hash: hash, ChunkRows: 2})
					tr := table(t, rep, "big")
					var got []string
					for _, d := range diffString(tr) {
						d, _, _ = strings.Cut(d, ":") // "changed id=1 t"
						got = append(got, d)
					}
					want := []string(nil)
					if strings.HasSuffix(p.tgt, "-diff") {
						want = largeDiffs
					}
					if !slices.Equal(got, want) || tr.SourceRows != 8 || tr.TargetRows != 8 || int(tr.Changed) != len(want) {
						t.Fatalf("differences %q (%d changed, rows %d/%d), want %q; note: %s", got, tr.Changed, tr.SourceRows, tr.TargetRows, want, tr.Note)
					}
					// A MariaDB side that pushed down could not hash the values past its
					// max_allowed_packet in SQL, and says it streamed them.
					if mode != verify.ModeStream && packet < int64(largeSizes[2]) && (p.src == "mariadb" || strings.HasPrefix(p.tgt, "mariadb")) &&
						!strings.Contains(tr.Note, "too large for the server to hash in SQL") {
						t.Errorf("mode %s, max_allowed_packet %d: the note does not say rows were streamed: %q", tr.Mode, packet, tr.Note)
					}
				})
			}
		}
	}
}
