package cli_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// gatePair is two copies of a small table on MariaDB.
func gatePair(t *testing.T) (src, tgt *testdb.DB) {
	src, tgt = testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
	}
	return src, tgt
}

// later runs a statement on db after d, as replication would; the returned func waits for it.
func later(t *testing.T, db *testdb.DB, d time.Duration, stmt string) func() {
	done := make(chan error, 1)
	go func() {
		time.Sleep(d)
		_, err := db.SQL.Exec(stmt)
		done <- err
	}()
	return func() {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestCompareUntilClean: the gate waits for a row in flight and passes; drift written to the
// target alone fails it once the settle time has passed; a target that does not catch up in
// --timeout fails it with the reason.
func TestCompareUntilClean(t *testing.T) {
	fast := []string{"--until-clean", "--interval", "200ms", "--settle", "2s"}
	t.Run("in flight", func(t *testing.T) {
		src, tgt := gatePair(t)
		src.Exec(t, "UPDATE t SET v = 'B' WHERE id = 2")
		defer later(t, tgt, time.Second, "UPDATE t SET v = 'B' WHERE id = 2")()
		code, out, errw := run(t, append([]string{"compare", "-s", src.DSN, "-t", tgt.DSN}, fast...)...)
		if code != 0 || !strings.Contains(out, "IDENTICAL") || !strings.Contains(out, "CLEAN after 2 full passes; 1 row was in flight and converged, 0 rows confirmed drift") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errw)
		}
		if !strings.Contains(errw, `resolved   t changed 2  v: "B" -> "b"`) || !strings.Contains(errw, "clean: pass 2 found no difference") {
			t.Errorf("events on stderr:\n%s", errw)
		}
	})
	t.Run("drift", func(t *testing.T) {
		src, tgt := gatePair(t)
		tgt.Exec(t, "UPDATE t SET v = 'x' WHERE id = 3")
		start := time.Now()
		code, out, errw := run(t, append([]string{"compare", "-s", src.DSN, "-t", tgt.DSN}, fast...)...)
		if code != 1 || !strings.Contains(out, `drift      t changed 3  v: "c" -> "x"`) || !strings.Contains(out, "NOT CLEAN after 1 full pass") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errw)
		}
		if el := time.Since(start); el < 2*time.Second {
			t.Errorf("drift confirmed after %s, before --settle 2s", el)
		}
		if !strings.Contains(errw, `DRIFT      t changed 3  v: "c" -> "x"`) {
			t.Errorf("events on stderr:\n%s", errw)
		}
		// Two databases with no replication between them: the time rule decides, and says so.
		if !strings.Contains(errw, "dbverify: replication positions not read: verdicts by the time rule: the ") ||
			!strings.Contains(errw, "; by time rule (no replication position)") || !strings.Contains(out, `"x"  [time rule]`) {
			t.Errorf("the fallback to the time rule is not said:\n%s\n%s", out, errw)
		}
		code, out, _ = run(t, append([]string{"compare", "-s", src.DSN, "-t", tgt.DSN, "-o", "json"}, fast...)...)
		var rep struct {
			Clean    bool
			Passes   int
			Drift    []struct{ Table, State string }
			LastPass struct{ Tables []struct{ Changed int } } `json:"last_pass"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
			t.Fatalf("exit %d, %v:\n%s", code, err, out)
		}
		if rep.Clean || rep.Passes != 1 || len(rep.Drift) != 1 || rep.Drift[0].Table != "t" || rep.Drift[0].State != "drift" || rep.LastPass.Tables[0].Changed != 1 {
			t.Errorf("json report %+v", rep)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		src, tgt := gatePair(t)
		src.Exec(t, "DELETE FROM t WHERE id = 1")
		code, out, errw := run(t, "compare", "-s", src.DSN, "-t", tgt.DSN, "--until-clean", "--interval", "200ms", "--settle", "1m", "--timeout", "2s")
		if code != 1 || !strings.Contains(errw, "dbverify: not clean: --timeout 2s passed") || !strings.Contains(out, "NOT CLEAN") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errw)
		}
	})
}

// TestWatchCommand: watch prints one JSON object per event and stops at --timeout, exiting 0
// when its last pass was clean and 1 when drift stands.
func TestWatchCommand(t *testing.T) {
	src, tgt := gatePair(t)
	args := []string{"watch", "-s", src.DSN, "-t", tgt.DSN, "--interval", "200ms", "--settle", "1s", "--every", "300ms", "--timeout", "2s"}
	code, out, errw := run(t, append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct{ Event string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		kinds[ev.Event]++
	}
	if kinds["pass"] < 2 || kinds["clean"] != kinds["pass"] {
		t.Errorf("events %v: want several passes, each clean", kinds)
	}
	tgt.Exec(t, "DELETE FROM t WHERE id = 2")
	code, out, errw = run(t, args...)
	if code != 1 || !strings.Contains(out, "DRIFT      t missing 2") || !strings.Contains(out, "stopped (--timeout 2s passed)") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
}

// TestWatchBadFlags: watch settings that cannot work are usage errors.
func TestWatchBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"compare", "-s", "mysql://root@127.0.0.1:1/x", "-t", "mysql://root@127.0.0.1:1/y", "--until-clean", "--interval", "0s"},
		{"compare", "-s", "mysql://root@127.0.0.1:1/x", "-t", "mysql://root@127.0.0.1:1/y", "--until-clean", "--settle", "1s", "--interval", "5s"},
		{"watch", "-s", "mysql://root@127.0.0.1:1/x", "-t", "mysql://root@127.0.0.1:1/y", "--pending-limit", "10s"},
		{"watch", "-t", "mysql://root@127.0.0.1:1/y"},
		{"watch", "-s", "mysql://root@127.0.0.1:1/x", "-t", "mysql://root@127.0.0.1:1/y", "--timeout", "-1s"},
	} {
		code, _, errw := run(t, args...)
		if code != 2 || strings.Count(errw, "\n") != 2 {
			t.Errorf("%q: exit %d, want 2 with a one-line error:\n%s", args, code, errw)
		}
	}
}

// TestWatchMetrics: watch --metrics-addr serves the passes, the differing rows by table and the
// verdicts while it runs; a taken address is a usage error.
func TestWatchMetrics(t *testing.T) {
	src, tgt := gatePair(t)
	tgt.Exec(t, "DELETE FROM t WHERE id = 2")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	scraped := make(chan string, 1)
	go func() {
		var body string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if body = string(b); strings.Contains(body, `dbverify_watch_rows_total{verdict="drift"} 1`) {
				break
			}
		}
		scraped <- body
	}()
	code, out, errw := run(t, "watch", "-s", src.DSN, "-t", tgt.DSN, "--interval", "200ms", "--settle", "1s", "--every", "300ms",
		"--timeout", "3s", "--metrics-addr", addr)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
	body := <-scraped
	for _, want := range []string{
		`dbverify_watch_rows_total{verdict="drift"} 1`,
		`dbverify_watch_differing_rows{table="t"} 1`,
		"dbverify_watch_last_pass_clean 0",
		"dbverify_watch_passes_total ",
		"dbverify_replication_lag_seconds NaN",
		// Two databases of one server, no replication between them: the time rule decides.
		`dbverify_watch_verdicts_total{rule="time",verdict="drift"} 1`,
		"dbverify_watch_position_rule 0",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	code, _, errw = run(t, "watch", "-s", src.DSN, "-t", tgt.DSN, "--metrics-addr", busy.Addr().String())
	if code != 2 || !strings.Contains(errw, "--metrics-addr "+busy.Addr().String()) {
		t.Errorf("taken address: exit %d\n%s", code, errw)
	}
}
