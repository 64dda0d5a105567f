package awsmig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Step names, in the order the runbook runs them.
const (
	StepKMSKey   = "kms-key"        // the KMS key is enabled, symmetric and in the target's region
	StepSnapshot = "snapshot"       // a snapshot of the source (or the named one) is available
	StepCopy     = "copy"           // an encrypted copy of it (Aurora: a copy in the target's region, cross-region only)
	StepRestore  = "restore"        // the target restored from it, encrypted
	StepPrepare  = "prepare-target" // the injected Preparer readies the target for the full load
	StepTask     = "dms-task"       // the DMS task (full load + CDC) exists and runs
	StepSync     = "wait-sync"      // the full load finished and the CDC lag is under the threshold
	StepGate     = "gate"           // a dbverify pass finds the target identical to the source
	StepCutover  = "cutover"        // the DNS record points at the target (only with Options.Cutover)
)

// Gate is the dbverify check between the sync and the cutover: one full compare of the source
// and the target. The runbook repeats it until a pass is clean or wait.gate_timeout passes,
// unless the gate is also a Watcher. The command line composes it with package verify; this
// package imports no database code.
type Gate interface {
	Check(ctx context.Context) (clean bool, summary string, err error)
}

// Watcher is a Gate that follows the target while CDC catches up, as dbverify's watch mode
// does: one full pass, then only the rows it found differing are read again by key, every
// GateWatch.Interval, until they match (in flight) or their source stays unchanged for
// GateWatch.Settle while the target still differs (drift); then the next full pass. On a large
// database a full pass takes hours and a reread seconds, so the runbook prefers Watch to
// repeated Checks.
//
// Watch returns once a full pass finds no difference (Clean) or once a row is confirmed drift
// (not Clean; a result, not an error). When ctx ends first it returns ctx's error with what it
// saw until then.
type Watcher interface {
	Gate
	Watch(ctx context.Context, w GateWatch) (GateResult, error)
}

// GateWatch is what the runbook tells a gate: the spec's wait.gate_interval and
// wait.gate_settle, the DMS task's CDC lag, and where progress goes.
type GateWatch struct {
	Interval time.Duration // between Checks; for a Watcher, between rereads of differing rows
	Settle   time.Duration // how long a row's source must stay unchanged before it is drift
	// Lag reports the task's CDC lag now (the larger of CloudWatch's CDCLatencySource and
	// CDCLatencyTarget); ok is false while there is none. nil without a DMS task.
	Lag      func(ctx context.Context) (lag time.Duration, ok bool, err error)
	Progress func(string) // nil discards
}

// GateResult is what a Watcher saw.
type GateResult struct {
	Clean    bool
	Passes   int      // full passes that ended
	Last     string   // the last full pass's summary; "" when none ended
	Drift    []string // the rows confirmed drift, one line each (table, key, what differs)
	Resolved int      // rows seen differing that then matched: changes in flight
	// Repair names the file of SQL that would fix the drift rows, when the gate wrote one.
	Repair string
}

// Preparer readies the target before the DMS full load (the prepare-target step), e.g. checks
// that it is reachable. It runs once; it must be safe to run again after a crash.
type Preparer interface {
	Prepare(ctx context.Context) (summary string, err error)
}

// ErrNotClean means the gate's passes kept finding differences until its timeout.
var ErrNotClean = errors.New("the target still differs from the source")

// StepError is a step's failure: which step, which resource, and why.
type StepError struct {
	Step     string
	Resource string // e.g. the snapshot identifier; "" when none applies
	Err      error
}

func (e *StepError) Error() string {
	if e.Resource == "" {
		return e.Step + ": " + e.Err.Error()
	}
	return e.Step + ": " + e.Resource + ": " + e.Err.Error()
}

func (e *StepError) Unwrap() error { return e.Err }

