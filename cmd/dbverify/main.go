// Command dbverify proves a migrated database holds exactly the data of its source.
// See `dbverify --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dbverify/dbverify/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
