package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/verify"
)

// reportFlags are the flags of the commands that work from a saved report (recheck, repair).
type reportFlags struct {
	report, source, target string
	output, out            string
	workers                int
	verbose                bool
	reads                  readFlags // as compare's: --retries, --query-timeout, --timeout
}

func (f *reportFlags) flags() []cli.Flag {
	return append(append([]cli.Flag{
		&cli.StringFlag{Name: "report", Usage: "read the compare's JSON report (compare -o json) from `FILE`", Destination: &f.report, Required: true},
		&cli.StringFlag{Name: "source", Usage: "the source database, as a `DSN` (the report holds it masked: give it again)", Destination: &f.source, Required: true},
		&cli.StringFlag{Name: "target", Usage: "the target database, as a `DSN`", Destination: &f.target, Required: true},
		&cli.IntFlag{Name: "workers", Value: 4, Usage: "read with `N` connections per side", Destination: &f.workers},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log each step to stderr", Destination: &f.verbose},
	}, f.reads.flagList()...), f.reads.timeoutFlag("a run still going then stops, exit 3 (default: none)"))
}

// open reads the report and opens both sides. The caller closes all three.
func (f *reportFlags) open(ctx context.Context, stderr io.Writer) (*verify.Report, *verify.Endpoint, *verify.Endpoint, verify.Options, error) {
	opt := verify.Options{Workers: f.workers, Logger: logger(f.verbose, stderr)}
	f.reads.apply(&opt)
	if f.workers < 1 {
		return nil, nil, nil, opt, usage("--workers %d: want 1 or more", f.workers)
	}
	if err := f.reads.check(); err != nil {
		return nil, nil, nil, opt, err
	}
	file, err := os.Open(f.report)
	if err != nil {
		return nil, nil, nil, opt, usage("--report: %v", err)
	}
	rep, err := verify.ReadReport(file)
	file.Close()
	if err != nil {
		return nil, nil, nil, opt, usage("--report %s: %v", f.report, err)
	}
	src, tgt, err := openBoth(ctx, f.source, f.target, f.workers+2)
	if err != nil {
		rep.Close()
		return nil, nil, nil, opt, failIn(ctx, err)
	}
	return rep, src, tgt, opt, nil
}

func recheckCommand() *cli.Command {
	var f reportFlags
	return &cli.Command{
		Name:      "recheck",
		Usage:     "read again only the rows a saved report lists, and say which still differ",
		UsageText: "dbverify recheck --report FILE --source DSN --target DSN [--output text|json]",
		Description: `Reads the rows a compare's JSON report lists again, by key, on both sides, and says
of each whether it still differs (and how, with the values read now) or is resolved: a
fast confirmation after a repair, or once replication has caught up, without a new full
compare. Rows are read as the compare read them: the report's columns, row filters and
tolerances. Both databases are only read.

The report holds the DSNs with their passwords masked: give --source and --target again.
They must reach the engines and databases the report names; a table whose key is no
longer the report's is refused. A table whose report lists only some of its differing
rows (--max-diffs) is rechecked for those, and said to be partial. Waits are bounded and
failed reads tried again as in compare: --query-timeout, --retries, --timeout.

Examples:
  dbverify compare --source $SRC --target $TGT -o json > report.json
  dbverify recheck --report report.json --source $SRC --target $TGT
  dbverify recheck --report report.json --source $SRC --target $TGT -o json | jq '.tables[].rows[] | select(.resolved | not) | .key'

Exit codes: 0 every listed row resolved (and every differing row was listed), 1 rows
still differ (or only some were listed), 2 bad usage or a report that does not fit the
databases, 3 failure (a table the report names is gone, a connection, a server silent past
--query-timeout, --timeout passed).`,
		Flags: append(f.flags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "write the result as `FORMAT`: text or json", Destination: &f.output}),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("recheck: %v", err) },
		Action: func(c *cli.Context) error {
			return runRecheck(c.Context, f, c.App.Writer, c.App.ErrWriter)
		},
	}
}

