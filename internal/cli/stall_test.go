package cli_test

import (
	"database/sql"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// The tests here stop a server from answering (issue 13): a listener that accepts connections
// and never speaks, a throwaway server frozen with SIGSTOP as soon as it listens, and one frozen
// in the middle of a compare. Each run must end within its bounds with exit 3 and one line
// naming the side and what it waited for.

// silentListener accepts connections on 127.0.0.1 and never sends a byte; it returns its
// address. It closes when the test ends.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// timedRun runs the CLI and fails the test unless it exits 3 within limit, with one error line
// holding every one of want; it returns stderr.
func timedRun(t *testing.T, limit time.Duration, want []string, args ...string) string {
	t.Helper()
	code, out, errw, took := runTook(t, args...)
	if code != 3 || took > limit {
		t.Errorf("exit %d after %s, want 3 within %s\n%s%s", code, took.Round(time.Millisecond), limit, out, errw)
	}
	lines := strings.Split(strings.TrimSpace(errw), "\n")
	last := lines[len(lines)-1]
	for _, w := range want {
		if !strings.Contains(last, w) {
			t.Errorf("error line lacks %q: %q", w, last)
		}
	}
	if strings.Contains(out, "IDENTICAL") {
		t.Errorf("reported IDENTICAL: %s", out)
	}
	return errw
}

// TestLoginStall: connecting to a server that accepts the connection and never answers ends
// at the login bound: the DSN's own, or 10s by default.
func TestLoginStall(t *testing.T) {
	t.Parallel()
	addr := silentListener(t)
	pg := testdb.Postgres(t)
	t.Run("mysql default bound", func(t *testing.T) {
		t.Parallel()
		timedRun(t, 20*time.Second, []string{"source", addr, "no answer to the login within 10s"},
			"compare", "-s", "mysql://root:secretpw@"+addr+"/db", "-t", pg.DSN)
	})
	t.Run("mysql DSN timeout", func(t *testing.T) {
		t.Parallel()
		errw := timedRun(t, 8*time.Second, []string{"target", addr, "no answer to the login within 1s"},
			"compare", "-s", pg.DSN, "-t", "mysql://root:secretpw@"+addr+"/db?timeout=1s")
		if strings.Contains(errw, "secretpw") {
			t.Errorf("the password leaked: %s", errw)
		}
	})
	t.Run("postgres connect_timeout", func(t *testing.T) {
		t.Parallel()
		timedRun(t, 8*time.Second, []string{"source", addr, "no answer to the login within 1s"},
			"compare", "-s", "postgres://postgres@"+addr+"/db?sslmode=disable&connect_timeout=1", "-t", pg.DSN)
	})
	t.Run("overall timeout", func(t *testing.T) {
		t.Parallel()
		timedRun(t, 8*time.Second, []string{"source", addr, "--timeout 1s passed"},
			"compare", "-s", "mysql://root@"+addr+"/db", "-t", pg.DSN, "--timeout", "1s")
	})
	for _, start := range []func(testing.TB) *testdb.Server{testdb.StartMariaDB, testdb.StartPostgres} {
		srv := start(t)
		db := srv.New(t)
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
		dsn := withOption(db.DSN, "timeout=2s")
		if strings.HasPrefix(dsn, "postgres") {
			dsn = withOption(db.DSN, "connect_timeout=2")
		}
		srv.Freeze(t)
		timedRun(t, 10*time.Second, []string{"source", "no answer to the login within 2s"}, "compare", "-s", dsn, "-t", pg.DSN)
		srv.Thaw()
	}
}

// stallTable fills table t of db with n rows.
func stallTable(t *testing.T, db *testdb.DB, n int) {
	t.Helper()
	if strings.HasPrefix(db.DSN, "postgres") {
		db.Exec(t, "CREATE TABLE t (id int PRIMARY KEY, v text)",
			fmt.Sprintf("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, %d) g", n), "ANALYZE t")
		return
	}
	db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))",
		fmt.Sprintf("INSERT INTO t SELECT seq, MD5(seq) FROM seq_1_to_%d", n), "ANALYZE TABLE t")
}

