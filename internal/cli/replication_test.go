package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// The tests here run `compare --until-clean` against real replication on throwaway servers
// (testdb.MySQLReplication, testdb.PostgresLogical) with a concurrent writer on the source:
// changes still in flight must resolve, rows the writer keeps changing stay pending, and only a
// row changed on the target behind replication's back is reported as drift.

// replicationScenario seeds 50 rows on the source and waits until the target has them. Then
// (after pausing replication, with pause) it changes six rows on the source, which replication
// has yet to apply, and one row (id 50) on the target only: drift. It starts a writer that keeps
// updating rows 21-25 on the source; stop ends it and reports its error.
func replicationScenario(t *testing.T, r *testdb.Replication, pause bool) (stop func() error) {
	t.Helper()
	var vals []string
	for i := 1; i <= 50; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'v%d')", i, i))
	}
	r.Source.Exec(t, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
	waitRows(t, r.Target, 50)
	if pause {
		if err := r.Pause(); err != nil {
			t.Fatal(err)
		}
	}
	r.Target.Exec(t, "UPDATE t SET v = 'behind replication' WHERE id = 50")
	r.Source.Exec(t, "UPDATE t SET v = 'new' WHERE id IN (1, 2, 3)", "INSERT INTO t VALUES (51, 'v51'), (52, 'v52')", "DELETE FROM t WHERE id = 10")
	done, errc := make(chan struct{}), make(chan error, 1)
	go func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				errc <- nil
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := r.Source.SQL.Exec(fmt.Sprintf("UPDATE t SET v = 'w%d' WHERE id = %d", n, 21+n%5)); err != nil {
				errc <- fmt.Errorf("writer: %w", err)
				return
			}
		}
	}()
	return func() error { close(done); return <-errc }
}

// waitRows waits up to 30s until db's table t holds n rows.
func waitRows(t *testing.T, db *testdb.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got int
		err := db.SQL.QueryRow("SELECT COUNT(*) FROM t").Scan(&got)
		if err == nil && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("target %s: %d rows after 30s, want %d (%v)", db.Name, got, n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkGate runs the gate and checks that it found exactly id 50 as drift, never one of the
// rows the writer keeps changing, and that the six rows in flight resolved.
func checkGate(t *testing.T, r *testdb.Replication, settle string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "drift.sql")
	code, out, errw := runMain(t, "compare", "--source", r.Source.DSN, "--target", r.Target.DSN, "--until-clean",
		"--settle", settle, "--interval", "100ms", "--timeout", "60s", "--output", "json", "--repair", file)
	var rep struct {
		Clean    bool `json:"clean"`
		Resolved int  `json:"resolved_in_flight"`
		Drift    []struct {
			Table     string          `json:"table"`
			Rule      string          `json:"rule"`
			Positions json.RawMessage `json:"positions"`
			Row       struct {
				Kind string `json:"kind"`
				Key  map[string]struct {
					Text string `json:"text"`
				} `json:"key"` // by key column name, as the report lists rows
			} `json:"row"`
		} `json:"drift"`
		Unsettled []any `json:"unsettled"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errw)
	}
	var drift []string
	positions := schemas(t)("watch-event.schema.json#/$defs/positions")
	for _, d := range rep.Drift {
		drift = append(drift, fmt.Sprint(d.Table, " ", d.Row.Kind, " ", d.Row.Key["id"].Text))
		if d.Rule == "position" {
			valid(t, positions, "a drift row's positions", d.Positions)
		}
	}
	if code != ExitDiffer || rep.Clean || !slices.Equal(drift, []string{"t changed 50"}) || rep.Resolved < 6 || len(rep.Unsettled) != 0 || rep.Drift[0].Rule != "position" {
		t.Fatalf("exit %d, drift %q, resolved %d, unsettled %d; want exit 1, only id 50 drift by position, at least 6 resolved\n%s\n%s",
			code, drift, rep.Resolved, len(rep.Unsettled), out, errw)
	}
	// The repair SQL fixes the drift and nothing else: the other rows converged by themselves.
	sql, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for _, line := range strings.Split(string(sql), "\n") {
		if strings.HasPrefix(line, "UPDATE ") || strings.HasPrefix(line, "INSERT ") || strings.HasPrefix(line, "DELETE ") {
			stmts = append(stmts, line)
		}
	}
	if len(stmts) != 1 || !regexp.MustCompile(`^UPDATE \S+ SET [`+"`"+`"]v[`+"`"+`"] = 'v50' WHERE [`+"`"+`"]id[`+"`"+`"] = 50;$`).MatchString(stmts[0]) ||
		!strings.Contains(errw, "repair SQL: 1 statement written to "+file) {
		t.Errorf("repair SQL for the drift: %q\n%s", stmts, errw)
	}
	// The verdicts name the lag they were reached at.
	if !regexp.MustCompile(`DRIFT      t changed 50  v: "v50" -> "behind replication" \(differing since \S+, replication lag \d`).MatchString(errw) ||
		!regexp.MustCompile(`resolved   t missing 51 \(was in flight \S+, replication lag \d`).MatchString(errw) {
		t.Errorf("verdicts without the lag:\n%s", errw)
	}
	// Both sides tell replication positions: the drift was told by position, at once.
	if !regexp.MustCompile(`DRIFT      t changed 50 .*; by position: source [^,]+, target applied .+, reached\)\n`).MatchString(errw) {
		t.Errorf("drift not told by position:\n%s", errw)
	}
}

// TestGateMariaDBReplica: a MariaDB replica applies each change 2s after its commit
// (MASTER_DELAY). The settle time is 500ms, shorter than that: only the lag the replica
// reports (SHOW SLAVE STATUS) keeps the six changes in flight from being called drift.
func TestGateMariaDBReplica(t *testing.T) {
	r := testdb.MySQLReplication(t, 2*time.Second)
	r.Source.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40))")
	stop := replicationScenario(t, r, false)

	// The replica knows it is behind.
	tgt, err := verify.Open(t.Context(), verify.Target, r.Target.DSN, verify.OpenOptions{Conns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	time.Sleep(1100 * time.Millisecond)
	lag, ok, err := tgt.DB.(dialect.Lagger).ReplicaLag(t.Context())
	if err != nil || !ok || lag < time.Second {
		t.Fatalf("replica lag %s (known %t, %v) 1.1s into a 2s delay", lag, ok, err)
	}
	checkGate(t, r, "500ms")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestGatePostgresLogical: a PostgreSQL subscription is paused while the source changes and
// resumed 1s into the gate; the settle time (5s) outlasts the pause, so the changes resolve
// and the row changed on the subscriber alone is drift. While the subscription streams, the
// publisher reports its lag (pg_stat_replication).
func TestGatePostgresLogical(t *testing.T) {
	r := testdb.PostgresLogical(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40))")
	stop := replicationScenario(t, r, true)
	resumed := make(chan error, 1)
	time.AfterFunc(time.Second, func() { resumed <- r.Resume() })
	checkGate(t, r, "5s")
	if err := errors.Join(<-resumed, stop()); err != nil {
		t.Fatal(err)
	}
	src, err := verify.Open(t.Context(), verify.Source, r.Source.DSN, verify.OpenOptions{Conns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, ok, err := src.DB.(dialect.Lagger).ReplicaLag(t.Context()); err != nil || !ok {
		t.Fatalf("publisher's lag unknown (%v) while its subscription streams", err)
	}
}
