package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// mysqlUser creates a MariaDB user with password that may read db and returns db's DSN for that
// user, without the password.
func mysqlUser(t *testing.T, db *testdb.DB, user, pass string) string {
	t.Helper()
	for _, host := range []string{"%", "localhost", "127.0.0.1"} {
		db.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%s' IDENTIFIED BY '%s'", user, host, pass),
			fmt.Sprintf("GRANT SELECT, SHOW VIEW ON `%s`.* TO '%s'@'%s'", db.Name, user, host))
		t.Cleanup(func() { db.SQL.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%s'", user, host)) })
	}
	u, err := url.Parse(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	return u.String()
}

// passwordPair is a source and a target holding the same table, each readable only by a user
// with a password.
func passwordPair(t *testing.T, pass string) (src, tgt string) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("MYSQL_PWD", "")
	t.Setenv("MYSQL_HOME", "")
	s, d := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{s, d} {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	}
	n := os.Getpid() % 100000
	return mysqlUser(t, s, fmt.Sprintf("dbv_cs_%d", n), pass), mysqlUser(t, d, fmt.Sprintf("dbv_ct_%d", n), pass)
}

// TestPasswordFileFlags: --source-password-file and --target-password-file log both sides in;
// a file others may read is used with a warning; a wrong password fails without showing it; a
// missing file is bad usage.
func TestPasswordFileFlags(t *testing.T) {
	const pass = "f1le-Passw0rd"
	src, tgt := passwordPair(t, pass)
	dir := t.TempDir()
	good, open, wrong := filepath.Join(dir, "good"), filepath.Join(dir, "open"), filepath.Join(dir, "wrong")
	os.WriteFile(good, []byte(pass+"\n"), 0o600)
	os.WriteFile(open, []byte(pass+"\n"), 0o644)
	os.Chmod(open, 0o644)
	os.WriteFile(wrong, []byte("not-"+pass+"\n"), 0o600)

	code, out, errw := runMain(t, "compare", "--source", src, "--target", tgt, "--source-password-file", good, "--target-password-file", good, "--progress=false")
	if code != ExitIdentical || errw != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errw)
	}
	code, _, errw = runMain(t, "compare", "--source", src, "--target", tgt, "--source-password-file", good, "--target-password-file", open)
	if code != ExitIdentical || !strings.Contains(errw, "warning: password file "+open+" may be read by other users") {
		t.Errorf("a file others may read: exit %d, stderr %q", code, errw)
	}
	code, out, errw = runMain(t, "compare", "--source", src, "--target", tgt, "--source-password-file", good, "--target-password-file", wrong)
	if code != ExitFailure || !strings.Contains(errw, "access denied") || strings.Contains(out+errw, pass) {
		t.Errorf("a wrong password: exit %d\n%s%s", code, out, errw)
	}
	code, _, errw = runMain(t, "compare", "--source", src, "--target", tgt, "--source-password-file", filepath.Join(dir, "nosuch"))
	if code != ExitUsage || !strings.Contains(errw, "--source-password-file") {
		t.Errorf("a missing file: exit %d, stderr %q", code, errw)
	}
	// MYSQL_PWD comes after the file.
	t.Setenv("MYSQL_PWD", "wrong")
	if code, out, errw := runMain(t, "compare", "--source", src, "--target", tgt, "--source-password-file", good, "--target-password-file", good); code != ExitIdentical {
		t.Errorf("MYSQL_PWD won over the file: exit %d\n%s%s", code, out, errw)
	}
	t.Setenv("MYSQL_PWD", pass)
	if code, out, errw := runMain(t, "compare", "--source", src, "--target", tgt); code != ExitIdentical {
		t.Errorf("MYSQL_PWD: exit %d\n%s%s", code, out, errw)
	}
}

