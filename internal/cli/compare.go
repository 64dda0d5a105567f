package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/verify"
)

// compareFlags are the flags of `dbverify compare`.
type compareFlags struct {
	source, target    string
	tables, exclude   []string
	where             string            // the condition for every table
	tableWhere        map[string]string // conditions scoped to one table
	wheres            whereList         // --where as given
	columns, ignore   []string
	strict            bool
	workers           int
	chunkRows         int
	chunkTime         time.Duration
	chunkLimit        time.Duration
	reads             readFlags // --retries, --query-timeout, --timeout
	maxRunning        int64
	maxLag            time.Duration
	maxRate           int64
	checkpoint        string
	resume            bool
	shard             string
	shards            int
	maxDiffs          int
	floatDigits       []string
	timePrecision     []string
	output            string
	progress, verbose bool
	mapCase           string
	renameTables      []string
	renameColumns     []string
	targetSchema      string
	dmsMappings       string
	cpuProfile        string
	mode              string
	hash              string
	repair            string
	watch             watchFlags
	creds             credFlags
}

func compareCommand() *cli.Command {
	var f compareFlags
	return &cli.Command{
		Name:      "compare",
		Usage:     "compare a source and a target database and list every differing row",
		UsageText: "dbverify compare --source DSN --target DSN [options]",
		Description: `Compares the selected tables of the source and the target, chunk by chunk, and
lists every row missing on the target, extra on the target, or changed (with the
columns that differ and both values). Both databases are only read.

DSNs: mysql://user:pass@host:3306/db?tls=true, postgres://user:pass@host:5432/db,
or the drivers' native forms (user:pass@tcp(host:3306)/db, "host=... dbname=...").

` + credentialsHelp + `

` + configHelp + `

Examples:
  dbverify compare --source mysql://root@127.0.0.1:3306/shop --target mysql://root@10.0.0.2:3306/shop
  dbverify compare --source $SRC --target $TGT --tables 'orders,order_*' --exclude audit_log
  dbverify compare --source $SRC --target $TGT --where "created_at < '2026-01-01'" --output json
  dbverify compare --source $SRC --target $TGT --where "created_at < '2026-01-01'" --where "audit_log:logged_at < '2026-01-01'"
  dbverify compare --source $SRC --target $TGT --ignore-columns address.location   (dropped on the target)
  dbverify compare --source $SRC --target $TGT --strict   (refuse columns no side can compare, not skip them)
  dbverify compare --source $SRC --target $TGT --workers 8 --chunk-time 250ms
  dbverify compare --source $SRC --target $TGT --mode stream
  dbverify compare --source $SRC --target $TGT --repair fix-target.sql
  dbverify compare --source $SRC --target $TGT -o json > report.json   (later: dbverify recheck
      --report report.json ... to read only its rows again; dbverify repair --report ... for SQL)
  dbverify compare --source $SRC --target $TGT --timeout 2h --query-timeout 10m
  dbverify compare --source $SRC --target $TGT --checkpoint run.cp   (then, after a stop: ... --resume)
  dbverify compare --source $SRC --target $TGT --shard 0/4 -o json > part0.json   (and 1/4, 2/4, 3/4;
      then: dbverify merge part*.json)

Modes: pushdown has each database hash its rows in SQL, so one row per chunk crosses the
network; stream reads the rows and hashes them here. auto (the default) pushes down each side
that can write every column of a table in SQL under the pair's hash family and streams the
rest (floats, JSON, tolerances, keys that collate differently); the report says which mode
each table used and why. Across MySQL and PostgreSQL the MySQL side pushes down and the
PostgreSQL side streams; --hash md5 pushes both down (slower on PostgreSQL, less traffic).

--repair FILE writes the SQL that makes the target match (with --until-clean, only the rows
confirmed as drift): DELETE for extra rows, UPDATE of
the differing columns, INSERT for missing rows, in the target's dialect, in one transaction,
with the source's values read again when it is written. dbverify never runs it: review it,
then run it on the target (mysql ... < FILE, psql -v ON_ERROR_STOP=1 -f FILE). FILE is
replaced only once the new script is written whole: a run that fails or is interrupted
leaves a script already there as it was. Tables with
more differences than --max-diffs, without a key, or whose target has no unique index on it
are named in the file and left out.

Every wait is bounded: a login by the DSN's timeout (MySQL) or connect_timeout (PostgreSQL),
10s by default; each query by --query-timeout (a stream: each row); the whole run by --timeout.
A server that stops answering stops the run with one line naming the side, the table and what
it waited for (exit 3); a wait past 10s is told on stderr as it happens.

Exit codes: 0 identical, 1 differences found, 2 bad usage, 3 failure, 130/143 stopped by
SIGINT/SIGTERM.`,
		Flags: append(append(f.flagList(), f.watchFlagList(false)...),
			&cli.StringFlag{Name: "repair", Usage: "write SQL that makes the target match the source to `FILE` (never run by dbverify)", Destination: &f.repair}),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("compare: %v", err) },
		Before:       loadConfig,
		Action: func(c *cli.Context) error {
			if err := f.read(c); err != nil {
				return err
			}
			return runCompare(c.Context, f, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// flagList is the flags a compare takes (compare and watch).
func (f *compareFlags) flagList() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "source", Aliases: []string{"s"}, Usage: "source database `DSN`", Destination: &f.source, EnvVars: []string{"DBVERIFY_SOURCE"}},
		&cli.StringFlag{Name: "target", Aliases: []string{"t"}, Usage: "target database `DSN`", Destination: &f.target, EnvVars: []string{"DBVERIFY_TARGET"}},
		&cli.StringSliceFlag{Name: "tables", Usage: "tables to compare: names or glob `PATTERN`s, comma-separated (default: all of the source's)"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "tables to leave out: names or glob `PATTERN`s"},
		&cli.GenericFlag{Name: "where", Usage: whereUsage, Value: &f.wheres},
		&cli.StringSliceFlag{Name: "columns", Usage: "compare only these `COLUMNS` (key columns always): COLUMN for every table that has it, TABLE.COLUMN (or SCHEMA.TABLE.COLUMN) for one table"},
		&cli.StringSliceFlag{Name: "ignore-columns", Usage: "leave these `COLUMNS` out, named as in --columns; a column one side lacks (dropped in the migration) too"},
		&cli.BoolFlag{Name: "strict", Usage: "refuse (exit 2) a column that no side can compare (e.g. MySQL SET against a PostgreSQL enum array); without it such a column is skipped with a warning and listed in the report", Destination: &f.strict},
		&cli.IntFlag{Name: "workers", Aliases: []string{"w"}, Value: 4, Usage: "chunks hashed at once, each on both sides (`N`)", Destination: &f.workers},
		&cli.StringFlag{Name: "mode", Value: "auto", Usage: "how rows are hashed (`MODE`): auto, pushdown (in SQL, by each database) or stream (here)", Destination: &f.mode},
		&cli.StringFlag{Name: "hash", Value: "auto", Usage: "row-hash `FAMILY`: auto (by engine pair), md5 (every engine computes it in SQL: full pushdown across engines, at a CPU cost), crcmix (CRC32 and CRC32C of each row, mixed: MariaDB 10.8+ and Go) or pg64", Destination: &f.hash},
		&cli.IntFlag{Name: "chunk-rows", Usage: "fixed rows per chunk (`N`); default: sized by --chunk-time", Destination: &f.chunkRows},
		&cli.DurationFlag{Name: "chunk-time", Usage: "target time per chunk (`DURATION`)", Value: 500 * time.Millisecond, Destination: &f.chunkTime},
		&cli.DurationFlag{Name: "chunk-limit", Usage: "a chunk hashing longer than `DURATION` is stopped (server-side too) and, once both servers answer a ping, cut in two, integer keys only (default: 10x --chunk-time, at least 5s)", Destination: &f.chunkLimit},
		&cli.Int64Flag{Name: "max-running", Usage: "pause between chunks while the source runs more than `N` statements at once (MySQL Threads_running, PostgreSQL active backends); 0: never", Destination: &f.maxRunning},
		&cli.DurationFlag{Name: "max-lag", Usage: "pause between chunks while the source's replicas trail it by more than `DURATION`; 0: never", Destination: &f.maxLag},
		&cli.Int64Flag{Name: "max-rate", Usage: "hash at most `ROWS` source rows a second, on average; 0: no limit", Destination: &f.maxRate},
		&cli.StringFlag{Name: "checkpoint", Usage: "record each finished chunk in `FILE` (synced as it goes), so that a compare stopped part way can be resumed with --resume", Destination: &f.checkpoint},
		&cli.BoolFlag{Name: "resume", Usage: "go on from --checkpoint FILE: finished chunks are taken from it (refused if a table's definition or the digest options changed); the report is the one an uninterrupted run gives", Destination: &f.resume},
		&cli.StringFlag{Name: "shard", Usage: "compare only shard `I/N` of every table's chunks (I from 0), for one of N processes; dbverify merge adds their JSON reports up. Needs --output json", Destination: &f.shard},
		&cli.IntFlag{Name: "shards", Usage: "as --shard, for one of `N` processes of a job array: the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX or CLOUD_RUN_TASK_INDEX", Destination: &f.shards},
	}
	flags = append(flags, f.reads.flagList()...)
	flags = append(flags,
		&cli.IntFlag{Name: "max-diffs", Value: 1000, Usage: "differing rows listed per table (`N`); counts are always exact", Destination: &f.maxDiffs},
		&cli.StringFlag{Name: "map", Usage: "target names from source names by a `RULE`: identity, lower, upper or snake_case (OrderId -> order_id)", Destination: &f.mapCase},
		&cli.StringSliceFlag{Name: "rename-table", Usage: "a table's target name, `SOURCE=TARGET` (repeatable)"},
		&cli.StringSliceFlag{Name: "rename-column", Usage: "a column's target name, `TABLE.COLUMN=TARGET` (repeatable)"},
		&cli.StringFlag{Name: "target-schema", Usage: "look tables up in this target `SCHEMA` (PostgreSQL schema or MySQL database)", Destination: &f.targetSchema},
		&cli.StringFlag{Name: "dms-mappings", Usage: "apply an AWS DMS table-mappings JSON `FILE`: its selection, renames, removed columns and filters", Destination: &f.dmsMappings},
		&cli.StringSliceFlag{Name: "float-digits", Usage: "compare FLOAT/DOUBLE columns to `N` significant digits: N for all, or COLUMN=N, TABLE.COLUMN=N (repeatable; default: exactly)"},
		&cli.StringSliceFlag{Name: "time-precision", Usage: "truncate times and timestamps to `PRECISION` (1s, 1ms, ...) before comparing: P for all, or COLUMN=P, TABLE.COLUMN=P (repeatable; default: exactly)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "report `FORMAT`: text; json; junit (JUnit XML, a test case per table, for CI); csv (the differing rows)", Destination: &f.output},
		&cli.BoolFlag{Name: "progress", Value: true, Usage: "show a progress bar on stderr when both stdout and stderr are terminals", Destination: &f.progress},
		&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write a Go CPU profile to `FILE` (for performance work)", Destination: &f.cpuProfile},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log chunk-level detail to stderr", Destination: &f.verbose})
	return append(flags, append(f.creds.flagList(), configFlag())...)
}

