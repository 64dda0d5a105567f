package mysql

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// passwordUser creates a user with a password that may read setup's database, dropped when the
// test ends, and returns the database's DSN for that user without the password.
func passwordUser(t *testing.T, setup *testdb.DB, user, pass string) string {
	t.Helper()
	for _, host := range []string{"%", "localhost", "127.0.0.1"} {
		setup.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%s' IDENTIFIED BY '%s'", user, host, pass),
			fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'%s'", setup.Name, user, host))
		t.Cleanup(func() { setup.SQL.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%s'", user, host)) })
	}
	u, err := url.Parse(setup.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	return u.String()
}

// cleanEnv points HOME at an empty directory and unsets the variables the password sources read.
func cleanEnv(t *testing.T) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("MYSQL_PWD", "")
	t.Setenv("MYSQL_HOME", "")
	return home
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPasswordSources: a password in the DSN, a password file's (Auth.Password), MYSQL_PWD,
// ~/.my.cnf, $MYSQL_HOME/my.cnf and a prompt each log in on a real server, in that order of
// precedence; a wrong one from a lower source never hides a right one from a higher.
func TestPasswordSources(t *testing.T) {
	setup := testdb.MySQL(t)
	user := fmt.Sprintf("dbv_pw_%d", os.Getpid()%100000)
	const pass = `s3cr@t:/?#"pw`
	dsn := passwordUser(t, setup, user, pass)
	withPass := strings.Replace(dsn, user+"@", user+":"+url.QueryEscape(pass)+"@", 1)
	cnf := func(user, pass string) string {
		return fmt.Sprintf("# comment\n[mysqld]\npassword=nope\n[client]\nuser = %s\npassword = \"%s\"\n", user, strings.ReplaceAll(pass, `"`, `\"`))
	}
	tests := []struct {
		name   string
		dsn    string
		auth   dialect.Auth
		env    string // MYSQL_PWD
		myCnf  string // ~/.my.cnf
		home   string // $MYSQL_HOME/my.cnf
		prompt string
		ok     bool
	}{
		{name: "none", dsn: dsn},
		{name: "dsn", dsn: withPass, auth: dialect.Auth{Password: "wrong"}, env: "wrong", myCnf: cnf(user, "wrong"), ok: true},
		{name: "file", dsn: dsn, auth: dialect.Auth{Password: pass}, env: "wrong", myCnf: cnf(user, "wrong"), ok: true},
		{name: "env", dsn: dsn, env: pass, myCnf: cnf(user, "wrong"), ok: true},
		{name: "my.cnf", dsn: dsn, myCnf: cnf(user, pass), prompt: "wrong", ok: true},
		{name: "my.cnf without user", dsn: dsn, myCnf: "[client]\npassword=" + strings.ReplaceAll(pass, `"`, `\"`) + "\n", ok: true},
		{name: "my.cnf gives the user", dsn: strings.Replace(dsn, user+"@", "", 1), myCnf: cnf(user, pass), ok: true},
		{name: "my.cnf of another user", dsn: dsn, myCnf: cnf("someone_else", pass), prompt: "wrong"},
		{name: "MYSQL_HOME", dsn: dsn, home: cnf(user, pass), ok: true},
		{name: "~/.my.cnf over MYSQL_HOME", dsn: dsn, home: cnf(user, "wrong"), myCnf: cnf(user, pass), ok: true},
		{name: "prompt", dsn: dsn, prompt: pass, ok: true},
		{name: "no defaults", dsn: dsn, auth: dialect.Auth{NoDefaults: true}, env: pass, myCnf: cnf(user, pass)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := cleanEnv(t)
			t.Setenv("MYSQL_PWD", tt.env)
			if tt.myCnf != "" {
				writeFile(t, filepath.Join(home, ".my.cnf"), tt.myCnf)
			}
			if tt.home != "" {
				dir := t.TempDir()
				t.Setenv("MYSQL_HOME", dir)
				writeFile(t, filepath.Join(dir, "my.cnf"), tt.home)
			}
			auth := tt.auth
			prompted := 0
			if tt.prompt != "" {
				auth.Prompt = func(l dialect.Login) (string, error) {
					prompted++
					if l.User != user || l.Host != "127.0.0.1" || l.Engine != dialect.MySQL {
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
			if tt.prompt != "" && tt.name != "my.cnf" && prompted != 1 {
				t.Errorf("prompted %d times, want once", prompted)
			}
			if tt.name == "my.cnf" && prompted != 0 {
				t.Errorf("prompted although ~/.my.cnf had the password")
			}
		})
	}
}

// TestTokenEachConnection: Auth.Token gives the password of every new connection, the pool's
// later ones too, so that a token that expires is replaced; a token that goes wrong shows.
func TestTokenEachConnection(t *testing.T) {
	cleanEnv(t)
	setup := testdb.MySQL(t)
	user := fmt.Sprintf("dbv_tok_%d", os.Getpid()%100000)
	const pass = "token-1"
	dsn := passwordUser(t, setup, user, pass)
	var calls atomic.Int32
	var current atomic.Value
	current.Store(pass)
	auth := dialect.Auth{Token: func(_ context.Context, l dialect.Login) (string, error) {
		calls.Add(1)
		if l.User != user || l.Host != "127.0.0.1" || l.Port != 3306 {
			t.Errorf("token for %+v", l)
		}
		return current.Load().(string), nil
	}}
	d, err := OpenAuth(t.Context(), dsn, 2, auth)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.db.SetMaxIdleConns(0) // every query on a new connection
	before := calls.Load()
	for range 3 {
		if err := d.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := calls.Load() - before; got < 3 {
		t.Errorf("3 new connections asked for %d tokens", got)
	}
	current.Store("expired-token-xyz")
	err = d.Ping(t.Context())
	if err == nil {
		t.Fatal("a wrong token logged in")
	}
	if strings.Contains(err.Error(), "expired-token-xyz") {
		t.Errorf("error shows the token: %v", err)
	}

	// A token with a password in the DSN too, and a cleartext token without TLS, are refused.
	if _, err := OpenAuth(t.Context(), strings.Replace(dsn, user+"@", user+":pw@", 1), 1, auth); err == nil || !strings.Contains(err.Error(), "give one") {
		t.Errorf("token and password: %v", err)
	}
	for _, q := range []string{"", "?tls=preferred"} {
		auth.Cleartext = true
		if _, err := OpenAuth(t.Context(), dsn+q, 1, auth); err == nil || !strings.Contains(err.Error(), "clear text") {
			t.Errorf("cleartext token over %q: %v", q, err)
		}
	}
}

// TestOptionFile reads the [client] group's values as the mysql client does.
func TestOptionFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my.cnf")
	writeFile(t, path, `[mysql]
password=not-this
[client]
# a comment
; another
!includedir /etc/mysql/conf.d/
user=app
password = 'a b#c' 
[client]
password=x\sy\\z # trailing comment
[mysqldump]
password=nor-this
`)
	user, pass, err := readOptionFile(path)
	if err != nil || user != "app" || pass != `x y\z` {
		t.Errorf("readOptionFile = %q, %q, %v", user, pass, err)
	}
	writeFile(t, path, "[client\npassword=x\n")
	if _, _, err := readOptionFile(path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad header: %v", err)
	}
}

// TestCAParam: ssl-ca=FILE turns on TLS with full verification against that file's CAs, for the
// URL's host, and never reaches the server as a session variable.
func TestCAParam(t *testing.T) {
	cfg, err := ParseDSN("mysql://u@db.example.com:3306/shop?tls=true")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS == nil || cfg.TLS.ServerName != "db.example.com" {
		t.Errorf("tls=true verifies the name %q, want the URL's host", cfg.TLS.ServerName)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, testCA(t))
	cfg, err = ParseDSN("mysql://u@db.example.com:3306/shop?ssl-ca=" + url.QueryEscape(ca))
	if err != nil {
		t.Fatal(err)
	}
	if err := useCA(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.TLS == nil || cfg.TLS.RootCAs == nil || cfg.TLS.ServerName != "db.example.com" || cfg.TLS.InsecureSkipVerify {
		t.Errorf("ssl-ca: TLS %+v", cfg.TLS)
	}
	if _, ok := cfg.Params[caParam]; ok {
		t.Error("ssl-ca left among the session variables")
	}
	for _, q := range []string{"ssl-ca=" + url.QueryEscape(ca) + "&tls=skip-verify", "ssl-ca=/nonexistent", "ssl-ca="} {
		cfg, err := ParseDSN("mysql://u@h/db?" + q)
		if err == nil {
			err = useCA(cfg)
		}
		if err == nil {
			t.Errorf("%s: no error", q)
		}
	}
}

// testCA is a self-signed CA certificate in PEM, made for the test.
func testCA(t *testing.T) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
