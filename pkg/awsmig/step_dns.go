package awsmig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

var cutoverStep = &stepDef{
	name: StepCutover,
	summary: func(s *Spec, _ Names) string {
		return fmt.Sprintf("[needs --cutover] lower the TTL of %s %s to %ds (unless migrate ttl did), refuse unless resolvers have dropped the old TTL since (or --force), then point it at the target and wait for INSYNC", s.DNS.Record, s.DNS.Type, s.DNS.TTL)
	},
	calls: func(s *Spec, _ Names) []string {
		rec := fmt.Sprintf("%s %s", s.DNS.Record, s.DNS.Type)
		return []string{
			fmt.Sprintf("route53:ListResourceRecordSets HostedZoneId=%s StartRecordName=%s StartRecordType=%s MaxItems=1 (also when every apply starts, once the target exists: a record already at the target means a cutover under way, which apply only finishes)", s.DNS.HostedZoneID, s.DNS.Record, s.DNS.Type),
			fmt.Sprintf("route53:ChangeResourceRecordSets UPSERT %s TTL=%d (current value)", rec, s.DNS.TTL),
			"wait route53:ResourceRecordSetsChanged (INSYNC) " + waitText(s, s.Wait.DNSTimeout),
			drainText(s),
			fmt.Sprintf("route53:ChangeResourceRecordSets UPSERT %s TTL=%d value=<target's endpoint>", rec, s.DNS.TTL),
			"wait route53:ResourceRecordSetsChanged (INSYNC) " + waitText(s, s.Wait.DNSTimeout),
			"(resumed after a stop once the record points at the target: the same UPSERT again only if that change's id was lost, then INSYNC)",
		}
	},
	run: func(ctx context.Context, r *Runner) (string, error) { return cutover(ctx, r, r.cl.Route53) },
}

// drainText says how long after lowering the TTL the cutover may go ahead.
func drainText(s *Spec) string {
	wait := "the old TTL"
	if s.DNS.Drain > 0 {
		wait = s.DNS.Drain.String() + " (dns.drain)"
	}
	return "refuse (unless --force) until " + wait + " has passed since the TTL was lowered (up to one poll is waited)"
}

// record is a simple (non-alias, non-routing-policy) record's value and TTL.
type record struct {
	value string
	ttl   int64
}

// getRecord reads the spec's record.
func getRecord(ctx context.Context, api dnsAPI, d *DNSSpec) (*record, error) {
	out, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId:    aws.String(d.HostedZoneID),
		StartRecordName: aws.String(d.Record),
		StartRecordType: r53types.RRType(d.Type),
		MaxItems:        aws.Int32(1),
	})
	if err != nil {
		return nil, called("ListResourceRecordSets", err)
	}
	for _, rs := range out.ResourceRecordSets {
		if !strings.EqualFold(strings.TrimSuffix(aws.ToString(rs.Name), "."), d.Record) || string(rs.Type) != d.Type {
			continue
		}
		if rs.AliasTarget != nil || rs.SetIdentifier != nil {
			return nil, fmt.Errorf("is an alias or routing-policy record; only simple records can be cut over")
		}
		if len(rs.ResourceRecords) != 1 {
			return nil, fmt.Errorf("has %d values; a %s record has one", len(rs.ResourceRecords), d.Type)
		}
		return &record{value: strings.TrimSuffix(aws.ToString(rs.ResourceRecords[0].Value), "."), ttl: aws.ToInt64(rs.TTL)}, nil
	}
	return nil, fmt.Errorf("not found in hosted zone %s", d.HostedZoneID)
}

