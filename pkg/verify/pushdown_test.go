package verify_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// pushCols are the parity columns both engines write alike in SQL: every type pushdown covers,
// edge values included (the others stream: floats, JSON, bit strings, UUIDs held as text or
// bytes, and MySQL's BIGINT UNSIGNED against PostgreSQL's NUMERIC).
var pushCols = []string{"i8", "i16", "i24", "i32", "i64", "u8", "u16", "u32", "num", "num0", "b",
	"ch", "vc", "tx", "bin", "blb", "dt", "tm", "dtm", "ts", "yr", "en", "st"}

// TestPushdownParity checks, for every engine pair and every hash family its engines compute in
// SQL, that a table hashed in SQL has exactly the fingerprint it has when streamed and hashed in
// Go (so each side's SQL builds the very bytes Go hashes, for every type and edge value), and
// that a change by the smallest step of each column is found in pushdown mode as exactly that
// row and column.
func TestPushdownParity(t *testing.T) {
	my, pg := engines[0], engines[1]
	dbs := map[string]*testdb.DB{}
	for _, name := range []string{"mariadb-a", "mariadb-b", "postgres-a", "postgres-b"} {
		e := my
		if strings.HasPrefix(name, "postgres") {
			e = pg
		}
		dbs[name] = e.newDB(t)
		createParity(t, e, dbs[name])
	}
	pairs := []struct {
		name     string
		src, tgt string
		tgtEng   engine
		hash     verify.HashFamily // the family to force; "" for the pair's own
		want     string            // the family used
		auto     verify.Mode       // the mode auto picks
	}{
		{"mariadb->mariadb", "mariadb-a", "mariadb-b", my, "", "crcmix", verify.ModePushdown},
		{"postgres->postgres", "postgres-a", "postgres-b", pg, "", "pg64", verify.ModePushdown},
		{"mariadb->postgres", "mariadb-a", "postgres-a", pg, "", "crcmix", "source pushdown, target stream"},
		{"postgres->mariadb", "postgres-a", "mariadb-a", my, "", "crcmix", "source stream, target pushdown"},
		{"mariadb->postgres/md5", "mariadb-a", "postgres-a", pg, "md5", "md5", verify.ModePushdown},
		{"postgres->mariadb/md5", "postgres-a", "mariadb-a", my, "md5", "md5", verify.ModePushdown},
		{"mariadb->mariadb/md5", "mariadb-a", "mariadb-b", my, "md5", "md5", verify.ModePushdown},
		{"postgres->postgres/md5", "postgres-a", "postgres-b", pg, "md5", "md5", verify.ModePushdown},
	}
	for _, p := range pairs {
		src, tgt := dbs[p.src], dbs[p.tgt]
		t.Run(p.name, func(t *testing.T) {
			var prints []string
			for _, mode := range []verify.Mode{verify.ModeStream, verify.ModeAuto} {
				tr := table(t, compare(t, src, tgt, verify.Options{Mode: mode, Hash: p.hash, Columns: pushCols, ChunkRows: 3}), "parity")
				if !tr.Identical() {
					t.Fatalf("%s: equal data reported different:\n%s", mode, strings.Join(diffString(tr), "\n"))
				}
				want := p.auto
				if mode == verify.ModeStream {
					want = verify.ModeStream
				}
				if tr.Mode != want || tr.Hash != p.want {
					t.Fatalf("%s: ran in mode %q with %s hashes, want %q with %s", mode, tr.Mode, tr.Hash, want, p.want)
				}
				prints = append(prints, tr.SourcePrint, tr.TargetPrint)
			}
			for _, fp := range prints {
				if fp != prints[0] {
					t.Fatalf("fingerprints streamed and in %s: %q: SQL and Go hash differently", p.auto, prints)
				}
			}
		})
	}
	for _, p := range pairs {
		src, tgt := dbs[p.src], dbs[p.tgt]
		for _, c := range parityCols {
			if c.step == nil || !contains(pushCols, c.name) {
				continue
			}
			t.Run(p.name+"/step/"+c.name, func(t *testing.T) {
				myv, pgv := c.step()
				oldMy, oldPg := c.vals(stepRow)
				newv, oldv := myv, oldMy
				if p.tgtEng.dollarArg {
					newv, oldv = pgv, oldPg
				}
				update := fmt.Sprintf("UPDATE parity SET %s = ? WHERE id = ?", c.name)
				p.tgtEng.exec(t, tgt, update, newv, stepRow)
				defer p.tgtEng.exec(t, tgt, update, oldv, stepRow)
				tr := table(t, compare(t, src, tgt, verify.Options{Mode: verify.ModeAuto, Hash: p.hash, Columns: pushCols}), "parity")
				if tr.Mode != p.auto {
					t.Fatalf("mode %q, want %q", tr.Mode, p.auto)
				}
				got := diffString(tr)
				if len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprintf("changed id=%d %s:", stepRow, c.name)) || len(tr.Diffs[0].Columns) != 1 {
					t.Fatalf("want exactly row %d column %s changed, got %q", stepRow, c.name, got)
				}
				if tr.SourcePrint == tr.TargetPrint {
					t.Fatal("fingerprints equal despite the change")
				}
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestModeChoice checks what happens to a table pushdown cannot hash (a float column): auto
// streams it and says why; --mode pushdown refuses with an error naming the column.
func TestModeChoice(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE m_float (id INT NOT NULL PRIMARY KEY, v DOUBLE PRECISION)")
				e.insert(t, db, "m_float", "id, v", [][]any{{1, 0.5}, {2, 1e-300}})
				db.Exec(t, "CREATE TABLE m_plain (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))")
				e.insert(t, db, "m_plain", "id, v", [][]any{{1, "a"}, {2, nil}})
			}
			rep := compare(t, src, tgt, verify.Options{})
			if tr := table(t, rep, "m_float"); tr.Mode != verify.ModeStream || !strings.Contains(tr.Note, "column v") || !tr.Identical() {
				t.Errorf("auto, float column: mode %s, note %q, identical %v; want stream, a note naming v", tr.Mode, tr.Note, tr.Identical())
			}
			if tr := table(t, rep, "m_plain"); tr.Mode != verify.ModePushdown || !tr.Identical() {
				t.Errorf("auto, plain table: mode %s, identical %v; want pushdown", tr.Mode, tr.Identical())
			}
			_, err := verify.Compare(t.Context(), endpoint(t, src), endpoint(t, tgt), verify.Options{Mode: verify.ModePushdown, Tables: []string{"m_float"}})
			if !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "column v") {
				t.Errorf("--mode pushdown on a float column: %v, want an invalid-input error naming v", err)
			}
			_, err = verify.Compare(t.Context(), endpoint(t, src), endpoint(t, tgt), verify.Options{Mode: "fast"})
			if !errors.Is(err, verify.ErrInvalid) {
				t.Errorf("mode fast: %v, want an invalid-input error", err)
			}
		})
	}
}

