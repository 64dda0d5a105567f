// Package demo builds a source and a target database with known drift on a real server and
// compares them, so that a new user sees what dbverify reports. It writes only to the two demo
// databases it creates (dbverify_demo_source, dbverify_demo_target).
package demo

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // database/sql driver "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	dmysql "github.com/dbverify/dbverify/pkg/dialect/mysql"
	_ "github.com/dbverify/dbverify/pkg/dialect/postgres" // registers the engine
	"github.com/dbverify/dbverify/pkg/verify"
)

// The demo's databases.
const (
	SourceDB = "dbverify_demo_source"
	TargetDB = "dbverify_demo_target"
)

// Server is one engine's server to run the demo on.
type Server struct {
	Name   string // for messages: "MariaDB/MySQL", "PostgreSQL"
	Engine string // "mysql" or "postgres"
	URL    string // a URL DSN of the server; its database part is ignored
}

// Config says where and how big.
type Config struct {
	Servers []Server
	Rows    int  // customers per table; 0 means 20,000
	Keep    bool // keep the demo databases afterwards
	Out     io.Writer
}

// Expected is the drift the demo plants in the target, per table: what compare must find.
var Expected = map[string][3]int64{ // missing, extra, changed
	"customers": {1, 1, 4},
	"orders":    {1, 0, 1},
}

// Run runs the demo on every server that answers. It fails if none does, or if compare does not
// report exactly the planted drift.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Rows <= 0 {
		cfg.Rows = 20_000
	}
	ran := 0
	for _, s := range cfg.Servers {
		err := runOne(ctx, cfg, s)
		var down unreachableError
		if errors.As(err, &down) {
			fmt.Fprintf(cfg.Out, "skipping %s: %v\n\n", s.Name, down.err)
			continue
		}
		if err != nil {
			return fmt.Errorf("demo on %s: %w", s.Name, err)
		}
		ran++
	}
	if ran == 0 {
		return errors.New("demo: no database server answered; start them with `make db-up` or pass --mysql/--postgres")
	}
	return nil
}

type unreachableError struct{ err error }

// showRepair writes the repair SQL (what compare --repair writes), shows its first
// statements, then, being the demo's own throwaway target, runs it there and compares again.
func showRepair(ctx context.Context, cfg Config, se, te *verify.Endpoint, rep *verify.Report, driver, tgt string) error {
	var script bytes.Buffer
	res, err := verify.Repair(ctx, se, te, rep, verify.Options{}, &script)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "\n   $ dbverify compare ... --repair fix.sql   # %d statements; the first:\n", res.Statements)
	shown := 0
	for _, line := range strings.Split(script.String(), "\n") {
		if shown < 3 && (strings.HasPrefix(line, "DELETE ") || strings.HasPrefix(line, "UPDATE ") || strings.HasPrefix(line, "INSERT ")) {
			if len(line) > 160 {
				line = line[:157] + "..."
			}
			fmt.Fprintf(cfg.Out, "   %s\n", line)
			shown++
		}
	}
	if cfg.Keep {
		fmt.Fprintf(cfg.Out, "   (--keep: the demo did not run it, so the drift stays for you to explore)\n")
		return nil
	}
	dsn := tgt
	if driver == "mysql" { // the script is many statements, sent at once
		cfg, err := dmysql.ParseDSN(tgt)
		if err != nil {
			return err
		}
		cfg.MultiStatements = true
		dsn = cfg.FormatDSN()
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, script.String()); err != nil {
		return fmt.Errorf("running the repair SQL on the demo target: %w", err)
	}
	again, err := verify.Compare(ctx, se, te, verify.Options{})
	if err != nil {
		return err
	}
	if !again.Identical() {
		return fmt.Errorf("after the repair SQL the demo target still differs: %s", again.Summary())
	}
	fmt.Fprintf(cfg.Out, "   The demo ran fix.sql on its throwaway target (dbverify itself never does) and compared again:\n   %s\n", again.Summary())
	return nil
}

func (e unreachableError) Error() string { return e.err.Error() }