// upsert sets the record's value and TTL and returns the change's id.
func upsert(ctx context.Context, api dnsAPI, d *DNSSpec, rec record, comment string) (string, error) {
	out, err := api.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(d.HostedZoneID),
		ChangeBatch: &r53types.ChangeBatch{
			Comment: aws.String(comment),
			Changes: []r53types.Change{{
				Action: r53types.ChangeActionUpsert,
				ResourceRecordSet: &r53types.ResourceRecordSet{
					Name:            aws.String(d.Record),
					Type:            r53types.RRType(d.Type),
					TTL:             aws.Int64(rec.ttl),
					ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(rec.value)}},
				},
			}},
		},
	})
	if err != nil {
		return "", called("ChangeResourceRecordSets", err)
	}
	if out.ChangeInfo == nil {
		return "", errors.New("ChangeResourceRecordSets: no change info in the answer")
	}
	return aws.ToString(out.ChangeInfo.Id), nil
}

// waitInsync waits until Route 53 has applied a change on all its servers.
func waitInsync(ctx context.Context, r *Runner, api dnsAPI, step, id string) error {
	t := &tracker{r: r, step: step}
	w := route53.NewResourceRecordSetsChangedWaiter(api, func(o *route53.ResourceRecordSetsChangedWaiterOptions) {
		o.MinDelay, o.MaxDelay = r.poll(), r.poll()
		next := o.Retryable
		o.Retryable = func(ctx context.Context, in *route53.GetChangeInput, out *route53.GetChangeOutput, err error) (bool, error) {
			if err == nil && out.ChangeInfo != nil {
				t.saw("change "+id, string(out.ChangeInfo.Status), "")
			}
			return next(ctx, in, out, err)
		}
	})
	_, err := w.WaitForOutput(ctx, &route53.GetChangeInput{Id: aws.String(id)}, r.spec.Wait.DNSTimeout)
	if err != nil {
		return t.failed(ctx, "change "+id, r.spec.Wait.DNSTimeout, "wait.dns_timeout", err)
	}
	return nil
}

