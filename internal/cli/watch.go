package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// watchFlags are the flags of watching while replication runs: `dbverify watch`, and
// `dbverify compare --until-clean` (the cutover gate).
type watchFlags struct {
	untilClean   bool
	interval     time.Duration
	settle       time.Duration
	pendingLimit time.Duration
	every        time.Duration
	metricsAddr  string
	maxSlotWAL   string // watch: warn past this much WAL retained by a source's replication slot
	timeRule     bool
	dmsTask      string // the AWS DMS task whose recovery checkpoint tells the target's applied position
	dmsSchema    string
}

// watchFlagList is the watch flags; continuous adds those only `watch` takes.
func (f *compareFlags) watchFlagList(continuous bool) []cli.Flag {
	w := &f.watch
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "until-clean", Usage: "the cutover gate: while replication catches up, read differing rows again until they match; exit 0 at the first full pass with no difference, 1 once a row is confirmed drift or at --timeout", Destination: &w.untilClean},
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "with --until-clean: wait `DURATION` between rereads of the differing rows", Destination: &w.interval},
		&cli.DurationFlag{Name: "settle", Value: time.Minute, Usage: "with --until-clean: where no replication position can be read (the time rule), a row whose source stays unchanged this long (`DURATION`, raised to the replication lag when the servers tell it) while the target still differs is drift", Destination: &w.settle},
		&cli.DurationFlag{Name: "pending-limit", Value: 10 * time.Minute, Usage: "with --until-clean: a row whose source keeps changing this long (`DURATION`) is reported unsettled and looked at again on the next pass; under the position rule, a row the target has not caught up with in this time is drift (replication stopped)", Destination: &w.pendingLimit},
		&cli.BoolFlag{Name: "time-rule", Usage: "with --until-clean: decide every verdict by --settle, even where the servers tell replication positions", Destination: &w.timeRule},
		&cli.StringFlag{Name: "dms-task", Usage: "with --until-clean: the AWS DMS task (resource `ID` or ARN) that writes the target: the position it applied is read from its recovery checkpoint table (awsdms_txn_state, task setting TaskRecoveryTableEnabled), so that verdicts go by position; \"-\" when the table holds one task", Destination: &w.dmsTask},
		&cli.StringFlag{Name: "dms-schema", Usage: "with --dms-task: the `SCHEMA` of awsdms_txn_state (default: DMS's control schema, awsdms_control on MySQL, public on PostgreSQL, then the target's own)", Destination: &w.dmsSchema},
		f.reads.timeoutFlag("a compare still running then stops (exit 3); with --until-clean the gate gives up, exit 1 (default: none; with --until-clean 1h)"),
	}
	if continuous {
		for _, fl := range flags {
			switch f := fl.(type) {
			case *cli.BoolFlag:
				f.Usage = strings.TrimPrefix(f.Usage, "with --until-clean: ")
			case *cli.StringFlag:
				f.Usage = strings.TrimPrefix(f.Usage, "with --until-clean: ")
			case *cli.DurationFlag:
				f.Usage = strings.TrimPrefix(f.Usage, "with --until-clean: ")
				if f.Name == "timeout" {
					f.Value, f.Usage = 0, "stop after `DURATION` (0: run until interrupted)"
				}
			}
		}
		flags = append(flags,
			&cli.DurationFlag{Name: "every", Value: time.Minute, Usage: "wait `DURATION` between full passes once the differing rows have settled (not with --until-clean)", Destination: &w.every},
			&cli.StringFlag{Name: "metrics-addr", Usage: "serve Prometheus metrics (passes, differing, pending and drift rows, lag) on `HOST:PORT` at /metrics", Destination: &w.metricsAddr},
			&cli.StringFlag{Name: "max-slot-wal", Value: defaultMaxSlotWAL, Usage: "warn when a replication slot on the source (PostgreSQL) retains more than `SIZE` of WAL (512MiB, 10GiB; 0: never)", Destination: &w.maxSlotWAL})
	}
	return flags
}

