package verify_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// recheckFixture makes the target differ from the source in a table keyed by awkward text
// (quotes, a backslash, unicode) and one keyed by bytes holding a NUL.
func recheckFixture(t *testing.T, se, te engine, src, tgt *testdb.DB) {
	t.Helper()
	for _, p := range []struct {
		e  engine
		db *testdb.DB
	}{{se, src}, {te, tgt}} {
		p.db.Exec(t, "CREATE TABLE k (name VARCHAR(40) NOT NULL PRIMARY KEY, v INT)",
			"CREATE TABLE b (id "+map[bool]string{false: "VARBINARY(16)", true: "BYTEA"}[p.e.dollarArg]+" NOT NULL PRIMARY KEY, v INT)")
	}
	se.insert(t, src, "k", "name, v", [][]any{{"it's", 1}, {`back\slash`, 2}, {"ünï 😀", 3}, {`"dq"`, 4}, {"", 5}})
	te.insert(t, tgt, "k", "name, v", [][]any{{"it's", 10}, {"ünï 😀", 30}, {`"dq"`, 4}, {"", 50}, {"extra'x", 6}})
	se.insert(t, src, "b", "id, v", [][]any{{[]byte{0}, 1}, {[]byte{0, 'a', 0}, 2}, {[]byte{0xff}, 3}})
	te.insert(t, tgt, "b", "id, v", [][]any{{[]byte{0}, 1}, {[]byte{0, 'a', 0}, 20}, {[]byte{0xfe}, 4}})
}