// read collects the list flags and checks what urfave/cli cannot.
func (f *compareFlags) read(c *cli.Context) error {
	f.tables = splitList(c.StringSlice("tables"))
	f.exclude = splitList(c.StringSlice("exclude"))
	f.columns = splitList(c.StringSlice("columns"))
	f.ignore = splitList(c.StringSlice("ignore-columns"))
	f.renameTables = splitList(c.StringSlice("rename-table"))
	f.renameColumns = splitList(c.StringSlice("rename-column"))
	f.floatDigits = splitList(c.StringSlice("float-digits"))
	f.timePrecision = splitList(c.StringSlice("time-precision"))
	var err error
	if f.where, f.tableWhere, err = parseWhere(f.wheres); err != nil {
		return err
	}
	if f.watch.untilClean && !c.IsSet("timeout") && c.Command.Name == "compare" {
		f.reads.timeout = time.Hour // the gate's default bound
	}
	if c.IsSet("chunk-rows") && c.IsSet("chunk-time") {
		return usage("--chunk-rows and --chunk-time exclude each other")
	}
	if c.Command.Name == "watch" && f.output != "text" && f.output != "json" {
		return usage("watch writes events as text or json lines, not %q", f.output)
	}
	if c.Args().Len() > 0 {
		return usage("%s takes no arguments (got %q); use --source and --target", c.Command.Name, c.Args().First())
	}
	return nil
}