// Options tune a run. Zero values mean the defaults.
type Options struct {
	Gate     Gate     // required when the gate step runs
	Prepare  Preparer // nil: the prepare-target step only says so
	Until    string   // stop after this step; "" runs to the end
	Cutover  bool     // allow the cutover step; without it the run stops before it
	Progress func(step, msg string)
	Logger   *slog.Logger // nil discards
	// AfterStep is called once a step is recorded as done; an error stops the run as a failure
	// would. Tests use it to stop a run between steps.
	AfterStep func(step string) error
	// Writes tells whether writes to the source have stopped; a run that is to cut over asks
	// it before the gate and refuses to go on while they have not (see WriteChecker). nil: not
	// checked (the command line always sets it when the spec has source.dsn).
	Writes WriteChecker
	// Force lets the cutover go ahead without checking that writes to the source stopped, and
	// before the DNS record's old TTL has expired since it was lowered; each is warned about.
	Force bool
}

// Runner runs a migration's steps against AWS, recording each in a state file.
type Runner struct {
	spec  *Spec
	names Names
	cl    Clients
	state *StateFile
	opt   Options
	steps []*stepDef

	mu   sync.Mutex
	last map[string]string // the last progress message per step, to drop repeats
}

// Result says how far a run got.
type Result struct {
	Ran     []string // steps that ran (done ones re-checked included)
	Skipped []string // steps done earlier, not run again
	// StoppedBefore names the step the run stopped in front of: the cutover when it was not
	// asked for. "" when the run reached its end or Until.
	StoppedBefore string
	// CutoverResumed is set when an earlier run had pointed the record at the target without
	// recording the cutover: this run ran nothing before the cutover (no gate), only recorded
	// it and waited for INSYNC.
	CutoverResumed bool
}

