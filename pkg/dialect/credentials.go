package dialect

import (
	"context"
	"regexp"
	"strings"
)

// Login is whom a password is for: the engine, the server's host and port, and the user, as
// the DSN names them once parsed.
type Login struct {
	Engine string
	Host   string
	Port   int
	User   string
}

// Auth says where a connection's password comes from besides the DSN. The order of precedence
// is: a password in the DSN, then Password, then the environment (MYSQL_PWD, PGPASSWORD), then
// the option files (~/.my.cnf, ~/.pgpass), then Prompt. Token, when set, replaces all of them.
// The zero Auth reads the environment and the option files, as the mysql and psql clients do.
type Auth struct {
	// Password is used when the DSN has none (a --password-file's content).
	Password string
	// Prompt is called once, when Open starts, if no other source gave a password.
	Prompt func(Login) (string, error)
	// Token is called before each new connection, the pool's later ones too, for the password
	// of that connection: RDS IAM authentication tokens last 15 minutes.
	Token func(context.Context, Login) (string, error)
	// Cleartext says the password reaches the server as it is (RDS IAM authentication: MySQL's
	// mysql_clear_password plugin, PostgreSQL's PAM): the engine allows that and refuses to
	// connect without TLS.
	Cleartext bool
	// NoDefaults leaves the environment and the option files unread.
	NoDefaults bool
}

// iamToken matches an RDS IAM authentication token (a presigned URL): should a driver quote one
// in a message, Scrub masks it.
var iamToken = regexp.MustCompile(`\S*X-Amz-Signature=\S*`)

// Scrub masks in msg each of secrets (of three characters or more) and anything that looks like
// an RDS IAM authentication token, for messages that drivers built from their configuration.
func Scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	if strings.Contains(msg, "X-Amz-Signature=") {
		msg = iamToken.ReplaceAllString(msg, "***")
	}
	return msg
}
