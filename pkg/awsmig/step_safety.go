package awsmig

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WriteChecker tells whether writes to the source have stopped, the condition for a cutover:
// a write made after the gate's clean pass and not yet applied by DMS would be lost to the
// application once it follows the record to the target. The command line implements it with
// the source's own signals (see dbverify's dialects): the server says it is read-only, or
// none of its write counters moves over settle.
type WriteChecker interface {
	WritesStopped(ctx context.Context, settle time.Duration) (stopped bool, detail string, err error)
}

// ErrWritesNotStopped means the source still takes writes, so the cutover was refused.
var ErrWritesNotStopped = errors.New("writes to the source have not stopped")

// checkWritesStopped runs before the gate of a run that is to cut over: it refuses to go on
// while the source still takes writes. Options.Force skips it (it may take wait.gate_settle),
// with a warning.
func (r *Runner) checkWritesStopped(ctx context.Context) error {
	if st := r.State(); !r.opt.Cutover || r.spec.DNS == nil || st.done(StepCutover) {
		return nil
	}
	if r.opt.Writes == nil {
		r.progress(StepGate, "writes to the source not checked (no source.dsn to read the source with)")
		return nil
	}
	if r.opt.Force {
		r.progress(StepGate, "WARNING: writes to the source not checked (--force): a write the gate does not see is lost to the application after the cutover")
		return nil
	}
	settle := r.spec.Wait.GateSettle
	r.progressf(StepGate, "checking that writes to the source have stopped (read-only, or no write counter moving for %s, wait.gate_settle)", settle)
	stopped, detail, err := r.opt.Writes.WritesStopped(ctx, settle)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		err = fmt.Errorf("%w: cannot tell (%v)", ErrWritesNotStopped, err)
	case !stopped:
		err = fmt.Errorf("%w (%s)", ErrWritesNotStopped, detail)
	default:
		r.progress(StepGate, "writes to the source have stopped: "+detail)
		return nil
	}
	return &StepError{StepGate, "source", fmt.Errorf("%w: stop the application's writes (or make the source read-only) before the cutover, or use --force", err)}
}

// LowerTTL lowers the DNS record's TTL to dns.ttl, keeping its value, and records when: the
// step to run hours before the cutover window, so resolvers have dropped the old TTL by then
// (the cutover refuses, without Options.Force, until the old TTL has passed since). It is done
// once; running it again only says when it was done.
func (r *Runner) LowerTTL(ctx context.Context) (string, error) {
	d := r.spec.DNS
	if d == nil {
		return "", invalid(errors.New("ttl: the spec has no dns section"))
	}
	st := r.State()
	if st.done(StepCutover) {
		return "", invalid(errors.New("ttl: the cutover is done; the TTL stays at dns.ttl"))
	}
	name := d.Record + " " + d.Type
	fail := func(err error) error { return &StepError{StepTTL, name, err} }
	cur, err := getRecord(ctx, r.cl.Route53, d)
	if err != nil {
		return "", fail(err)
	}
	if err := r.recordOriginal(cur, name, StepTTL); err != nil {
		return "", err
	}
	if err := r.lowerTTL(ctx, cur, StepTTL); err != nil {
		return "", err
	}
	dns := r.State().DNS
	ready := dns.TTLLoweredAt.Add(r.drain(dns))
	return fmt.Sprintf("%s: TTL %ds (was %ds) since %s; the cutover can go ahead from %s", name, d.TTL, dns.OriginalTTL,
		dns.TTLLoweredAt.Format(time.RFC3339), ready.Format(time.RFC3339)), nil
}

// StepTTL names the TTL lowering in messages and progress (it runs as `migrate ttl`, or as the
// cutover's first part when that was not run).
const StepTTL = "ttl"

// recordOriginal records the record's value and TTL before anything changes them: the
// failback's target.
func (r *Runner) recordOriginal(cur *record, name, step string) error {
	st := r.State()
	if st.DNS != nil && st.DNS.Record == name {
		return nil
	}
	if target := st.Resources.TargetAddress; target != "" && cur.value == target {
		return &StepError{step, name, fmt.Errorf("already points at the target %s, but no cutover is recorded: nothing to fail back to", target)}
	}
	return r.record(func(s *State) {
		s.DNS = &DNSState{Record: name, OriginalValue: cur.value, OriginalTTL: cur.ttl}
	})
}

// lowerTTL lowers the TTL, keeping the value, unless that was done; it records when.
func (r *Runner) lowerTTL(ctx context.Context, cur *record, step string) error {
	d := r.spec.DNS
	if r.State().DNS.TTLLowered {
		return nil
	}
	if cur.ttl > d.TTL {
		r.progressf(step, "%s %s: TTL %d -> %d", d.Record, d.Type, cur.ttl, d.TTL)
		if err := change(ctx, r, r.cl.Route53, step, record{cur.value, d.TTL}, "dbverify "+r.spec.Name+": lower TTL before cutover"); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	return r.record(func(s *State) { s.DNS.TTLLowered, s.DNS.TTLLoweredAt = true, now })
}

// drain is how long resolvers may keep the old TTL after it was lowered: dns.drain, else the
// old TTL.
func (r *Runner) drain(dns *DNSState) time.Duration {
	if r.spec.DNS.Drain > 0 {
		return r.spec.DNS.Drain
	}
	return time.Duration(dns.OriginalTTL) * time.Second
}