// endpoint opens one side for a test that calls Compare itself.
func endpoint(t *testing.T, db *testdb.DB) *verify.Endpoint {
	t.Helper()
	e, err := verify.Open(t.Context(), verify.Source, db.DSN, verify.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestChunkLimit: chunks that run past the limit are cut in two until they fit (here none
// does, down to single keys, which then run without it), and the result is the same: the same
// differences, the same fingerprints, in both modes.
func TestChunkLimit(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				e.wideTable(t, db, "lim")
				e.fillWide(t, db, "lim", 120)
			}
			e.exec(t, tgt, "UPDATE lim SET name = 'x' WHERE id = 77")
			e.exec(t, tgt, "DELETE FROM lim WHERE id = 3")
			want := table(t, compare(t, src, tgt, verify.Options{}), "lim")
			for _, mode := range []verify.Mode{verify.ModeStream, verify.ModePushdown} {
				var log bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
				tr := table(t, compare(t, src, tgt, verify.Options{Mode: mode, ChunkRows: 60, ChunkLimit: time.Nanosecond, Logger: logger}), "lim")
				if n := strings.Count(log.String(), "ran past the limit"); n < 100 {
					t.Errorf("%s: %d chunks split, want them cut down to single keys", mode, n)
				}
				if got := diffString(tr); !slices.Equal(got, []string{"missing id=3", `changed id=77 name:"name-00077"->"x"`}) {
					t.Errorf("%s: diffs %q", mode, got)
				}
				if tr.SourcePrint != want.SourcePrint || tr.TargetPrint != want.TargetPrint || tr.SourceRows != 120 {
					t.Errorf("%s: fingerprints %s/%s (%d rows), want %s/%s", mode, tr.SourcePrint, tr.TargetPrint, tr.SourceRows, want.SourcePrint, want.TargetPrint)
				}
			}
		})
	}
}