// verdicts renders a recheck's rows: "k changed name=\"it's\" resolved".
func verdicts(res *verify.RecheckResult) []string {
	var out []string
	for _, tr := range res.Tables {
		for _, r := range tr.Rows {
			s := tr.Source + " " + string(r.Was.Kind)
			for i, k := range r.Was.Key {
				s += " " + tr.Key[i] + "=" + k.String()
			}
			if r.Resolved() {
				s += " resolved"
			} else {
				s += " now " + string(r.Now.Kind)
			}
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// TestRecheck: on MariaDB, PostgreSQL and from MariaDB to PostgreSQL, a report saved as JSON
// and read back is rechecked after some rows were fixed on the target: those are resolved,
// the others still differ, and keys with quotes, backslashes, unicode, ” and NUL bytes are
// found again exactly. Repair from the saved report then makes the tables identical.
func TestRecheck(t *testing.T) {
	my, pg := engines[0], engines[1]
	for _, pair := range [][2]engine{{my, my}, {pg, pg}, {my, pg}} {
		se, te := pair[0], pair[1]
		t.Run(se.name+"->"+te.name, func(t *testing.T) {
			ctx := t.Context()
			src, tgt := se.newDB(t), te.newDB(t)
			recheckFixture(t, se, te, src, tgt)
			s, d, closeBoth := openPair(t, ctx, src, tgt)
			defer closeBoth()
			rep, err := verify.Compare(ctx, s, d, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var saved bytes.Buffer
			if err := rep.WriteJSON(&saved); err != nil {
				t.Fatal(err)
			}
			rep.Close()
			back, err := verify.ReadReport(&saved)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()

			// Fixed on the target: it's, extra'x, and the NUL-keyed row.
			te.exec(t, tgt, te.rebind("UPDATE k SET v = 1 WHERE name = ?"), "it's")
			te.exec(t, tgt, te.rebind("DELETE FROM k WHERE name = ?"), "extra'x")
			te.exec(t, tgt, te.rebind("UPDATE b SET v = 2 WHERE id = ?"), []byte{0, 'a', 0})
			res, err := verify.Recheck(ctx, s, d, back, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				`b changed id=0x006100 resolved`,
				`b extra id=0xfe now extra`,
				`b missing id=0xff now missing`,
				`k changed name="" now changed`,
				`k changed name="it's" resolved`,
				`k changed name="ünï 😀" now changed`,
				`k extra name="extra'x" resolved`,
				`k missing name="back\\slash" now missing`,
			}
			if got := verdicts(res); !slices.Equal(got, want) {
				t.Fatalf("verdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if res.Resolved != 3 || res.Differ != 5 || res.Clean() {
				t.Errorf("resolved %d, differ %d, clean %v; want 3, 5, false", res.Resolved, res.Differ, res.Clean())
			}

			// Repair from the saved report, run on the target, makes both tables identical.
			var sql bytes.Buffer
			if _, err := verify.Repair(ctx, s, d, back, verify.Options{}, &sql); err != nil {
				t.Fatal(err)
			}
			runRepair(t, tgt, &sql)
			after, err := verify.Compare(ctx, s, d, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer after.Close()
			if !after.Identical() {
				t.Fatalf("after the repair from the saved report: %q %q\n%s", diffString(after.Tables[0]), diffString(after.Tables[1]), sql.String())
			}
			res, err = verify.Recheck(ctx, s, d, back, verify.Options{})
			if err != nil || res.Differ != 0 || res.Resolved != 8 || !res.Clean() {
				t.Fatalf("recheck after the repair: %v, %q", err, verdicts(res))
			}
		})
	}
}

// TestRecheckRefuses: a recheck refuses, naming what is wrong, a report of other databases,
// one that names a table that does not exist, and one whose key is no longer the live table's;
// a truncated report is rechecked for its listed rows and said to be partial.
func TestRecheckRefuses(t *testing.T) {
	e := engines[0]
	ctx := t.Context()
	src, tgt := e.newDB(t), e.newDB(t)
	recheckFixture(t, e, e, src, tgt)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE kk (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)")
	}
	src.Exec(t, "INSERT INTO kk VALUES (1, 1), (2, 2)")
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	rep, err := verify.Compare(ctx, s, d, verify.Options{MaxDiffs: 1})
	if err != nil {
		t.Fatal(err)
	}
	var saved bytes.Buffer
	if err := rep.WriteJSON(&saved); err != nil {
		t.Fatal(err)
	}
	rep.Close()
	read := func(edit func(string) string) *verify.Report {
		t.Helper()
		r, err := verify.ReadReport(strings.NewReader(edit(saved.String())))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	same := func(s string) string { return s }

	res, err := verify.Recheck(ctx, s, d, read(same), verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tables {
		if !tr.Partial || tr.Listed != 1 || !strings.Contains(tr.Note, "only those were rechecked") {
			t.Errorf("%s: partial %v, listed %d, note %q; want partial, 1 listed", tr.Source, tr.Partial, tr.Listed, tr.Note)
		}
	}
	if res.Clean() {
		t.Error("a partial recheck says clean")
	}

	if _, err := verify.Recheck(ctx, d, s, read(same), verify.Options{}); !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "the report's source is mysql database "+src.Name) {
		t.Errorf("swapped sides: %v", err)
	}
	noTable := read(func(s string) string {
		i := strings.Index(s, `"source": "kk"`)
		s = s[:i] + strings.Replace(s[i:], `"diffs_truncated": true`, `"diffs_truncated": false`, 1) // so that Repair tries it
		return strings.Replace(strings.Replace(s, `"source": "kk"`, `"source": "nosuch"`, 1), `"target": "kk"`, `"target": "nosuch"`, 1)
	})
	if _, err := verify.Recheck(ctx, s, d, noTable, verify.Options{}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("a table that does not exist: %v", err)
	}
	var sql bytes.Buffer
	if _, err := verify.Repair(ctx, s, d, noTable, verify.Options{}, &sql); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("repair of a table that does not exist: %v", err)
	}

	// The source's key is now another column.
	src.Exec(t, "DROP TABLE kk", "CREATE TABLE kk (id INT NOT NULL, v INT NOT NULL PRIMARY KEY)")
	_, err = verify.Recheck(ctx, s, d, read(same), verify.Options{})
	if !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "table kk: the report's key is (id), the source's is now (v)") {
		t.Errorf("a key that changed: %v", err)
	}
}

// TestSavedReportKeys: keys of big integers, decimals and timestamps, and keys spelled
// differently on the two engines, round-trip through a saved report exactly: Recheck finds
// every listed row again, and Repair from the saved report writes the compare's own SQL (see
// repairSQL), which makes the tables identical.
func TestSavedReportKeys(t *testing.T) {
	my, pg := engines[0], engines[1]
	for _, pair := range [][2]engine{{my, my}, {pg, pg}, {my, pg}} {
		se, te := pair[0], pair[1]
		t.Run(se.name+"->"+te.name, func(t *testing.T) {
			src, tgt := se.newDB(t), te.newDB(t)
			for _, p := range []struct {
				e  engine
				db *testdb.DB
			}{{se, src}, {te, tgt}} {
				p.db.Exec(t, "CREATE TABLE kt (a BIGINT NOT NULL, d DECIMAL(30,10) NOT NULL, ts "+p.e.ts+" NOT NULL, v VARCHAR(10), PRIMARY KEY (a, d, ts))")
			}
			rows := [][]any{
				{int64(9223372036854775807), "12345678901234567890.1234567890", "2026-01-02 03:04:05.123456", "a"},
				{int64(-9223372036854775808), "-0.0000000001", "1970-01-01 00:00:00.000001", "b"},
				{int64(0), "1.5000000000", "2038-01-19 03:14:08", "c"},
				{int64(1), "0", "2000-02-29 23:59:59.999999", ""},
			}
			se.insert(t, src, "kt", "a, d, ts, v", rows)
			te.insert(t, tgt, "kt", "a, d, ts, v", [][]any{{rows[0][0], rows[0][1], rows[0][2], "x"}, rows[2], {rows[3][0], rows[3][1], rows[3][2], nil}})

			ctx := t.Context()
			s, d, closeBoth := openPair(t, ctx, src, tgt)
			defer closeBoth()
			rep, err := verify.Compare(ctx, s, d, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var saved bytes.Buffer
			rep.WriteJSON(&saved)
			rep.Close()
			back, err := verify.ReadReport(&saved)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()
			res, err := verify.Recheck(ctx, s, d, back, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				`kt changed a=1 d=0 ts="2000-02-29 23:59:59.999999" now changed`,
				`kt changed a=9223372036854775807 d=12345678901234567890.123456789 ts="2026-01-02 03:04:05.123456" now changed`,
				`kt missing a=-9223372036854775808 d=-0.0000000001 ts="1970-01-01 00:00:00.000001" now missing`,
			}
			if got := verdicts(res); !slices.Equal(got, want) {
				t.Fatalf("verdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			_, _, sql := repairSQL(t, src, tgt, verify.Options{})
			runRepair(t, tgt, sql)
			if after := table(t, compare(t, src, tgt, verify.Options{}), "kt"); !after.Identical() {
				t.Fatalf("after the repair: %q\n%s", diffString(after), sql.String())
			}
		})
	}
}

// TestSavedReportSpilled: a listing long enough to go to a temporary file reads back from
// JSON into one too, in key order, and writes back the same.
func TestSavedReportSpilled(t *testing.T) {
	e := engines[1]
	src, tgt := e.newDB(t), e.newDB(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE s (id INT NOT NULL PRIMARY KEY, v TEXT)")
	}
	src.Exec(t, "INSERT INTO s SELECT g, repeat('x', 40) FROM generate_series(1, 3000) g")
	opt := verify.Options{MaxDiffs: 5000}
	verify.SetDiffMemory(&opt, 4<<10)
	rep := compare(t, src, tgt, opt)
	defer rep.Close()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	back, err := verify.ReadReportMemory(bytes.NewReader(b.Bytes()), 4<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if tr := back.Tables[0]; !tr.Spilled() || tr.Listed() != 3000 {
		t.Fatalf("spilled %v, listed %d", tr.Spilled(), tr.Listed())
	}
	var again bytes.Buffer
	back.WriteJSON(&again)
	if again.String() != b.String() {
		t.Fatal("the spilled listing, read back, writes other JSON")
	}
}

// TestRecheckOtherPostgresDatabase: PostgreSQL databases share the schema name public; a
// recheck still tells another database by the one its DSN names.
func TestRecheckOtherPostgresDatabase(t *testing.T) {
	e := engines[1]
	ctx := t.Context()
	src, tgt, other := e.newDB(t), e.newDB(t), e.newDB(t)
	for _, db := range []*testdb.DB{src, tgt, other} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY)")
	}
	src.Exec(t, "INSERT INTO t VALUES (1)")
	rep := compare(t, src, tgt, verify.Options{})
	defer rep.Close()
	s, d, closeBoth := openPair(t, ctx, src, other)
	defer closeBoth()
	_, err := verify.Recheck(ctx, s, d, rep, verify.Options{})
	if !errors.Is(err, verify.ErrInvalid) || !strings.Contains(err.Error(), "the report's target is postgres database "+tgt.Name) {
		t.Fatalf("another target database: %v", err)
	}
}

// TestSavedReportOptions: a saved report's row filter, ignored column and float tolerance
// rule its recheck, with no options given: a float within the tolerance, an ignored column and
// a row outside the filter do not differ; a float past it does. Repair from it matches the
// compare's (repairSQL).
func TestSavedReportOptions(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE o (id INT NOT NULL PRIMARY KEY, f DOUBLE PRECISION, s VARCHAR(10), junk INT)")
			}
			src.Exec(t, "INSERT INTO o VALUES (1, 1.0001, 'a', 1), (2, 2, 'b', 2), (200, 1, 'z', 3)")
			tgt.Exec(t, "INSERT INTO o VALUES (1, 1.0002, 'x', 9), (2, 2, 'b', 9), (200, 1, 'y', 9)")
			opt := verify.Options{Where: "id < 100", IgnoreColumns: []string{"junk"}, FloatDigits: 3}
			s, d, closeBoth := openPair(t, ctx, src, tgt)
			defer closeBoth()
			rep, err := verify.Compare(ctx, s, d, opt)
			if err != nil {
				t.Fatal(err)
			}
			var saved bytes.Buffer
			rep.WriteJSON(&saved)
			rep.Close()
			back, err := verify.ReadReport(&saved)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()
			columns := func() []string {
				t.Helper()
				res, err := verify.Recheck(ctx, s, d, back, verify.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Tables) != 1 || len(res.Tables[0].Rows) != 1 || res.Tables[0].Rows[0].Now == nil {
					t.Fatalf("recheck: %q", verdicts(res))
				}
				var cols []string
				for _, c := range res.Tables[0].Rows[0].Now.Columns {
					cols = append(cols, c.Column)
				}
				return cols
			}
			if got := columns(); !slices.Equal(got, []string{"s"}) {
				t.Errorf("differing columns %q, want [s]", got)
			}
			tgt.Exec(t, "UPDATE o SET f = 1.5 WHERE id = 1")
			if got := columns(); !slices.Equal(got, []string{"f", "s"}) {
				t.Errorf("differing columns %q, want [f s]", got)
			}
			repairSQL(t, src, tgt, opt)
		})
	}
}