// checkWatch checks the watch flags.
func (f compareFlags) checkWatch() error {
	w := f.watch
	switch {
	case w.interval <= 0:
		return usage("--interval must be positive")
	case w.settle < w.interval:
		return usage("--settle (%s) must be at least --interval (%s)", w.settle, w.interval)
	case w.pendingLimit < w.settle:
		return usage("--pending-limit (%s) must be at least --settle (%s)", w.pendingLimit, w.settle)
	case w.every < 0:
		return usage("--every must not be negative")
	}
	if w.maxSlotWAL != "" {
		if _, err := parseSize(w.maxSlotWAL); err != nil {
			return usage("--max-slot-wal: %v", err)
		}
	}
	return nil
}

func watchCommand() *cli.Command {
	f := compareFlags{}
	return &cli.Command{
		Name:      "watch",
		Usage:     "compare again and again while replication (AWS DMS CDC, a replica) runs, and tell rows in flight from drift",
		UsageText: "dbverify watch --source DSN --target DSN [compare options] [--interval 5s] [--settle 1m] [--every 1m]",
		Description: `Runs a full compare, then reads the rows it found differing again by key on both
sides every --interval, without another full pass:
  resolved   the row now matches: its change was in flight;
  drift      the target still differs although replication has applied the source
             row's change (see the rules below);
  unsettled  the source row kept changing for --pending-limit (a hot row).
Once no row is pending, the next full pass follows after --every. Each pass and each
row's verdict is a line on stdout (--output json: one JSON object per line), with the
rule that told it, the replication positions and the lag observed.

Two rules tell drift from a change in flight:
  position   where the source tells its replication position (a MySQL/MariaDB primary:
             GTID or binary log file and offset; PostgreSQL: its WAL location) and the
             target how far it applied it (a MySQL/MariaDB replica; a PostgreSQL standby
             or logical subscriber): the source's position is read right after each
             reread of a row, and once the target has applied it, a row that still
             differs is drift at once; until then it is in flight, however long the lag,
             up to --pending-limit (replication stopped: drift then). The gate opens on
             a clean pass once the target has applied the source's position after it.
  time       everywhere else (AWS DMS, no privilege to see the positions, --time-rule):
             a row whose source stayed unchanged for --settle (raised to the lag a
             replica's or a PostgreSQL primary's status tells) is drift. AWS DMS does not
             expose its lag to SQL: set --settle above the task's CDC latency.

On a PostgreSQL source, watch also reads the replication slots (pg_replication_slots) at
the start and after each full pass: a line per slot with the WAL it retains and how much
its consumer has yet to confirm. A slot retaining more than --max-slot-wal (default 10GiB)
is a WARNING line and a logged warning, read again every minute between passes: a stalled
DMS task's slot keeps WAL until the source's disk is full, which stops its writes.

With --until-clean, watch is the cutover gate that compare --until-clean is: it stops
at the first clean full pass (exit 0) or at the first confirmed drift (exit 1).
Interrupted (Ctrl-C), it exits 0 if the last pass was clean and no drift stands, else 1.

Examples:
  dbverify watch --source $SRC --target $TGT --tables 'orders,customers' --settle 2m
  dbverify watch --source $SRC --target $TGT --output json >> drift.jsonl
  dbverify watch --source $SRC --target $TGT --metrics-addr 127.0.0.1:9187
  dbverify compare --source $SRC --target $TGT --until-clean --timeout 30m

Passwords (files, MYSQL_PWD/PGPASSWORD, ~/.my.cnf/~/.pgpass, --ask-pass, Secrets Manager,
IAM tokens) and --config FILE work as for compare: see dbverify compare --help.

Exit codes: 0 clean, 1 drift or differences, 2 bad usage, 3 failure.`,
		Flags:        append(f.flagList(), f.watchFlagList(true)...),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("watch: %v", err) },
		Before:       loadConfig,
		Action: func(c *cli.Context) error {
			if err := f.read(c); err != nil {
				return err
			}
			ctx, cancel := f.reads.withTimeout(c.Context)
			defer cancel()
			src, tgt, opt, err := f.setup(ctx, c.App.ErrWriter)
			if err != nil {
				return err
			}
			defer src.Close()
			defer tgt.Close()
			return runWatch(ctx, f, src, tgt, opt, c.App.Writer)
		},
	}
}

