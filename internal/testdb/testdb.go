// Package testdb gives tests a fresh, empty database on real MariaDB/MySQL and PostgreSQL
// servers, dropped when the test ends.
//
// The servers come from DBVERIFY_TEST_MYSQL and DBVERIFY_TEST_POSTGRES (URL DSNs without a
// database), else from the servers.env file that scripts/db-up writes, else 127.0.0.1:3306 (root,
// no password) and 127.0.0.1:5432 (postgres, trust). A test whose server is unreachable skips,
// except under CI=true, where it fails: CI must never pass by testing nothing.
package testdb

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Defaults when neither the environment nor servers.env names a server.
const (
	defaultMySQL    = "mysql://root@127.0.0.1:3306/"
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

// DB is a fresh database on a test server.
type DB struct {
	Name string  // the database's name
	DSN  string  // a URL DSN for dbverify (mysql:// or postgres://)
	SQL  *sql.DB // a read-write handle for setting up data
}

// Exec runs statements in order and fails the test on the first error.
func (d *DB) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.SQL.Exec(s); err != nil {
			t.Fatalf("testdb: %s: %v\n%s", d.Name, err, s)
		}
	}
}

var (
	envOnce sync.Once
	envFile map[string]string
	seq     atomic.Int64
)

// MySQLServer is the URL of the MariaDB/MySQL test server (no database).
func MySQLServer() string { return serverURL("DBVERIFY_TEST_MYSQL", defaultMySQL) }

// PostgresServer is the URL of the PostgreSQL test server.
func PostgresServer() string { return serverURL("DBVERIFY_TEST_POSTGRES", defaultPostgres) }

// serverURL returns the base DSN of an engine's test server.
func serverURL(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	envOnce.Do(loadEnvFile)
	if v := envFile[name]; v != "" {
		return v
	}
	return def
}

// loadEnvFile reads .dbverify/servers.env at the module root, if db-up wrote one.
func loadEnvFile() {
	envFile = map[string]string{}
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			return
		}
	}
	state := os.Getenv("DBVERIFY_STATE_DIR")
	if state == "" {
		state = filepath.Join(dir, ".dbverify")
	}
	f, err := os.Open(filepath.Join(state, "servers.env"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		if k, v, ok := strings.Cut(line, "="); ok {
			envFile[k] = strings.Trim(v, `"'`)
		}
	}
}

// unavailable skips the test, or fails it under CI.
func unavailable(t testing.TB, engine string, err error) {
	t.Helper()
	msg := fmt.Sprintf("testdb: no %s test server (%v); run `make db-up` or set DBVERIFY_TEST_%s", engine, err, strings.ToUpper(engine))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// name returns a database name unique to this test and process.
func name(t testing.TB) string {
	base := strings.ToLower(t.Name())
	var b strings.Builder
	for _, r := range base {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 30 {
		s = s[:30]
	}
	return fmt.Sprintf("dbv_%s_%d_%d", s, os.Getpid()%100000, seq.Add(1))
}

// MySQL creates a fresh database on the MariaDB/MySQL test server.
func MySQL(t testing.TB) *DB {
	t.Helper()
	return mysqlOn(t, MySQLServer(), "DBVERIFY_TEST_MYSQL")
}

// mysqlOn creates a fresh database on the MariaDB/MySQL server at base; what names base in
// messages.
func mysqlOn(t testing.TB, base, what string) *DB {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", what, err)
	}
	// Built by hand, not with the dialect's ParseDSN: the dialect's own tests import this package.
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	cfg.Timeout = 5 * time.Second
	cfg.MultiStatements = true
	cfg.Params = map[string]string{"time_zone": "'+00:00'"} // TIMESTAMP literals in UTC, as dbverify reads them
	admin, err := openPing("mysql", cfg.FormatDSN())
	if err != nil {
		if !strings.HasPrefix(what, "DBVERIFY_TEST_") {
			t.Fatalf("testdb: %s does not answer: %v", what, err) // one this package started
		}
		unavailable(t, "mysql", err)
	}
	defer admin.Close()
	db := name(t)
	if _, err := admin.Exec("CREATE DATABASE `" + db + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		t.Fatalf("testdb: create database %s: %v", db, err)
	}
	cfg.DBName = db
	h, err := openPing("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("testdb: open %s: %v", db, err)
	}
	t.Cleanup(func() {
		h.Close()
		if a, err := openPing("mysql", func() string { c := cfg.Clone(); c.DBName = ""; return c.FormatDSN() }()); err == nil {
			a.Exec("DROP DATABASE IF EXISTS `" + db + "`")
			a.Close()
		}
	})
	u.Path = "/" + db
	return &DB{Name: db, DSN: u.String(), SQL: h}
}

// Postgres creates a fresh database on the PostgreSQL test server.
func Postgres(t testing.TB) *DB {
	t.Helper()
	return postgresOn(t, PostgresServer(), "DBVERIFY_TEST_POSTGRES")
}

// postgresOn creates a fresh database on the PostgreSQL server at base; what names base in
// messages.
func postgresOn(t testing.TB, base, what string) *DB {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", what, err)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
	}
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	admin, err := openPing("pgx", u.String())
	if err != nil {
		if !strings.HasPrefix(what, "DBVERIFY_TEST_") {
			t.Fatalf("testdb: %s does not answer: %v", what, err) // one this package started
		}
		unavailable(t, "postgres", err)
	}
	defer admin.Close()
	db := name(t)
	if _, err := admin.Exec(`CREATE DATABASE "` + db + `"`); err != nil {
		t.Fatalf("testdb: create database %s: %v", db, err)
	}
	adminURL := u.String()
	u.Path = "/" + db
	h, err := openPing("pgx", u.String())
	if err != nil {
		t.Fatalf("testdb: open %s: %v", db, err)
	}
	t.Cleanup(func() {
		h.Close()
		if a, err := openPing("pgx", adminURL); err == nil {
			a.Exec(`DROP DATABASE IF EXISTS "` + db + `" WITH (FORCE)`)
			a.Close()
		}
	})
	return &DB{Name: db, DSN: u.String(), SQL: h}
}

func openPing(driver, dsn string) (*sql.DB, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
