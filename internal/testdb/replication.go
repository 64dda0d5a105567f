package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Replication is a source database and a target that real replication keeps in step with it,
// on throwaway servers this package starts for one test and stops when it ends. Tests write to
// Source and watch the changes reach Target; Pause and Resume stop and restart applying them
// (from any goroutine).
type Replication struct {
	Source, Target *DB
	// Pause stops applying changes to the target; the changes queue up until Resume.
	Pause, Resume func() error
}

// startTimeout bounds each throwaway server's start.
const startTimeout = 60 * time.Second

// MySQLReplication starts two throwaway MariaDB servers, a primary writing a row-based binary
// log and a replica of it that applies each change delay after it was committed (CHANGE MASTER
// ... MASTER_DELAY; 0 applies at once), creates a fresh database on the primary and returns it
// with its replicated copy. The tables the test creates on the source replicate too. Pause and
// Resume stop and start the replica's SQL thread. MariaDB only: MySQL 8 is not packaged here.
func MySQLReplication(t testing.TB, delay time.Duration) *Replication {
	t.Helper()
	mysqld, installDB := mariaDBBinaries(t, "replication")
	dir := tempDir(t, "dbv-mariadb-repl-")
	primary := startMariaDB(t, mysqld, installDB, filepath.Join(dir, "primary"), 1, "--log-bin=binlog", "--binlog-format=ROW").URL
	replica := startMariaDB(t, mysqld, installDB, filepath.Join(dir, "replica"), 2).URL

	adm := openAdmin(t, primary)
	mustExec(t, "primary", adm, "RESET MASTER") // the replica starts from the first event after this
	radm := openAdmin(t, replica)
	pu, _ := url.Parse(primary)
	host, port, _ := net.SplitHostPort(pu.Host)
	mustExec(t, "replica", radm,
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%s, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_DELAY=%d",
			host, port, int(delay.Round(time.Second)/time.Second)),
		"START SLAVE")
	src := mysqlOn(t, primary, "the throwaway primary")
	waitFor(t, "the replica to create database "+src.Name, func() (bool, error) {
		var n int
		err := radm.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", src.Name).Scan(&n)
		return n == 1, err
	}, func() string { return replicaStatus(radm) })
	u, _ := url.Parse(replica)
	u.Path = "/" + src.Name
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", u.Host, src.Name
	cfg.MultiStatements = true
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	h, err := openPing("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("testdb: replica: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	tgt := &DB{Name: src.Name, DSN: u.String(), SQL: h}
	return &Replication{Source: src, Target: tgt,
		Pause:  func() error { _, err := radm.Exec("STOP SLAVE SQL_THREAD"); return err },
		Resume: func() error { _, err := radm.Exec("START SLAVE SQL_THREAD"); return err },
	}
}

// mariaDBBinaries finds MariaDB's server and mariadb-install-db, or skips the test (fails it
// under CI); why says what needs them.
func mariaDBBinaries(t testing.TB, why string) (mysqld, installDB string) {
	t.Helper()
	mysqld, err := lookBin("mariadbd", "mysqld")
	if err == nil {
		var out []byte
		if out, err = exec.Command(mysqld, "--version").CombinedOutput(); err == nil && !strings.Contains(strings.ToLower(string(out)), "mariadb") {
			err = fmt.Errorf("%s is not MariaDB: %s", mysqld, strings.TrimSpace(string(out)))
		}
	}
	installDB, err2 := lookBin("mariadb-install-db", "mysql_install_db")
	if err = errors.Join(err, err2); err != nil {
		unavailable(t, "mysql", fmt.Errorf("%s needs MariaDB's server binaries: %w", why, err))
	}
	return mysqld, installDB
}