// watchOptions are the library's options from the flags.
func (f compareFlags) watchOptions(src, tgt *verify.Endpoint, opt verify.Options) verify.WatchOptions {
	w := f.watch
	return verify.WatchOptions{Options: opt, Interval: w.interval, Settle: w.settle, PendingLimit: w.pendingLimit,
		Every: w.every, UntilClean: w.untilClean, Lag: replicationLag(src, tgt), TimeRule: w.timeRule, Applied: w.dmsApplied(tgt)}
}

// replicationLag asks the target (a replica or standby), then a PostgreSQL source (a logical
// replication publisher's WAL senders), for the lag; the first that knows it answers.
func replicationLag(src, tgt *verify.Endpoint) func(context.Context) (time.Duration, bool, error) {
	var ends []*verify.Endpoint
	for _, e := range []*verify.Endpoint{tgt, src} {
		if _, ok := e.DB.(dialect.Lagger); ok && (e == tgt || e.DB.Engine() == dialect.Postgres) {
			ends = append(ends, e)
		}
	}
	if len(ends) == 0 {
		return nil
	}
	return func(ctx context.Context) (time.Duration, bool, error) {
		var errs []error
		for _, e := range ends {
			lag, ok, err := e.DB.(dialect.Lagger).ReplicaLag(ctx)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", e.Side, err))
				continue
			}
			if ok {
				return lag, true, nil
			}
		}
		return 0, false, errors.Join(errs...)
	}
}

// runWatch watches until interrupted (or --timeout, or with --until-clean a verdict), printing
// each event as it comes.
func runWatch(ctx context.Context, f compareFlags, src, tgt *verify.Endpoint, opt verify.Options, stdout io.Writer) error {
	wo := f.watchOptions(src, tgt, opt)
	p := &eventPrinter{w: stdout, json: f.output == "json"}
	wo.Events = p.print
	var metrics *watchMetrics
	if f.watch.metricsAddr != "" {
		m := newWatchMetrics()
		stop, err := serveMetrics(f.watch.metricsAddr, m.reg)
		if err != nil {
			return err
		}
		defer stop()
		wo.Events = func(ev verify.Event) { m.observe(ev); p.print(ev) }
		metrics = m
	}
	limit, _ := parseSize(f.watch.maxSlotWAL) // checked with the flags
	if sw := newSlotWatch(src, limit, p, metrics, opt.Logger); sw != nil {
		sw.check(ctx, true)
		events := wo.Events
		wo.Events = func(ev verify.Event) { events(ev); sw.observe(ctx, ev) }
	}
	res, err := verify.Watch(ctx, src, tgt, wo)
	defer res.Close()
	if p.err != nil {
		return &exitError{ExitFailure, fmt.Errorf("write events: %w", p.err)}
	}
	stopped := err != nil && ctx.Err() != nil // interrupted, or --timeout
	if err != nil && !stopped {
		return failIn(ctx, err)
	}
	if stopped && f.output == "text" {
		fmt.Fprintf(stdout, "stopped (%s) after %d full passes\n", stopReason(ctx), res.Passes)
	}
	if res.Passes == 0 || !res.Clean || len(res.Drift) > 0 {
		return &exitError{code: ExitDiffer}
	}
	return nil
}

