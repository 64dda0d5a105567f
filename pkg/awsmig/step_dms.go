package awsmig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

var prepareStep = &stepDef{
	name: StepPrepare,
	summary: func(s *Spec, _ Names) string {
		return "ready the target for the full load (the command line checks that the target DSN connects; DMS empties the tables per target_table_prep_mode)"
	},
	calls: func(*Spec, Names) []string { return []string{"(no AWS call: the prepare hook)"} },
	run: func(ctx context.Context, r *Runner) (string, error) {
		if r.opt.Prepare == nil {
			return "no prepare hook: nothing to do", nil
		}
		note, err := r.opt.Prepare.Prepare(ctx)
		if err != nil {
			return "", &StepError{StepPrepare, "", err}
		}
		return note, nil
	},
}

var taskStep = &stepDef{
	name: StepTask,
	live: true,
	summary: func(s *Spec, n Names) string {
		what := fmt.Sprintf("full-load-and-cdc, TargetTablePrepMode %s", s.DMS.TargetTablePrepMode)
		if s.DMS.CDCOnly {
			what = "cdc only, from the binlog position of the snapshot the target was restored from"
		}
		val := "DMS validation off"
		if s.DMS.Validation {
			val = "DMS validation on"
		}
		return fmt.Sprintf("create DMS task %s (%s; %s; %s) and start it; on a re-run, %s it if it stopped or failed", n.Task, what, lobText(s.DMS), val, s.DMS.OnRerun)
	},
	calls: func(s *Spec, n Names) []string {
		rep, src, tgt := s.DMS.ReplicationInstanceARN, s.DMS.SourceEndpointARN, s.DMS.TargetEndpointARN
		if s.DMS.Create != nil {
			rep, src, tgt = "<created by "+StepDMSResources+">", "<created>", "<created>"
		}
		calls := []string{
			"dms:DescribeReplicationInstances Filter replication-instance-arn=" + rep,
			"dms:DescribeReplicationTasks Filter replication-task-id=" + n.Task,
		}
		typ := "full-load-and-cdc"
		if s.DMS.CDCOnly {
			typ = "cdc CdcStartPosition=<FILE:POS>"
			calls = append(calls, fmt.Sprintf("rds:DescribeEvents SourceType=db-instance SourceIdentifier=%s Duration=20160 (the \"Binlog position from crash recovery is FILE POS\" event of the restore)", s.Target.Instance))
		}
		calls = append(calls,
			fmt.Sprintf("dms:CreateReplicationTask ReplicationTaskIdentifier=%s MigrationType=%s SourceEndpointArn=%s TargetEndpointArn=%s TableMappings=<%d bytes> ReplicationTaskSettings=%s Tags=%s", n.Task, typ, src, tgt, len(s.DMS.TableMappings), taskSettings(s), tagText(s, StepTask)),
			"wait dms:ReplicationTaskReady "+waitText(s, s.Wait.ResourceTimeout),
			"(a task whose settings differ from the spec's, when it is ready, stopped or failed) dms:ModifyReplicationTask ReplicationTaskSettings=<as above>, then wait until it is no longer modifying",
			"dms:StartReplicationTask StartReplicationTaskType=start-replication (re-run: "+string(rerunType(s))+")",
			"wait dms:ReplicationTaskRunning "+waitText(s, s.Wait.ResourceTimeout),
		)
		return calls
	},
	run: func(ctx context.Context, r *Runner) (string, error) { return runTask(ctx, r, r.cl.DMS) },
}

var syncStep = &stepDef{
	name: StepSync,
	live: true,
	summary: func(s *Spec, n Names) string {
		return fmt.Sprintf("wait until task %s finished its full load and its CDC lag (source and target) is at most %s", n.Task, s.Wait.LagThreshold)
	},
	calls: func(s *Spec, n Names) []string {
		return []string{
			"dms:DescribeReplicationTasks Filter replication-task-id=" + n.Task + " (every " + s.Wait.Poll.String() + ")",
			"cloudwatch:GetMetricData AWS/DMS CDCLatencySource, CDCLatencyTarget (Maximum, 60s) for the task",
			fmt.Sprintf("until lag <= %s, at most %s (wait.sync_timeout)", s.Wait.LagThreshold, s.Wait.SyncTimeout),
		}
	},
	run: func(ctx context.Context, r *Runner) (string, error) {
		return waitSync(ctx, r, r.cl.DMS, r.cl.CloudWatch)
	},
}