// startMariaDB initialises a data directory in dir and starts a server on a free port of
// 127.0.0.1 with the given server id and options; its URL is root's, without a password or a
// database. The server is stopped when the test ends.
func startMariaDB(t testing.TB, mysqld, installDB, dir string, id int, opts ...string) *Server {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var asRoot []string
	if os.Geteuid() == 0 {
		asRoot = []string{"--user=root"}
	}
	// A tmpdir of its own: a starting server removes the #sql* files it finds in its tmpdir,
	// which, in a shared /tmp, are another server's temporary tables (concurrent installs failed
	// with "Unknown table 'mysql.tmp_user_sys'").
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	install := exec.Command(installDB, append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--tmpdir=" + tmp}, asRoot...)...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("testdb: %s: %v\n%s", installDB, err, out)
	}
	port := freePort(t)
	sock := filepath.Join(dir, "s.sock")
	args := append([]string{"--no-defaults"}, asRoot...)
	args = append(args, "--datadir="+filepath.Join(dir, "data"), "--tmpdir="+tmp, "--bind-address=127.0.0.1", "--port="+strconv.Itoa(port),
		"--socket="+sock, "--pid-file="+filepath.Join(dir, "mysqld.pid"), "--server-id="+strconv.Itoa(id),
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci", "--innodb-flush-log-at-trx-commit=2",
		"--innodb-buffer-pool-size=32M", "--skip-name-resolve")
	args = append(args, opts...)
	log := filepath.Join(dir, "mysqld.log")
	srv := startProcess(t, exec.Command(mysqld, args...), log, nil, syscall.SIGTERM)
	srv.engine, srv.port = "mysql", port

	// Over the socket root needs no password; over TCP (as dbverify connects) grant it too.
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", sock
	var adm *sql.DB
	waitFor(t, "MariaDB in "+dir, func() (bool, error) {
		db, err := openPing("mysql", cfg.FormatDSN())
		if err != nil {
			return false, nil
		}
		adm = db
		return true, nil
	}, func() string { return tail(log) })
	defer adm.Close()
	mustExec(t, dir, adm, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'", "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
	srv.URL = fmt.Sprintf("mysql://root@127.0.0.1:%d/", port)
	return srv
}

// PostgresLogical starts a throwaway PostgreSQL cluster with wal_level=logical and makes two
// fresh databases on it: Source publishes every table and Target subscribes to it (logical
// replication within one cluster, so the slot is made beforehand). PostgreSQL replicates no
// DDL: ddl runs on both first, and the subscription copies the rows already there. Pause and
// Resume disable and enable the subscription.
func PostgresLogical(t testing.TB, ddl ...string) *Replication {
	t.Helper()
	srv := startPostgres(t, "logical replication", "-c", "wal_level=logical", "-c", "wal_receiver_status_interval=1s",
		// A re-enabled subscription's worker starts within this, not the default 5s.
		"-c", "wal_retrieve_retry_interval=100ms")
	src, tgt := srv.New(t), srv.New(t)
	src.Exec(t, ddl...)
	tgt.Exec(t, ddl...)
	slot := "dbv_" + strings.TrimPrefix(tgt.Name, "dbv_")
	slot = slot[:min(len(slot), 63)]
	src.Exec(t, "CREATE PUBLICATION dbv_pub FOR ALL TABLES",
		fmt.Sprintf("SELECT pg_create_logical_replication_slot('%s', 'pgoutput')", slot))
	tgt.Exec(t, fmt.Sprintf("CREATE SUBSCRIPTION dbv_sub CONNECTION 'host=127.0.0.1 port=%d user=postgres dbname=%s' PUBLICATION dbv_pub WITH (create_slot = false, slot_name = '%s')",
		srv.port, src.Name, slot))
	return &Replication{Source: src, Target: tgt,
		Pause:  func() error { _, err := tgt.SQL.Exec("ALTER SUBSCRIPTION dbv_sub DISABLE"); return err },
		Resume: func() error { _, err := tgt.SQL.Exec("ALTER SUBSCRIPTION dbv_sub ENABLE"); return err },
	}
}

// pgBinDir is the directory of the newest Debian PostgreSQL's server binaries, else the one of
// initdb on PATH.
func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	p, err := exec.LookPath("initdb")
	if err != nil {
		return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on PATH")
	}
	return filepath.Dir(p), nil
}

// lookBin finds the first of names on PATH or in /usr/sbin and /usr/local/sbin (often not on a
// user's PATH).
func lookBin(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, d := range []string{"/usr/sbin", "/usr/local/sbin"} {
			if p := filepath.Join(d, n); isExec(p) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("none of %s found", strings.Join(names, ", "))
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// tempDir makes a directory others can enter (a server may run as another user), removed
// when the test ends, after the servers in it have stopped (cleanups run last-in first-out).
func tempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// freePort is a TCP port of 127.0.0.1 that nothing listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it holds, failing the test after startTimeout with what cond last
// said and what detail tells (a log's tail).
func waitFor(t testing.TB, what string, cond func() (bool, error), detail func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("testdb: waited %s for %s (%v)\n%s", startTimeout, what, last, detail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// tail is the end of a log file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

func openAdmin(t testing.TB, server string) *sql.DB {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", u.Host
	db, err := openPing("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("testdb: %s: %v", u.Host, err)
	}
	db.SetMaxOpenConns(1) // SQL thread stops and starts in order
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t testing.TB, where string, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("testdb: %s: %s: %v", where, s, err)
		}
	}
}

// replicaStatus is the replica's state in a line, for failures.
func replicaStatus(db *sql.DB) string {
	rows, err := db.Query("SHOW SLAVE STATUS")
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var b strings.Builder
	for rows.Next() {
		rows.Scan(ptrs...)
		for i, c := range cols {
			switch c {
			case "Slave_IO_Running", "Slave_SQL_Running", "Last_IO_Error", "Last_SQL_Error", "Seconds_Behind_Master":
				fmt.Fprintf(&b, "%s=%s ", c, vals[i].String)
			}
		}
	}
	return b.String()
}