// runGate is compare --until-clean: it watches until a full pass is clean or drift is confirmed,
// logs each event to stderr, and prints the last pass's report and the drift on stdout.
func runGate(ctx context.Context, f compareFlags, src, tgt *verify.Endpoint, opt verify.Options, repair *atomicFile, stdout, stderr io.Writer) error {
	wo := f.watchOptions(src, tgt, opt)
	wo.UntilClean = true
	p := &eventPrinter{w: stderr}
	wo.Events = p.print
	res, err := verify.Watch(ctx, src, tgt, wo)
	defer res.Close()
	stopped := err != nil && ctx.Err() != nil // interrupted, or --timeout
	if err != nil && !stopped {
		return failIn(ctx, err)
	}
	if res.Last == nil {
		// Nothing is known to repair: a file already there stays as it was (the caller
		// discards the temporary one).
		return &exitError{ExitDiffer, fmt.Errorf("not clean: %s before a full pass ended", stopReason(ctx))}
	}
	switch f.output {
	case "junit", "csv":
		err = writeReport(stdout, res.Last, f.output) // the last pass's tables and rows
	case "json":
		err = res.WriteJSON(stdout)
	default:
		err = writeGate(stdout, res)
	}
	if err != nil {
		return &exitError{ExitFailure, fmt.Errorf("write report: %w", err)}
	}
	switch {
	case repair != nil && len(res.Drift) > 0:
		// Only the confirmed drift: the rows that were in flight have converged by themselves.
		// The gate's --timeout may just have passed: writing gets its own few minutes.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		err := writeRepair(wctx, src, tgt, res.DriftReport(), opt, repair, stderr)
		cancel()
		if err != nil {
			return err
		}
	case repair != nil && res.Clean:
		repair.Remove() // clean: a script from an earlier run would be out of date
	}
	switch {
	case res.Clean:
		return nil
	case stopped:
		return &exitError{ExitDiffer, fmt.Errorf("not clean: %s", stopReason(ctx))}
	}
	return &exitError{code: ExitDiffer}
}

// stopReason says why a watch's context ended: --timeout, or an interrupt.
func stopReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return context.Cause(ctx).Error()
	}
	return "interrupted"
}

// writeGate prints the last full pass's report and then the verdict on the rows read again
// after it: those confirmed drift, those whose source kept changing.
func writeGate(w io.Writer, res *verify.WatchResult) error {
	if !res.Clean {
		fmt.Fprintf(w, "Full pass %d (rows it lists as differing were then read again; the verdict is below):\n\n", res.Passes)
	}
	if err := res.Last.WriteText(w); err != nil {
		return err
	}
	var b strings.Builder
	if len(res.Drift)+len(res.Unsettled) > 0 {
		b.WriteString("\nRead again after the pass:\n")
	}
	for _, r := range res.Drift {
		fmt.Fprintf(&b, "drift      %s %s%s\n", r.Table, rowText(r.Row), ruleTag(r.Rule))
	}
	for _, r := range res.Unsettled {
		fmt.Fprintf(&b, "unsettled  %s %s%s\n", r.Table, rowText(r.Row), ruleTag(r.Rule))
	}
	verdict := "CLEAN"
	if !res.Clean {
		verdict = "NOT CLEAN"
	}
	fmt.Fprintf(&b, "%s after %s; %s in flight and converged, %s confirmed drift\n",
		verdict, plural(res.Passes, "full pass", "full passes"), plural(res.Resolved, "row was", "rows were"), plural(len(res.Drift), "row", "rows"))
	_, err := io.WriteString(w, b.String())
	return err
}

// ruleTag names the rule that told a verdict, after the row.
func ruleTag(r verify.Rule) string {
	if r == "" {
		return ""
	}
	return "  [" + string(r) + " rule]"
}

// plural is "1 row" or "2 rows".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// rowText is a differing row on one line: its kind, key and differing columns.
func rowText(d verify.RowDiff) string {
	parts := []string{string(d.Kind)}
	for _, k := range d.Key {
		parts = append(parts, k.String())
	}
	s := strings.Join(parts, " ")
	for _, c := range d.Columns {
		s += fmt.Sprintf("  %s: %s -> %s", c.Column, c.Source, c.Target)
	}
	return s
}

// eventPrinter writes watch events as lines of text or JSON.
type eventPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	err  error     // the first write error
	last time.Time // when the last line was printed
}

func (p *eventPrinter) print(ev verify.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	if p.json {
		p.err = ev.WriteJSON(p.w)
		return
	}
	line := eventLine(ev, ev.Time.Sub(p.last))
	if line == "" {
		return
	}
	_, p.err = fmt.Fprintf(p.w, "%s %s\n", ev.Time.UTC().Format("15:04:05"), line)
	p.last = ev.Time
}