// cutover points the record at the target. Every change is recorded before the next, so a run
// resumed after a crash neither loses the original value nor submits a change twice. A run that
// finds the record already pointing at the target (it stopped after the change, before
// recording it) only records the cutover and waits for INSYNC; Apply has then run nothing
// before it (see cutoverUnderway).
func cutover(ctx context.Context, r *Runner, api dnsAPI) (string, error) {
	d := r.spec.DNS
	name := d.Record + " " + d.Type
	fail := func(err error) error { return &StepError{StepCutover, name, err} }
	st := r.State()
	target := st.Resources.TargetAddress
	if target == "" {
		return "", fail(fmt.Errorf("no target address recorded: run the %s step first", StepRestore))
	}
	cur, err := getRecord(ctx, api, d)
	if err != nil {
		return "", fail(err)
	}
	if err := r.recordOriginal(cur, name, StepCutover); err != nil {
		return "", err
	}
	st = r.State()
	dns := st.DNS
	resumed := cur.value == target // an earlier run changed the record and stopped before recording the cutover

	// A change submitted by an earlier run that has not been seen INSYNC.
	if dns.LastChangeID != "" {
		if err := waitInsync(ctx, r, api, StepCutover, dns.LastChangeID); err != nil {
			return "", err
		}
		if err := r.record(func(s *State) {
			s.DNS.InsyncValue, s.DNS.LastChangeID, s.DNS.LastChangeValue = s.DNS.LastChangeValue, "", ""
		}); err != nil {
			return "", err
		}
	}

	// 1. Lower the TTL, keeping the value, so the switch reaches clients quickly (unless
	// `migrate ttl` did, hours before).
	if err := r.lowerTTL(ctx, cur, StepCutover); err != nil {
		return "", err
	}
	st = r.State()
	dns = st.DNS

	// 2. Resolvers must have dropped the old TTL (counted from when it was lowered). A wait of
	// up to one poll is waited; a longer one refuses the cutover, unless forced: clients that
	// still hold the old value for up to the old TTL would keep writing to the source.
	if cur.value != target && dns.OriginalTTL > d.TTL {
		if left := time.Until(dns.TTLLoweredAt.Add(r.drain(dns))); left > 0 {
			switch {
			case left <= r.poll():
				if err := sleep(ctx, left); err != nil {
					return "", err
				}
			case r.opt.Force:
				r.progressf(StepCutover, "WARNING: %s: the old TTL of %ds has not passed since it was lowered at %s (%s left); cutting over because of --force: some clients keep the old value until then", name, dns.OriginalTTL, dns.TTLLoweredAt.Format(time.RFC3339), left.Round(time.Second))
			default:
				return "", fail(fmt.Errorf("%w: the TTL was lowered from %ds at %s and resolvers may keep the old value until %s (%s from now): cut over after that (run `dbverify migrate ttl` hours before the window), or use --force",
					ErrTTLNotExpired, dns.OriginalTTL, dns.TTLLoweredAt.Format(time.RFC3339), dns.TTLLoweredAt.Add(r.drain(dns)).Format(time.RFC3339), left.Round(time.Second)))
			}
		}
	}

	// 3. Point the record at the target, and see that change INSYNC.
	switch {
	case cur.value != target:
		r.progressf(StepCutover, "%s: %s -> %s", name, cur.value, target)
		if err := change(ctx, r, api, StepCutover, record{target, d.TTL}, "dbverify "+r.spec.Name+": cutover to the target"); err != nil {
			return "", err
		}
	case dns.InsyncValue != target:
		// Why submit it again: the run that pointed the record at the target stopped before it
		// recorded the change's id, and Route 53 cannot find a change without it. The same
		// value and TTL again change nothing; their INSYNC means the record as it now stands,
		// the target, has reached every Route 53 server.
		r.progressf(StepCutover, "%s: already points at %s (changed by a run that stopped before recording it); confirming it reached every Route 53 server", name, target)
		if err := change(ctx, r, api, StepCutover, record{target, d.TTL}, "dbverify "+r.spec.Name+": confirm the cutover to the target"); err != nil {
			return "", err
		}
	default:
		r.progressf(StepCutover, "%s: already points at %s (INSYNC)", name, target)
	}
	now := time.Now().UTC()
	if err := r.record(func(s *State) { s.DNS.TargetValue, s.DNS.CutoverAt, s.DNS.FailbackAt = target, now, time.Time{} }); err != nil {
		return "", err
	}
	note := fmt.Sprintf("%s -> %s (TTL %d); was %s (TTL %d)", name, target, d.TTL, dns.OriginalValue, dns.OriginalTTL)
	if resumed {
		note += "; finished after a restart: the record already pointed at the target, so nothing before the cutover ran again (no gate)"
	}
	return note, nil
}

// ErrTTLNotExpired means the cutover was refused because resolvers may still hold the record's
// old TTL.
var ErrTTLNotExpired = errors.New("the old TTL has not expired since it was lowered")

// change upserts the record, records the change id at once, waits for INSYNC, then records
// the value as INSYNC.
func change(ctx context.Context, r *Runner, api dnsAPI, step string, rec record, comment string) error {
	d := r.spec.DNS
	id, err := upsert(ctx, api, d, rec, comment)
	if err != nil {
		return &StepError{step, d.Record + " " + d.Type, err}
	}
	if err := r.record(func(s *State) { s.DNS.LastChangeID, s.DNS.LastChangeValue = id, rec.value }); err != nil {
		return err
	}
	if err := waitInsync(ctx, r, api, step, id); err != nil {
		return err
	}
	return r.record(func(s *State) { s.DNS.InsyncValue, s.DNS.LastChangeID, s.DNS.LastChangeValue = rec.value, "", "" })
}

