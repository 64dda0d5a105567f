// Package cli is the dbverify command line. Each command parses its flags into an options struct
// and calls the library; no comparison logic lives here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// Exit codes.
const (
	ExitIdentical = 0 // the databases hold the same data
	ExitDiffer    = 1 // differences were found (and listed)
	ExitUsage     = 2 // bad flags or input: nothing was compared
	ExitFailure   = 3 // the compare could not finish: connection, missing table, ...
)

// Version is set at build time with -ldflags "-X github.com/dbverify/dbverify/internal/cli.Version=...".
var Version = "dev"

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error // nil: nothing more to print
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// fail turns a library error into an exit: bad input is a usage error, anything else a failure.
func fail(err error) error {
	if errors.Is(err, verify.ErrInvalid) {
		return &exitError{ExitUsage, err}
	}
	if errors.Is(err, context.Canceled) {
		return &exitError{ExitFailure, errors.New("interrupted")}
	}
	return &exitError{ExitFailure, err}
}

func usage(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// Main runs dbverify with args (args[0] is the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := &cli.App{
		Name:    "dbverify",
		Usage:   "prove a migrated database holds exactly the data of its source",
		Version: Version,
		Description: `dbverify compares the tables of a source and a target database (MySQL, MariaDB,
Aurora MySQL, PostgreSQL) chunk by chunk with order-independent digests, and lists
every row that is missing on the target, extra on the target, or changed.

Exit codes: 0 identical, 1 differences found, 2 bad usage, 3 failure.`,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Commands:        []*cli.Command{compareCommand(), watchCommand(), demoCommand(), migrateCommand()},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usage("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {}, // exit codes are ours to map, below
	}
	err := app.RunContext(ctx, args)
	if err == nil {
		return ExitIdentical
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = &exitError{ExitUsage, err} // urfave/cli's own errors: unknown command, missing flag
	}
	if ee.err != nil {
		msg := strings.ReplaceAll(ee.err.Error(), "\n", " ")
		fmt.Fprintf(stderr, "dbverify: %s\n", msg)
		if ee.code == ExitUsage {
			fmt.Fprintln(stderr, "Run 'dbverify --help' or 'dbverify COMMAND --help' for usage.")
		}
	}
	return ee.code
}

// logger logs to stderr at debug level with --verbose, else discards.
func logger(verbose bool, w io.Writer) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// isTerminal reports whether w is a terminal (progress bars go only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// masked is a DSN fit for messages.
func masked(dsn string) string { return dialect.MaskDSN(dsn) }
