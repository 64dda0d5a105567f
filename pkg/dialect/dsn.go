package dialect

import (
	"errors"
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
	// user:pass@tcp(host:port)/db, user@unix(/path)/db or user:pass@/db, go-sql-driver's native
	// form. The driver splits user:pass from the address at the last '@', so the password may
	// hold '@' and ':'.
	mysqlNative = regexp.MustCompile(`(?s)^[^/]*@((tcp|unix)(\(.*\))?)?/`)
	// host=... user=... keyword/value pairs, libpq's native form.
	pgKeyword = regexp.MustCompile(`^\s*\w+\s*=`)
)

// ErrMalformedDSN is wrapped by the engines' errors for a DSN they cannot parse: the caller's
// input is wrong, as opposed to a server that cannot be reached.
var ErrMalformedDSN = errors.New("malformed DSN")

// ErrUnsafeDSN is wrapped by the engines' errors for a DSN option that would let one call run
// several statements (MySQL multiStatements, PostgreSQL's simple protocol): dbverify refuses it,
// since one statement per call is part of what keeps its reads read-only.
var ErrUnsafeDSN = errors.New("unsafe DSN option")

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
	case pgKeyword.MatchString(dsn): // first: a keyword value (password=a@/b) may look native
		return Postgres, nil
	case mysqlNative.MatchString(dsn):
		return MySQL, nil
	}
	return "", fmt.Errorf("cannot tell the engine of DSN %q (want mysql://user:pass@host:port/db, postgres://user:pass@host:port/db, or a driver's native form)", MaskDSN(dsn))
}

var (
	// scheme://user:password@ : the password runs to the authority's last '@', as url.Parse reads it.
	// The password runs to the last '@': a password holding '/', '?', '#' or '@' that was not
	// percent-encoded must still be masked, even if that masks more than the password.
	urlPassword = regexp.MustCompile(`(?s)^([a-zA-Z][a-zA-Z0-9+.-]*://[^:@/?#]*):(.*)@`)
	// user:password@tcp(, user:password@unix( or user:password@/ : the driver splits at the last '@'.
	nativePassword = regexp.MustCompile(`(?s)^([^:@/]*):(.*)@((?:tcp|unix)\(|/)`)
	// user:password@ at the start of anything else, so that even a DSN no driver understands
	// (quoted in an error) does not show its password.
	otherPassword   = regexp.MustCompile(`(?s)^([^:@/]*):(.*)@`)
	keywordPassword = regexp.MustCompile(`(?i)((?:^|\s)password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
	queryPassword   = regexp.MustCompile(`(?i)([?&]password=)[^&#]*`)
)

// MaskDSN returns the DSN with its password replaced by ***, for output and logs.
func MaskDSN(dsn string) string {
	s := queryPassword.ReplaceAllString(dsn, "${1}***")
	switch {
	case strings.HasPrefix(s, "secretsmanager:"):
		// A secret's name or ARN (package creds), which may hold '@' and ':': no password.
	case strings.Contains(s, "://"):
		s = urlPassword.ReplaceAllString(s, "$1:***@")
	case nativePassword.MatchString(s):
		s = nativePassword.ReplaceAllString(s, "$1:***@$3")
	default:
		s = otherPassword.ReplaceAllString(s, "$1:***@")
	}
	return keywordPassword.ReplaceAllString(s, "${1}***")
}

// Password extracts the DSN's password, if any, so that callers can scrub it from messages
// that a driver may have built from its configuration.
func Password(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && strings.Contains(dsn, "://") {
			return p // a well-formed URL: its own reading is exact
		}
	}
	if m := urlPassword.FindStringSubmatch(dsn); m != nil {
		if p, err := url.PathUnescape(m[2]); err == nil {
			return p
		}
		return m[2]
	}
	if strings.Contains(dsn, "://") {
		if m := queryPassword.FindString(dsn); m != "" {
			p := m[strings.IndexByte(m, '=')+1:]
			if u, err := url.QueryUnescape(p); err == nil {
				return u
			}
			return p
		}
		return ""
	}
	if pgKeyword.MatchString(dsn) {
		if m := keywordPassword.FindStringSubmatch(dsn); m != nil {
			return strings.Trim(m[2], "'")
		}
		return ""
	}
	if m := nativePassword.FindStringSubmatch(dsn); m != nil {
		return m[2]
	}
	if m := otherPassword.FindStringSubmatch(dsn); m != nil {
		return m[2]
	}
	return ""
}