// rerunType is the StartReplicationTaskType a re-run uses for a stopped or failed task.
func rerunType(s *Spec) dmstypes.StartReplicationTaskTypeValue {
	if s.DMS.OnRerun == "reload" {
		return dmstypes.StartReplicationTaskTypeValueReloadTarget
	}
	return dmstypes.StartReplicationTaskTypeValueResumeProcessing
}

// describeTask returns the migration's DMS task, or nil when there is none.
func describeTask(ctx context.Context, api dms.DescribeReplicationTasksAPIClient, id string) (*dmstypes.ReplicationTask, error) {
	out, err := api.DescribeReplicationTasks(ctx, &dms.DescribeReplicationTasksInput{
		Filters: []dmstypes.Filter{{Name: aws.String("replication-task-id"), Values: []string{id}}},
	})
	if notFound(err) || err == nil && len(out.ReplicationTasks) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, called("DescribeReplicationTasks", err)
	}
	return &out.ReplicationTasks[0], nil
}

// runTask makes sure the DMS task exists with the spec's endpoints and runs: it creates it,
// starts it, and on a re-run resumes (or reloads) it if it stopped or failed.
func runTask(ctx context.Context, r *Runner, api taskAPI) (string, error) {
	s, id := r.spec, r.names.Task
	fail := func(err error) error { return &StepError{StepTask, id, err} }
	arns, err := r.dmsARNs()
	if err != nil {
		return "", fail(err)
	}

	ri, err := api.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{
		Filters: []dmstypes.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{arns.instance}}},
	})
	switch {
	case notFound(err) || err == nil && len(ri.ReplicationInstances) == 0:
		return "", &StepError{StepTask, arns.instance, fmt.Errorf("replication instance not found in %s", s.Target.Region)}
	case err != nil:
		return "", &StepError{StepTask, arns.instance, called("DescribeReplicationInstances", err)}
	}
	inst := ri.ReplicationInstances[0]
	if st := aws.ToString(inst.ReplicationInstanceStatus); st != "available" {
		return "", &StepError{StepTask, arns.instance, fmt.Errorf("replication instance is %s, not available", st)}
	}
	if err := r.record(func(st *State) { st.Resources.ReplicationInstanceID = aws.ToString(inst.ReplicationInstanceIdentifier) }); err != nil {
		return "", err
	}

	task, err := describeTask(ctx, api, id)
	if err != nil {
		return "", fail(err)
	}
	if task == nil {
		in := &dms.CreateReplicationTaskInput{
			ReplicationTaskIdentifier: aws.String(id),
			MigrationType:             migrationType(s),
			ReplicationInstanceArn:    aws.String(arns.instance),
			SourceEndpointArn:         aws.String(arns.source),
			TargetEndpointArn:         aws.String(arns.target),
			TableMappings:             aws.String(s.DMS.TableMappings),
			ReplicationTaskSettings:   aws.String(taskSettings(s)),
			Tags:                      dmsTags(s.tags(StepTask)),
		}
		if s.DMS.CDCOnly {
			pos, err := cdcStartPosition(ctx, r)
			if err != nil {
				return "", fail(err)
			}
			in.CdcStartPosition = aws.String(pos)
		}
		r.progressf(StepTask, "%s: creating (%s)", id, in.MigrationType)
		out, err := api.CreateReplicationTask(ctx, in)
		if err != nil {
			return "", fail(called("CreateReplicationTask", err))
		}
		task = out.ReplicationTask
	} else if err := sameTask(s, arns, task); err != nil {
		return "", fail(err)
	}
	arn := aws.ToString(task.ReplicationTaskArn)
	if err := r.record(func(st *State) { st.Resources.TaskARN = arn }); err != nil {
		return "", err
	}

	status := aws.ToString(task.Status)
	if diffs := settingsDiff(aws.ToString(task.ReplicationTaskSettings), taskSettings(s)); len(diffs) > 0 && status != "creating" {
		if task, err = modifyTask(ctx, r, api, task, diffs); err != nil {
			return "", err
		}
		status = aws.ToString(task.Status)
	}
	switch status {
	case "creating", "modifying":
		if task, err = waitTask(ctx, r, api, "ready", id); err != nil {
			return "", err
		}
		status = aws.ToString(task.Status)
	case "stopping":
		if task, err = waitTask(ctx, r, api, "stopped", id); err != nil {
			return "", err
		}
		status = aws.ToString(task.Status)
	}

	var start dmstypes.StartReplicationTaskTypeValue
	switch status {
	case "ready":
		start = dmstypes.StartReplicationTaskTypeValueStartReplication
	case "starting", "running":
		r.progressf(StepTask, "%s: %s", id, status)
	case "stopped", "failed":
		start = rerunType(s)
		why := aws.ToString(task.LastFailureMessage)
		if why == "" {
			why = aws.ToString(task.StopReason)
		}
		r.progressf(StepTask, "%s: was %s (%s); starting it with %s (dms.on_rerun: %s)", id, status, oneLine(why), start, s.DMS.OnRerun)
	default:
		return "", fail(fmt.Errorf("is %s; cannot start it", status))
	}
	if start != "" {
		if _, err := api.StartReplicationTask(ctx, &dms.StartReplicationTaskInput{
			ReplicationTaskArn: aws.String(arn), StartReplicationTaskType: start,
		}); err != nil {
			return "", fail(called("StartReplicationTask", err))
		}
	}
	if task, err = waitTask(ctx, r, api, "running", id); err != nil {
		return "", err
	}
	return fmt.Sprintf("task %s running (%s)", id, fullLoadText(task.ReplicationTaskStats)), nil
}