func runOne(ctx context.Context, cfg Config, s Server) error {
	admin, src, tgt, err := dsns(s)
	if err != nil {
		return err
	}
	driver := map[string]string{"mysql": "mysql", "postgres": "pgx"}[s.Engine]
	db, err := sql.Open(driver, admin)
	if err != nil {
		return unreachableError{err}
	}
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = db.PingContext(pctx)
	cancel()
	if err != nil {
		return unreachableError{err}
	}
	fmt.Fprintf(cfg.Out, "== %s: building %s and %s (%d customers, drift planted in the target)\n", s.Name, SourceDB, TargetDB, cfg.Rows)
	dialect := engineSQL(s.Engine)
	for _, name := range []string{SourceDB, TargetDB} {
		if err := dialect.recreate(ctx, db, name); err != nil {
			return err
		}
	}
	if !cfg.Keep {
		defer func() {
			for _, name := range []string{SourceDB, TargetDB} {
				db.ExecContext(context.WithoutCancel(ctx), dialect.drop(name))
			}
		}()
	}
	for _, dsn := range []string{src, tgt} {
		if err := seed(ctx, driver, dsn, dialect, cfg.Rows); err != nil {
			return err
		}
	}
	if err := plantDrift(ctx, driver, tgt, dialect, cfg.Rows); err != nil {
		return err
	}

	fmt.Fprintf(cfg.Out, "   $ dbverify compare --source '%s' --target '%s'\n\n", src, tgt)
	se, err := verify.Open(ctx, verify.Source, src, verify.OpenOptions{})
	if err != nil {
		return err
	}
	defer se.Close()
	te, err := verify.Open(ctx, verify.Target, tgt, verify.OpenOptions{})
	if err != nil {
		return err
	}
	defer te.Close()
	rep, err := verify.Compare(ctx, se, te, verify.Options{})
	if err != nil {
		return err
	}
	if err := rep.WriteText(cfg.Out); err != nil {
		return err
	}
	for _, t := range rep.Tables {
		want, ok := Expected[t.Source]
		got := [3]int64{t.Missing, t.Extra, t.Changed}
		if !ok && !t.Identical() || ok && got != want {
			return fmt.Errorf("table %s: found missing/extra/changed %v, planted %v", t.Source, got, want)
		}
	}
	fmt.Fprintf(cfg.Out, "\nAs planted: the demo drift was found exactly (exit code of compare here: 1).\n")
	if err := showRepair(ctx, cfg, se, te, rep, driver, tgt); err != nil {
		return err
	}
	if cfg.Keep {
		fmt.Fprintf(cfg.Out, "The demo databases were kept; run the compare above yourself.\n")
	}
	fmt.Fprintln(cfg.Out)
	return nil
}

// dsns derives the admin, source and target DSNs from a server URL.
func dsns(s Server) (admin, src, tgt string, err error) {
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		return "", "", "", fmt.Errorf("server URL %q: want mysql://user@host:port/ or postgres://user@host:port/", s.URL)
	}
	with := func(db string) string {
		c := *u
		c.Path = "/" + db
		return c.String()
	}
	src, tgt = with(SourceDB), with(TargetDB)
	switch s.Engine {
	case "mysql":
		cfg, err := dmysql.ParseDSN(s.URL)
		if err != nil {
			return "", "", "", err
		}
		cfg.DBName, cfg.MultiStatements = "", true
		return cfg.FormatDSN(), src, tgt, nil
	case "postgres":
		a := *u
		if a.Path == "" || a.Path == "/" {
			a.Path = "/postgres"
		}
		return a.String(), src, tgt, nil
	}
	return "", "", "", fmt.Errorf("unknown engine %q", s.Engine)
}

// engineSQL is what differs between the engines in the demo's own SQL.
type engineSQL string

