package postgres

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// passwordServer starts a server that asks role for its password over TCP and returns a DSN
// for role, without the password, and the server's port.
func passwordServer(t *testing.T, role, pass string) (string, string) {
	t.Helper()
	srv := testdb.StartPostgresPassword(t, role, pass)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String(), u.Port()
}

// TestPasswordSources: on a server that checks passwords (SCRAM), a password in the DSN, a
// password file's (Auth.Password), PGPASSWORD, ~/.pgpass, PGPASSFILE and a prompt each log in,
// in that order of precedence; a wrong one from a lower source never hides a right one from a
// higher.
func TestPasswordSources(t *testing.T) {
	const role, pass = "dbv_pw", "s3cr@t:/?#pw"
	dsn, port := passwordServer(t, role, pass)
	withPass := strings.Replace(dsn, role+"@", role+":"+url.QueryEscape(pass)+"@", 1)
	pgpass := func(user, pw string) string {
		return fmt.Sprintf("# host:port:db:user:password\n127.0.0.1:%s:*:%s:%s\n", port, user, strings.ReplaceAll(pw, ":", `\:`))
	}
	tests := []struct {
		name     string
		dsn      string
		auth     dialect.Auth
		env      string // PGPASSWORD
		pgpass   string // ~/.pgpass
		passfile string // PGPASSFILE
		prompt   string
		ok       bool
	}{
		{name: "none", dsn: dsn},
		{name: "dsn", dsn: withPass, auth: dialect.Auth{Password: "wrong"}, env: "wrong", pgpass: pgpass(role, "wrong"), prompt: "wrong", ok: true},
		{name: "keyword dsn", dsn: fmt.Sprintf("host=127.0.0.1 port=%s dbname=postgres user=%s password='%s' sslmode=disable", port, role, pass), env: "wrong", ok: true},
		{name: "file", dsn: dsn, auth: dialect.Auth{Password: pass}, env: "wrong", pgpass: pgpass(role, "wrong"), ok: true},
		{name: "env", dsn: dsn, env: pass, pgpass: pgpass(role, "wrong"), ok: true},
		{name: "pgpass", dsn: dsn, pgpass: pgpass(role, pass), prompt: "wrong", ok: true},
		{name: "PGPASSFILE", dsn: dsn, passfile: pgpass(role, pass), ok: true},
		{name: "pgpass of another user", dsn: dsn, pgpass: pgpass("someone_else", pass), prompt: "wrong"},
		{name: "prompt", dsn: dsn, prompt: pass, ok: true},
		{name: "no defaults", dsn: dsn, auth: dialect.Auth{NoDefaults: true}, env: pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			t.Setenv("PGPASSWORD", tt.env)
			t.Setenv("PGPASSFILE", "")
			if tt.env == "" {
				os.Unsetenv("PGPASSWORD") // pgx takes an empty PGPASSWORD for a password
			}
			os.Unsetenv("PGPASSFILE")
			if tt.pgpass != "" {
				writeFile(t, filepath.Join(home, ".pgpass"), tt.pgpass)
			}
			if tt.passfile != "" {
				f := filepath.Join(t.TempDir(), "passfile")
				writeFile(t, f, tt.passfile)
				t.Setenv("PGPASSFILE", f)
			}
			auth := tt.auth
			prompted := 0
			if tt.prompt != "" {
				auth.Prompt = func(l dialect.Login) (string, error) {
					prompted++
					if l.User != role || l.Host != "127.0.0.1" || l.Engine != dialect.Postgres {
						t.Errorf("prompt for %+v", l)
					}
					return tt.prompt, nil
				}
			}
			d, err := OpenAuth(t.Context(), tt.dsn, 2, auth)
			if err == nil {
				d.Close()
			}
			if tt.ok != (err == nil) {
				t.Fatalf("OpenAuth: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), pass) {
				t.Errorf("error shows the password: %v", err)
			}
			wantPrompt := 0
			if tt.name == "prompt" || tt.name == "pgpass of another user" {
				wantPrompt = 1
			}
			if prompted != wantPrompt {
				t.Errorf("prompted %d times, want %d", prompted, wantPrompt)
			}
		})
	}

	// Each new connection of the pool asks Auth.Token for its password.
	t.Run("token", func(t *testing.T) {
		t.Setenv("HOME", t.TempDir())
		var calls atomic.Int32
		var current atomic.Value
		current.Store(pass)
		auth := dialect.Auth{Token: func(_ context.Context, l dialect.Login) (string, error) {
			calls.Add(1)
			if l.User != role || l.Host != "127.0.0.1" || fmt.Sprint(l.Port) != port {
				t.Errorf("token for %+v", l)
			}
			return current.Load().(string), nil
		}}
		d, err := OpenAuth(t.Context(), dsn, 2, auth)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for range 3 {
			before := calls.Load()
			d.pool.Reset() // the next query needs a new connection
			if err := d.Ping(t.Context()); err != nil {
				t.Fatal(err)
			}
			if calls.Load() == before {
				t.Fatal("a new connection made no token")
			}
		}
		current.Store("expired-token-xyz")
		d.pool.Reset()
		err = d.Ping(t.Context())
		if err == nil {
			t.Fatal("a wrong token logged in")
		}
		if strings.Contains(err.Error(), "expired-token-xyz") {
			t.Errorf("error shows the token: %v", err)
		}
	})
}

// TestTokenNeedsTLS: a token sent as it is (RDS IAM) is refused without TLS, or with TLS that
// may fall back to none, and with a password or several hosts beside it.
func TestTokenNeedsTLS(t *testing.T) {
	token := func(context.Context, dialect.Login) (string, error) { return "t", nil }
	tests := []struct {
		dsn, want string
	}{
		{"postgres://u@h/db?sslmode=disable", "clear text"},
		{"postgres://u@h/db?sslmode=prefer", "clear text"},
		{"postgres://u@h/db?sslmode=allow", "clear text"},
		{"postgres://u:pw@h/db?sslmode=require", "give one"},
		{"postgres://u@h1,h2/db?sslmode=require", "several"},
		{"postgres://u@h/db?sslmode=require", ""},
		{"postgres://u@h/db?sslmode=verify-ca&sslrootcert=system", ""},
	}
	for _, tt := range tests {
		cfg, err := ParseDSN(tt.dsn)
		if err != nil {
			t.Fatal(err)
		}
		err = usePassword(cfg, dialect.Auth{Token: token, Cleartext: true}, dialect.Password(tt.dsn))
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.dsn, err, tt.want)
		}
		if tt.want == "" && cfg.BeforeConnect == nil {
			t.Errorf("%s: no BeforeConnect", tt.dsn)
		}
	}
}