// migrationType is the task's migration type: full-load-and-cdc, or cdc with dms.cdc_only.
func migrationType(s *Spec) dmstypes.MigrationTypeValue {
	if s.DMS.CDCOnly {
		return dmstypes.MigrationTypeValueCdc
	}
	return dmstypes.MigrationTypeValueFullLoadAndCdc
}

// sameTask checks that an existing task is the one the spec describes.
func sameTask(s *Spec, arns dmsARNs, t *dmstypes.ReplicationTask) error {
	var diffs []string
	for _, f := range []struct{ name, have, want string }{
		{"replication instance", aws.ToString(t.ReplicationInstanceArn), arns.instance},
		{"source endpoint", aws.ToString(t.SourceEndpointArn), arns.source},
		{"target endpoint", aws.ToString(t.TargetEndpointArn), arns.target},
		{"migration type", string(t.MigrationType), string(migrationType(s))},
	} {
		if f.have != "" && f.have != f.want {
			diffs = append(diffs, fmt.Sprintf("%s %s (spec: %s)", f.name, f.have, f.want))
		}
	}
	if have := aws.ToString(t.TableMappings); have != "" && canonicalJSON(have) != canonicalJSON(s.DMS.TableMappings) {
		// Why: the gate compares the tables the spec's mappings select; a task that migrates
		// others would make a clean gate meaningless.
		diffs = append(diffs, "other table mappings")
	}
	if len(diffs) > 0 {
		return fmt.Errorf("exists but differs from the spec (%s): delete it or rename the migration", strings.Join(diffs, ", "))
	}
	return nil
}

