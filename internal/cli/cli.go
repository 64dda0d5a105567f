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
	"sync"
	"syscall"
	"time"

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
	if ee := (*exitError)(nil); errors.As(err, &ee) {
		return err // already mapped
	}
	err = flagHint(err)
	if errors.Is(err, verify.ErrInvalid) {
		return &exitError{ExitUsage, err}
	}
	if errors.Is(err, context.Canceled) {
		return &exitError{ExitFailure, errors.New("interrupted")}
	}
	return &exitError{ExitFailure, err}
}

// timeoutError is the cause of a run's end at --timeout.
type timeoutError time.Duration

func (e timeoutError) Error() string { return fmt.Sprintf("--timeout %s passed", time.Duration(e)) }

// failIn is fail for an error that the end of ctx may explain: a run stopped by --timeout says
// so, whatever was under way.
func failIn(ctx context.Context, err error) error {
	var te timeoutError
	if cause := context.Cause(ctx); ctx.Err() != nil && errors.As(cause, &te) && !errors.As(err, &te) {
		err = fmt.Errorf("stopped, %w: %w", cause, err)
	}
	return fail(err)
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

Exit codes: 0 identical, 1 differences found, 2 bad usage, 3 failure, 130/143 stopped by
SIGINT/SIGTERM.`,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Commands:        []*cli.Command{compareCommand(), watchCommand(), recheckCommand(), repairCommand(), mergeCommand(), demoCommand(), migrateCommand(), preflightCommand()},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usage("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {}, // exit codes are ours to map, below
	}
	err := app.RunContext(ctx, args)
	var intr Interrupted
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &intr) {
		// Whatever the run was doing when the signal came, it stopped for it: say so, and exit
		// as a shell reports a command a signal ended.
		fmt.Fprintf(stderr, "dbverify: %s; stopped\n", intr)
		return intr.ExitCode()
	}
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

// Interrupted is the cause a run's context ends with when the process gets a signal (SIGINT,
// SIGTERM): Main stops the run and returns 128 plus the signal's number, 130 and 143, as shells
// report a command that a signal ended.
type Interrupted struct{ Signal syscall.Signal }

func (i Interrupted) Error() string {
	switch i.Signal {
	case syscall.SIGINT:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return "stopped by " + i.Signal.String()
}

// softStop is the gentle stop of the run under way that can stop gently (a compare with a
// checkpoint), nil when there is none.
var softStop struct {
	sync.Mutex
	stop   chan struct{}
	signal syscall.Signal
	done   bool
}

// SoftStop asks the run under way to stop gently on sig: the chunks under way finish and reach
// the checkpoint, no other starts. It reports whether a run took the request; when none did
// (no run can stop gently), the caller stops the run at once.
func SoftStop(sig syscall.Signal) bool {
	softStop.Lock()
	defer softStop.Unlock()
	if softStop.stop == nil || softStop.done {
		return false
	}
	softStop.signal, softStop.done = sig, true
	close(softStop.stop)
	return true
}

// gentle registers a run that can stop gently and returns its stop channel and a function that
// unregisters it and returns the signal that stopped it, if one did.
func gentle() (<-chan struct{}, func() (syscall.Signal, bool)) {
	softStop.Lock()
	defer softStop.Unlock()
	stop := make(chan struct{})
	softStop.stop, softStop.done = stop, false
	return stop, func() (syscall.Signal, bool) {
		softStop.Lock()
		defer softStop.Unlock()
		softStop.stop = nil
		return softStop.signal, softStop.done
	}
}

// ExitCode is 128 plus the signal's number.
func (i Interrupted) ExitCode() int { return 128 + int(i.Signal) }

// logger logs to stderr at debug level with --verbose, else only warnings, one line each
// ("dbverify: ..."): a server that keeps a query waiting, replication lag that cannot be read.
func logger(verbose bool, w io.Writer) *slog.Logger {
	if !verbose {
		return slog.New(lineHandler{mu: &sync.Mutex{}, w: w})
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lineHandler writes each record of level Warn or above as one line: its message, and its err
// attribute if it has one.
type lineHandler struct {
	mu *sync.Mutex
	w  io.Writer
}

func (h lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h lineHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			msg += ": " + a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := fmt.Fprintf(h.w, "dbverify: %s\n", strings.ReplaceAll(msg, "\n", " "))
	return err
}

func (h lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h lineHandler) WithGroup(string) slog.Handler      { return h }

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