// NewRunner checks that every client the spec's steps need is there. The state file must be
// open (locked) for this spec.
func NewRunner(s *Spec, cl Clients, st *StateFile, opt Options) (*Runner, error) {
	r := &Runner{spec: s, names: s.Names(), cl: cl, state: st, opt: opt, steps: stepsFor(s), last: map[string]string{}}
	if r.opt.Logger == nil {
		r.opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Until != "" && r.step(opt.Until) == nil {
		return nil, invalid(fmt.Errorf("until: no step %q in this migration (steps: %s)", opt.Until, strings.Join(StepNames(s), ", ")))
	}
	if opt.Until == StepCutover && !opt.Cutover {
		return nil, invalid(errors.New("until: the cutover step needs the explicit cutover option (--cutover)"))
	}
	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	need(cl.SourceRDS != nil, "SourceRDS")
	need(cl.TargetRDS != nil, "TargetRDS")
	need(cl.KMS != nil, "KMS")
	if s.DMS != nil {
		need(cl.DMS != nil, "DMS")
		need(cl.CloudWatch != nil, "CloudWatch")
	}
	if s.DNS != nil {
		need(cl.Route53 != nil, "Route53")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("awsmig: clients missing: %s", strings.Join(missing, ", "))
	}
	if st == nil {
		return nil, errors.New("awsmig: no state file")
	}
	return r, nil
}

// stepDef is one step of the runbook.
type stepDef struct {
	name string
	// live steps check a condition that can change (task running, lag, gate): they run again on
	// every apply until the cutover is done, where other steps run once.
	live    bool
	summary func(s *Spec, n Names) string
	calls   func(s *Spec, n Names) []string // the API calls it may make, for plan
	run     func(ctx context.Context, r *Runner) (note string, err error)
}

// stepsFor lists the spec's steps in order: the copy only when there is something to copy (not
// for an Aurora cluster in its own region, which the restore encrypts), the DMS steps only with
// a dms section, the cutover only with a dns section.
func stepsFor(s *Spec) []*stepDef {
	steps := []*stepDef{kmsKeyStep, snapshotStep}
	if s.copiesSnapshot() {
		steps = append(steps, copyStep)
	}
	steps = append(steps, restoreStep, prepareStep)
	if s.DMS != nil && s.DMS.Create != nil {
		steps = append(steps, dmsResourcesStep)
	}
	if s.DMS != nil {
		steps = append(steps, taskStep, syncStep)
	}
	steps = append(steps, gateStep)
	if s.DNS != nil {
		steps = append(steps, cutoverStep)
	}
	return steps
}

// StepNames lists a spec's steps in the order they run.
func StepNames(s *Spec) []string {
	var names []string
	for _, st := range stepsFor(s) {
		names = append(names, st.name)
	}
	return names
}

func (r *Runner) step(name string) *stepDef {
	for _, s := range r.steps {
		if s.name == name {
			return s
		}
	}
	return nil
}

// State returns a copy of the current state.
func (r *Runner) State() State { return r.state.State() }

// Apply runs the steps in order, from the first one not done, until Options.Until or the end.
// Steps done earlier are skipped (live ones are checked again); the cutover runs only with
// Options.Cutover. A step that fails is recorded as failed and its error returned; running
// Apply again resumes there.
//
// Once the record points at the target, nothing before the cutover runs again: a run that
// finds the cutover under way (see cutoverUnderway) only finishes it, recording it and waiting
// for INSYNC, with or without Options.Cutover, since the switch was already made.
func (r *Runner) Apply(ctx context.Context) (*Result, error) {
	res := &Result{}
	underway, err := r.cutoverUnderway(ctx)
	if err != nil {
		return res, err
	}
	for _, s := range r.steps {
		st := r.state.State()
		if underway && s.name != StepCutover {
			res.Skipped = append(res.Skipped, s.name)
			if s.live || !st.done(s.name) {
				r.progress(s.name, "not run again: the record already points at the target (an earlier run stopped during the cutover); applications may be writing to the target")
			} else {
				r.progress(s.name, "done earlier")
			}
			if s.name == r.opt.Until {
				break
			}
			continue
		}
		if st.done(s.name) && (!s.live || st.done(StepCutover)) {
			res.Skipped = append(res.Skipped, s.name)
			r.progress(s.name, "done earlier")
			if s.name == r.opt.Until {
				break
			}
			continue
		}
		if s.name == StepCutover && !r.opt.Cutover && !underway {
			res.StoppedBefore = s.name
			r.progress(s.name, "not run: the cutover needs the explicit cutover option (--cutover)")
			break
		}
		if err := r.runStep(ctx, s); err != nil {
			return res, err
		}
		res.Ran = append(res.Ran, s.name)
		res.CutoverResumed = res.CutoverResumed || underway && s.name == StepCutover
		if r.opt.AfterStep != nil {
			if err := r.opt.AfterStep(s.name); err != nil {
				return res, err
			}
		}
		if s.name == r.opt.Until {
			break
		}
	}
	return res, nil
}

// runStep runs one step and records its outcome.
func (r *Runner) runStep(ctx context.Context, s *stepDef) error {
	now := time.Now().UTC()
	if err := r.state.Update(func(st *State) {
		ss := st.step(s.name)
		ss.Status, ss.Started, ss.Finished, ss.Error = StepRunning, now, time.Time{}, ""
		ss.Runs++
	}); err != nil {
		return err
	}
	r.opt.Logger.Info("step started", "step", s.name)
	note, err := s.run(ctx, r)
	if err != nil {
		var se *StepError
		if !errors.As(err, &se) {
			err = &StepError{Step: s.name, Err: err}
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// Interrupted, not failed: leave it running, so the next run picks it up as it would
			// after a crash.
			return err
		}
		uerr := r.state.Update(func(st *State) {
			ss := st.step(s.name)
			ss.Status, ss.Finished, ss.Error = StepFailed, time.Now().UTC(), err.Error()
		})
		return errors.Join(err, uerr)
	}
	if err := r.state.Update(func(st *State) {
		ss := st.step(s.name)
		ss.Status, ss.Finished, ss.Note = StepDone, time.Now().UTC(), note
	}); err != nil {
		return err
	}
	r.progress(s.name, "done: "+note)
	r.opt.Logger.Info("step done", "step", s.name, "note", note)
	return nil
}

// progress reports a step's progress, dropping a message that repeats the step's last one.
func (r *Runner) progress(step, msg string) {
	r.mu.Lock()
	if r.last[step] == msg {
		r.mu.Unlock()
		return
	}
	r.last[step] = msg
	r.mu.Unlock()
	if r.opt.Progress != nil {
		r.opt.Progress(step, msg)
	}
}

// progressf formats a progress message.
func (r *Runner) progressf(step, format string, args ...any) {
	r.progress(step, fmt.Sprintf(format, args...))
}

// record saves resources a step found or created, at once: a crash right after must not lose them.
func (r *Runner) record(change func(*State)) error { return r.state.Update(change) }

// poll is the delay between polls of AWS.
func (r *Runner) poll() time.Duration { return r.spec.Wait.Poll }
