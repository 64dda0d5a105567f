package awsmigtest

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// The RDS calls of dms.cdc_only (the restore's events) and migrate cleanup (deleting the
// run's snapshots and the old source instance).

type event struct {
	region, source, message string
	kind                    types.SourceType
	at                      time.Time
}

// AddEvent adds an RDS event of a DB instance, e.g. a restore's recovery message.
func (c *Cloud) AddEvent(region, instanceID, message string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, event{region: region, source: instanceID, kind: types.SourceTypeDbInstance, message: message, at: time.Now().UTC()})
}

// ClearEvents drops every RDS event (a restore older than the 14 days RDS keeps them).
func (c *Cloud) ClearEvents() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = nil
}

// DescribeEvents lists the region's events of a source, oldest first, within Duration
// minutes (default 60).
func (r *RDS) DescribeEvents(_ context.Context, p *rds.DescribeEventsInput, _ ...func(*rds.Options)) (*rds.DescribeEventsOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeEvents")
	if p.SourceIdentifier != nil && p.SourceType == "" {
		// SourceIdentifier: "If SourceIdentifier is supplied, SourceType must also be
		// provided." (no error code named; RDS's InvalidParameterCombination).
		return nil, apiErr("InvalidParameterCombination", "SourceIdentifier needs SourceType")
	}
	minutes := aws.ToInt32(p.Duration)
	if minutes == 0 {
		minutes = 60
	}
	since := time.Now().Add(-time.Duration(minutes) * time.Minute)
	out := &rds.DescribeEventsOutput{}
	for _, e := range c.events {
		if e.region != r.region || p.SourceType != "" && e.kind != p.SourceType || p.SourceIdentifier != nil && e.source != aws.ToString(p.SourceIdentifier) || e.at.Before(since) {
			continue
		}
		out.Events = append(out.Events, types.Event{SourceIdentifier: aws.String(e.source), SourceType: e.kind, Message: aws.String(e.message), Date: aws.Time(e.at)})
	}
	return out, c.crashed("DescribeEvents")
}

// DeleteDBSnapshot deletes an available manual DB snapshot.
func (r *RDS) DeleteDBSnapshot(_ context.Context, p *rds.DeleteDBSnapshotInput, _ ...func(*rds.Options)) (*rds.DeleteDBSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DeleteDBSnapshot")
	id := aws.ToString(p.DBSnapshotIdentifier)
	s := c.lookupSnapshot(r.region, id, false)
	switch {
	case s == nil:
		return nil, &types.DBSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s not found.", id))}
	case s.status != "available":
		// "The DB snapshot must be in the available state to be deleted."
		return nil, &types.InvalidDBSnapshotStateFault{Message: aws.String(fmt.Sprintf("Snapshot %s is %s; only an available snapshot can be deleted.", id, s.status))}
	}
	out := r.snapshotOut(s)
	out.Status = aws.String("deleted")
	delete(c.snapshots, r.region+"/"+id)
	return &rds.DeleteDBSnapshotOutput{DBSnapshot: &out}, c.crashed("DeleteDBSnapshot")
}

// DeleteDBClusterSnapshot deletes an available manual DB cluster snapshot.
func (r *RDS) DeleteDBClusterSnapshot(_ context.Context, p *rds.DeleteDBClusterSnapshotInput, _ ...func(*rds.Options)) (*rds.DeleteDBClusterSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DeleteDBClusterSnapshot")
	id := aws.ToString(p.DBClusterSnapshotIdentifier)
	s := c.lookupSnapshot(r.region, id, true)
	switch {
	case s == nil:
		return nil, &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", id))}
	case s.status != "available":
		// "The DB cluster snapshot must be in the available state to be deleted."
		return nil, &types.InvalidDBClusterSnapshotStateFault{Message: aws.String(fmt.Sprintf("Cluster snapshot %s is %s; only an available snapshot can be deleted.", id, s.status))}
	}
	out := r.clusterSnapshotOut(s)
	out.Status = aws.String("deleted")
	delete(c.snapshots, r.region+"/"+id)
	return &rds.DeleteDBClusterSnapshotOutput{DBClusterSnapshot: &out}, c.crashed("DeleteDBClusterSnapshot")
}

// DeleteDBInstance deletes an instance, first taking its final snapshot (available at once).
func (r *RDS) DeleteDBInstance(_ context.Context, p *rds.DeleteDBInstanceInput, _ ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DeleteDBInstance")
	id, final, skip := aws.ToString(p.DBInstanceIdentifier), aws.ToString(p.FinalDBSnapshotIdentifier), aws.ToBool(p.SkipFinalSnapshot)
	switch {
	case final != "" && skip:
		// FinalDBSnapshotIdentifier: "If you enable this parameter and also enable
		// SkipFinalShapshot, the command results in an error."
		return nil, apiErr("InvalidParameterCombination", "FinalDBSnapshotIdentifier cannot be specified with SkipFinalSnapshot")
	case final == "" && !skip:
		// SkipFinalSnapshot: "If you don't enable this parameter, you must specify the
		// FinalDBSnapshotIdentifier parameter."
		return nil, apiErr("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is set")
	case final != "" && badIdentifier(final, 255):
		// FinalDBSnapshotIdentifier: "Must be 1 to 255 letters or numbers.", "First character
		// must be a letter.", "Can't end with a hyphen or contain two consecutive hyphens."
		return nil, apiErr("InvalidParameterValue", "FinalDBSnapshotIdentifier %q: %s", final, identifierRule(255))
	}
	in := c.instances[r.region+"/"+id]
	switch {
	case in == nil:
		return nil, &types.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", id))}
	case in.status != "available":
		return nil, &types.InvalidDBInstanceStateFault{Message: aws.String(fmt.Sprintf("Instance %s is %s.", id, in.status))}
	case final != "" && c.snapshots[r.region+"/"+final] != nil:
		return nil, &types.DBSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s already exists.", final))}
	}
	if final != "" {
		c.snapshots[r.region+"/"+final] = &snapshot{region: r.region, id: final, source: id, engine: in.engine, status: "available", percent: 100,
			encrypted: in.encrypted, key: in.key, created: time.Now().UTC()}
	}
	in.status, in.settle = "deleting", c.settle
	return &rds.DeleteDBInstanceOutput{DBInstance: ptr(r.instanceOut(in))}, c.crashed("DeleteDBInstance")
}