// freezeWhenHashing freezes srv as soon as its database db runs one of dbverify's chunk
// digests, while the compare runs in the background; it returns the compare's results.
func freezeWhenHashing(t *testing.T, srv *testdb.Server, db *testdb.DB, args ...string) (code int, out, errw string, took time.Duration) {
	t.Helper()
	// The digest of a chunk of table t (the pushdown probes that open a pool use BIT_XOR too).
	q := "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE CONCAT('%BIT\\_XOR%FROM `', DATABASE(), '`.`t`%') AND INFO NOT LIKE '%PROCESSLIST%'"
	if strings.HasPrefix(db.DSN, "postgres") {
		q = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbverify' AND state = 'active' AND query LIKE '%bit\\_xor%'"
	}
	type result struct {
		code      int
		out, errw string
		took      time.Duration
	}
	// A query of an earlier run that the frozen server held may still be running: wait it out.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := db.SQL.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queries of an earlier run still running on the server")
		}
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		code, out, errw := run(t, args...)
		done <- result{code, out, errw, time.Since(start)}
	}()
	for frozen := false; ; {
		select {
		case r := <-done:
			if !frozen {
				t.Fatalf("the compare ended (exit %d) before its server was frozen\n%s%s", r.code, r.out, r.errw)
			}
			return r.code, r.out, r.errw, r.took
		case <-time.After(5 * time.Millisecond):
		}
		if frozen {
			continue
		}
		var n int
		if err := db.SQL.QueryRow(q).Scan(&n); err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if n > 0 {
			srv.Freeze(t)
			frozen = true
			start = time.Now() // the bounds count from here
		}
	}
}

// TestMidRunStall: a source server frozen in the middle of a compare stops the run within the
// chunk limit and a ping's bound, with one line naming the side, the table and the query it
// waited for; a wait past half the query timeout is told on stderr first. Then the same with a
// query timeout longer than the run's --timeout, which ends it.
func TestMidRunStall(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"mysql", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			start, shared := testdb.StartMariaDB, testdb.MySQL
			if engine == "postgres" {
				start, shared = testdb.StartPostgres, testdb.Postgres
			}
			srv := start(t)
			src, tgt := srv.New(t), shared(t)
			stallTable(t, src, 500_000)
			stallTable(t, tgt, 500_000)
			code, out, errw, took := freezeWhenHashing(t, srv, src, "compare", "-s", src.DSN, "-t", tgt.DSN,
				"--mode", "pushdown", "--chunk-rows", "1000", "--workers", "1", "--chunk-limit", "2s", "--query-timeout", "4s")
			last := errw[strings.LastIndex(strings.TrimSpace(errw), "\n")+1:]
			if code != 3 || took > 15*time.Second {
				t.Errorf("exit %d after %s, want 3 within 15s\n%s%s", code, took.Round(time.Millisecond), out, errw)
			}
			for _, w := range []string{"dbverify: source (", "table t: no answer for 2s to the chunk digest query (id ", ", nor for 4s to a ping; stopped"} {
				if !strings.Contains(last, w) {
					t.Errorf("error line lacks %q:\n%s", w, errw)
				}
			}
			if !strings.Contains(errw, "no answer yet after 2s to a ping") {
				t.Errorf("no word of the wait before the end:\n%s", errw)
			}
			srv.Thaw()

			code, out, errw, took = freezeWhenHashing(t, srv, src, "compare", "-s", src.DSN, "-t", tgt.DSN,
				"--mode", "pushdown", "--chunk-rows", "1000", "--workers", "1", "--chunk-limit", "1m", "--query-timeout", "2m", "--timeout", "3s")
			if code != 3 || took > 10*time.Second {
				t.Errorf("--timeout: exit %d after %s, want 3 within 10s\n%s%s", code, took.Round(time.Millisecond), out, errw)
			}
			if !strings.Contains(errw, "dbverify: source (") || !strings.Contains(errw, "--timeout 3s passed while waiting") ||
				!strings.Contains(errw, "for the chunk digest query (id ") {
				t.Errorf("--timeout: %s, want one line naming the source and the query it waited for", errw)
			}
		})
	}
}
