package awsmig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

var gateStep = &stepDef{
	name: StepGate,
	live: true,
	summary: func(s *Spec, _ Names) string {
		return fmt.Sprintf("dbverify: compare the source and the target; read the rows that differ again every %s until they match (drift once a row's source is unchanged for %s or the CDC lag and its target still differs), then compare again, until a pass is identical; at most %s",
			s.Wait.GateInterval, s.Wait.GateSettle, s.Wait.GateTimeout)
	},
	calls: func(s *Spec, _ Names) []string {
		calls := []string{"(no AWS call: dbverify compare source.dsn target.dsn)"}
		if s.DNS != nil {
			calls = append(calls, "(with --cutover, first: no AWS call: the source must be read-only, or its write counters still for wait.gate_settle)")
		}
		if s.DMS != nil && s.DMS.Validation {
			calls = append(calls, "dms:DescribeTableStatistics ReplicationTaskArn=<the task's> (DMS's own validation, shown beside the verdict)")
		}
		return calls
	},
	run: func(ctx context.Context, r *Runner) (string, error) {
		w := GateWatch{Interval: r.spec.Wait.GateInterval, Settle: r.spec.Wait.GateSettle,
			Progress: func(msg string) { r.progress(StepGate, msg) }}
		if st := r.State(); r.spec.DMS != nil && st.Resources.TaskARN != "" {
			w.Lag = func(ctx context.Context) (time.Duration, bool, error) {
				src, tgt, ok, err := cdcLag(ctx, r.cl.CloudWatch, st.Resources.ReplicationInstanceID, st.Resources.TaskARN)
				return max(src, tgt), ok, err
			}
		}
		if err := r.checkWritesStopped(ctx); err != nil {
			return "", err
		}
		note, err := RunGate(ctx, r.opt.Gate, r.spec.Wait.GateTimeout, w)
		// DMS's own validation, beside dbverify's verdict (not instead of it: it checks only
		// what the task moved, and only where it could).
		if v := r.dmsValidation(ctx); v != "" {
			r.progress(StepGate, v)
			if err == nil {
				note += "; " + v
			} else {
				err = fmt.Errorf("%w (beside it: %s)", err, v)
			}
		}
		return note, err
	},
}

// RunGate runs the gate until the target is clean (the note says which pass) or timeout passes
// (an error wrapping ErrNotClean, with the last pass's summary). A Watcher watches (see there):
// a row it confirms as drift is an error wrapping ErrNotClean, at once. Another gate's Check
// runs again every w.Interval. A pass that fails is an error at once.
func RunGate(ctx context.Context, g Gate, timeout time.Duration, w GateWatch) (string, error) {
	if g == nil {
		return "", &StepError{StepGate, "", errors.New("no gate: set source.dsn and target.dsn in the spec so dbverify can compare them")}
	}
	if w.Progress == nil {
		w.Progress = func(string) {}
	}
	if wg, ok := g.(Watcher); ok {
		return runWatcher(ctx, wg, timeout, w)
	}
	deadline := time.Now().Add(timeout)
	for pass := 1; ; pass++ {
		clean, summary, err := g.Check(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", &StepError{StepGate, "", fmt.Errorf("pass %d: %w", pass, err)}
		}
		w.Progress(fmt.Sprintf("pass %d: %s", pass, summary))
		if clean {
			return fmt.Sprintf("pass %d clean: %s", pass, summary), nil
		}
		if time.Now().Add(w.Interval).After(deadline) {
			return "", &StepError{StepGate, "", fmt.Errorf("%w after %s (%d passes, wait.gate_timeout); last pass: %s", ErrNotClean, timeout, pass, summary)}
		}
		if err := sleep(ctx, w.Interval); err != nil {
			return "", err
		}
	}
}

// runWatcher is RunGate for a Watcher.
func runWatcher(ctx context.Context, g Watcher, timeout time.Duration, w GateWatch) (string, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := g.Watch(wctx, w)
	last := res.Last
	if last == "" {
		last = "none ended"
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil && wctx.Err() != nil:
		return "", &StepError{StepGate, "", fmt.Errorf("%w after %s (%d passes, wait.gate_timeout); last pass: %s", ErrNotClean, timeout, res.Passes, last)}
	case err != nil:
		return "", &StepError{StepGate, "", fmt.Errorf("pass %d: %w", res.Passes+1, err)}
	case !res.Clean && len(res.Drift) == 0:
		return "", &StepError{StepGate, "", fmt.Errorf("%w: pass %d: %s", ErrNotClean, res.Passes, last)}
	case !res.Clean:
		const show = 5
		rows := strings.Join(res.Drift[:min(len(res.Drift), show)], "; ")
		if len(res.Drift) > show {
			rows += fmt.Sprintf("; and %d more", len(res.Drift)-show)
		}
		fix := ""
		if res.Repair != "" {
			fix = "; the SQL that would fix them (review it; dbverify has not run it): " + res.Repair
		}
		drift := "1 row is drift"
		if len(res.Drift) != 1 {
			drift = fmt.Sprintf("%d rows are drift", len(res.Drift))
		}
		return "", &StepError{StepGate, "", fmt.Errorf("%w: %s (the source row stayed unchanged for wait.gate_settle %s, and at least the CDC lag, while the target's differed): %s; pass %d: %s%s",
			ErrNotClean, drift, w.Settle, rows, res.Passes, last, fix)}
	}
	note := fmt.Sprintf("pass %d clean: %s", res.Passes, last)
	if res.Resolved > 0 {
		rows := "1 differing row"
		if res.Resolved != 1 {
			rows = fmt.Sprintf("%d differing rows", res.Resolved)
		}
		note += "; " + rows + " matched when read again (in flight)"
	}
	return note, nil
}

// dmsValidation is DMS's own validation of the task's tables, for the gate's output; "" when
// the spec has no task or turns validation off.
func (r *Runner) dmsValidation(ctx context.Context) string {
	st := r.State()
	if r.spec.DMS == nil || !r.spec.DMS.Validation || st.Resources.TaskARN == "" {
		return ""
	}
	text, _, err := validationText(ctx, r.cl.DMS, st.Resources.TaskARN)
	if err != nil {
		if ctx.Err() != nil {
			return ""
		}
		return "DMS validation: unavailable: " + err.Error()
	}
	return text
}
