package cli

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestReadFlagsShared: compare, watch, recheck and repair take --retries, --query-timeout and
// --timeout, the first two defined once (the same usage everywhere); a saved report's commands
// give them to the library: --retries 0 is no retry and --query-timeout its bound, and on
// MariaDB a recheck and a repair waiting on a locked table stop at --query-timeout and at
// --timeout (exit 3, saying which).
func TestReadFlagsShared(t *testing.T) {
	usages := map[string]string{}
	for _, cmd := range []*cli.Command{compareCommand(), watchCommand(), recheckCommand(), repairCommand()} {
		names := map[string]cli.Flag{}
		for _, fl := range cmd.Flags {
			names[fl.Names()[0]] = fl
		}
		for _, n := range []string{"retries", "query-timeout", "timeout"} {
			fl, ok := names[n]
			if !ok {
				t.Errorf("%s takes no --%s", cmd.Name, n)
				continue
			}
			u := fl.(cli.DocGenerationFlag).GetUsage()
			if n == "timeout" {
				continue // says what stops
			}
			if usages[n] == "" {
				usages[n] = u
			} else if u != usages[n] {
				t.Errorf("%s --%s: %q, compare's %q", cmd.Name, n, u, usages[n])
			}
		}
	}

	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)")
	}
	src.Exec(t, "INSERT INTO t VALUES (1, 1), (2, 2)")
	tgt.Exec(t, "INSERT INTO t VALUES (1, 10)")
	report, _ := savedReport(t, src, tgt)

	parse := func(args ...string) *reportFlags {
		t.Helper()
		f := &reportFlags{}
		app := &cli.App{Name: "dbverify", Flags: f.flags(), Action: func(*cli.Context) error { return nil }, Writer: io.Discard, ErrWriter: io.Discard}
		if err := app.Run(append([]string{"dbverify", "--report", report, "--source", src.DSN, "--target", tgt.DSN}, args...)); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, c := range []struct {
		args         []string
		retries      int
		queryTimeout time.Duration
	}{
		{nil, 8, 0},
		{[]string{"--retries", "0", "--query-timeout", "3s"}, -1, 3 * time.Second},
		{[]string{"--retries", "2"}, 2, 0},
	} {
		rep, s, d, opt, err := parse(c.args...).open(t.Context(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		rep.Close()
		s.Close()
		d.Close()
		if opt.Retries != c.retries || opt.QueryTimeout != c.queryTimeout {
			t.Errorf("%q: Retries %d, QueryTimeout %s; want %d, %s", c.args, opt.Retries, opt.QueryTimeout, c.retries, c.queryTimeout)
		}
	}
	if f := parse("--timeout", "2s"); f.reads.timeout != 2*time.Second {
		t.Errorf("--timeout 2s: %s", f.reads.timeout)
	}
	if code, _, errw := runMain(t, "recheck", "--report", report, "--source", src.DSN, "--target", tgt.DSN, "--retries", "-1"); code != ExitUsage || !strings.Contains(errw, "--retries must not be negative") {
		t.Errorf("--retries -1: exit %d\n%s", code, errw)
	}

	// A session holding a table locked makes every read of it wait: the target's for recheck,
	// the source's for repair (which reads the source's values again).
	for _, db := range []*testdb.DB{src, tgt} {
		conn, err := db.SQL.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			conn.ExecContext(t.Context(), "UNLOCK TABLES") // before the connection goes back to the pool
			conn.Close()
		}()
		if _, err := conn.ExecContext(t.Context(), "LOCK TABLES t WRITE"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"recheck", "--query-timeout", "1s"}, "no answer for 1s"},
		{[]string{"recheck", "--timeout", "1s"}, "--timeout 1s passed"},
		{[]string{"repair", "--out", filepath.Join(t.TempDir(), "fix.sql"), "--query-timeout", "1s"}, "no answer for 1s"},
		{[]string{"repair", "--out", filepath.Join(t.TempDir(), "fix.sql"), "--timeout", "1s"}, "--timeout 1s passed"},
	} {
		start := time.Now()
		code, out, errw := runMain(t, append(c.args, "--report", report, "--source", src.DSN, "--target", tgt.DSN)...)
		if took := time.Since(start); code != ExitFailure || !strings.Contains(errw, c.want) || took > 10*time.Second {
			t.Errorf("%q: exit %d after %s, want 3 with %q\n%s\n%s", c.args, code, took.Round(time.Millisecond), c.want, out, errw)
		}
	}
}
