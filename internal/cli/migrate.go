package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/verify"
)

// newClients builds the AWS clients for a spec; tests replace it with fakes.
var newClients = func(ctx context.Context, s *awsmig.Spec) (awsmig.Clients, error) {
	return awsmig.NewClients(ctx, s)
}

// migrateFlags are the flags of `dbverify migrate`.
type migrateFlags struct {
	spec, state string
	until       string
	cutover     bool
	force       bool
	yes         bool
	live        bool
	verbose     bool
	check       bool // plan --check: run the preflight
}

func migrateCommand() *cli.Command {
	var f migrateFlags
	specFlags := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "spec", Aliases: []string{"f"}, Usage: "migration spec `FILE` (YAML)", Destination: &f.spec, EnvVars: []string{"DBVERIFY_SPEC"}},
			&cli.StringFlag{Name: "state", Usage: "state `FILE` (default: the spec's name with .state.json, next to it)", Destination: &f.state},
		}
	}
	sub := func(name, usageText, summary, description string, flags []cli.Flag, run func(*cli.Context) error) *cli.Command {
		return &cli.Command{
			Name: name, Usage: summary, UsageText: usageText, Description: description,
			Flags:        append(specFlags(), flags...),
			OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("migrate %s: %v", name, err) },
			Action: func(c *cli.Context) error {
				if c.Args().Len() > 0 {
					return usage("migrate %s takes no arguments (got %q); use --spec FILE", name, c.Args().First())
				}
				if f.spec == "" {
					return usage("migrate %s: --spec is required", name)
				}
				return run(c)
			},
		}
	}
	return &cli.Command{
		Name:      "migrate",
		Usage:     "run the AWS encrypt-at-rest / cross-region migration runbook, gated by dbverify",
		UsageText: "dbverify migrate plan|apply|status|ttl|finish|cleanup|failback --spec FILE [--state FILE] [options]",
		Description: `Turns an RDS or Aurora database into a KMS-encrypted copy (optionally in another
region) with near-zero downtime, as resumable steps:

  kms-key, snapshot, copy (encrypted), restore, prepare-target, [dms-resources,] dms-task
  (full load + CDC), wait-sync (CDC lag under a threshold), gate (dbverify compare until
  identical), cutover (Route 53); apart from apply: ttl, finish, cleanup, failback

An Aurora cluster is encrypted when it is restored (its snapshot is copied only across
regions, as it is: RDS cannot encrypt a cluster snapshot by copying it).

Every step is recorded in a state file (atomic, locked): a run that crashed or was
interrupted resumes where it stopped and creates nothing twice. The spec file (YAML) names
the source, the target, the KMS key, the DMS task's endpoints and table mappings, the DNS
record and the timeouts; see testdata/awsmig/encrypt.yaml.

AWS credentials and settings come from the usual places (environment, ~/.aws, SSO,
instance roles). Database passwords belong in the environment: write ${VAR} in the DSNs.

Examples:
  dbverify migrate plan   --spec orders.yaml
  dbverify migrate plan   --spec orders.yaml --check   # the preflight alone
  dbverify migrate apply  --spec orders.yaml --until gate
  dbverify migrate status --spec orders.yaml
  dbverify migrate ttl    --spec orders.yaml                # hours before the window
  dbverify migrate apply  --spec orders.yaml --cutover      # after writes to the source stopped
  dbverify migrate finish --spec orders.yaml                # stop the DMS task
  dbverify migrate cleanup --spec orders.yaml --yes         # delete what the run created, and the old source
  dbverify migrate failback --spec orders.yaml --yes

Exit codes: 0 done, 1 the gate found differences until its timeout, 2 bad usage or spec,
3 failure (a step failed: the message names the step, the resource and the cause).`,
		Subcommands: append([]*cli.Command{
			sub("plan", "dbverify migrate plan --spec FILE [--state FILE] [--check]",
				"print every step and the AWS calls it would make; touches nothing",
				`Prints the steps of the migration in order, the AWS API calls each may make (with the
resource names it will use and the tags it puts on what it creates), and, when a state
file exists, where each step stands. It calls no AWS API and connects to no database.

With --check it then runs the preflight that apply runs first, and lists every problem at
once, one line each: the KMS key (enabled, symmetric, in the target's region, usable by
you: a dry-run data key), the source instance (automated backups on), the names the run
will create (free, or this migration's), the DMS replication instance (available) and
endpoints (their last connection test succeeded; one is run where there is none), the
DSNs the gate needs, and the source database as 'dbverify preflight' checks it (binary
log or WAL settings, primary keys, LOBs over dms.lob.max_size_kb). It creates nothing.
Exit 2 when a problem is found, 3 when a check could not run.

Examples:
  dbverify migrate plan --spec orders.yaml
  dbverify migrate plan --spec orders.yaml --check`,
				[]cli.Flag{
					&cli.BoolFlag{Name: "check", Usage: "run the preflight: read AWS and the source database, list every problem (exit 2), create nothing", Destination: &f.check},
				}, func(c *cli.Context) error { return runMigratePlan(c.Context, f, c.App.Writer, c.App.ErrWriter) }),
			sub("apply", "dbverify migrate apply --spec FILE [--state FILE] [--until STEP] [--cutover]",
				"run the steps from where the last run stopped, until --until or the end",
				`Runs the preflight first (see plan --check): when it finds a problem, apply lists them
all and exits 2 having created nothing. Then it runs the steps in order, skipping those
done earlier (the DMS task, the lag wait and the gate are checked again on every run until
the cutover). Progress goes to stderr.

The cutover changes DNS and so runs only with --cutover; without it, apply stops before
it. Stop writes to the source first: before the gate, apply --cutover checks that the source
reports read-only (MySQL super_read_only/read_only, a PostgreSQL standby) or that its write
counters do not move for wait.gate_settle, and refuses otherwise (unless --force); it also
refuses while resolvers may still hold the record's old TTL (see migrate ttl). The gate then
waits for the target to converge and lets the cutover go ahead only when a full dbverify pass
is identical.

Once the record points at the target nothing before the cutover runs again: a run that
stopped after Route 53 switched the record, before recording it, is finished by the next
apply (it records the cutover and waits for INSYNC), which never gates or writes repair SQL.

Examples:
  dbverify migrate apply --spec orders.yaml --until restore
  dbverify migrate apply --spec orders.yaml                  # up to the gate
  dbverify migrate apply --spec orders.yaml --cutover        # gate, then DNS`,
				[]cli.Flag{
					&cli.StringFlag{Name: "until", Usage: "stop after this `STEP` (kms-key, snapshot, copy, restore, prepare-target, dms-resources, dms-task, wait-sync, gate, cutover)", Destination: &f.until},
					&cli.BoolFlag{Name: "cutover", Usage: "allow the cutover step (points the DNS record at the target)", Destination: &f.cutover},
					&cli.BoolFlag{Name: "force", Usage: "cut over without checking that writes to the source stopped, or before the old DNS TTL expired", Destination: &f.force},
					&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log each step's detail to stderr", Destination: &f.verbose},
				}, func(c *cli.Context) error { return runMigrateApply(c.Context, f, c.App.Writer, c.App.ErrWriter) }),
			sub("status", "dbverify migrate status --spec FILE [--state FILE] [--live=false]",
				"show each step's state and the live progress of the resources in flight",
				`Prints each step's state from the state file (it takes no lock, so it works while apply
runs) and, unless --live=false, reads AWS for what is in flight: snapshot progress, the
target's status, the DMS task's full load, CDC lag and DMS's own validation, the DNS record.

Example:
  dbverify migrate status --spec orders.yaml`,
				[]cli.Flag{
					&cli.BoolFlag{Name: "live", Value: true, Usage: "read the live status of the resources from AWS", Destination: &f.live},
				}, func(c *cli.Context) error { return runMigrateStatus(c.Context, f, c.App.Writer, c.App.ErrWriter) }),
			sub("failback", "dbverify migrate failback --spec FILE [--state FILE] --yes",
				"point the DNS record back at the source (writes made since the cutover stay on the target)",
				`Points the DNS record back at its value before the cutover and waits until Route 53 has
applied it. Writes that applications made through the record since the cutover went to
the target and are NOT on the source (DMS replicates source -> target only): copy them
back first. Without --yes it only prints this warning.

Example:
  dbverify migrate failback --spec orders.yaml --yes`,
				[]cli.Flag{
					&cli.BoolFlag{Name: "yes", Usage: "fail back although writes made since the cutover are only on the target", Destination: &f.yes},
				}, func(c *cli.Context) error { return runMigrateFailback(c.Context, f, c.App.Writer, c.App.ErrWriter) }),
		}, migrateOpsCommands(&f, sub)...),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usage("migrate: %v", err) },
		Action: func(c *cli.Context) error {
			if c.Args().Len() == 0 {
				return usage("migrate: name a subcommand: plan, apply, status, ttl, finish, cleanup or failback")
			}
			return usage("migrate: unknown subcommand %q (want plan, apply, status, ttl, finish, cleanup or failback)", c.Args().First())
		},
	}
}

// loadSpec reads the spec; a bad one is a usage error.
func loadSpec(path string) (*awsmig.Spec, error) {
	s, err := awsmig.LoadSpec(path)
	if err != nil {
		return nil, &exitError{ExitUsage, err}
	}
	return s, nil
}

// statePath is --state, or the spec's path with .state.json.
func statePath(f migrateFlags) string {
	if f.state != "" {
		return f.state
	}
	return strings.TrimSuffix(f.spec, filepath.Ext(f.spec)) + ".state.json"
}

// migrateFail maps a runbook error to an exit.
func migrateFail(err error) error {
	switch {
	case errors.Is(err, awsmig.ErrInvalid), errors.Is(err, verify.ErrInvalid):
		return &exitError{ExitUsage, err}
	case errors.Is(err, awsmig.ErrNotClean):
		return &exitError{ExitDiffer, err}
	}
	return fail(err)
}

// readState reads the state file for plan and status, without locking it; nil when there is
// none yet.
func readState(f migrateFlags, s *awsmig.Spec) (*awsmig.State, error) {
	path := statePath(f)
	st, err := awsmig.ReadState(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, &exitError{ExitFailure, err}
	case st.Migration != s.Name:
		return nil, &exitError{ExitFailure, fmt.Errorf("state %s: belongs to migration %q, not %q: use another --state file", path, st.Migration, s.Name)}
	}
	return st, nil
}

