package verify_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// engine is what the integration tests need to know about a server: how to get a database
// and how its DDL and parameters are spelled.
type engine struct {
	name      string
	newDB     func(testing.TB) *testdb.DB
	bytes     string // binary column type
	ts        string // timestamp with microseconds
	decimal   string // exact decimal
	uuid      string // UUID column type
	dollarArg bool   // $1 placeholders instead of ?
}

var engines = []engine{
	{name: "mariadb", newDB: testdb.MySQL, bytes: "BLOB", ts: "DATETIME(6)", decimal: "DECIMAL(12,2)", uuid: "CHAR(36)"},
	{name: "postgres", newDB: testdb.Postgres, bytes: "BYTEA", ts: "TIMESTAMP(6)", decimal: "NUMERIC(12,2)", uuid: "UUID", dollarArg: true},
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (e engine) rebind(q string) string {
	if !e.dollarArg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// exec runs one statement with parameters.
func (e engine) exec(t testing.TB, db *testdb.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL.Exec(e.rebind(q), args...); err != nil {
		t.Fatalf("%s: %v\n%s", db.Name, err, q)
	}
}

// insert inserts rows in batches: cols is the column list, rows the values.
func (e engine) insert(t testing.TB, db *testdb.DB, table, cols string, rows [][]any) {
	t.Helper()
	n := len(strings.Split(cols, ","))
	marks := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	for len(rows) > 0 {
		batch := rows[:min(len(rows), 500)]
		rows = rows[len(batch):]
		var args []any
		vals := make([]string, len(batch))
		for i, r := range batch {
			vals[i] = marks
			args = append(args, r...)
		}
		e.exec(t, db, fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, cols, strings.Join(vals, ",")), args...)
	}
}

// wideTable creates the standard wide table used by the drift tests.
func (e engine) wideTable(t testing.TB, db *testdb.DB, name string) {
	t.Helper()
	db.Exec(t, fmt.Sprintf(`CREATE TABLE %s (
		id BIGINT NOT NULL PRIMARY KEY,
		name VARCHAR(64) NOT NULL,
		note TEXT NULL,
		amount %s NOT NULL,
		created %s NOT NULL,
		data %s NULL)`, name, e.decimal, e.ts, e.bytes))
}

var baseTime = time.Date(2024, 2, 29, 10, 0, 0, 0, time.UTC)

// wideRow is row i of the standard table: NULL notes on every 7th row.
func wideRow(i int) []any {
	var note any = fmt.Sprintf("note %d", i)
	if i%7 == 0 {
		note = nil
	}
	created := baseTime.Add(time.Duration(i)*time.Second + time.Duration(i)*time.Microsecond)
	return []any{i, fmt.Sprintf("name-%05d", i), note, fmt.Sprintf("%d.%02d", i, i%100),
		created.Format("2006-01-02 15:04:05.000000"), []byte{byte(i), byte(i >> 8), 0, 0xff}}
}

const wideCols = "id, name, note, amount, created, data"

// fillWide fills the standard table with rows 1..n on db.
func (e engine) fillWide(t testing.TB, db *testdb.DB, name string, n int) {
	t.Helper()
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = wideRow(i + 1)
	}
	e.insert(t, db, name, wideCols, rows)
}

// openPair opens both sides; closeBoth closes them.
func openPair(t testing.TB, ctx context.Context, src, tgt *testdb.DB) (s, d *verify.Endpoint, closeBoth func()) {
	t.Helper()
	s, err := verify.Open(ctx, verify.Source, src.DSN, verify.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err = verify.Open(ctx, verify.Target, tgt.DSN, verify.OpenOptions{})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s, d, func() { s.Close(); d.Close() }
}

// compare opens both sides and compares them.
func compare(t testing.TB, src, tgt *testdb.DB, opt verify.Options) *verify.Report {
	t.Helper()
	ctx := context.Background()
	s, d, closeBoth := openPair(t, ctx, src, tgt)
	defer closeBoth()
	rep, err := verify.Compare(ctx, s, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// table finds a table's report.
func table(t testing.TB, rep *verify.Report, name string) *verify.TableReport {
	t.Helper()
	for _, tr := range rep.Tables {
		if tr.Source == name {
			return tr
		}
	}
	t.Fatalf("no report for table %s", name)
	return nil
}

// diffString renders a table's diffs compactly: "changed id=7 note:NULL->\"\"".
func diffString(tr *verify.TableReport) []string {
	var out []string
	tr.EachDiff(func(d verify.RowDiff) error {
		parts := []string{string(d.Kind)}
		for i, k := range d.Key {
			parts = append(parts, tr.Key[i]+"="+k.String())
		}
		for _, c := range d.Columns {
			parts = append(parts, c.Column+":"+c.Source.String()+"->"+c.Target.String())
		}
		out = append(out, strings.Join(parts, " "))
		return nil
	})
	return out
}
