package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestRepairFileKept: --repair FILE replaces FILE only once the new script is written whole. A
// compare that fails, or that is interrupted, leaves a script already there (one someone may
// have reviewed) byte for byte, and no temporary file beside it; a run that finishes replaces
// it, keeping its mode.
func TestRepairFileKept(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	src.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 2)",
		"CREATE TABLE only_src (id INT PRIMARY KEY)")
	tgt.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 3)")
	dir := t.TempDir()
	file := filepath.Join(dir, "fix.sql")
	const reviewed = "-- reviewed by the DBA on Monday\nUPDATE t SET v = 2 WHERE id = 2;\n"
	if err := os.WriteFile(file, []byte(reviewed), 0o640); err != nil {
		t.Fatal(err)
	}
	kept := func(what string) {
		t.Helper()
		if b, err := os.ReadFile(file); err != nil || string(b) != reviewed {
			t.Errorf("%s: the reviewed script was changed: %q, %v", what, b, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: files left beside it: %v", what, ents)
		}
	}

	// A failure part way: the second table is missing on the target.
	code, _, errw := runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--tables", "t,only_src", "--repair", file)
	if code != ExitFailure {
		t.Errorf("failed run: exit %d, want %d: %s", code, ExitFailure, errw)
	}
	kept("failed run")

	// Interrupted (SIGINT) while it waits for a table another session has locked.
	lock, err := tgt.SQL.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(t.Context(), "LOCK TABLES t WRITE"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(t.Context())
	timer := time.AfterFunc(time.Second, func() { cancel(Interrupted{Signal: syscall.SIGINT}) })
	var out, errb bytes.Buffer
	code = Main(ctx, []string{"dbverify", "compare", "--source", src.DSN, "--target", tgt.DSN, "--tables", "t", "--repair", file}, &out, &errb)
	timer.Stop()
	lock.ExecContext(context.Background(), "UNLOCK TABLES")
	lock.Close()
	if code != 130 {
		t.Errorf("interrupted run: exit %d, want 130: %s", code, errb.String())
	}
	kept("interrupted run")

	// A run that finishes replaces it, with the mode it had.
	code, _, errw = runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--tables", "t", "--repair", file)
	b, _ := os.ReadFile(file)
	if code != ExitDiffer || !strings.Contains(string(b), "UPDATE ") || strings.Contains(string(b), "reviewed") {
		t.Fatalf("finished run: exit %d, %s\n%s", code, errw, b)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode after the run: %v, %v; want 0640", st.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left beside it: %v", ents)
	}
}
