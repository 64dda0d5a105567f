package awsmig

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// AfterState records what `migrate finish` and `migrate cleanup` did after the cutover.
type AfterState struct {
	TaskStopped time.Time `json:"task_stopped,omitzero"` // finish stopped the DMS task
	// Deleted lists what cleanup deleted (or found gone), "kind id" -> when.
	Deleted map[string]time.Time `json:"deleted,omitempty"`
	// FinalSnapshot is the snapshot cleanup asked RDS to take of the old source instance
	// before deleting it.
	FinalSnapshot string `json:"final_snapshot,omitempty"`
}

func (a *AfterState) clone() *AfterState {
	if a == nil {
		return nil
	}
	c := *a
	c.Deleted = maps.Clone(a.Deleted)
	return &c
}

// after returns the state's AfterState, creating it.
func (s *State) after() *AfterState {
	if s.After == nil {
		s.After = &AfterState{}
	}
	if s.After.Deleted == nil {
		s.After.Deleted = map[string]time.Time{}
	}
	return s.After
}

// cutOver reports whether the migration is past its cutover and gate: a spec without a dns
// section has no cutover, so its gate is the mark.
func (r *Runner) cutOver(st *State) error {
	if !st.done(StepGate) {
		return fmt.Errorf("the gate has not passed (run `dbverify migrate apply`)")
	}
	if r.spec.DNS != nil && !st.done(StepCutover) {
		return fmt.Errorf("the cutover is not done (run `dbverify migrate apply --cutover`)")
	}
	return nil
}

// Finish stops the DMS task once the cutover is done and the gate passed: applications now
// write to the target, and a task still running would copy to it whatever still reaches the
// source. It waits until the task is stopped and records it; run again, it only checks.
func (r *Runner) Finish(ctx context.Context) (string, error) {
	s := r.spec
	if s.DMS == nil {
		return "", invalid(errors.New("finish: the spec has no dms section: there is no task to stop"))
	}
	st := r.State()
	if err := r.cutOver(&st); err != nil {
		return "", invalid(fmt.Errorf("finish: %w", err))
	}
	id := r.names.Task
	fail := func(err error) error { return &StepError{"finish", id, err} }
	task, err := describeTask(ctx, r.cl.DMS, id)
	if err != nil {
		return "", fail(err)
	}
	if a := st.After; a != nil && !a.TaskStopped.IsZero() && (task == nil || aws.ToString(task.Status) == "deleting") {
		return fmt.Sprintf("task %s stopped at %s; cleanup deletes it", id, a.TaskStopped.Format(time.RFC3339)), nil
	}
	if task == nil {
		return "", fail(errors.New("task not found: nothing to stop"))
	}
	status := aws.ToString(task.Status)
	switch status {
	case "running", "starting":
		r.progressf("finish", "%s: %s; stopping it", id, status)
		if _, err := r.cl.DMS.StopReplicationTask(ctx, &dms.StopReplicationTaskInput{ReplicationTaskArn: task.ReplicationTaskArn}); err != nil {
			return "", fail(called("StopReplicationTask", err))
		}
		fallthrough
	case "stopping":
		if task, err = waitTask(ctx, r, r.cl.DMS, "stopped", id); err != nil {
			return "", err
		}
	case "stopped", "failed", "ready":
		r.progressf("finish", "%s: already %s", id, status)
	default:
		return "", fail(fmt.Errorf("is %s; cannot stop it now: run finish again later", status))
	}
	now := time.Now().UTC()
	if err := r.record(func(st *State) {
		if st.after().TaskStopped.IsZero() {
			st.after().TaskStopped = now
		}
	}); err != nil {
		return "", err
	}
	note := fmt.Sprintf("task %s %s", id, aws.ToString(task.Status))
	if v := r.dmsValidation(ctx); v != "" {
		note += "; " + v
	}
	return note, nil
}

// CleanupItem is one resource cleanup deletes.
type CleanupItem struct {
	Kind, ID string
	Region   string
	Note     string // e.g. "with final snapshot dbv-NAME-final"
	del      func(ctx context.Context) error
}

func (c CleanupItem) String() string {
	s := c.Kind + " " + c.ID + " (" + c.Region + ")"
	if c.Note != "" {
		s += ", " + c.Note
	}
	return s
}

