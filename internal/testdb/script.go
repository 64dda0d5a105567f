package testdb

import (
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RunScript runs a SQL file on the database with the engine's command-line client, the way a
// person runs a script dbverify wrote: mysql < FILE, or psql -v ON_ERROR_STOP=1 -f FILE (which,
// unlike one multi-statement Exec, sends each statement on its own). Without the client the
// test skips, or fails under CI.
func (d *DB) RunScript(t testing.TB, file string) {
	t.Helper()
	u, err := url.Parse(d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if u.Scheme == "mysql" {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd = exec.Command("mysql", "--no-defaults", "-h", u.Hostname(), "-P", u.Port(), "-u", u.User.Username(), d.Name)
		if p, ok := u.User.Password(); ok {
			cmd.Env = append(os.Environ(), "MYSQL_PWD="+p)
		}
		cmd.Stdin = f
	} else {
		cmd = exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file, d.DSN)
	}
	if _, err := exec.LookPath(cmd.Args[0]); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("testdb: no %s client to run %s with: %v", cmd.Args[0], file, err)
		}
		t.Skipf("testdb: no %s client: %v", cmd.Args[0], err)
	}
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "WARNING") {
		sql, _ := os.ReadFile(file)
		t.Fatalf("testdb: %s %s: %v\n%s\nthe script:\n%s", cmd.Args[0], file, err, out, sql)
	}
}
