package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestSignals: SIGINT and SIGTERM stop a run that is waiting for a server, at once, with one
// line saying why and the exit codes shells give a command a signal ended: 130 and 143, not
// the failure code 3.
func TestSignals(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dbverify")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := testdb.StartMariaDB(t)
	db := srv.New(t)
	db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	srv.Freeze(t) // every query waits: the run is busy when the signal comes
	defer srv.Thaw()
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		says string
	}{
		{syscall.SIGINT, 130, "interrupted (SIGINT); stopped"},
		{syscall.SIGTERM, 143, "terminated (SIGTERM); stopped"},
	} {
		cmd := exec.Command(bin, "compare", "--source", db.DSN, "--target", db.DSN)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		sent := time.Now()
		cmd.Process.Signal(c.sig)
		err := cmd.Wait()
		took := time.Since(sent)
		code := cmd.ProcessState.ExitCode()
		if code != c.code || !strings.Contains(stderr.String(), c.says) || took > 5*time.Second {
			t.Errorf("%v: exit %d after %s (%v), stderr %q; want %d at once, saying %q", c.sig, code, took, err, stderr.String(), c.code, c.says)
		}
	}
}
