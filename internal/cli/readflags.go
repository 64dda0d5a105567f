package cli

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/verify"
)

// readFlags bound a run's waits and retry its failed reads. Every command that reads both
// databases takes them, defined here once: compare and watch, and recheck and repair --report,
// which read the rows of a saved report again.
type readFlags struct {
	queryTimeout time.Duration
	retries      int
	timeout      time.Duration
}

// flagList is --retries and --query-timeout.
func (f *readFlags) flagList() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "retries", Value: 8, Usage: "a read that fails transiently (connection killed or lost, failover, deadlock, too many connections) is tried again up to `N` times, waiting 0.25s, doubled up to 15s; 0: never", Destination: &f.retries},
		&cli.DurationFlag{Name: "query-timeout", Usage: "the longest a server may stay silent (`DURATION`): no result of a query, no next row of a stream, no answer to a ping for this long stops the run, exit 3 (default 5m)", Destination: &f.queryTimeout},
	}
}

// timeoutFlag is --timeout; stops says what happens when it passes.
func (f *readFlags) timeoutFlag(stops string) *cli.DurationFlag {
	return &cli.DurationFlag{Name: "timeout", Usage: "bound the whole run to `DURATION`: " + stops, Destination: &f.timeout}
}

// check refuses negative bounds.
func (f readFlags) check() error {
	switch {
	case f.queryTimeout < 0:
		return usage("--query-timeout must not be negative")
	case f.retries < 0:
		return usage("--retries must not be negative")
	case f.timeout < 0:
		return usage("--timeout must not be negative")
	}
	return nil
}

// apply sets the library's options from the flags.
func (f readFlags) apply(o *verify.Options) {
	o.QueryTimeout, o.Retries = f.queryTimeout, f.retries
	if f.retries == 0 {
		o.Retries = -1 // none: the library's 0 is its default
	}
}

// withTimeout bounds ctx by --timeout, when given.
func (f readFlags) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, f.timeout, timeoutError(f.timeout))
}
