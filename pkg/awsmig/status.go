package awsmig

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// WriteStatus prints where each step stands according to the state (nil: nothing done yet)
// and, given clients, the live status of the resources: snapshot progress, the target's
// status, the DMS task's full load and CDC lag, the DNS record. It only reads; a live read that
// fails is printed, not returned. It takes no lock, so it works while a run is going on.
func WriteStatus(ctx context.Context, w io.Writer, s *Spec, st *State, cl *Clients) error {
	var b strings.Builder
	if st == nil {
		st = &State{Steps: map[string]*StepState{}}
	}
	fmt.Fprintf(&b, "Migration %s", s.Name)
	if !st.Updated.IsZero() {
		fmt.Fprintf(&b, " (state updated %s)", st.Updated.Format(time.RFC3339))
	}
	b.WriteString("\n\n")
	for i, sd := range stepsFor(s) {
		ss := st.Steps[sd.name]
		if ss == nil {
			fmt.Fprintf(&b, "%2d. %-15s pending\n", i+1, sd.name)
			continue
		}
		line := fmt.Sprintf("%2d. %-15s %s", i+1, sd.name, ss.Status)
		switch ss.Status {
		case StepDone:
			line += fmt.Sprintf(" %s: %s", ss.Finished.Format(time.RFC3339), ss.Note)
		case StepFailed:
			line += fmt.Sprintf(" %s: %s", ss.Finished.Format(time.RFC3339), ss.Error)
		case StepRunning:
			line += fmt.Sprintf(" since %s (a run is going on, or one stopped here: apply resumes it)", ss.Started.Format(time.RFC3339))
		}
		b.WriteString(line + "\n")
	}
	if d := st.DNS; d != nil {
		fmt.Fprintf(&b, "\nDNS %s: original %s (TTL %d)", d.Record, d.OriginalValue, d.OriginalTTL)
		if d.TTLLowered {
			fmt.Fprintf(&b, ", TTL lowered at %s", d.TTLLoweredAt.Format(time.RFC3339))
			if s.DNS != nil && d.CutoverAt.IsZero() {
				drain := s.DNS.Drain
				if drain == 0 {
					drain = time.Duration(d.OriginalTTL) * time.Second
				}
				if ready := d.TTLLoweredAt.Add(drain); time.Now().Before(ready) {
					fmt.Fprintf(&b, " (the cutover can go ahead from %s)", ready.Format(time.RFC3339))
				} else {
					b.WriteString(" (the old TTL has expired)")
				}
			}
		}
		if !d.CutoverAt.IsZero() {
			fmt.Fprintf(&b, ", cut over to %s at %s", d.TargetValue, d.CutoverAt.Format(time.RFC3339))
		}
		if !d.FailbackAt.IsZero() {
			fmt.Fprintf(&b, ", failed back at %s", d.FailbackAt.Format(time.RFC3339))
		}
		b.WriteString("\n")
	}
	if a := st.After; a != nil {
		if !a.TaskStopped.IsZero() {
			fmt.Fprintf(&b, "\nfinish: DMS task stopped at %s\n", a.TaskStopped.Format(time.RFC3339))
		}
		if len(a.Deleted) > 0 {
			fmt.Fprintf(&b, "cleanup: deleted %s", strings.Join(slices.Sorted(maps.Keys(a.Deleted)), ", "))
			if a.FinalSnapshot != "" {
				fmt.Fprintf(&b, " (final snapshot of the old source: %s)", a.FinalSnapshot)
			}
			b.WriteString("\n")
		}
	}
	if cl != nil {
		b.WriteString("\nLive:\n")
		for _, l := range liveStatus(ctx, s, st, cl) {
			b.WriteString("  " + l + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// liveStatus reads the resources of the steps that are not done, and the task and record.
func liveStatus(ctx context.Context, s *Spec, st *State, cl *Clients) []string {
	r := &Runner{spec: s, names: s.Names(), last: map[string]string{}}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	snapLine := func(what, id string, snaps snapshots) {
		info, err := snaps.describe(ctx, id)
		switch {
		case err != nil:
			add("%s %s: unavailable: %v", what, id, err)
		case info == nil:
			add("%s %s: not created yet", what, id)
		default:
			add("%s %s: %s %d%%", what, id, info.status, info.percent)
		}
	}
	if !st.done(StepSnapshot) && cl.SourceRDS != nil {
		if s.sourceIsCluster() {
			snapLine("snapshot", r.names.SourceSnapshot, clusterSnapshots(r, cl.SourceRDS))
		} else {
			snapLine("snapshot", r.names.SourceSnapshot, instanceSnapshots(r, cl.SourceRDS))
		}
	}
	beforeRestore := StepSnapshot
	if s.copiesSnapshot() {
		beforeRestore = StepCopy
		if st.done(StepSnapshot) && !st.done(StepCopy) && cl.TargetRDS != nil {
			if s.sourceIsCluster() {
				snapLine("snapshot copy", r.names.RegionCopy, clusterSnapshots(r, cl.TargetRDS))
			} else {
				snapLine("encrypted copy", r.names.EncryptedSnapshot, instanceSnapshots(r, cl.TargetRDS))
			}
		}
	}
	if st.done(beforeRestore) && cl.TargetRDS != nil {
		if s.targetIsCluster() {
			c, err := describeCluster(ctx, cl.TargetRDS, s.Target.Cluster)
			switch {
			case err != nil:
				add("target cluster %s: unavailable: %v", s.Target.Cluster, err)
			case c == nil:
				add("target cluster %s: not created yet", s.Target.Cluster)
			default:
				add("target cluster %s: %s, encrypted=%t, key %s", s.Target.Cluster, aws.ToString(c.Status), aws.ToBool(c.StorageEncrypted), keyText(aws.ToString(c.KmsKeyId)))
			}
		}
		db, err := describeInstance(ctx, cl.TargetRDS, s.Target.Instance)
		switch {
		case err != nil:
			add("target instance %s: unavailable: %v", s.Target.Instance, err)
		case db == nil:
			add("target instance %s: not created yet", s.Target.Instance)
		default:
			add("target instance %s: %s, encrypted=%t", s.Target.Instance, aws.ToString(db.DBInstanceStatus), aws.ToBool(db.StorageEncrypted))
		}
	}
	if s.DMS != nil && cl.DMS != nil && st.Resources.TaskARN != "" {
		task, err := describeTask(ctx, cl.DMS, r.names.Task)
		switch {
		case err != nil:
			add("DMS task %s: unavailable: %v", r.names.Task, err)
		case task == nil:
			add("DMS task %s: not found", r.names.Task)
		default:
			line := fmt.Sprintf("DMS task %s: %s, %s", r.names.Task, aws.ToString(task.Status), fullLoadText(task.ReplicationTaskStats))
			if m := aws.ToString(task.LastFailureMessage); m != "" {
				line += "; last failure: " + oneLine(m)
			}
			lines = append(lines, line)
		}
		if v, _, err := validationText(ctx, cl.DMS, st.Resources.TaskARN); err != nil {
			add("DMS validation: unavailable: %v", err)
		} else if s.DMS.Validation || !strings.HasSuffix(v, "no table validated") {
			lines = append(lines, v)
		}
		if cl.CloudWatch != nil && st.Resources.ReplicationInstanceID != "" {
			src, tgt, ok, err := cdcLag(ctx, cl.CloudWatch, st.Resources.ReplicationInstanceID, st.Resources.TaskARN)
			switch {
			case err != nil:
				add("CDC lag: unavailable: %v", err)
			case !ok:
				add("CDC lag: no data yet")
			default:
				add("CDC lag: %s source, %s target (threshold %s)", src, tgt, s.Wait.LagThreshold)
			}
		}
	}
	if s.DNS != nil && cl.Route53 != nil {
		rec, err := getRecord(ctx, cl.Route53, s.DNS)
		switch {
		case err != nil:
			add("DNS %s %s: unavailable: %v", s.DNS.Record, s.DNS.Type, err)
		default:
			add("DNS %s %s: %s (TTL %d)", s.DNS.Record, s.DNS.Type, rec.value, rec.ttl)
			if target := st.Resources.TargetAddress; target != "" && rec.value == target && !st.done(StepCutover) {
				if st.DNS == nil || st.DNS.OriginalValue == "" {
					add("the record points at the target but no cutover is recorded: apply refuses to gate or cut over (applications may already write to the target)")
				} else {
					add("the record points at the target: the cutover is under way (a run stopped before recording it); apply finishes it (records it, waits for INSYNC) and runs neither the DMS steps nor the gate again")
				}
			}
		}
	}
	if len(lines) == 0 {
		lines = append(lines, "nothing in flight")
	}
	return lines
}