// eventLine is an event in words, or "" for a reread less than recheckLine after the last
// line printed (sinceLast).
func eventLine(ev verify.Event, sinceLast time.Duration) string {
	lag := ""
	if ev.Lag != nil {
		lag = fmt.Sprintf(", replication lag %s", ev.Lag.Round(time.Millisecond))
	}
	lag += positionText(ev)
	switch ev.Kind {
	case "pass":
		line := fmt.Sprintf("pass %d: %s; %s pending", ev.Pass, ev.Report.Summary(), plural(ev.Pending, "row", "rows"))
		if len(ev.Untracked) > 0 {
			line += fmt.Sprintf("; left to the next pass (no key, or more differing rows than --max-diffs): %s", strings.Join(ev.Untracked, ", "))
		}
		return line
	case "recheck":
		// Rereads come every --interval; in text, one line at most every recheckLine while
		// nothing else is printed, so that a long settle time still shows progress.
		if sinceLast < recheckLine {
			return ""
		}
		return fmt.Sprintf("reread %s: %d still pending%s", plural(ev.Rows, "row", "rows"), ev.Pending, lag)
	case "resolved":
		return fmt.Sprintf("resolved   %s %s (was in flight %s%s)", ev.Table, rowText(*ev.Row), ev.Time.Sub(ev.Since).Round(time.Millisecond), lag)
	case "drift":
		return fmt.Sprintf("DRIFT      %s %s (differing since %s%s)", ev.Table, rowText(*ev.Row), ev.Since.UTC().Format(time.RFC3339), lag)
	case "unsettled":
		return fmt.Sprintf("unsettled  %s %s (its source kept changing since %s%s)", ev.Table, rowText(*ev.Row), ev.Since.UTC().Format(time.RFC3339), lag)
	case "clean":
		return fmt.Sprintf("clean: pass %d found no difference%s", ev.Pass, positionText(ev))
	}
	return string(ev.Kind)
}

// positionText is the rule of a verdict and the replication positions it was told by
// ("; by position: source 0-1-40, target applied 0-1-42, reached"), or, on a resolution or a
// reread, the positions ("; positions: source 0-1-42, target applied 0-1-40, 2 transactions
// behind").
func positionText(ev verify.Event) string {
	if ev.Kind == "pass" || ev.Rule == "" || ev.Kind == "clean" && ev.Positions == nil {
		return ""
	}
	s := "; by " + string(ev.Rule)
	switch {
	case ev.Kind == "resolved" || ev.Kind == "recheck":
		s = "; positions" // resolved by a match; a reread tells no verdict
	case ev.Rule == verify.RulePendingLimit:
		s = "; by the pending limit, the target not caught up"
	}
	if ev.Rule == verify.RuleTime {
		if ev.Kind == "recheck" || ev.Kind == "clean" {
			return "" // said once, in the warning, and at each verdict
		}
		return s + " rule (no replication position)"
	}
	p := ev.Positions
	if p == nil {
		return s
	}
	s += fmt.Sprintf(": source %s, target applied %s", p.Source, p.Applied)
	switch {
	case p.Reached:
		s += ", reached"
	case p.Unit == "":
		s += ", behind (in an earlier binary log)"
	default:
		s += fmt.Sprintf(", %d %s behind", p.Distance, p.Unit)
	}
	return s
}

// recheckLine is the least time between two text lines about rereads.
const recheckLine = 10 * time.Second

// dmsApplied is the target's applied position read from a DMS task's recovery checkpoint
// table, with --dms-task; nil without.
func (w watchFlags) dmsApplied(tgt *verify.Endpoint) dialect.AppliedPositioner {
	if w.dmsTask == "" {
		return nil
	}
	task := w.dmsTask
	if task == "-" {
		task = ""
	}
	return dialect.DMSTask{DB: tgt.DB, Schema: w.dmsSchema, Task: task}
}
