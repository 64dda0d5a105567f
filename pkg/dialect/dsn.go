package dialect

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Engine names.
const (
	MySQL    = "mysql"
	Postgres = "postgres"
)

var (
	// user:pass@tcp(host:port)/db or user@unix(/path)/db, go-sql-driver's native form.
	mysqlNative = regexp.MustCompile(`^[^@/]*@(tcp|unix)(\(.*\))?/`)
	// host=... user=... keyword/value pairs, libpq's native form.
	pgKeyword = regexp.MustCompile(`^\s*\w+\s*=`)
)

// DetectEngine tells which engine a DSN is for: URLs by scheme (mysql://, mariadb://, aurora://
// for MySQL; postgres://, postgresql:// for PostgreSQL), else the drivers' native forms.
func DetectEngine(dsn string) (string, error) {
	if i := strings.Index(dsn, "://"); i > 0 {
		switch strings.ToLower(dsn[:i]) {
		case "mysql", "mariadb", "aurora", "aurora-mysql":
			return MySQL, nil
		case "postgres", "postgresql", "pg":
			return Postgres, nil
		}
		return "", fmt.Errorf("unknown DSN scheme %q (want mysql:// or postgres://)", dsn[:i])
	}
	switch {
	case mysqlNative.MatchString(dsn):
		return MySQL, nil
	case pgKeyword.MatchString(dsn):
		return Postgres, nil
	}
	return "", fmt.Errorf("cannot tell the engine of DSN %q (want mysql://user:pass@host:port/db, postgres://user:pass@host:port/db, or a driver's native form)", MaskDSN(dsn))
}

var (
	urlPassword     = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:@/]*):([^@]*)@`)
	nativePassword  = regexp.MustCompile(`^([^:@/]*):(.*)@(tcp|unix)(\(|/)`)
	keywordPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	queryPassword   = regexp.MustCompile(`(?i)([?&]password=)[^&]*`)
)

// MaskDSN returns the DSN with its password replaced by ***, for output and logs.
func MaskDSN(dsn string) string {
	s := urlPassword.ReplaceAllString(dsn, "$1:***@")
	s = nativePassword.ReplaceAllString(s, "$1:***@$3$4")
	s = keywordPassword.ReplaceAllString(s, "${1}***")
	return queryPassword.ReplaceAllString(s, "${1}***")
}

// Password extracts the DSN's password, if any, so that callers can scrub it from messages
// that a driver may have built from its configuration.
func Password(dsn string) string {
	if m := urlPassword.FindStringSubmatch(dsn); m != nil {
		if p, err := url.PathUnescape(m[2]); err == nil {
			return p
		}
		return m[2]
	}
	if m := nativePassword.FindStringSubmatch(dsn); m != nil {
		return m[2]
	}
	if m := keywordPassword.FindStringSubmatch(dsn); m != nil {
		return strings.Trim(m[2], "'")
	}
	if m := queryPassword.FindString(dsn); m != "" {
		return m[strings.IndexByte(m, '=')+1:]
	}
	return ""
}