// TestAskPass: --ask-pass refuses to run without a terminal on standard input, and asks for
// each side's password, one after the other, when there is one (a fake terminal here).
func TestAskPass(t *testing.T) {
	const pass = "pr0mpt-Passw0rd"
	src, tgt := passwordPair(t, pass)

	// Standard input a pipe: refused, exit 2, before anything connects.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	stdin := os.Stdin
	os.Stdin = r
	code, _, errw := runMain(t, "compare", "--source", src, "--target", tgt, "--ask-pass")
	os.Stdin = stdin
	if code != ExitUsage || !strings.Contains(errw, "--ask-pass needs a terminal") {
		t.Errorf("no terminal: exit %d, stderr %q", code, errw)
	}

	// A terminal that answers.
	var asked []string
	orig := newPrompter
	defer func() { newPrompter = orig }()
	newPrompter = func(out io.Writer) *prompter {
		return &prompter{out: out, tty: func() bool { return true }, read: func() ([]byte, error) {
			asked = append(asked, "")
			return []byte(pass), nil
		}}
	}
	code, out, errw := runMain(t, "compare", "--source", src, "--target", tgt, "--ask-pass", "--progress=false")
	if code != ExitIdentical || len(asked) != 2 {
		t.Fatalf("exit %d after %d questions\n%s%s", code, len(asked), out, errw)
	}
	for _, side := range []string{"source", "target"} {
		if !strings.Contains(errw, "Password for the "+side+", dbv_c") {
			t.Errorf("no question for the %s: %q", side, errw)
		}
	}
	if strings.Contains(out+errw, pass) {
		t.Errorf("the password shows: %s%s", out, errw)
	}
	// A side whose password comes from elsewhere is not asked for.
	asked = nil
	good := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(good, []byte(pass), 0o600)
	if code, out, errw := runMain(t, "compare", "--source", src, "--target", tgt, "--ask-pass", "--source-password-file", good); code != ExitIdentical || len(asked) != 1 || strings.Contains(errw, "for the source") {
		t.Errorf("exit %d after %d questions\n%s%s", code, len(asked), out, errw)
	}

	// The other side failing stops a question nobody answers.
	block := make(chan struct{})
	defer close(block)
	newPrompter = func(out io.Writer) *prompter {
		return &prompter{out: out, tty: func() bool { return true }, read: func() ([]byte, error) { <-block; return nil, nil }}
	}
	start := time.Now()
	code, out, errw = runMain(t, "compare", "--source", src, "--target", "mysql://root@127.0.0.1:1/x", "--target-password-file", good, "--ask-pass")
	if code != ExitFailure || !strings.Contains(errw, "target") || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d after %s\n%s%s", code, time.Since(start), out, errw)
	}
}

// TestPromptStops: a prompt waiting for a line gives up when the run's context ends.
func TestPromptStops(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	restored := false
	p := &prompter{out: io.Discard, tty: func() bool { return true },
		read: func() ([]byte, error) { <-block; return nil, nil },
		stop: func(context.Context) { restored = true }}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.ask(ctx, "source", testLogin); err == nil {
		t.Error("no error from an ended context")
	}
	ctx, cancel = context.WithCancel(t.Context())
	go cancel()
	if _, err := p.ask(ctx, "source", testLogin); err == nil || !restored {
		t.Errorf("ask: %v, terminal restored %v", err, restored)
	}
}

// TestCredentialDSNErrors: a DSN whose credential parameters are wrong is bad usage, exit 2,
// and never shows the password.
func TestCredentialDSNErrors(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("x"), 0o600)
	tgt := "mysql://root@127.0.0.1:1/db"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--source", "mysql://u:Sup3rS3cret@h/db?auth=kerberos"}, "the one method is iam"},
		{[]string{"--source", "mysql://u:Sup3rS3cret@h.eu-west-1.rds.amazonaws.com/db?auth=iam&tls=true"}, "a password in the DSN"},
		{[]string{"--source", "mysql://u@h.eu-west-1.rds.amazonaws.com/db?auth=iam&tls=true", "--source-password-file", pw}, "IAM token"},
		{[]string{"--source", "mysql://u@h.eu-west-1.rds.amazonaws.com/db?auth=iam"}, "clear text"},
		{[]string{"--source", "postgres://u@h.eu-west-1.rds.amazonaws.com/db?auth=iam&sslmode=prefer"}, "clear text"},
		{[]string{"--source", "u:Sup3rS3cret@tcp(h)/db?secret=x"}, "URL DSNs"},
	} {
		code, out, errw := runMain(t, append(append([]string{"compare", "--target", tgt}, tt.args...), "--timeout", "5s")...)
		if code != ExitUsage || !strings.Contains(errw, tt.want) || strings.Contains(out+errw, "Sup3rS3cret") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, errw, tt.want)
		}
	}
}

var testLogin = dialect.Login{Engine: dialect.MySQL, Host: "h", Port: 3306, User: "u"}