// splitList flattens repeated and comma-separated flag values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func runCompare(ctx context.Context, f compareFlags, stdout, stderr io.Writer) error {
	if f.cpuProfile != "" {
		out, err := os.Create(f.cpuProfile)
		if err != nil {
			return usage("--cpuprofile: %v", err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return usage("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := f.reads.withTimeout(ctx) // connecting included
	defer cancel()
	src, tgt, opt, err := f.setup(ctx, stderr)
	if err != nil {
		return err
	}
	defer src.Close()
	defer tgt.Close()
	var repair *atomicFile
	if f.repair != "" {
		// Opened first: a path that cannot be written fails now, not after a long compare. The
		// file there is replaced only once the new one is written whole.
		if repair, err = createAtomic(f.repair); err != nil {
			return usage("--repair: %v", err)
		}
		defer repair.Discard()
	}
	if f.watch.untilClean {
		return runGate(ctx, f, src, tgt, opt, repair, stdout, stderr)
	}
	bar := newBar(f.progress, stdout, stderr)
	if bar != nil {
		opt.Progress = bar
	}
	var stoppedBy func() (syscall.Signal, bool)
	if f.checkpoint != "" {
		cp, err := verify.OpenCheckpoint(f.checkpoint, f.resume)
		if err != nil {
			return fail(fmt.Errorf("--checkpoint: %w", err))
		}
		defer cp.Close()
		opt.Checkpoint = cp
		// A first SIGINT or SIGTERM lets the chunks under way finish into the checkpoint.
		opt.Stop, stoppedBy = gentle()
		defer stoppedBy()
	}
	rep, err := verify.Compare(ctx, src, tgt, opt)
	bar.finish()
	if err != nil {
		if cp := opt.Checkpoint; cp != nil {
			run, all := cp.Recorded()
			fmt.Fprintf(stderr, "dbverify: checkpoint %s: %d chunks recorded by this run, %d in all; go on with --checkpoint %s --resume\n", cp.Path(), run, all, cp.Path())
		}
		if errors.Is(err, verify.ErrStopped) && stoppedBy != nil {
			if sig, ok := stoppedBy(); ok {
				intr := Interrupted{Signal: sig}
				return &exitError{intr.ExitCode(), fmt.Errorf("%s; stopped once the chunks under way had finished", intr)}
			}
		}
		return failIn(ctx, err)
	}
	defer rep.Close()
	if err := writeReport(stdout, rep, f.output); err != nil {
		return &exitError{ExitFailure, fmt.Errorf("write report: %w", err)}
	}
	if repair != nil {
		if err := writeRepair(ctx, src, tgt, rep, opt, repair, stderr); err != nil {
			return err
		}
	}
	if !rep.Identical() {
		return &exitError{code: ExitDiffer}
	}
	return nil
}

// writeRepair writes the repair SQL for rep to f and says on stderr what it holds.
func writeRepair(ctx context.Context, src, tgt *verify.Endpoint, rep *verify.Report, opt verify.Options, f *atomicFile, stderr io.Writer) error {
	res, err := verify.Repair(ctx, src, tgt, rep, opt, f)
	if err == nil {
		err = f.Commit()
	}
	if err != nil {
		f.Discard() // a partial script never replaces the file
		return fail(fmt.Errorf("--repair %s: %w", f.Name(), err))
	}
	fmt.Fprintf(stderr, "repair SQL: %s written to %s; review it, then run it on the target\n", plural(res.Statements, "statement", "statements"), f.Name())
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "repair SQL: left out %s\n", s)
	}
	return nil
}

// setup checks the flags, opens both sides and builds the compare's options. The caller closes
// both endpoints.
func (f compareFlags) setup(ctx context.Context, stderr io.Writer) (src, tgt *verify.Endpoint, opt verify.Options, err error) {
	switch {
	case f.source == "":
		err = usage("--source is required")
	case f.target == "":
		err = usage("--target is required")
	case checkOutput(f.output) != nil:
		err = checkOutput(f.output)
	case f.workers < 1:
		err = usage("--workers must be at least 1")
	case verify.Mode(f.mode) != verify.ModeAuto && verify.Mode(f.mode) != verify.ModePushdown && verify.Mode(f.mode) != verify.ModeStream:
		err = usage("--mode must be auto, pushdown or stream, not %q", f.mode)
	case f.chunkRows < 0:
		err = usage("--chunk-rows must not be negative")
	case f.chunkTime <= 0:
		err = usage("--chunk-time must be positive")
	case f.chunkLimit < 0 || f.chunkLimit > 0 && f.chunkLimit < 2*f.chunkTime:
		err = usage("--chunk-limit must be at least twice --chunk-time (%s)", f.chunkTime)
	case f.reads.check() != nil:
		err = f.reads.check()
	case f.shard != "" && f.shards != 0:
		err = usage("--shard and --shards: give one")
	case (f.shard != "" || f.shards != 0) && f.output != "json":
		err = usage("--shard writes a partial report for dbverify merge: add --output json")
	case (f.shard != "" || f.shards != 0) && (f.checkpoint != "" || f.watch.untilClean || f.repair != ""):
		err = usage("--shard compares a share of the chunks: it cannot go with --checkpoint, --until-clean or --repair (run repair on the merged report's compare)")
	case f.checkpoint != "" && f.watch.untilClean:
		err = usage("--checkpoint resumes one compare; --until-clean reads the tables afresh each pass")
	case f.resume && f.checkpoint == "":
		err = usage("--resume needs --checkpoint FILE: the file to resume from")
	case f.maxRunning < 0 || f.maxLag < 0 || f.maxRate < 0:
		err = usage("--max-running, --max-lag and --max-rate must not be negative")
	case f.reads.queryTimeout > 0 && f.chunkLimit > f.reads.queryTimeout:
		err = usage("--chunk-limit (%s) must not exceed --query-timeout (%s)", f.chunkLimit, f.reads.queryTimeout)
	case f.maxDiffs < 1:
		err = usage("--max-diffs must be at least 1")
	default:
		err = f.checkWatch()
	}
	if err != nil {
		return nil, nil, opt, err
	}
	mapper, err := f.mapper()
	if err != nil {
		return nil, nil, opt, err
	}
	opt, err = f.tolerances() // the rest of the options once both sides are open
	if err != nil {
		return nil, nil, opt, err
	}
	var shard verify.Shard
	switch {
	case f.shard != "":
		if shard, err = verify.ParseShard(f.shard); err != nil {
			return nil, nil, opt, usage("--shard: %v", err)
		}
	case f.shards < 0:
		return nil, nil, opt, usage("--shards must not be negative")
	case f.shards > 0:
		if shard, err = verify.ShardFromEnv(f.shards); err != nil {
			return nil, nil, opt, usage("--shards %d: %v", f.shards, err)
		}
	}
	src, tgt, err = f.creds.openBoth(ctx, f.source, f.target, f.workers+2, stderr)
	if err != nil {
		return nil, nil, opt, failIn(ctx, err)
	}
	opt.Tables, opt.Exclude, opt.Where, opt.TableWhere = f.tables, f.exclude, f.where, f.tableWhere
	opt.Columns, opt.IgnoreColumns, opt.Mapping, opt.Strict = f.columns, f.ignore, mapper, f.strict
	opt.Workers, opt.ChunkRows, opt.ChunkTime, opt.MaxDiffs = f.workers, f.chunkRows, f.chunkTime, f.maxDiffs
	opt.Mode, opt.Hash, opt.ChunkLimit = verify.Mode(f.mode), verify.HashFamily(f.hash), f.chunkLimit
	f.reads.apply(&opt)
	opt.Throttle = verify.Throttle{MaxRunning: f.maxRunning, MaxLag: f.maxLag, RowsPerSecond: f.maxRate}
	opt.Shard = shard
	opt.Logger = logger(f.verbose, stderr)
	return src, tgt, opt, nil
}

// mapper builds the name mapping from the flags; nil when none is given.
func (f compareFlags) mapper() (*mapping.Mapper, error) {
	if f.mapCase == "" && len(f.renameTables) == 0 && len(f.renameColumns) == 0 && f.targetSchema == "" && f.dmsMappings == "" {
		return nil, nil
	}
	o := mapping.Options{Schema: f.targetSchema, Tables: map[string]string{}, Columns: map[string]string{}}
	var err error
	if o.Case, err = mapping.ParseCase(f.mapCase); err != nil {
		return nil, usage("--map: %v", err)
	}
	if err := parseRenames(f.renameTables, "--rename-table", "SOURCE=TARGET", false, o.Tables); err != nil {
		return nil, err
	}
	if err := parseRenames(f.renameColumns, "--rename-column", "TABLE.COLUMN=TARGET", true, o.Columns); err != nil {
		return nil, err
	}
	if f.dmsMappings != "" {
		if o.DMS, err = mapping.LoadDMS(f.dmsMappings); err != nil {
			return nil, usage("--dms-mappings: %v", err)
		}
	}
	m, err := mapping.New(o)
	if err != nil {
		return nil, usage("%v", err)
	}
	return m, nil
}

// tolerances reads --float-digits and --time-precision: a value for every column, or
// COLUMN=value pairs.
func (f compareFlags) tolerances() (verify.Options, error) {
	var o verify.Options
	for _, v := range f.floatDigits {
		col, val, per := strings.Cut(v, "=")
		if !per {
			val = col
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > 17 {
			return o, usage("--float-digits %q: want N or COLUMN=N with N from 1 to 17", v)
		}
		if !per {
			o.FloatDigits = n
			continue
		}
		if o.ColumnFloatDigits == nil {
			o.ColumnFloatDigits = map[string]int{}
		}
		o.ColumnFloatDigits[col] = n
	}
	for _, v := range f.timePrecision {
		col, val, per := strings.Cut(v, "=")
		if !per {
			val = col
		}
		p, err := time.ParseDuration(val)
		if err != nil || !powerOfTen(p) {
			return o, usage("--time-precision %q: want 1s, 100ms, 10ms, 1ms, 100µs, 10µs or 1µs, for all columns or as COLUMN=1ms", v)
		}
		if !per {
			o.TimePrecision = p
			continue
		}
		if o.ColumnTimePrecision == nil {
			o.ColumnTimePrecision = map[string]time.Duration{}
		}
		o.ColumnTimePrecision[col] = p
	}
	return o, nil
}

// powerOfTen reports whether p is 1µs, 10µs, ... or 1s.
func powerOfTen(p time.Duration) bool {
	for d := time.Microsecond; d <= time.Second; d *= 10 {
		if p == d {
			return true
		}
	}
	return false
}

// parseRenames reads FROM=TO pairs into into; qualified requires FROM to be TABLE.COLUMN.
func parseRenames(specs []string, flag, form string, qualified bool, into map[string]string) error {
	for _, r := range specs {
		from, to, ok := strings.Cut(r, "=")
		if !ok || from == "" || to == "" || qualified && !strings.Contains(from, ".") {
			return usage("%s %q: want %s", flag, r, form)
		}
		into[from] = to
	}
	return nil
}

// openBoth opens the source and the target at once (credentials.go).
func openBoth(ctx context.Context, source, target string, conns int) (src, tgt *verify.Endpoint, err error) {
	return credFlags{}.openBoth(ctx, source, target, conns, io.Discard)
}