// canonicalJSON re-encodes JSON with sorted keys and no spaces; text that is not JSON stays.
func canonicalJSON(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// waitTask waits for the task to reach status (ready, running or stopped) with the SDK's waiter.
func waitTask(ctx context.Context, r *Runner, api dms.DescribeReplicationTasksAPIClient, status, id string) (*dmstypes.ReplicationTask, error) {
	t := &tracker{r: r, step: StepTask}
	in := &dms.DescribeReplicationTasksInput{Filters: []dmstypes.Filter{{Name: aws.String("replication-task-id"), Values: []string{id}}}}
	timeout := r.spec.Wait.ResourceTimeout
	track := func(out *dms.DescribeReplicationTasksOutput, err error) {
		if err == nil && len(out.ReplicationTasks) > 0 {
			task := out.ReplicationTasks[0]
			t.saw(id, aws.ToString(task.Status), fullLoadText(task.ReplicationTaskStats))
			t.detail = oneLine(aws.ToString(task.LastFailureMessage) + " " + aws.ToString(task.StopReason))
		}
	}
	var out *dms.DescribeReplicationTasksOutput
	var err error
	switch status {
	case "ready":
		out, err = dms.NewReplicationTaskReadyWaiter(api, func(o *dms.ReplicationTaskReadyWaiterOptions) {
			o.MinDelay, o.MaxDelay = r.poll(), r.poll()
			next := o.Retryable
			o.Retryable = func(ctx context.Context, in *dms.DescribeReplicationTasksInput, out *dms.DescribeReplicationTasksOutput, err error) (bool, error) {
				track(out, err)
				return next(ctx, in, out, err)
			}
		}).WaitForOutput(ctx, in, timeout)
	case "running":
		out, err = dms.NewReplicationTaskRunningWaiter(api, func(o *dms.ReplicationTaskRunningWaiterOptions) {
			o.MinDelay, o.MaxDelay = r.poll(), r.poll()
			next := o.Retryable
			o.Retryable = func(ctx context.Context, in *dms.DescribeReplicationTasksInput, out *dms.DescribeReplicationTasksOutput, err error) (bool, error) {
				track(out, err)
				return next(ctx, in, out, err)
			}
		}).WaitForOutput(ctx, in, timeout)
	case "stopped":
		out, err = dms.NewReplicationTaskStoppedWaiter(api, func(o *dms.ReplicationTaskStoppedWaiterOptions) {
			o.MinDelay, o.MaxDelay = r.poll(), r.poll()
			next := o.Retryable
			o.Retryable = func(ctx context.Context, in *dms.DescribeReplicationTasksInput, out *dms.DescribeReplicationTasksOutput, err error) (bool, error) {
				track(out, err)
				return next(ctx, in, out, err)
			}
		}).WaitForOutput(ctx, in, timeout)
	default:
		return nil, fmt.Errorf("awsmig: no waiter for task status %q", status)
	}
	if err == nil && len(out.ReplicationTasks) == 0 {
		err = errors.New("the task disappeared")
	}
	if err != nil {
		return nil, t.failed(ctx, id, timeout, "wait.resource_timeout", err)
	}
	return &out.ReplicationTasks[0], nil
}

// fullLoadText says how far the full load is.
func fullLoadText(st *dmstypes.ReplicationTaskStats) string {
	if st == nil {
		return ""
	}
	return fmt.Sprintf("full load %d%%: %d tables loaded, %d loading, %d queued, %d errored",
		st.FullLoadProgressPercent, st.TablesLoaded, st.TablesLoading, st.TablesQueued, st.TablesErrored)
}

// waitSync waits until the task's full load is done and its CDC lag is under the threshold.
func waitSync(ctx context.Context, r *Runner, tasks dms.DescribeReplicationTasksAPIClient, metrics metricsAPI) (string, error) {
	s, id := r.spec, r.names.Task
	st := r.State()
	fail := func(err error) error { return &StepError{StepSync, id, err} }
	if st.Resources.TaskARN == "" {
		return "", fail(fmt.Errorf("no task ARN recorded: run the %s step first", StepTask))
	}
	deadline := time.Now().Add(s.Wait.SyncTimeout)
	var waiting string // what the last poll was waiting for, for the timeout message
	for {
		task, err := describeTask(ctx, tasks, id)
		if err != nil {
			return "", fail(err)
		}
		if task == nil {
			return "", fail(errors.New("the task no longer exists"))
		}
		status, stats := aws.ToString(task.Status), task.ReplicationTaskStats
		switch status {
		case "running", "starting":
		case "failed", "stopped":
			why := oneLine(aws.ToString(task.LastFailureMessage))
			if why == "" {
				why = oneLine(aws.ToString(task.StopReason))
			}
			return "", fail(fmt.Errorf("task %s: %s; fix the cause and re-run (the %s step will %s it)", status, why, StepTask, s.DMS.OnRerun))
		default:
			return "", fail(fmt.Errorf("task is %s, not running", status))
		}
		if stats != nil && stats.TablesErrored > 0 {
			return "", fail(fmt.Errorf("%d tables errored in the full load (see the task's table statistics); fix the cause and re-run with dms.on_rerun: reload", stats.TablesErrored))
		}
		// A CDC-only task loads nothing: its target already holds the snapshot's data.
		loaded := s.DMS.CDCOnly || stats != nil && (stats.FullLoadFinishDate != nil ||
			stats.FullLoadProgressPercent >= 100 && stats.TablesLoading == 0 && stats.TablesQueued == 0)
		if !loaded {
			waiting = "full load not finished (" + fullLoadText(stats) + ")"
			r.progressf(StepSync, "%s: %s", id, fullLoadText(stats))
		} else {
			src, tgt, ok, err := cdcLag(ctx, metrics, st.Resources.ReplicationInstanceID, st.Resources.TaskARN)
			if err != nil {
				return "", fail(err)
			}
			switch {
			case !ok:
				waiting = "no CDCLatencySource/CDCLatencyTarget data yet"
				r.progressf(StepSync, "%s: full load done; waiting for CDC lag metrics", id)
			case src <= s.Wait.LagThreshold && tgt <= s.Wait.LagThreshold:
				return fmt.Sprintf("full load done; CDC lag %s source, %s target (threshold %s)", src, tgt, s.Wait.LagThreshold), nil
			default:
				waiting = fmt.Sprintf("CDC lag still %s source, %s target (threshold %s)", src, tgt, s.Wait.LagThreshold)
				r.progressf(StepSync, "%s: CDC lag %s source, %s target (threshold %s)", id, src, tgt, s.Wait.LagThreshold)
			}
		}
		if time.Now().Add(r.poll()).After(deadline) {
			return "", fail(fmt.Errorf("%s after %s (wait.sync_timeout)", waiting, s.Wait.SyncTimeout))
		}
		if err := sleep(ctx, r.poll()); err != nil {
			return "", err
		}
	}
}

// cdcLag reads the task's latest CDCLatencySource and CDCLatencyTarget (seconds, the maximum
// over a minute) from CloudWatch; ok=false when either has no data point in the last 10 minutes.
func cdcLag(ctx context.Context, api metricsAPI, instanceID, taskARN string) (src, tgt time.Duration, ok bool, err error) {
	// The task's metrics carry the task's resource id (the last field of its ARN), not its name.
	taskID := taskARN[strings.LastIndexByte(taskARN, ':')+1:]
	query := func(id, metric string) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{
			Id: aws.String(id),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{
					Namespace:  aws.String("AWS/DMS"),
					MetricName: aws.String(metric),
					Dimensions: []cwtypes.Dimension{
						{Name: aws.String("ReplicationInstanceIdentifier"), Value: aws.String(instanceID)},
						{Name: aws.String("ReplicationTaskIdentifier"), Value: aws.String(taskID)},
					},
				},
				Period: aws.Int32(60),
				Stat:   aws.String("Maximum"),
			},
		}
	}
	now := time.Now()
	out, err := api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime:         aws.Time(now.Add(-10 * time.Minute)),
		EndTime:           aws.Time(now),
		ScanBy:            cwtypes.ScanByTimestampDescending,
		MetricDataQueries: []cwtypes.MetricDataQuery{query("source", "CDCLatencySource"), query("target", "CDCLatencyTarget")},
	})
	if err != nil {
		return 0, 0, false, called("GetMetricData", err)
	}
	latest := map[string]float64{}
	for _, res := range out.MetricDataResults {
		if len(res.Values) == 0 {
			continue
		}
		// Newest first (ScanBy), but do not rely on it: pick the latest timestamp.
		best := 0
		for i := range res.Timestamps {
			if i < len(res.Values) && res.Timestamps[i].After(res.Timestamps[best]) {
				best = i
			}
		}
		latest[aws.ToString(res.Id)] = res.Values[best]
	}
	s, ok1 := latest["source"]
	t, ok2 := latest["target"]
	if !ok1 || !ok2 {
		return 0, 0, false, nil
	}
	sec := func(v float64) time.Duration { return time.Duration(v * float64(time.Second)).Round(time.Second / 10) }
	return sec(s), sec(t), true, nil
}