func runRecheck(ctx context.Context, f reportFlags, stdout, stderr io.Writer) error {
	if f.output != "text" && f.output != "json" {
		return usage("--output %q: want text or json", f.output)
	}
	var res *verify.RecheckResult
	err := f.withReport(ctx, stderr, func(ctx context.Context, rep *verify.Report, src, tgt *verify.Endpoint, opt verify.Options) (err error) {
		res, err = verify.Recheck(ctx, src, tgt, rep, opt)
		return err
	})
	if err != nil {
		return err
	}
	if f.output == "json" {
		err = res.WriteJSON(stdout)
	} else {
		err = res.WriteText(stdout)
	}
	if err != nil {
		return &exitError{ExitFailure, fmt.Errorf("write recheck: %w", err)}
	}
	if !res.Clean() {
		return &exitError{code: ExitDiffer}
	}
	return nil
}

func repairCommand() *cli.Command {
	var f reportFlags
	return &cli.Command{
		Name:      "repair",
		Usage:     "write the SQL that makes the target match, from a saved report",
		UsageText: "dbverify repair --report FILE --source DSN --target DSN --out FILE",
		Description: `Writes the repair SQL for the differences a compare's JSON report lists, as
compare --repair would have: DELETE for extra rows, UPDATE of the differing columns, INSERT
for missing rows, in the target's dialect, in one transaction, with the source's values read
again now. dbverify never runs it: review it, then run it on the target (mysql ... < FILE,
psql -v ON_ERROR_STOP=1 -f FILE). The file appears only once it is whole (written to a
temporary file beside it, then renamed).

The report holds the DSNs with their passwords masked: give --source and --target again.
They must reach the engines and databases the report names. Tables whose report lists only
some differences (--max-diffs), without a key, or whose target has no unique index on it
are named in the file and left out. Waits are bounded and failed reads tried again as in
compare: --query-timeout, --retries, --timeout.

Examples:
  dbverify compare --source $SRC --target $TGT -o json > report.json
  dbverify repair --report report.json --source $SRC --target $TGT --out fix.sql

Exit codes: 0 written, 2 bad usage or a report that does not fit the databases, 3 failure.`,
		Flags: append(f.flags(),
			&cli.StringFlag{Name: "out", Usage: "write the SQL to `FILE`", Destination: &f.out, Required: true}),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("repair: %v", err) },
		Action: func(c *cli.Context) error {
			return runRepairReport(c.Context, f, c.App.ErrWriter)
		},
	}
}

func runRepairReport(ctx context.Context, f reportFlags, stderr io.Writer) error {
	// The temporary file is made first: a directory that cannot be written fails now.
	out, err := createAtomic(f.out)
	if err != nil {
		return usage("--out: %v", err)
	}
	defer out.Discard()
	var res *verify.RepairResult
	err = f.withReport(ctx, stderr, func(ctx context.Context, rep *verify.Report, src, tgt *verify.Endpoint, opt verify.Options) (err error) {
		res, err = verify.Repair(ctx, src, tgt, rep, opt, out)
		if err != nil {
			err = fmt.Errorf("repair %s: %w", f.out, err)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return &exitError{ExitFailure, fmt.Errorf("repair: %w", err)}
	}
	fmt.Fprintf(stderr, "repair SQL: %s written to %s; review it, then run it on the target\n", plural(res.Statements, "statement", "statements"), f.out)
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "repair SQL: left out %s\n", s)
	}
	return nil
}

// withReport runs fn, under --timeout, on the saved report and both sides opened for it, and
// closes them after; an error of fn is mapped to its exit as the end of ctx explains it.
func (f *reportFlags) withReport(ctx context.Context, stderr io.Writer, fn func(context.Context, *verify.Report, *verify.Endpoint, *verify.Endpoint, verify.Options) error) error {
	ctx, cancel := f.reads.withTimeout(ctx)
	defer cancel()
	rep, src, tgt, opt, err := f.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer rep.Close()
	defer src.Close()
	defer tgt.Close()
	if err := fn(ctx, rep, src, tgt, opt); err != nil {
		return failIn(ctx, err)
	}
	return nil
}