// cutoverUnderway reports whether an earlier run got as far as pointing the record at the
// target without recording the cutover. Then applications may already write to the target,
// so Apply must not run the DMS steps or the gate again: the gate would report those writes
// as drift, and repair SQL would propose deleting them. It reads the record while the
// cutover is not recorded and the target's address is known. A record that points at the
// target with no cutover begun in this state is an error, for the same reason.
func (r *Runner) cutoverUnderway(ctx context.Context) (bool, error) {
	s, st := r.spec, r.State()
	if s.DNS == nil || st.done(StepCutover) || st.Resources.TargetAddress == "" {
		return false, nil
	}
	name := s.DNS.Record + " " + s.DNS.Type
	started := st.Steps[StepCutover] != nil
	cur, err := getRecord(ctx, r.cl.Route53, s.DNS)
	switch {
	case err != nil && started:
		return false, &StepError{StepCutover, name, fmt.Errorf("%w; the cutover was under way, and without reading the record dbverify cannot tell whether applications already use the target, so it runs nothing again", err)}
	case err != nil:
		return false, nil // the cutover step reports it, if it runs
	case cur.value != st.Resources.TargetAddress:
		return false, nil
	case st.DNS == nil || st.DNS.Record != name || st.DNS.OriginalValue == "":
		return false, &StepError{StepCutover, name, fmt.Errorf("already points at the target %s, but %s records no cutover: applications may already write to the target, so dbverify neither gates nor cuts over (point the record back at the source to start again)", cur.value, r.state.Path())}
	}
	return true, nil
}

// FailbackWarning is what a failback loses, to show before it runs: the writes made on the
// target since the cutover, which DMS does not carry back to the source.
func (r *Runner) FailbackWarning() (string, error) {
	st := r.State()
	if r.spec.DNS == nil {
		return "", invalid(errors.New("failback: the spec has no dns section: there is no record to point back"))
	}
	if st.DNS == nil || st.DNS.OriginalValue == "" {
		return "", invalid(fmt.Errorf("failback: no cutover recorded in %s: nothing to point back", r.state.Path()))
	}
	since := "the cutover"
	if !st.DNS.CutoverAt.IsZero() {
		since = "the cutover at " + st.DNS.CutoverAt.Format(time.RFC3339)
	}
	task := ""
	if r.spec.DMS != nil {
		task = fmt.Sprintf(" DMS task %s replicates source -> target only.", r.names.Task)
	}
	return fmt.Sprintf("WARNING: failback points %s back at %s. Every write applications made through it since %s went to the target %s and is NOT on the source.%s Copy those writes back to the source first, or they are lost to the application.",
		st.DNS.Record, st.DNS.OriginalValue, since, st.Resources.TargetAddress, task), nil
}

// Failback points the record back at its value before the cutover, waits for INSYNC, and
// clears the cutover (and the gate) from the state, so a later apply --cutover checks again.
// Show FailbackWarning first.
func (r *Runner) Failback(ctx context.Context) (string, error) {
	if _, err := r.FailbackWarning(); err != nil {
		return "", err
	}
	d := r.spec.DNS
	st := r.State()
	name := st.DNS.Record
	fail := func(err error) error { return &StepError{"failback", name, err} }
	cur, err := getRecord(ctx, r.cl.Route53, d)
	if err != nil {
		return "", fail(err)
	}
	if cur.value != st.DNS.OriginalValue {
		r.progressf("failback", "%s: %s -> %s", name, cur.value, st.DNS.OriginalValue)
		id, err := upsert(ctx, r.cl.Route53, d, record{st.DNS.OriginalValue, d.TTL}, "dbverify "+r.spec.Name+": failback to the source")
		if err != nil {
			return "", fail(err)
		}
		if err := waitInsync(ctx, r, r.cl.Route53, "failback", id); err != nil {
			return "", err
		}
		if err := r.record(func(s *State) { s.DNS.InsyncValue = st.DNS.OriginalValue }); err != nil {
			return "", err
		}
	} else {
		r.progressf("failback", "%s: already points at %s", name, cur.value)
	}
	now := time.Now().UTC()
	if err := r.record(func(s *State) {
		s.DNS.FailbackAt, s.DNS.CutoverAt, s.DNS.TargetValue = now, time.Time{}, ""
		delete(s.Steps, StepCutover)
		delete(s.Steps, StepGate)
	}); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s -> %s (TTL %d)", name, st.DNS.OriginalValue, d.TTL), nil
}