// CleanupPlan lists what cleanup would delete: the DMS task, and what the run created and
// tagged (the dms.create instance and endpoints, the snapshot and its copies), then the old
// source instance, with a final snapshot. It reads AWS and changes nothing. kept lists what it
// found of this migration's names but leaves alone, and why.
func (r *Runner) CleanupPlan(ctx context.Context) (items []CleanupItem, kept []string, err error) {
	s, n, st := r.spec, r.names, r.State()
	if err := r.cutOver(&st); err != nil {
		return nil, nil, invalid(fmt.Errorf("cleanup: %w", err))
	}
	if st.DNS != nil && !st.DNS.FailbackAt.IsZero() && st.DNS.CutoverAt.IsZero() {
		return nil, nil, invalid(errors.New("cleanup: the record was failed back to the source: nothing is deleted"))
	}
	if s.DMS != nil && (st.After == nil || st.After.TaskStopped.IsZero()) {
		return nil, nil, invalid(errors.New("cleanup: the DMS task still runs: run `dbverify migrate finish` first"))
	}
	gone := func(kind, id string) bool { return st.After != nil && !st.After.Deleted[kind+" "+id].IsZero() }
	fail := func(id string, err error) error { return &StepError{"cleanup", id, err} }
	tgt := s.Target.Region

	if s.DMS != nil {
		api := r.cl.DMS
		if task, err := describeTask(ctx, api, n.Task); err != nil {
			return nil, nil, fail(n.Task, err)
		} else if task != nil {
			arn, deleting := aws.ToString(task.ReplicationTaskArn), aws.ToString(task.Status) == "deleting"
			switch ok, err := dmsTagged(ctx, api, arn, s.Name); {
			case err != nil:
				return nil, nil, fail(n.Task, err)
			case !ok:
				kept = append(kept, "DMS task "+n.Task+": not tagged by this migration")
			default:
				items = append(items, CleanupItem{Kind: "DMS task", ID: n.Task, Region: tgt, del: func(ctx context.Context) error {
					return r.deleteTask(ctx, arn, deleting)
				}})
			}
		}
		if s.DMS.Create != nil {
			for _, id := range []string{n.SourceEndpoint, n.TargetEndpoint} {
				ep, err := describeEndpoint(ctx, api, id)
				if err != nil {
					return nil, nil, fail(id, err)
				}
				if ep == nil {
					continue
				}
				arn := aws.ToString(ep.EndpointArn)
				switch ok, err := dmsTagged(ctx, api, arn, s.Name); {
				case err != nil:
					return nil, nil, fail(id, err)
				case !ok:
					kept = append(kept, "DMS endpoint "+id+": not tagged by this migration")
				default:
					items = append(items, CleanupItem{Kind: "DMS endpoint", ID: id, Region: tgt, del: func(ctx context.Context) error {
						_, err := api.DeleteEndpoint(ctx, &dms.DeleteEndpointInput{EndpointArn: aws.String(arn)})
						return ignoreNotFound(called("DeleteEndpoint", err))
					}})
				}
			}
			inst, err := describeRepInstance(ctx, api, n.ReplicationInstance)
			if err != nil {
				return nil, nil, fail(n.ReplicationInstance, err)
			}
			if inst != nil && aws.ToString(inst.ReplicationInstanceStatus) != "deleting" {
				arn := aws.ToString(inst.ReplicationInstanceArn)
				switch ok, err := dmsTagged(ctx, api, arn, s.Name); {
				case err != nil:
					return nil, nil, fail(n.ReplicationInstance, err)
				case !ok:
					kept = append(kept, "DMS replication instance "+n.ReplicationInstance+": not tagged by this migration")
				default:
					items = append(items, CleanupItem{Kind: "DMS replication instance", ID: n.ReplicationInstance, Region: tgt, del: func(ctx context.Context) error {
						_, err := api.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: aws.String(arn)})
						return ignoreNotFound(called("DeleteReplicationInstance", err))
					}})
				}
			}
		} else if s.DMS.ReplicationInstanceARN != "" {
			kept = append(kept, "DMS replication instance and endpoints: given in the spec, not created by this migration")
		}
	}

	// The snapshots the run took and copied: intermediate now that the target holds the data.
	type snap struct {
		id      string
		region  string
		cluster bool
		api     RDSAPI
	}
	var snaps []snap
	if s.Source.Snapshot == "" {
		snaps = append(snaps, snap{n.SourceSnapshot, s.Region, s.sourceIsCluster(), r.cl.SourceRDS})
	} else {
		kept = append(kept, "snapshot "+s.Source.Snapshot+": named in the spec (source.snapshot), not created by this migration")
	}
	if s.copiesSnapshot() {
		if s.sourceIsCluster() {
			snaps = append(snaps, snap{n.RegionCopy, tgt, true, r.cl.TargetRDS})
		} else {
			snaps = append(snaps, snap{n.EncryptedSnapshot, tgt, false, r.cl.TargetRDS})
		}
	}
	for _, sn := range snaps {
		kind := "DB snapshot"
		lookup := instanceSnapshots(r, sn.api)
		if sn.cluster {
			kind, lookup = "DB cluster snapshot", clusterSnapshots(r, sn.api)
		}
		info, err := lookup.describe(ctx, sn.id)
		switch {
		case err != nil:
			return nil, nil, fail(sn.id, err)
		case info == nil || info.status == "deleting":
			continue
		case !info.owned:
			kept = append(kept, kind+" "+sn.id+": not tagged by this migration")
			continue
		}
		id, api, cluster := sn.id, sn.api, sn.cluster
		items = append(items, CleanupItem{Kind: kind, ID: id, Region: sn.region, del: func(ctx context.Context) error {
			if cluster {
				_, err := api.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: aws.String(id)})
				return ignoreNotFound(called("DeleteDBClusterSnapshot", err))
			}
			_, err := api.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(id)})
			return ignoreNotFound(called("DeleteDBSnapshot", err))
		}})
	}

	// The old source instance, last, with a final snapshot.
	switch {
	case s.sourceIsCluster():
		kept = append(kept, "source cluster "+s.Source.Cluster+": dbverify deletes no cluster; delete it (and its instances) yourself, with a final snapshot")
	case !gone("DB instance", s.Source.Instance):
		db, err := describeInstance(ctx, r.cl.SourceRDS, s.Source.Instance)
		if err != nil {
			return nil, nil, fail(s.Source.Instance, err)
		}
		if db != nil && aws.ToString(db.DBInstanceStatus) != "deleting" {
			id, final := s.Source.Instance, n.FinalSnapshot
			items = append(items, CleanupItem{Kind: "DB instance", ID: id, Region: s.Region,
				Note: "the old source; RDS takes final snapshot " + final + " first",
				del: func(ctx context.Context) error {
					if err := r.record(func(st *State) { st.after().FinalSnapshot = final }); err != nil {
						return err
					}
					_, err := r.cl.SourceRDS.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{
						DBInstanceIdentifier:      aws.String(id),
						FinalDBSnapshotIdentifier: aws.String(final),
						SkipFinalSnapshot:         aws.Bool(false),
						DeleteAutomatedBackups:    aws.Bool(false),
					})
					return ignoreNotFound(called("DeleteDBInstance", err))
				}})
		}
	}
	return items, kept, nil
}

