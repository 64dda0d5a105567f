package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// The migrate subcommands that run apart from apply: ttl before the cutover window, finish and
// cleanup after the cutover.

// newWriteChecker builds the check that writes to the source stopped; tests replace it.
var newWriteChecker = func(s *awsmig.Spec) awsmig.WriteChecker {
	if s.Source.DSN == "" {
		return nil
	}
	return &sourceWrites{dsn: s.Source.DSN}
}

// sourceWrites tells whether the source still takes writes, from the source itself: it says
// it is read-only, or its write counter does not move over the settle time. It only reads.
type sourceWrites struct {
	dsn  string
	poll time.Duration // between reads of the counter; 0 means 1s
}

// writeProbeTimeout bounds each read of the source's settings and counters.
const writeProbeTimeout = time.Minute

// WritesStopped reads the source's read-only settings, then its write counter until settle has
// passed or it moved.
func (w *sourceWrites) WritesStopped(ctx context.Context, settle time.Duration) (bool, string, error) {
	e, err := verify.Open(ctx, verify.Source, w.dsn, verify.OpenOptions{Conns: 1})
	if err != nil {
		return false, "", err
	}
	defer e.Close()
	p, ok := e.DB.(dialect.WriteProbe)
	if !ok {
		return false, "", fmt.Errorf("source (%s): %s cannot tell whether it takes writes", e.DSN(), e.DB.Engine())
	}
	read := func(f func(context.Context) error) error {
		qctx, cancel := context.WithTimeout(ctx, writeProbeTimeout)
		defer cancel()
		if err := f(qctx); err != nil {
			return fmt.Errorf("source (%s): %w", e.DSN(), err)
		}
		return nil
	}
	var ro bool
	var why string
	if err := read(func(ctx context.Context) (err error) { ro, why, err = p.ReadOnly(ctx); return }); err != nil {
		return false, "", err
	}
	if ro {
		return true, "the source is read-only: " + why, nil
	}
	var n0 uint64
	var what string
	if err := read(func(ctx context.Context) (err error) { n0, what, err = p.WriteCount(ctx); return }); err != nil {
		return false, "", err
	}
	poll := w.poll
	if poll <= 0 {
		poll = time.Second
	}
	start := time.Now()
	for {
		left := settle - time.Since(start)
		if left <= 0 {
			return true, fmt.Sprintf("%s did not move in %s", what, settle), nil
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, "", ctx.Err()
		case <-t.C:
		}
		var n uint64
		if err := read(func(ctx context.Context) (err error) { n, _, err = p.WriteCount(ctx); return }); err != nil {
			return false, "", err
		}
		if n != n0 {
			return false, fmt.Sprintf("%s moved by %d within %s", what, n-n0, time.Since(start).Round(time.Millisecond)), nil
		}
	}
}