func runMigratePlan(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	s, err := loadSpec(f.spec)
	if err != nil {
		return err
	}
	st, err := readState(f, s)
	if err != nil {
		return err
	}
	if err := awsmig.WritePlan(stdout, s, st, masked); err != nil {
		return &exitError{ExitFailure, err}
	}
	if !f.check {
		return nil
	}
	cl, err := newClients(ctx, s)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout)
	return migratePreflight(ctx, s, cl, st, "", stdout, stderr)
}

// progressPrinter prints the runbook's progress lines, one per message, with the time.
func progressPrinter(w io.Writer) func(step, msg string) {
	var mu sync.Mutex
	return func(step, msg string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s %-15s %s\n", time.Now().Format("15:04:05"), step, msg)
	}
}

func runMigrateApply(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	s, err := loadSpec(f.spec)
	if err != nil {
		return err
	}
	if f.until != "" && !slices.Contains(awsmig.StepNames(s), f.until) {
		return usage("--until: no step %q in this migration (steps: %s)", f.until, strings.Join(awsmig.StepNames(s), ", "))
	}
	cl, err := newClients(ctx, s)
	if err != nil {
		return fail(err)
	}
	st, err := awsmig.OpenState(statePath(f), s.Name)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	var r *awsmig.Runner
	resolve := func() awsmig.Resources { return r.State().Resources }
	opt := awsmig.Options{
		Prepare:  &targetCheck{spec: s, resolve: resolve},
		Until:    f.until,
		Cutover:  f.cutover,
		Force:    f.force,
		Writes:   newWriteChecker(s),
		Progress: progressPrinter(stderr),
		Logger:   logger(f.verbose, stderr),
	}
	if s.Source.DSN != "" && s.Target.DSN != "" {
		g, err := newVerifyGate(s, resolve)
		if err != nil {
			return err
		}
		g.repairPath = strings.TrimSuffix(statePath(f), ".state.json") + ".drift.sql"
		opt.Gate = g
	}
	if r, err = awsmig.NewRunner(s, cl, st, opt); err != nil {
		return migrateFail(err)
	}
	// The preflight first, so that nothing is created when something is wrong; not once the
	// cutover is under way, which must finish whatever the checks would say now.
	if state := st.State(); state.Steps[awsmig.StepCutover] == nil {
		if err := migratePreflight(ctx, s, cl, &state, f.until, stderr, stderr); err != nil {
			return err
		}
	}
	res, err := r.Apply(ctx)
	if err != nil {
		return migrateFail(err)
	}
	switch {
	case res.CutoverResumed:
		fmt.Fprintf(stdout, "Migration %s: the cutover was under way when the last run stopped (the record already pointed at the target); it is now recorded. Nothing before it ran again: no gate, no repair SQL.\n", s.Name)
	case res.StoppedBefore == awsmig.StepCutover:
		fmt.Fprintf(stdout, "Stopped before the cutover: once writes to the source have stopped, run\n  dbverify migrate apply --spec %s --cutover\n", f.spec)
	case f.until != "":
		fmt.Fprintf(stdout, "Stopped after %s, as asked (--until).\n", f.until)
	default:
		fmt.Fprintf(stdout, "Migration %s: every step is done.\n", s.Name)
		if s.DMS != nil && slices.Contains(res.Ran, awsmig.StepCutover) {
			fmt.Fprintf(stdout, "Once applications work on the target, stop the DMS task:\n  dbverify migrate finish --spec %s\n", f.spec)
		}
	}
	return nil
}

