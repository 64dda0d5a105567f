// Command dbverify proves a migrated database holds exactly the data of its source.
// See `dbverify --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/dbverify/dbverify/internal/cli"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// Drivers allocate a little per column of every row and the live heap stays small, so
		// collecting less often is nearly free in memory: 12% less wall time on a 1M-row compare
		// (bench, 2026-11-22). GOGC in the environment still wins.
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit keeps that from growing the heap past it: the rows kept per chunk for
		// matching (up to 200,000 a side per worker) are live, and GOGC 400 lets the heap reach
		// five times what is live. GOMEMLIMIT in the environment still wins.
		debug.SetMemoryLimit(160 << 20)
	}
	// The first SIGINT or SIGTERM stops the run (exit 130 or 143): a compare with a checkpoint
	// lets the chunks under way finish into it first, and a second signal stops it at once;
	// any other run stops at once, and a second signal ends the process the default way.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		if cli.SoftStop(s.(syscall.Signal)) {
			fmt.Fprintln(os.Stderr, "dbverify: finishing the chunks under way into the checkpoint; the same signal again stops at once")
			s = <-sigs
		}
		signal.Stop(sigs)
		cancel(cli.Interrupted{Signal: s.(syscall.Signal)})
	}()
	code := cli.Main(ctx, os.Args, os.Stdout, os.Stderr)
	cancel(nil)
	os.Exit(code)
}