// migrateOpsCommands are the ttl, finish and cleanup subcommands.
func migrateOpsCommands(f *migrateFlags, sub func(name, usageText, summary, description string, flags []cli.Flag, run func(*cli.Context) error) *cli.Command) []*cli.Command {
	return []*cli.Command{
		sub("ttl", "dbverify migrate ttl --spec FILE [--state FILE]",
			"lower the DNS record's TTL now, hours before the cutover window",
			`Lowers the TTL of the spec's DNS record to dns.ttl, keeping its value, waits until Route 53
has applied it, and records when. Resolvers may keep the old value for as long as the old
TTL: run this at least that long before the cutover window. apply --cutover refuses, unless
--force, until the old TTL (or dns.drain) has passed since the TTL was lowered; without this
step, the cutover lowers the TTL itself and so refuses when the old TTL is longer than a poll.

Example:
  dbverify migrate ttl --spec orders.yaml`,
			nil, func(c *cli.Context) error { return runMigrateTTL(c.Context, *f, c.App.Writer, c.App.ErrWriter) }),
		sub("finish", "dbverify migrate finish --spec FILE [--state FILE]",
			"after the cutover: stop the DMS task",
			`After the cutover (and its clean gate) applications write to the target; finish stops the
DMS task, so that nothing still written to the source is copied over them, waits until it is
stopped and records it. With dms.validation it prints DMS's own validation beside.

Example:
  dbverify migrate finish --spec orders.yaml`,
			nil, func(c *cli.Context) error { return runMigrateFinish(c.Context, *f, c.App.Writer, c.App.ErrWriter) }),
		sub("cleanup", "dbverify migrate cleanup --spec FILE [--state FILE] [--yes]",
			"after finish: delete what the run created, and the old source with a final snapshot",
			`Lists, then with --yes deletes: the DMS task; the replication instance and endpoints if
the run created them (dms.create); the source snapshot and its copies the run took; and
last the old source DB instance, after RDS takes its final snapshot dbv-NAME-final. Only
what carries this migration's tag is deleted (the old source is named by the spec); anything
else found under the run's names is listed as kept. The target and the DNS record are never
touched. Without --yes it deletes nothing and, when there is something to delete, exits 2,
like failback: what was asked was not done.

Examples:
  dbverify migrate cleanup --spec orders.yaml          # what would be deleted
  dbverify migrate cleanup --spec orders.yaml --yes`,
			[]cli.Flag{
				&cli.BoolFlag{Name: "yes", Usage: "delete what is listed, the old source instance included", Destination: &f.yes},
			}, func(c *cli.Context) error { return runMigrateCleanup(c.Context, *f, c.App.Writer, c.App.ErrWriter) }),
	}
}

// openRunner loads the spec, builds the clients and opens (locks) the state, for the
// subcommands that change things. Close the state file when done.
func openRunner(ctx context.Context, f migrateFlags, stderr io.Writer) (*awsmig.Spec, *awsmig.Runner, *awsmig.StateFile, error) {
	s, err := loadSpec(f.spec)
	if err != nil {
		return nil, nil, nil, err
	}
	cl, err := newClients(ctx, s)
	if err != nil {
		return nil, nil, nil, fail(err)
	}
	st, err := awsmig.OpenState(statePath(f), s.Name)
	if err != nil {
		return nil, nil, nil, fail(err)
	}
	r, err := awsmig.NewRunner(s, cl, st, awsmig.Options{Progress: progressPrinter(stderr), Logger: logger(f.verbose, stderr)})
	if err != nil {
		st.Close()
		return nil, nil, nil, migrateFail(err)
	}
	return s, r, st, nil
}

func runMigrateTTL(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	_, r, st, err := openRunner(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	note, err := r.LowerTTL(ctx)
	if err != nil {
		return migrateFail(err)
	}
	fmt.Fprintf(stdout, "TTL lowered: %s\n", note)
	return nil
}

func runMigrateFinish(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	s, r, st, err := openRunner(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	note, err := r.Finish(ctx)
	if err != nil {
		return migrateFail(err)
	}
	fmt.Fprintf(stdout, "Migration %s finished: %s. Next, when you no longer need the old source: dbverify migrate cleanup --spec %s\n", s.Name, note, f.spec)
	return nil
}

func runMigrateCleanup(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	_, r, st, err := openRunner(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	items, kept, err := r.CleanupPlan(ctx)
	if err != nil {
		return migrateFail(err)
	}
	verb := "Would delete"
	if f.yes {
		verb = "Deleting"
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, "Nothing to delete.")
	} else {
		fmt.Fprintf(stdout, "%s, in this order:\n", verb)
		for _, it := range items {
			fmt.Fprintf(stdout, "  %s\n", it)
		}
	}
	for _, k := range kept {
		fmt.Fprintf(stdout, "Kept: %s\n", k)
	}
	if !f.yes {
		if len(items) == 0 {
			return nil
		}
		return usage("cleanup: nothing deleted; re-run with --yes to delete what is listed")
	}
	if err := r.Cleanup(ctx, items); err != nil {
		return migrateFail(err)
	}
	if len(items) > 0 {
		fmt.Fprintf(stdout, "Deleted %d resources.\n", len(items))
	}
	return nil
}
