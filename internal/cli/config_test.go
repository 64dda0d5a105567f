package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// parsed runs the command of args on an app whose commands only record what they were given.
func parsed(t *testing.T, args ...string) (map[string]any, error) {
	t.Helper()
	got := map[string]any{}
	var cmds []*cli.Command
	for _, cmd := range []*cli.Command{compareCommand(), watchCommand()} {
		cmd.Action = func(c *cli.Context) error {
			for _, f := range c.Command.Flags {
				n := f.Names()[0]
				switch f.(type) {
				case *cli.StringSliceFlag:
					got[n] = c.StringSlice(n)
				default:
					got[n] = c.Value(n)
				}
			}
			return nil
		}
		cmds = append(cmds, cmd)
	}
	app := &cli.App{Name: "dbverify", Commands: cmds, Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{}, ExitErrHandler: func(*cli.Context, error) {}}
	err := app.Run(append([]string{"dbverify"}, args...))
	return got, err
}

// TestExampleConfig: the committed example is read whole, ${VAR} expanded; a command's section
// wins over the top-level keys and the command line over both.
func TestExampleConfig(t *testing.T) {
	t.Setenv("RDS_CA_BUNDLE", "/etc/ssl/rds/global-bundle.pem")
	example := filepath.Join("..", "..", "docs", "dbverify.example.yaml")
	got, err := parsed(t, "compare", "--config", example, "--workers", "2", "--tables", "refunds")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"source":         "mysql://app@orders-old.abc123.eu-west-1.rds.amazonaws.com:3306/shop?ssl-ca=/etc/ssl/rds/global-bundle.pem",
		"target":         "postgres://app@orders-new.abc123.eu-west-1.rds.amazonaws.com:5432/shop?sslmode=verify-full&sslrootcert=/etc/ssl/rds/global-bundle.pem",
		"tables":         []string{"refunds"}, // the command line's, not the file's
		"exclude":        []string{"audit_log"},
		"ignore-columns": []string{"orders.updated_at"},
		"float-digits":   []string{"prices.amount=15"},
		"where":          []string{"created_at < '2026-01-01'", "order_items:created_at < '2026-01-01' AND shipped_at IS NOT NULL"},
		"workers":        2,
		"chunk-time":     250 * time.Millisecond,
		"query-timeout":  10 * time.Minute,
		"max-diffs":      1000 - 500,
		"progress":       false,
		"repair":         "fix-target.sql",
		"timeout":        2 * time.Hour,
		"map":            "snake_case",

		"source-password-file": "/run/secrets/orders-old",
	}
	for k, w := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(w) {
			t.Errorf("compare %s = %v, want %v", k, got[k], w)
		}
	}
	got, err = parsed(t, "watch", "--config", example)
	if err != nil {
		t.Fatal(err)
	}
	for k, w := range map[string]any{"settle": 2 * time.Minute, "every": 5 * time.Minute, "metrics-addr": "127.0.0.1:9187", "timeout": time.Duration(0),
		"tables": []string{"orders", "order_items", "customer_*"}} {
		if fmt.Sprint(got[k]) != fmt.Sprint(w) {
			t.Errorf("watch %s = %v, want %v", k, got[k], w)
		}
	}
	// A DBVERIFY_* variable wins over the file too.
	t.Setenv("DBVERIFY_SOURCE", "mysql://root@127.0.0.1:3306/x")
	if got, err = parsed(t, "compare", "--config", example); err != nil || got["source"] != "mysql://root@127.0.0.1:3306/x" {
		t.Errorf("DBVERIFY_SOURCE: source %v, %v", got["source"], err)
	}
}

// TestConfigErrors: an unknown key, a value of the wrong type, an unset variable, bad YAML: one
// line naming the file, the line and the key, exit 2, and no password quoted.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		yaml, want string
	}{
		{"source: mysql://u:Sup3rS3cret@h/db\nwokers: 8\n", `c.yaml:2: unknown key "wokers"`},
		{"workers: eight\n", `c.yaml:1: workers: want an integer, not "eight"`},
		{"workers: 2.5\n", `c.yaml:1: workers: want an integer, not 2.5`},
		{"progress: maybe\n", `c.yaml:1: progress: want true or false`},
		{"chunk-time: 5\n", `c.yaml:1: chunk-time: want a duration such as 30s`},
		{"chunk-time: soon\n", `c.yaml:1: chunk-time: want a duration such as 30s, 5m or 1h30m, not "soon"`},
		{"tables: {a: b}\n", `c.yaml:1: tables: want a list or a comma-separated string, not a mapping`},
		{"source: [mysql://u:Sup3rS3cret@h/db]\n", `c.yaml:1: source: want one value, not a list`},
		{"where:\n", `c.yaml:1: where: want a list of strings, not nothing`},
		{"\n\nsource: ${DBV_TEST_UNSET_VAR}\n", `c.yaml:3: source: environment variable DBV_TEST_UNSET_VAR is not set`},
		{"compare:\n  every: 1m\n", `c.yaml:2: unknown key "every" in section compare:`},
		{"watch:\n  every: often\n", `c.yaml:2: every: want a duration`},
		{"config: other.yaml\n", `c.yaml:1: unknown key "config"`},
		{"- a\n- b\n", "c.yaml:1: want a mapping"},
		{"source: 'unterminated\n", "c.yaml: "},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errw := runMain(t, "compare", "--config", path, "--source", "mysql://root@127.0.0.1:1/x", "--target", "mysql://root@127.0.0.1:1/y")
		if code != ExitUsage || !strings.Contains(errw, filepath.Join(dir, tt.want)) || strings.Contains(out+errw, "Sup3rS3cret") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.yaml, code, errw, tt.want)
		}
		if lines := strings.Count(errw, "\n"); lines > 2 {
			t.Errorf("%q: %d lines of errors", tt.yaml, lines)
		}
	}
	if code, _, errw := runMain(t, "compare", "--config", filepath.Join(dir, "nosuch.yaml")); code != ExitUsage || !strings.Contains(errw, "--config") {
		t.Errorf("a missing file: exit %d, %q", code, errw)
	}
}

// TestConfigCompare: a compare run from a config file alone, on real servers, its DSNs and
// password file from the environment.
func TestConfigCompare(t *testing.T) {
	const pass = "c0nfig-Passw0rd"
	src, tgt := passwordPair(t, pass)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(pass+"\n"), 0o600)
	t.Setenv("SRC", src)
	t.Setenv("TGT", tgt)
	t.Setenv("PWFILE", pw)
	cfg := filepath.Join(t.TempDir(), "dbverify.yaml")
	os.WriteFile(cfg, []byte("source: ${SRC}\ntarget: ${TGT}\nsource-password-file: ${PWFILE}\ntarget-password-file: ${PWFILE}\ntables: [t]\nworkers: 2\noutput: json\n"), 0o600)
	code, out, errw := runMain(t, "compare", "--config", cfg)
	if code != ExitIdentical || !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Fatalf("exit %d\n%s%s", code, out, errw)
	}
	if !slices.Contains([]string{""}, errw) {
		t.Errorf("stderr: %s", errw)
	}
}