func (e engineSQL) q(query string) string {
	if e != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (e engineSQL) drop(name string) string {
	if e == "postgres" {
		return `DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`
	}
	return "DROP DATABASE IF EXISTS `" + name + "`"
}

func (e engineSQL) recreate(ctx context.Context, db *sql.DB, name string) error {
	if _, err := db.ExecContext(ctx, e.drop(name)); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	create := "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4"
	if e == "postgres" {
		create = `CREATE DATABASE "` + name + `"`
	}
	if _, err := db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

func (e engineSQL) schema() []string {
	bytes, ts, dec := "BLOB", "DATETIME(6)", "DECIMAL(12,2)"
	if e == "postgres" {
		bytes, ts, dec = "BYTEA", "TIMESTAMP(6)", "NUMERIC(12,2)"
	}
	return []string{
		fmt.Sprintf(`CREATE TABLE customers (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(80) NOT NULL,
			email VARCHAR(120) NOT NULL, balance %s NOT NULL, created %s NOT NULL, note TEXT NULL, avatar %s NULL)`, dec, ts, bytes),
		fmt.Sprintf(`CREATE TABLE orders (customer_id BIGINT NOT NULL, order_no VARCHAR(20) NOT NULL,
			status VARCHAR(20) NOT NULL, total %s NOT NULL, PRIMARY KEY (customer_id, order_no))`, dec),
		`CREATE TABLE countries (code CHAR(2) NOT NULL PRIMARY KEY, name VARCHAR(60) NOT NULL)`,
	}
}

func seed(ctx context.Context, driver, dsn string, e engineSQL, rows int) error {
	db, err := sql.Open(driver, nativeDSN(driver, dsn))
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range e.schema() {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	customers := func(i int) []any {
		var note any
		if i%11 != 0 {
			note = fmt.Sprintf("customer since %d", 2000+i%25)
		}
		return []any{i, fmt.Sprintf("Customer %d", i), fmt.Sprintf("customer%d@example.com", i),
			fmt.Sprintf("%d.%02d", i*3%100000, i%100), base.Add(time.Duration(i) * 37 * time.Second).Format("2006-01-02 15:04:05.000000"),
			note, []byte{byte(i), byte(i >> 8), 0x89, 0x50}}
	}
	if err := insert(ctx, db, e, "customers", 7, rows, customers); err != nil {
		return err
	}
	orders := func(i int) []any {
		return []any{(i + 1) / 2, fmt.Sprintf("SO-%06d", i), []string{"new", "paid", "shipped"}[i%3], fmt.Sprintf("%d.%02d", i%900, i%100)}
	}
	if err := insert(ctx, db, e, "orders", 4, rows, orders); err != nil {
		return err
	}
	country := []string{"DE", "Germany", "FR", "France", "JP", "Japan", "BR", "Brazil", "US", "United States"}
	return insert(ctx, db, e, "countries", 2, len(country)/2, func(i int) []any { return []any{country[2*i-2], country[2*i-1]} })
}

// insert inserts rows 1..n of a table, in batches.
func insert(ctx context.Context, db *sql.DB, e engineSQL, table string, cols, n int, row func(int) []any) error {
	marks := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	for start := 1; start <= n; start += 500 {
		end := min(n, start+499)
		var args []any
		var vals []string
		for i := start; i <= end; i++ {
			args = append(args, row(i)...)
			vals = append(vals, marks)
		}
		if _, err := db.ExecContext(ctx, e.q("INSERT INTO "+table+" VALUES "+strings.Join(vals, ",")), args...); err != nil {
			return fmt.Errorf("fill %s: %w", table, err)
		}
	}
	return nil
}

// plantDrift makes the differences Expected lists, as a broken migration might.
func plantDrift(ctx context.Context, driver, dsn string, e engineSQL, rows int) error {
	db, err := sql.Open(driver, nativeDSN(driver, dsn))
	if err != nil {
		return err
	}
	defer db.Close()
	steps := []struct {
		sql  string
		args []any
	}{
		{"DELETE FROM customers WHERE id = ?", []any{17}}, // a row lost
		{"INSERT INTO customers SELECT id + ?, name, email, balance, created, note, avatar FROM customers WHERE id = 1", []any{rows}}, // a row that should not be there
		{"UPDATE customers SET email = ? WHERE id = ?", []any{"Customer42@Example.com", 42}},                                          // case changed
		{"UPDATE customers SET note = ? WHERE id = ?", []any{"", 99}},                                                                 // NULL became ''
		{"UPDATE customers SET balance = balance + 0.01 WHERE id = ?", []any{1234}},                                                   // rounding
		{"UPDATE customers SET avatar = ? WHERE id = ?", []any{[]byte{0x89, 0x50, 0x4e}, rows}},                                       // binary damaged, last row
		{"DELETE FROM orders WHERE order_no = ?", []any{"SO-000500"}},
		{"UPDATE orders SET status = ? WHERE order_no = ?", []any{"paid ", "SO-000777"}}, // trailing space
	}
	for _, s := range steps {
		if _, err := db.ExecContext(ctx, e.q(s.sql), s.args...); err != nil {
			return fmt.Errorf("plant drift: %w", err)
		}
	}
	return nil
}

// nativeDSN turns a URL DSN into what database/sql's driver takes.
func nativeDSN(driver, dsn string) string {
	if driver != "mysql" {
		return dsn
	}
	cfg, err := dmysql.ParseDSN(dsn)
	if err != nil {
		return dsn // the driver will say what is wrong with it
	}
	return cfg.FormatDSN()
}
