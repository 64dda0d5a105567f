package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// usePassword fills in the password of a DSN that has none, and installs auth's per-connection
// token, in the order of precedence dialect.Auth gives. pgx has already read PGPASSWORD and,
// failing that, the password file (PGPASSFILE or ~/.pgpass) into cfg; dsnPassword is the DSN's
// own, which no other source overrides.
func usePassword(cfg *pgxpool.Config, auth dialect.Auth, dsnPassword string) error {
	cc := cfg.ConnConfig
	if auth.Token != nil {
		if dsnPassword != "" {
			return fmt.Errorf("postgres: %w: the DSN has a password and asks for a token too: give one", dialect.ErrMalformedDSN)
		}
		for _, fb := range cc.Fallbacks {
			if fb.Host != cc.Host || fb.Port != cc.Port {
				return fmt.Errorf("postgres: %w: an authentication token is for one server: the DSN names several", dialect.ErrMalformedDSN)
			}
			if auth.Cleartext && fb.TLSConfig == nil {
				cc.TLSConfig = nil // sslmode=prefer or allow: the second try is without TLS
			}
		}
		if auth.Cleartext && cc.TLSConfig == nil {
			return fmt.Errorf("postgres: %w: the token would cross the network in clear text: add sslmode=verify-full&sslrootcert=FILE (the RDS CA bundle), or sslmode=require at least", dialect.ErrMalformedDSN)
		}
		token := auth.Token
		cfg.BeforeConnect = func(ctx context.Context, c *pgx.ConnConfig) error {
			p, err := token(ctx, dialect.Login{Engine: dialect.Postgres, Host: c.Host, Port: int(c.Port), User: c.User})
			if err != nil {
				return fmt.Errorf("authentication token: %w", err)
			}
			c.Password = p
			return nil
		}
		cc.Password = ""
		return nil
	}
	switch {
	case dsnPassword != "":
		return nil
	case auth.Password != "":
		cc.Password = auth.Password
		return nil
	case auth.NoDefaults:
		cc.Password = "" // what pgx read from PGPASSWORD or the password file
	}
	if cc.Password == "" && auth.Prompt != nil {
		p, err := auth.Prompt(dialect.Login{Engine: dialect.Postgres, Host: cc.Host, Port: int(cc.Port), User: cc.User})
		if err != nil {
			return fmt.Errorf("postgres: password: %w", err)
		}
		cc.Password = p
	}
	return nil
}
