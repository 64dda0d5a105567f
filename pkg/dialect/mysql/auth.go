package mysql

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// caParam is the DSN parameter naming a PEM file of CA certificates (the RDS CA bundle, say)
// that the server's certificate must chain to, its name matching the DSN's host: TLS with full
// verification without registering a TLS config in code (tls=custom). It is the mysql client's
// --ssl-ca.
const caParam = "ssl-ca"

// useCA applies the ssl-ca parameter, if the DSN has one, and takes it out of the parameters
// (the driver would send it as a session variable).
func useCA(cfg *driver.Config) error {
	file, ok := cfg.Params[caParam]
	if !ok {
		return nil
	}
	delete(cfg.Params, caParam)
	if file == "" {
		return fmt.Errorf("mysql: %w: %s= names no file", dialect.ErrMalformedDSN, caParam)
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("mysql: %s: %w", caParam, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("mysql: %s %s: no PEM certificate in the file", caParam, file)
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		host = cfg.Addr
	}
	switch cfg.TLSConfig {
	case "", "true", "false": // tls=false with a CA makes no sense; the CA wins
	default:
		return fmt.Errorf("mysql: %w: %s and tls=%s: give one (%s verifies the server's certificate and name)", dialect.ErrMalformedDSN, caParam, cfg.TLSConfig, caParam)
	}
	cfg.TLSConfig = "true"
	cfg.TLS = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	cfg.AllowFallbackToPlaintext = false
	return nil
}

// usePassword fills in the password of a DSN that has none, and installs auth's per-connection
// token, in the order of precedence dialect.Auth gives.
func usePassword(cfg *driver.Config, auth dialect.Auth) error {
	login := func() dialect.Login {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			host = cfg.Addr
		}
		p, _ := strconv.Atoi(port)
		return dialect.Login{Engine: dialect.MySQL, Host: host, Port: p, User: cfg.User}
	}
	if auth.Token != nil {
		if cfg.Passwd != "" {
			return fmt.Errorf("mysql: %w: the DSN has a password and asks for a token too: give one", dialect.ErrMalformedDSN)
		}
		if auth.Cleartext {
			if cfg.TLS == nil || cfg.AllowFallbackToPlaintext || cfg.Net == "unix" {
				return fmt.Errorf("mysql: %w: the token would cross the network in clear text: add tls=true (or ssl-ca=FILE, the RDS CA bundle, to verify the server fully); tls=preferred may fall back to no TLS", dialect.ErrMalformedDSN)
			}
			cfg.AllowCleartextPasswords = true
		}
		token, l := auth.Token, login()
		return cfg.Apply(driver.BeforeConnect(func(ctx context.Context, c *driver.Config) error {
			p, err := token(ctx, l)
			if err != nil {
				return fmt.Errorf("authentication token: %w", err)
			}
			c.Passwd = p
			return nil
		}))
	}
	if cfg.Passwd != "" {
		return nil
	}
	if auth.Password != "" {
		cfg.Passwd = auth.Password
		return nil
	}
	if !auth.NoDefaults {
		if p := os.Getenv("MYSQL_PWD"); p != "" {
			cfg.Passwd = p
			return nil
		}
		user, pass, err := optionFiles()
		if err != nil {
			return fmt.Errorf("mysql: %w", err)
		}
		if cfg.User == "" {
			cfg.User = user
		}
		// A password for another user is not this one's.
		if pass != "" && (user == "" || user == cfg.User) {
			cfg.Passwd = pass
			return nil
		}
	}
	if auth.Prompt != nil {
		p, err := auth.Prompt(login())
		if err != nil {
			return fmt.Errorf("mysql: password: %w", err)
		}
		cfg.Passwd = p
	}
	return nil
}

// optionFiles reads the user and password of the [client] group of $MYSQL_HOME/my.cnf and then
// ~/.my.cnf, the later file winning, as the mysql client does. Files that do not exist are
// skipped; the system-wide files (/etc/my.cnf ...) are not read: they hold no password.
func optionFiles() (user, pass string, err error) {
	var files []string
	if h := os.Getenv("MYSQL_HOME"); h != "" {
		files = append(files, filepath.Join(h, "my.cnf"))
	}
	if h, herr := os.UserHomeDir(); herr == nil {
		files = append(files, filepath.Join(h, ".my.cnf"))
	}
	for _, f := range files {
		u, p, err := readOptionFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", "", err
		}
		if u != "" {
			user = u
		}
		if p != "" {
			pass = p
		}
	}
	return user, pass, nil
}

// readOptionFile reads user= and password= of a MySQL option file's [client] group. Values may
// be quoted with ' or " and hold the escapes the mysql client knows (\n \t \\ \s ...).
func readOptionFile(path string) (user, pass string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	inClient := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';' || line[0] == '!':
			continue // blank, comment, !include (not followed)
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return "", "", fmt.Errorf("%s line %d: a group header without ]", path, n)
			}
			inClient = strings.EqualFold(strings.TrimSpace(line[1:end]), "client")
			continue
		}
		if !inClient {
			continue
		}
		key, val, _ := strings.Cut(line, "=")
		key = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(key)), "_", "-")
		val = optionValue(strings.TrimSpace(val))
		switch key {
		case "user":
			user = val
		case "password":
			pass = val
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("%s: %w", path, err)
	}
	return user, pass, nil
}

// optionValue is an option file's value without its quotes or trailing comment, escapes read.
func optionValue(v string) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') {
		if end := strings.LastIndexByte(v, v[0]); end > 0 {
			return unescapeOption(v[1:end])
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return unescapeOption(v)
}

func unescapeOption(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 's':
			b.WriteByte(' ')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}