func runMigrateStatus(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	s, err := loadSpec(f.spec)
	if err != nil {
		return err
	}
	st, err := readState(f, s)
	if err != nil {
		return err
	}
	var cl *awsmig.Clients
	if f.live {
		c, err := newClients(ctx, s)
		if err != nil {
			fmt.Fprintf(stderr, "dbverify: live status unavailable: %v\n", err)
		} else {
			cl = &c
		}
	}
	if err := awsmig.WriteStatus(ctx, stdout, s, st, cl); err != nil {
		return &exitError{ExitFailure, err}
	}
	return nil
}

func runMigrateFailback(ctx context.Context, f migrateFlags, stdout, stderr io.Writer) error {
	s, err := loadSpec(f.spec)
	if err != nil {
		return err
	}
	cl, err := newClients(ctx, s)
	if err != nil {
		return fail(err)
	}
	st, err := awsmig.OpenState(statePath(f), s.Name)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	r, err := awsmig.NewRunner(s, cl, st, awsmig.Options{Progress: progressPrinter(stderr)})
	if err != nil {
		return migrateFail(err)
	}
	warn, err := r.FailbackWarning()
	if err != nil {
		return migrateFail(err)
	}
	fmt.Fprintln(stderr, warn)
	if !f.yes {
		return usage("failback: not done; re-run with --yes to fail back anyway")
	}
	note, err := r.Failback(ctx)
	if err != nil {
		return migrateFail(err)
	}
	fmt.Fprintf(stdout, "Failed back: %s\n", note)
	return nil
}

// expandTarget puts the restored database's address and port into a target DSN.
func expandTarget(dsn string, res awsmig.Resources) (string, error) {
	if !strings.Contains(dsn, "{endpoint}") && !strings.Contains(dsn, "{port}") {
		return dsn, nil
	}
	if res.TargetAddress == "" {
		return "", errors.New("target.dsn: {endpoint} is not known yet: the restore step records it")
	}
	return strings.NewReplacer("{endpoint}", res.TargetAddress, "{port}", strconv.Itoa(int(res.TargetPort))).Replace(dsn), nil
}

// verifyGate is the runbook's gate, with the DMS task's table mappings, so it compares what
// DMS migrates. The runbook watches through it (Watch: a full pass, then rereads of the
// differing rows by key); Check is one full pass.
type verifyGate struct {
	source, target string
	resolve        func() awsmig.Resources
	opt            verify.Options
	repairPath     string // where the SQL fixing confirmed drift goes; "" for none
}

// newVerifyGate builds the gate for a spec.
func newVerifyGate(s *awsmig.Spec, resolve func() awsmig.Resources) (*verifyGate, error) {
	g := &verifyGate{source: s.Source.DSN, target: s.Target.DSN, resolve: resolve}
	if s.DMS != nil {
		d, err := mapping.ParseDMS([]byte(s.DMS.TableMappings))
		if err != nil {
			return nil, usage("spec %s: dms.table_mappings: %v", s.Path(), err)
		}
		if g.opt.Mapping, err = mapping.New(mapping.Options{DMS: d}); err != nil {
			return nil, usage("spec %s: dms.table_mappings: %v", s.Path(), err)
		}
	}
	return g, nil
}

// open connects to both sides, the target at the restored instance's endpoint.
func (g *verifyGate) open(ctx context.Context) (src, tgt *verify.Endpoint, err error) {
	target, err := expandTarget(g.target, g.resolve())
	if err != nil {
		return nil, nil, err
	}
	return openBoth(ctx, g.source, target, g.opt.Workers+6)
}

// Check runs one compare pass.
func (g *verifyGate) Check(ctx context.Context) (bool, string, error) {
	src, tgt, err := g.open(ctx)
	if err != nil {
		return false, "", err
	}
	defer src.Close()
	defer tgt.Close()
	rep, err := verify.Compare(ctx, src, tgt, g.opt)
	if err != nil {
		return false, "", err
	}
	defer rep.Close()
	return rep.Identical(), rep.Summary(), nil
}

