package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/preflight"
	"github.com/dbverify/dbverify/pkg/preflight/dbcheck"
)

// preflightFlags are the flags of `dbverify preflight`.
type preflightFlags struct {
	source      string
	tables      []string
	exclude     []string
	dmsMappings string
	lobMode     string
	lobMaxKB    int
	lobTimeout  time.Duration
}

func preflightCommand() *cli.Command {
	var f preflightFlags
	return &cli.Command{
		Name:      "preflight",
		Usage:     "check, read-only, that a database is ready to be the source of a DMS / CDC migration",
		UsageText: "dbverify preflight --source DSN [--tables PATTERNS] [--exclude PATTERNS] [--dms-mappings FILE] [--lob-mode MODE] [--lob-max-kb N]",
		Description: `Checks the source of a change-data-capture migration (AWS DMS full load + CDC, or
a binlog / logical replica) before anything is started, and lists every problem at once,
one line each: where, what, why, and the fix.

  MySQL, MariaDB, Aurora MySQL: binary logging on, binlog_format=ROW,
    binlog_row_image=FULL, binary logs kept at least 24 hours (on RDS:
    mysql.rds_show_configuration's "binlog retention hours")
  PostgreSQL: wal_level=logical (RDS: rds.logical_replication=1), a free replication
    slot and a free WAL sender; max_slot_wal_keep_size=-1 is a warning (a stopped task
    can fill the disk); each replication slot is shown with the WAL it retains, and one
    inactive (nothing consumes it) or lost is a warning
  every selected table: a primary key (MySQL: or a unique key on NOT NULL columns), else
    DMS cannot apply its updates and deletes
  LOB columns (MySQL TEXT, BLOB, JSON; PostgreSQL text, bytea, json, jsonb, xml,
    varchar without length): in limited LOB mode, the longest value of each is measured
    (one scan per table, at most --lob-timeout) and any over --lob-max-kb is listed,
    since DMS would truncate it. Full and inline modes do not truncate: no scan.

It only reads, in read-only transactions. Whether automated backups are on (which turns
binary logging on for RDS MySQL) is known only to AWS: 'dbverify migrate plan --check'
reads it.

Examples:
  dbverify preflight --source 'mysql://admin:${PW}@orders.abc.eu-west-1.rds.amazonaws.com/shop'
  dbverify preflight --source "$SRC" --tables 'orders,order_*' --lob-max-kb 64
  dbverify preflight --source "$SRC" --dms-mappings mappings.json --lob-mode full

Exit codes: 0 ready (warnings may be listed), 2 problems found (or bad usage),
3 the checks could not run (unreachable server, a scan past its timeout).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "source", Aliases: []string{"s"}, Usage: "source database `DSN`", Destination: &f.source, EnvVars: []string{"DBVERIFY_SOURCE"}},
			&cli.StringSliceFlag{Name: "tables", Usage: "tables to check: names or glob `PATTERN`s, comma-separated (default: all of the source's)"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "tables to leave out: names or glob `PATTERN`s"},
			&cli.StringFlag{Name: "dms-mappings", Usage: "check only the tables an AWS DMS table-mappings JSON `FILE` selects", Destination: &f.dmsMappings},
			&cli.StringFlag{Name: "lob-mode", Value: dbcheck.LOBLimited, Usage: "the DMS task's LOB `MODE`: limited, full or inline", Destination: &f.lobMode},
			&cli.IntFlag{Name: "lob-max-kb", Value: dbcheck.DefaultLOBMaxKB, Usage: "the task's LOB limit in limited mode (LobMaxSize, `KB`)", Destination: &f.lobMaxKB},
			&cli.DurationFlag{Name: "lob-timeout", Value: dbcheck.DefaultScanTimeout, Usage: "the longest one table's LOB scan may take (`DURATION`)", Destination: &f.lobTimeout},
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("preflight: %v", err) },
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usage("preflight takes no arguments (got %q); use --source DSN", c.Args().First())
			}
			f.tables = splitList(c.StringSlice("tables"))
			f.exclude = splitList(c.StringSlice("exclude"))
			return runPreflight(c.Context, f, c.App.Writer, c.App.ErrWriter)
		},
	}
}

func runPreflight(ctx context.Context, f preflightFlags, stdout, stderr io.Writer) error {
	if f.source == "" {
		return usage("preflight: --source is required")
	}
	if f.lobMaxKB <= 0 {
		return usage("preflight: --lob-max-kb: %d is not a positive number of KB", f.lobMaxKB)
	}
	opt := dbcheck.Options{Tables: f.tables, Exclude: f.exclude, LOBMode: f.lobMode, LOBMaxKB: f.lobMaxKB,
		ScanTimeout: f.lobTimeout, Progress: notePrinter(stderr)}
	if f.dmsMappings != "" {
		d, err := mapping.LoadDMS(f.dmsMappings)
		if err != nil {
			return usage("preflight: --dms-mappings: %v", err)
		}
		if opt.Mapping, err = mapping.New(mapping.Options{DMS: d}); err != nil {
			return usage("preflight: --dms-mappings: %v", err)
		}
	}
	found, err := dbcheck.Source(ctx, f.source, opt)
	if err != nil {
		if len(found) > 0 {
			found.Write(stdout)
		}
		return fail(err)
	}
	return findingsExit(found, stdout)
}

// findingsExit prints the findings and maps them to an exit: 2 when something must be fixed,
// 3 when nothing must but a check could not run, 0 otherwise (warnings included).
func findingsExit(found preflight.Findings, stdout io.Writer) error {
	if err := found.Write(stdout); err != nil {
		return &exitError{ExitFailure, err}
	}
	switch {
	case found.Count(preflight.Error) > 0:
		return &exitError{ExitUsage, nil}
	case found.Count(preflight.Unchecked) > 0:
		return &exitError{ExitFailure, errors.New("preflight: some checks could not run (listed above)")}
	}
	return nil
}

// notePrinter prints progress notes to w, one line each.
func notePrinter(w io.Writer) func(string) {
	var mu sync.Mutex
	return func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s preflight: %s\n", time.Now().Format("15:04:05"), msg)
	}
}
