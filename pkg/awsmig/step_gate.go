package awsmig

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var gateStep = &stepDef{
	name: StepGate,
	live: true,
	summary: func(s *Spec, _ Names) string {
		return fmt.Sprintf("dbverify: compare the source and the target, again every %s until a pass is identical, at most %s", s.Wait.GateInterval, s.Wait.GateTimeout)
	},
	calls: func(s *Spec, _ Names) []string {
		return []string{"(no AWS call: dbverify compare source.dsn target.dsn)"}
	},
	run: func(ctx context.Context, r *Runner) (string, error) {
		return RunGate(ctx, r.opt.Gate, r.spec.Wait.GateInterval, r.spec.Wait.GateTimeout, func(msg string) { r.progress(StepGate, msg) })
	},
}

// RunGate runs the gate's passes until one is clean (the note says which pass) or timeout
// passes (an error wrapping ErrNotClean, with the last pass's summary). A pass that fails is an
// error at once. progress, if not nil, hears about every pass.
func RunGate(ctx context.Context, g Gate, interval, timeout time.Duration, progress func(string)) (string, error) {
	if g == nil {
		return "", &StepError{StepGate, "", errors.New("no gate: set source.dsn and target.dsn in the spec so dbverify can compare them")}
	}
	if progress == nil {
		progress = func(string) {}
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
		progress(fmt.Sprintf("pass %d: %s", pass, summary))
		if clean {
			return fmt.Sprintf("pass %d clean: %s", pass, summary), nil
		}
		if time.Now().Add(interval).After(deadline) {
			return "", &StepError{StepGate, "", fmt.Errorf("%w after %s (%d passes, wait.gate_timeout); last pass: %s", ErrNotClean, timeout, pass, summary)}
		}
		if err := sleep(ctx, interval); err != nil {
			return "", err
		}
	}
}