// Watch is verify.Watch until clean, with the task's CDC lag (or, without a task, the
// databases' own replication lag) as the floor of the settle time.
func (g *verifyGate) Watch(ctx context.Context, w awsmig.GateWatch) (awsmig.GateResult, error) {
	src, tgt, err := g.open(ctx)
	if err != nil {
		return awsmig.GateResult{}, err
	}
	defer src.Close()
	defer tgt.Close()
	var last time.Time // Events come from one goroutine
	wo := verify.WatchOptions{Options: g.opt, Interval: w.Interval, Settle: w.Settle, UntilClean: true, Lag: w.Lag,
		Events: func(ev verify.Event) {
			if line := eventLine(ev, ev.Time.Sub(last)); line != "" && w.Progress != nil {
				last = ev.Time
				w.Progress(line)
			}
		}}
	if wo.Lag == nil {
		wo.Lag = replicationLag(src, tgt)
	}
	res, err := verify.Watch(ctx, src, tgt, wo)
	if res == nil {
		return awsmig.GateResult{}, err
	}
	defer res.Close()
	out := awsmig.GateResult{Clean: res.Clean, Passes: res.Passes, Resolved: res.Resolved}
	if res.Last != nil {
		out.Last = res.Last.Summary()
	}
	for _, r := range res.Drift {
		out.Drift = append(out.Drift, r.Table+" "+rowText(r.Row))
	}
	switch {
	case err == nil && len(res.Drift) > 0 && g.repairPath != "":
		out.Repair = g.writeRepair(ctx, src, tgt, res)
	case res.Clean && g.repairPath != "":
		os.Remove(g.repairPath) // an earlier gate's drift is gone
	}
	return out, err
}

// writeRepair writes the SQL fixing the drift rows to g.repairPath and returns the path, or
// why it could not (the gate's verdict stands either way).
func (g *verifyGate) writeRepair(ctx context.Context, src, tgt *verify.Endpoint, res *verify.WatchResult) string {
	f, err := createAtomic(g.repairPath)
	if err == nil {
		_, err = verify.Repair(ctx, src, tgt, res.DriftReport(), g.opt, f)
		if err == nil {
			err = f.Commit()
		}
		f.Discard() // a partial script never replaces the file
	}
	if err != nil {
		return fmt.Sprintf("none (writing %s failed: %v)", g.repairPath, err)
	}
	return g.repairPath
}

// targetCheck is the prepare-target hook: it checks, read-only, that the target DSN connects
// before DMS starts loading, and says what DMS does to the tables. It writes nothing: DMS
// empties the tables itself (TargetTablePrepMode).
type targetCheck struct {
	spec    *awsmig.Spec
	resolve func() awsmig.Resources
}

// targetCheckTimeout bounds listing the target's tables when it is checked.
const targetCheckTimeout = time.Minute

// Prepare checks the target.
func (p *targetCheck) Prepare(ctx context.Context) (string, error) {
	s := p.spec
	prep := "no DMS task: the target holds the snapshot's data"
	if s.DMS != nil {
		prep = "DMS prepares the tables (TargetTablePrepMode " + s.DMS.TargetTablePrepMode + ")"
	}
	if s.Target.DSN == "" {
		return "no target.dsn: nothing to check; " + prep, nil
	}
	dsn, err := expandTarget(s.Target.DSN, p.resolve())
	if err != nil {
		return "", err
	}
	e, err := verify.Open(ctx, verify.Target, dsn, verify.OpenOptions{Conns: 1})
	if err != nil {
		return "", err
	}
	defer e.Close()
	lctx, cancel := context.WithTimeout(ctx, targetCheckTimeout) // the login has its own bound
	defer cancel()
	tables, err := e.DB.Tables(lctx)
	if err != nil {
		return "", fmt.Errorf("target (%s): list tables: %w", e.DSN(), err)
	}
	note := fmt.Sprintf("target %s %s reachable, %d tables; %s", e.DB.Engine(), e.DB.Version(), len(tables), prep)
	if s.DMS != nil && e.DB.Engine() == "mysql" && s.DMS.TargetTablePrepMode != "DO_NOTHING" {
		note += "; make sure the DMS target endpoint turns foreign key checks off (AfterConnectScript SET FOREIGN_KEY_CHECKS=0)"
	}
	return note, nil
}
