package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/urfave/cli/v2"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/dbverify/dbverify/pkg/creds"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// credFlags are the flags that give passwords without writing them in a DSN.
type credFlags struct {
	sourcePasswordFile, targetPasswordFile string
	askPass                                bool
}

func (c *credFlags) flagList() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "source-password-file", Usage: "read the source's password from `FILE` (one line; used when the DSN has none)", Destination: &c.sourcePasswordFile, EnvVars: []string{"DBVERIFY_SOURCE_PASSWORD_FILE"}},
		&cli.StringFlag{Name: "target-password-file", Usage: "read the target's password from `FILE` (one line; used when the DSN has none)", Destination: &c.targetPasswordFile, EnvVars: []string{"DBVERIFY_TARGET_PASSWORD_FILE"}},
		&cli.BoolFlag{Name: "ask-pass", Usage: "ask on the terminal for the password of each side that no other source gives one (DSN, password file, MYSQL_PWD/PGPASSWORD, ~/.my.cnf/~/.pgpass)", Destination: &c.askPass},
	}
}

// credentialsHelp is the part of the commands' help about passwords.
const credentialsHelp = `Passwords, first found wins: the DSN's; --source-password-file/--target-password-file;
MYSQL_PWD or PGPASSWORD; ~/.my.cnf ([client] user/password, also $MYSQL_HOME/my.cnf) or
~/.pgpass (PGPASSFILE); --ask-pass (a prompt on the terminal). On AWS:
  --source secretsmanager:prod/orders              the DSN from an RDS database secret
  --source 'mysql://db:3306/shop?secret=rds!db-1a2b&tls=true'   user and password from a secret
  --source 'mysql://app@db.x.eu-west-1.rds.amazonaws.com/shop?auth=iam&ssl-ca=ca.pem'
  --source 'postgres://app@db/shop?auth=iam&sslmode=verify-full&sslrootcert=ca.pem'
(auth=iam: an RDS IAM token per connection, TLS required; ssl-ca/sslrootcert: the RDS CA bundle.)`

// prompter asks for passwords on the terminal, one question at a time.
type prompter struct {
	mu   sync.Mutex
	fd   int
	tty  func() bool               // whether the input is a terminal
	read func() ([]byte, error)    // a line, without echo
	out  io.Writer                 // where the question goes
	stop func(ctx context.Context) // called when ctx ends during a read: restores the terminal
}

// newPrompter is the prompter on the process's standard input; tests replace it.
var newPrompter = func(out io.Writer) *prompter {
	fd := int(os.Stdin.Fd())
	p := &prompter{fd: fd, out: out,
		tty:  func() bool { return term.IsTerminal(fd) },
		read: func() ([]byte, error) { return term.ReadPassword(fd) },
	}
	if st, err := term.GetState(fd); err == nil {
		p.stop = func(context.Context) { term.Restore(fd, st) }
	}
	return p
}

// ask asks for side's password for l, and gives up when ctx ends.
func (p *prompter) ask(ctx context.Context, side verify.Side, l dialect.Login) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	fmt.Fprintf(p.out, "Password for the %s, %s@%s:%d (%s): ", side, l.User, l.Host, l.Port, l.Engine)
	type line struct {
		b   []byte
		err error
	}
	got := make(chan line, 1)
	go func() { b, err := p.read(); got <- line{b, err} }()
	select {
	case l := <-got:
		fmt.Fprintln(p.out)
		if l.err != nil {
			return "", fmt.Errorf("reading the password: %w", l.err)
		}
		return string(l.b), nil
	case <-ctx.Done():
		if p.stop != nil {
			p.stop(ctx) // echo back on; the read goes on until a line comes, unheard
		}
		fmt.Fprintln(p.out)
		return "", context.Cause(ctx)
	}
}

// openBoth opens the source and the target at once, their passwords found as the flags say.
func (c credFlags) openBoth(ctx context.Context, source, target string, conns int, stderr io.Writer) (src, tgt *verify.Endpoint, err error) {
	var p *prompter
	if c.askPass {
		if p = newPrompter(stderr); !p.tty() {
			return nil, nil, usage("--ask-pass needs a terminal on standard input to ask for passwords; without one, give --source-password-file/--target-password-file, MYSQL_PWD/PGPASSWORD or ~/.my.cnf/~/.pgpass")
		}
	}
	warn := func(s string) { fmt.Fprintf(stderr, "dbverify: warning: %s\n", s) }
	type side struct {
		name     verify.Side
		dsn      string
		passFile string
		auth     dialect.Auth
	}
	sides := []*side{{name: verify.Source, dsn: source, passFile: c.sourcePasswordFile}, {name: verify.Target, dsn: target, passFile: c.targetPasswordFile}}
	for _, s := range sides {
		if creds.Uses(s.dsn) {
			if s.dsn, s.auth, err = (creds.Resolver{}).Resolve(ctx, s.dsn); err != nil {
				if errors.Is(err, creds.ErrInvalid) {
					return nil, nil, usage("--%s: %v", s.name, err)
				}
				return nil, nil, &exitError{ExitFailure, fmt.Errorf("%s: %w", s.name, err)}
			}
		}
		if s.passFile != "" {
			if s.auth.Token != nil {
				return nil, nil, usage("--%s-password-file: the %s DSN asks for an IAM token (auth=iam): give one", s.name, s.name)
			}
			if s.auth.Password, err = creds.ReadPasswordFile(s.passFile, warn); err != nil {
				return nil, nil, usage("--%s-password-file: %v", s.name, err)
			}
		}
	}
	// Both at once; when one fails the other stops (a question on the terminal too), and a
	// DSN that is wrong is told before a failure to connect, whichever came first.
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range sides {
		if p != nil && s.auth.Token == nil {
			name := s.name
			s.auth.Prompt = func(l dialect.Login) (string, error) { return p.ask(gctx, name, l) }
		}
	}
	var serr, terr error
	g.Go(func() error {
		src, serr = verify.Open(gctx, verify.Source, sides[0].dsn, verify.OpenOptions{Conns: conns, Auth: sides[0].auth})
		return serr
	})
	g.Go(func() error {
		tgt, terr = verify.Open(gctx, verify.Target, sides[1].dsn, verify.OpenOptions{Conns: conns, Auth: sides[1].auth})
		return terr
	})
	if err := g.Wait(); err != nil {
		src.Close()
		tgt.Close()
		for _, e := range []error{serr, terr} {
			if errors.Is(e, verify.ErrInvalid) {
				return nil, nil, e
			}
		}
		return nil, nil, err
	}
	return src, tgt, nil
}