// Cleanup deletes the items CleanupPlan listed, in its order (the task before the endpoints
// and the instance it uses; the old source last), recording each. A run stopped part way
// resumes: what is gone is no longer listed.
func (r *Runner) Cleanup(ctx context.Context, items []CleanupItem) error {
	for _, it := range items {
		r.progressf("cleanup", "deleting %s", it)
		if err := it.del(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var se *StepError
			if errors.As(err, &se) {
				return err
			}
			return &StepError{"cleanup", it.ID, err}
		}
		now := time.Now().UTC()
		key := it.Kind + " " + it.ID
		if err := r.record(func(st *State) { st.after().Deleted[key] = now }); err != nil {
			return err
		}
	}
	return nil
}

// deleteTask deletes the task (unless it is being deleted) and waits until it is gone: its endpoints and instance can be
// deleted only then ("All tasks associated with the endpoint must be deleted before you can
// delete the endpoint.").
func (r *Runner) deleteTask(ctx context.Context, arn string, deleting bool) error {
	id := r.names.Task
	if !deleting {
		if _, err := r.cl.DMS.DeleteReplicationTask(ctx, &dms.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(arn)}); ignoreNotFound(err) != nil {
			return called("DeleteReplicationTask", err)
		}
	}
	deadline := time.Now().Add(r.spec.Wait.ResourceTimeout)
	for {
		t, err := describeTask(ctx, r.cl.DMS, id)
		switch {
		case err != nil:
			return err
		case t == nil:
			return nil
		case time.Now().Add(r.poll()).After(deadline):
			return fmt.Errorf("still %s after %s (wait.resource_timeout)", aws.ToString(t.Status), r.spec.Wait.ResourceTimeout)
		}
		r.progressf("cleanup", "%s: %s", id, aws.ToString(t.Status))
		if err := sleep(ctx, r.poll()); err != nil {
			return err
		}
	}
}

// ignoreNotFound drops a not-found error: a resource already gone is what a delete wants.
func ignoreNotFound(err error) error {
	if notFound(err) {
		return nil
	}
	return err
}
