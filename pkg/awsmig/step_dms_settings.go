package awsmig

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// dmsARNs are the replication instance and endpoints the task uses: the spec's, or the ones
// the dms-resources step created.
type dmsARNs struct{ instance, source, target string }

// dmsARNs returns the ARNs the task uses.
func (r *Runner) dmsARNs() (dmsARNs, error) {
	d := r.spec.DMS
	if d.Create == nil {
		return dmsARNs{d.ReplicationInstanceARN, d.SourceEndpointARN, d.TargetEndpointARN}, nil
	}
	res := r.State().Resources
	if res.ReplicationInstanceARN == "" || res.SourceEndpointARN == "" || res.TargetEndpointARN == "" {
		return dmsARNs{}, fmt.Errorf("the DMS resources are not recorded: run the %s step first", StepDMSResources)
	}
	return dmsARNs{res.ReplicationInstanceARN, res.SourceEndpointARN, res.TargetEndpointARN}, nil
}

// modifyTask brings an existing task's settings to the spec's. DMS modifies only a task that
// is not running ("The task must be stopped before you can modify it."), so a running task
// whose settings differ is an error that says how to go on, not a stop dbverify decides on.
func modifyTask(ctx context.Context, r *Runner, api taskAPI, task *dmstypes.ReplicationTask, diffs []string) (*dmstypes.ReplicationTask, error) {
	id := aws.ToString(task.ReplicationTaskIdentifier)
	fail := func(err error) error { return &StepError{StepTask, id, err} }
	status := aws.ToString(task.Status)
	switch status {
	case "ready", "stopped", "failed":
	default:
		return nil, fail(fmt.Errorf("is %s with settings that differ from the spec (%s); DMS modifies only a stopped task: stop it (aws dms stop-replication-task), then apply again", status, strings.Join(diffs, ", ")))
	}
	r.progressf(StepTask, "%s: settings differ from the spec (%s); modifying it", id, strings.Join(diffs, ", "))
	if _, err := api.ModifyReplicationTask(ctx, &dms.ModifyReplicationTaskInput{
		ReplicationTaskArn:      task.ReplicationTaskArn,
		ReplicationTaskSettings: aws.String(taskSettings(r.spec)),
	}); err != nil {
		return nil, fail(called("ModifyReplicationTask", err))
	}
	// The task is modifying, then back where it was (ready or stopped): no SDK waiter covers
	// both, so poll.
	deadline := time.Now().Add(r.spec.Wait.ResourceTimeout)
	for {
		t, err := describeTask(ctx, api, id)
		switch {
		case err != nil:
			return nil, fail(err)
		case t == nil:
			return nil, fail(errors.New("the task disappeared while it was modified"))
		case aws.ToString(t.Status) != "modifying":
			return t, nil
		case time.Now().Add(r.poll()).After(deadline):
			return nil, fail(fmt.Errorf("still modifying after %s (wait.resource_timeout)", r.spec.Wait.ResourceTimeout))
		}
		r.progressf(StepTask, "%s: modifying", id)
		if err := sleep(ctx, r.poll()); err != nil {
			return nil, err
		}
	}
}

// recoveryEventRE matches the event RDS writes when a MySQL instance restored from a snapshot
// has recovered: "Binlog position from crash recovery is mysql-bin-changelog.000024 373". The
// position is where the snapshot's data ends in the source's binlog.
var recoveryEventRE = regexp.MustCompile(`Binlog position from crash recovery is (\S+) (\d+)`)

// eventWindow is how far back DescribeEvents reads, in minutes: its maximum, since RDS keeps
// events for 14 days.
const eventWindow = 20160

// cdcStartPosition returns the binlog position a CDC-only task starts from, in DMS's
// CdcStartPosition form FILE:POS: the one recorded, else read from the restored target's
// recovery event (and recorded).
func cdcStartPosition(ctx context.Context, r *Runner) (string, error) {
	if p := r.State().Resources.CDCStartPosition; p != "" {
		return p, nil
	}
	if r.cl.TargetRDS == nil {
		return "", errors.New("dms.cdc_only: no RDS client for the target's region")
	}
	var found string
	in := &rds.DescribeEventsInput{
		SourceType:       rdstypes.SourceTypeDbInstance,
		SourceIdentifier: aws.String(r.spec.Target.Instance),
		Duration:         aws.Int32(eventWindow),
	}
	for {
		out, err := r.cl.TargetRDS.DescribeEvents(ctx, in)
		if err != nil {
			return "", called("DescribeEvents", err)
		}
		for _, ev := range out.Events {
			// The latest one wins: an instance that crashed later reports another, and the
			// events come oldest first.
			if m := recoveryEventRE.FindStringSubmatch(aws.ToString(ev.Message)); m != nil {
				found = m[1] + ":" + m[2]
			}
		}
		if aws.ToString(out.Marker) == "" {
			break
		}
		in.Marker = out.Marker
	}
	if found == "" {
		return "", fmt.Errorf("dms.cdc_only: no \"Binlog position from crash recovery is FILE POS\" event for %s in the last 14 days (RDS writes it when a MySQL instance restored from a snapshot starts; binary logging must be on in the source); without it the task cannot start where the snapshot ends", r.spec.Target.Instance)
	}
	if err := r.record(func(st *State) { st.Resources.CDCStartPosition = found }); err != nil {
		return "", err
	}
	r.progressf(StepTask, "CDC starts at %s (the restored instance's recovery event)", found)
	return found, nil
}

// validationText sums up DMS's own validation of a task's tables, from DescribeTableStatistics:
// the tables per ValidationState and the records that failed, are pending or suspended, with
// the tables that have failed records. ok is false when the task validates nothing.
func validationText(ctx context.Context, api tableStatsAPI, taskARN string) (text string, ok bool, err error) {
	states := map[string]int{}
	var failed, pending, suspended int64
	var bad []string
	in := &dms.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(taskARN), MaxRecords: aws.Int32(500)}
	for {
		out, err := api.DescribeTableStatistics(ctx, in)
		if err != nil {
			return "", false, called("DescribeTableStatistics", err)
		}
		for _, t := range out.TableStatistics {
			st := aws.ToString(t.ValidationState)
			if st == "" || st == "Not enabled" {
				continue
			}
			states[st]++
			failed += t.ValidationFailedRecords
			pending += t.ValidationPendingRecords
			suspended += t.ValidationSuspendedRecords
			if t.ValidationFailedRecords > 0 || st == "Mismatched records" || st == "Error" {
				bad = append(bad, fmt.Sprintf("%s.%s %s (%d failed)", aws.ToString(t.SchemaName), aws.ToString(t.TableName), st, t.ValidationFailedRecords))
			}
		}
		if aws.ToString(out.Marker) == "" {
			break
		}
		in.Marker = out.Marker
	}
	if len(states) == 0 {
		return "DMS validation: no table validated", false, nil
	}
	var parts []string
	for _, st := range sortedCounts(states) {
		parts = append(parts, fmt.Sprintf("%d %s", states[st], st))
	}
	text = fmt.Sprintf("DMS validation: tables %s; records %d failed, %d pending, %d suspended", strings.Join(parts, ", "), failed, pending, suspended)
	if len(bad) > 0 {
		const show = 5
		text += "; " + strings.Join(bad[:min(len(bad), show)], "; ")
		if len(bad) > show {
			text += fmt.Sprintf("; and %d more", len(bad)-show)
		}
	}
	return text, true, nil
}

func sortedCounts(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }
