package awsmigtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// KMS is the cloud's KMS in one region.
type KMS struct {
	c      *Cloud
	region string
}

// KMS returns the cloud's KMS in a region.
func (c *Cloud) KMS(region string) *KMS { return &KMS{c, region} }

// DescribeKey describes a key of the region by id, ARN, alias or alias ARN. A key of another
// region is not found, as in KMS.
func (k *KMS) DescribeKey(_ context.Context, p *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeKey")
	ref := aws.ToString(p.KeyId)
	for _, key := range c.keys {
		if key.region == k.region && key.matches(ref) {
			return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{
				KeyId:        aws.String(key.id),
				Arn:          aws.String(key.arn()),
				AWSAccountId: aws.String(Account),
				Enabled:      key.state == "Enabled",
				KeyState:     kmstypes.KeyState(key.state),
				KeySpec:      kmstypes.KeySpec(key.spec),
				KeyUsage:     kmstypes.KeyUsageType(key.usage),
				KeyManager:   kmstypes.KeyManagerTypeCustomer,
				CreationDate: aws.Time(time.Unix(1700000000, 0).UTC()),
			}}, c.crashed("DescribeKey")
		}
	}
	return nil, c.failed("DescribeKey", &kmstypes.NotFoundException{Message: aws.String(fmt.Sprintf("Key '%s' does not exist", ref))})
}

// DMS is the cloud's DMS in one region: tasks (create, start, modify, stop, delete, table
// statistics), and the replication instances and endpoints dms.create makes (dms_more.go).
type DMS struct {
	c      *Cloud
	region string
}

// DMS returns the cloud's DMS in a region.
func (c *Cloud) DMS(region string) *DMS { return &DMS{c, region} }

// filter returns the values of a named filter.
func filter(fs []dmstypes.Filter, name string) []string {
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			return f.Values
		}
	}
	return nil
}

// DescribeReplicationInstances describes instances by the replication-instance-arn or
// replication-instance-id filter.
func (d *DMS) DescribeReplicationInstances(_ context.Context, p *dms.DescribeReplicationInstancesInput, _ ...func(*dms.Options)) (*dms.DescribeReplicationInstancesOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeReplicationInstances")
	arns, ids := filter(p.Filters, "replication-instance-arn"), filter(p.Filters, "replication-instance-id")
	var out []dmstypes.ReplicationInstance
	for _, r := range c.reps {
		if r.region != d.region || len(arns) > 0 && !contains(arns, r.arn) || len(ids) > 0 && !contains(ids, r.id) || r.status == "deleted" {
			continue
		}
		switch r.status {
		case "creating":
			settle(&r.status, &r.settle, "available")
		case "deleting":
			settle(&r.status, &r.settle, "deleted")
			if r.status == "deleted" {
				continue
			}
		}
		out = append(out, c.repOut(r))
	}
	if len(out) == 0 {
		return nil, c.failed("DescribeReplicationInstances", &dmstypes.ResourceNotFoundFault{Message: aws.String("No replication instance found matching provided filters")})
	}
	return &dms.DescribeReplicationInstancesOutput{ReplicationInstances: out}, c.crashed("DescribeReplicationInstances")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (d *DMS) taskOut(t *task) dmstypes.ReplicationTask {
	out := dmstypes.ReplicationTask{
		ReplicationTaskArn:          aws.String(t.arn),
		ReplicationTaskIdentifier:   aws.String(t.id),
		Status:                      aws.String(t.status),
		MigrationType:               dmstypes.MigrationTypeValue(t.migrationType),
		ReplicationInstanceArn:      aws.String(t.instanceARN),
		SourceEndpointArn:           aws.String(t.sourceARN),
		TargetEndpointArn:           aws.String(t.targetARN),
		TableMappings:               aws.String(t.mappings),
		ReplicationTaskSettings:     aws.String(t.settings),
		ReplicationTaskCreationDate: aws.Time(t.created),
	}
	if t.failure != "" {
		out.LastFailureMessage = aws.String(t.failure)
	}
	if t.stopReason != "" {
		out.StopReason = aws.String(t.stopReason)
	}
	if len(t.starts) > 0 {
		st := &dmstypes.ReplicationTaskStats{FullLoadProgressPercent: t.percent, TablesLoaded: 3 * t.percent / 100}
		if t.loaded {
			st.FullLoadFinishDate = aws.Time(t.created.Add(time.Minute))
		} else if t.status == "running" {
			st.TablesLoading, st.TablesQueued = 1, 3-1-st.TablesLoaded
		}
		out.ReplicationTaskStats = st
	}
	return out
}

// advanceTask moves a task on by one describe: creating -> ready, starting -> running, then
// the full load, then (with FailTask) failed.
func (c *Cloud) advanceTask(t *task) {
	switch t.status {
	case "creating":
		settle(&t.status, &t.settle, "ready")
	case "starting":
		settle(&t.status, &t.settle, "running")
	case "stopping":
		settle(&t.status, &t.settle, "stopped")
	case "modifying":
		settle(&t.status, &t.settle, t.before)
	case "deleting":
		if settle(&t.status, &t.settle, "deleted"); t.status == "deleted" {
			t.deleted = true
		}
	case "running":
		if c.taskFailure != "" {
			t.status, t.failure, t.stopReason = "failed", c.taskFailure, "Stop Reason FATAL_ERROR Error Level FATAL"
			return
		}
		if !t.loaded && t.migrationType != string(dmstypes.MigrationTypeValueCdc) { // a CDC-only task loads nothing
			t.percent = min(t.percent+50, 100)
			t.loaded = t.percent == 100
		}
	}
}

// DescribeReplicationTasks describes tasks by the replication-task-id or replication-task-arn
// filter; none matching is ResourceNotFoundFault, as in DMS.
func (d *DMS) DescribeReplicationTasks(_ context.Context, p *dms.DescribeReplicationTasksInput, _ ...func(*dms.Options)) (*dms.DescribeReplicationTasksOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeReplicationTasks")
	ids, arns := filter(p.Filters, "replication-task-id"), filter(p.Filters, "replication-task-arn")
	var out []dmstypes.ReplicationTask
	for _, t := range c.tasks {
		if t.region != d.region || len(ids) > 0 && !contains(ids, t.id) || len(arns) > 0 && !contains(arns, t.arn) || t.deleted {
			continue
		}
		c.advanceTask(t)
		if t.deleted {
			continue
		}
		out = append(out, d.taskOut(t))
	}
	if len(out) == 0 {
		return nil, c.failed("DescribeReplicationTasks", &dmstypes.ResourceNotFoundFault{Message: aws.String("No Tasks found matching provided filters")})
	}
	return &dms.DescribeReplicationTasksOutput{ReplicationTasks: out}, c.crashed("DescribeReplicationTasks")
}

// CreateReplicationTask creates a task (status creating, then ready).
func (d *DMS) CreateReplicationTask(_ context.Context, p *dms.CreateReplicationTaskInput, _ ...func(*dms.Options)) (*dms.CreateReplicationTaskOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateReplicationTask")
	id := aws.ToString(p.ReplicationTaskIdentifier)
	// ReplicationTaskIdentifier: "Must contain 1-255 alphanumeric characters or hyphens.",
	// "First character must be a letter.", "Cannot end with a hyphen or contain two consecutive
	// hyphens." The reference names no error code; DMS answers invalid parameters with
	// InvalidParameterValueException (as reported in hashicorp/terraform-provider-aws issue
	// 21512), so the fake does too.
	if badIdentifier(id, 255) {
		return nil, apiErr("InvalidParameterValueException", "ReplicationTaskIdentifier %q: %s", id, identifierRule(255))
	}
	switch p.MigrationType {
	case dmstypes.MigrationTypeValueFullLoad, dmstypes.MigrationTypeValueCdc, dmstypes.MigrationTypeValueFullLoadAndCdc:
	default:
		// MigrationType: "The migration type. Valid values: full-load | cdc | full-load-and-cdc"
		return nil, apiErr("InvalidParameterValueException", "MigrationType %q is not one of full-load, cdc, full-load-and-cdc", p.MigrationType)
	}
	if p.CdcStartPosition != nil && p.CdcStartTime != nil {
		// CdcStartPosition: "Use either CdcStartPosition or CdcStartTime to specify when you
		// want a CDC operation to start. Specifying both values results in an error."
		return nil, apiErr("InvalidParameterCombinationException", "CdcStartPosition and CdcStartTime exclude each other")
	}
	for _, t := range c.tasks {
		if t.region == d.region && t.id == id && !t.deleted {
			return nil, &dmstypes.ResourceAlreadyExistsFault{Message: aws.String("ReplicationTaskIdentifier " + id + " already in use")}
		}
	}
	found := false
	for _, r := range c.reps {
		found = found || r.arn == aws.ToString(p.ReplicationInstanceArn) && r.status != "deleted"
	}
	if !found {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication instance not found")}
	}
	t := &task{
		region: d.region, id: id, arn: fmt.Sprintf("arn:aws:dms:%s:%s:task:%s", d.region, Account, resourceID("task", id)),
		status: "creating", instanceARN: aws.ToString(p.ReplicationInstanceArn), sourceARN: aws.ToString(p.SourceEndpointArn),
		targetARN: aws.ToString(p.TargetEndpointArn), mappings: aws.ToString(p.TableMappings), settings: aws.ToString(p.ReplicationTaskSettings),
		migrationType: string(p.MigrationType), tags: dmsTagsIn(p.Tags), settle: c.settle, created: time.Now().UTC(),
		cdcStart: aws.ToString(p.CdcStartPosition),
	}
	c.tasks = append(c.tasks, t)
	return &dms.CreateReplicationTaskOutput{ReplicationTask: ptr(d.taskOut(t))}, c.crashed("CreateReplicationTask")
}

// StartReplicationTask starts a task: the first time with start-replication, later with
// resume-processing or reload-target as well (or start-replication again), and only when it
// is ready, stopped or failed.
func (d *DMS) StartReplicationTask(_ context.Context, p *dms.StartReplicationTaskInput, _ ...func(*dms.Options)) (*dms.StartReplicationTaskOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("StartReplicationTask")
	var t *task
	for _, x := range c.tasks {
		if x.arn == aws.ToString(p.ReplicationTaskArn) {
			t = x
		}
	}
	if t == nil {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication task not found")}
	}
	typ := p.StartReplicationTaskType
	switch {
	case t.status != "ready" && t.status != "stopped" && t.status != "failed":
		// ReplicationTask.Status: ""ready" – The task is in a ready state where it can respond
		// to other task operations, such as StartReplicationTask or DeleteReplicationTask."; a
		// task that is creating, starting, running, stopping or modifying cannot be started.
		// InvalidResourceStateFault: "The resource is in a state that prevents it from being
		// used for database migration."
		return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication task is %s; it cannot be started", t.status))}
	case typ != dmstypes.StartReplicationTaskTypeValueStartReplication && len(t.starts) == 0:
		// StartReplicationTaskType: "start-replication is the only valid action that can be
		// used for the first time a task with the migration type of full-load full-load,
		// full-load-and-cdc or cdc is run. Any other action used for the first time on a given
		// task, such as resume-processing and reload-target will result in data errors." and
		// "resume-processing is only available for previously executed tasks." Where AWS would
		// run into data errors the fake refuses, so a test sees the mistake.
		return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication task has never run; %s is only available for previously executed tasks (use start-replication)", typ))}
	case p.CdcStartPosition != nil && p.CdcStartTime != nil:
		// CdcStartPosition: "Specifying both values results in an error."
		return nil, apiErr("InvalidParameterCombinationException", "CdcStartPosition and CdcStartTime exclude each other")
	}
	t.status, t.settle, t.failure, t.stopReason = "starting", c.settle, "", ""
	if typ != dmstypes.StartReplicationTaskTypeValueResumeProcessing {
		t.percent, t.loaded = 0, false
	}
	t.starts = append(t.starts, string(typ))
	return &dms.StartReplicationTaskOutput{ReplicationTask: ptr(d.taskOut(t))}, c.crashed("StartReplicationTask")
}

// CloudWatch is the cloud's CloudWatch in one region.
type CloudWatch struct {
	c      *Cloud
	region string
}

// CloudWatch returns the cloud's CloudWatch in a region.
func (c *Cloud) CloudWatch(region string) *CloudWatch { return &CloudWatch{c, region} }

// GetMetricData answers AWS/DMS CDCLatencySource and CDCLatencyTarget queries for a task
// (dimensions ReplicationInstanceIdentifier and ReplicationTaskIdentifier, the task's resource
// id) with the lag SetLag gives; other queries get no data.
//
// The reference (GetMetricStatistics, Dimensions) says of a metric's dimensions: "CloudWatch
// treats each unique combination of dimensions as a separate metric. If a specific
// combination of dimensions was not published, you can't retrieve statistics for it. You must
// specify the same dimensions that were used when the metrics were created." Such a query is
// not an error: it returns no data points, which is why the fake matches metric name and
// dimensions exactly, and why the runbook treats "no data" as "not known yet". The dimension
// names and the task's resource id as ReplicationTaskIdentifier are not stated in the API
// reference text available here; they are the ones the DMS console and CloudWatch show.
func (w *CloudWatch) GetMetricData(_ context.Context, p *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("GetMetricData")
	if err := checkMetricQueries(p.MetricDataQueries); err != nil {
		return nil, err
	}
	c.metricN++
	src, tgt := 0.0, 0.0
	if c.lag != nil {
		src, tgt = c.lag(c.metricN)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range p.MetricDataQueries {
		res := cwtypes.MetricDataResult{Id: q.Id, StatusCode: cwtypes.StatusCodeComplete}
		if ms := q.MetricStat; ms != nil && ms.Metric != nil && aws.ToString(ms.Metric.Namespace) == "AWS/DMS" && w.knownTask(ms.Metric.Dimensions) {
			res.Label = ms.Metric.MetricName
			switch aws.ToString(ms.Metric.MetricName) {
			case "CDCLatencySource":
				res.Timestamps, res.Values = []time.Time{now, now.Add(-time.Minute)}, []float64{src, src + 1}
			case "CDCLatencyTarget":
				res.Timestamps, res.Values = []time.Time{now, now.Add(-time.Minute)}, []float64{tgt, tgt + 1}
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, c.crashed("GetMetricData")
}

// checkMetricQueries applies the reference's rules on GetMetricData queries. The reference
// names no error code for them; the fake uses CloudWatch's InvalidParameterValueException and
// InvalidParameterCombinationException (the SDK's types for those errors).
func checkMetricQueries(qs []cwtypes.MetricDataQuery) error {
	ids := map[string]bool{}
	for _, q := range qs {
		id := aws.ToString(q.Id)
		// MetricDataQuery.Id: "This name must be unique within a single call to GetMetricData",
		// "The valid characters are letters, numbers, and underscore. The first character must
		// be a lowercase letter."
		ok := id != "" && id[0] >= 'a' && id[0] <= 'z' && !ids[id]
		for i := 0; ok && i < len(id); i++ {
			ch := id[i]
			ok = ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_'
		}
		if !ok {
			return &cwtypes.InvalidParameterValueException{Message: aws.String(fmt.Sprintf("MetricDataQuery Id %q must be unique, start with a lowercase letter and hold only letters, numbers and underscores", id))}
		}
		ids[id] = true
		// MetricDataQuery.Expression: "Within each MetricDataQuery object, you must specify
		// either Expression or MetricStat but not both."
		if (q.Expression != nil) == (q.MetricStat != nil) {
			return &cwtypes.InvalidParameterCombinationException{Message: aws.String(fmt.Sprintf("MetricDataQuery %s: specify either Expression or MetricStat but not both", id))}
		}
		// MetricStat.Period: "For metrics with regular resolution, a period can be as short as
		// one minute (60 seconds) and must be a multiple of 60." (DMS publishes at regular
		// resolution.)
		if ms := q.MetricStat; ms != nil && (aws.ToInt32(ms.Period) < 60 || aws.ToInt32(ms.Period)%60 != 0) {
			return &cwtypes.InvalidParameterValueException{Message: aws.String(fmt.Sprintf("MetricDataQuery %s: Period %d is not a multiple of 60", id, aws.ToInt32(ms.Period)))}
		}
	}
	return nil
}

// knownTask reports whether dimensions are exactly a task of the region and its instance; the
// caller holds mu.
func (w *CloudWatch) knownTask(dims []cwtypes.Dimension) bool {
	if len(dims) != 2 {
		return false // another combination of dimensions is another metric
	}
	var inst, taskID string
	for _, d := range dims {
		switch aws.ToString(d.Name) {
		case "ReplicationInstanceIdentifier":
			inst = aws.ToString(d.Value)
		case "ReplicationTaskIdentifier":
			taskID = aws.ToString(d.Value)
		}
	}
	for _, t := range w.c.tasks {
		if t.region == w.region && strings.HasSuffix(t.arn, ":"+taskID) {
			for _, r := range w.c.reps {
				if r.arn == t.instanceARN && r.id == inst {
					return true
				}
			}
		}
	}
	return false
}

// Route53 is the cloud's Route 53.
type Route53 struct{ c *Cloud }

// Route53 returns the cloud's Route 53.
func (c *Cloud) Route53() *Route53 { return &Route53{c} }

func zoneID(id string) string { return strings.TrimPrefix(id, "/hostedzone/") }

// ListResourceRecordSets lists a zone's records from StartRecordName/StartRecordType on.
func (r *Route53) ListResourceRecordSets(_ context.Context, p *route53.ListResourceRecordSetsInput, _ ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ListResourceRecordSets")
	if p.StartRecordType != "" && aws.ToString(p.StartRecordName) == "" {
		// StartRecordType: "Constraint: Specifying type without specifying name returns an
		// InvalidInput error."
		return nil, c.failed("ListResourceRecordSets", &r53types.InvalidInput{Message: aws.String("StartRecordType needs StartRecordName")})
	}
	z := c.zones[zoneID(aws.ToString(p.HostedZoneId))]
	if z == nil {
		return nil, c.failed("ListResourceRecordSets", &r53types.NoSuchHostedZone{Message: aws.String("No hosted zone found with ID: " + aws.ToString(p.HostedZoneId))})
	}
	start, startType := dot(aws.ToString(p.StartRecordName)), string(p.StartRecordType)
	limit := int(aws.ToInt32(p.MaxItems))
	if limit == 0 {
		limit = 300
	}
	out := &route53.ListResourceRecordSetsOutput{MaxItems: aws.Int32(int32(limit))}
	for _, rs := range c.sortedZoneRecords(z) {
		// StartRecordName: "If the specified record name doesn't exist, the results begin with
		// the first resource record set that has a name greater than the value of name."
		if aws.ToString(p.StartRecordName) != "" && (rs.name < start || rs.name == start && startType != "" && rs.typ < startType) {
			continue
		}
		if len(out.ResourceRecordSets) == limit {
			out.IsTruncated = true
			out.NextRecordName, out.NextRecordType = aws.String(rs.name), r53types.RRType(rs.typ)
			break
		}
		set := r53types.ResourceRecordSet{Name: aws.String(rs.name), Type: r53types.RRType(rs.typ), TTL: aws.Int64(rs.ttl)}
		for _, v := range rs.values {
			set.ResourceRecords = append(set.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
		}
		out.ResourceRecordSets = append(out.ResourceRecordSets, set)
	}
	return out, c.crashed("ListResourceRecordSets")
}

// ChangeResourceRecordSets applies CREATE, UPSERT and DELETE changes, all or none; the change
// is PENDING for a few GetChange calls, then INSYNC. The rules it enforces are those of the
// Route 53 API reference, quoted where each is applied; every refusal is InvalidChangeBatch,
// "This exception contains a list of messages that might contain one or more error messages.
// Each error message indicates one error in the change batch."
func (r *Route53) ChangeResourceRecordSets(_ context.Context, p *route53.ChangeResourceRecordSetsInput, _ ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ChangeResourceRecordSets")
	z := c.zones[zoneID(aws.ToString(p.HostedZoneId))]
	if z == nil {
		return nil, &r53types.NoSuchHostedZone{Message: aws.String("No hosted zone found with ID: " + aws.ToString(p.HostedZoneId))}
	}
	if p.ChangeBatch == nil || len(p.ChangeBatch.Changes) == 0 {
		// ChangeBatch.Changes: "This member is required."
		return nil, &r53types.InvalidChangeBatch{Message: aws.String("no changes")}
	}
	// "Change batches are considered transactional changes. Route 53 validates the changes in
	// the request and then either makes all or none of the changes in the change batch
	// request." The changes are applied to a copy of the zone's records, kept only if all pass.
	records := make(map[string]*rrset, len(z.records))
	for k, v := range z.records {
		records[k] = v
	}
	deleted := map[string]bool{}
	var problems []string
	for _, ch := range p.ChangeBatch.Changes {
		rs := ch.ResourceRecordSet
		if rs == nil {
			problems = append(problems, "a change without a record set")
			continue
		}
		name := dot(aws.ToString(rs.Name))
		k := name + " " + string(rs.Type)
		values := make([]string, len(rs.ResourceRecords))
		for i, v := range rs.ResourceRecords {
			values[i] = aws.ToString(v.Value)
		}
		switch {
		case name != z.name && !strings.HasSuffix(name, "."+z.name):
			// No reference sentence found; the message is the one Route 53 gives.
			problems = append(problems, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", name, z.name))
			continue
		case rs.Type == r53types.RRTypeCname && len(values) > 1:
			// ResourceRecord.Value: "You can specify more than one value for all record types
			// except CNAME and SOA."
			problems = append(problems, fmt.Sprintf("RRSet of type CNAME with DNS name %s has %d values; a CNAME has one", name, len(values)))
			continue
		case rs.Type == r53types.RRTypeCname && name == z.name && ch.Action != r53types.ChangeActionDelete:
			// AliasTarget.DNSName (and ResourceRecordSet.AliasTarget): "creating a CNAME
			// record for the zone apex isn't supported even for an alias record."
			problems = append(problems, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", name, z.name))
			continue
		}
		switch ch.Action {
		case r53types.ChangeActionCreate:
			// "CREATE : Creates a resource record set that has the specified values." One that
			// exists is not created again; the reference has no sentence for it, the message
			// is the one Route 53 gives.
			if records[k] != nil {
				problems = append(problems, "Tried to create resource record set "+k+" but it already exists")
				continue
			}
			records[k] = &rrset{name: name, typ: string(rs.Type), ttl: aws.ToInt64(rs.TTL), values: values}
		case r53types.ChangeActionUpsert:
			// "UPSERT : If a resource record set doesn't already exist, Route 53 creates it. If
			// a resource record set does exist, Route 53 updates it with the values in the
			// request."
			records[k] = &rrset{name: name, typ: string(rs.Type), ttl: aws.ToInt64(rs.TTL), values: values}
		case r53types.ChangeActionDelete:
			cur := records[k]
			switch {
			case deleted[k]:
				// "If you try to delete the same resource record set more than once in a single
				// change batch, Route 53 returns an InvalidChangeBatch error."
				problems = append(problems, "Tried to delete resource record set "+k+" more than once")
			case cur == nil || cur.ttl != aws.ToInt64(rs.TTL) || !slices.Equal(cur.values, values):
				// "To delete a resource record set, you must specify all the same values that
				// you specified when you created it." ResourceRecord.Value: "In the case of a
				// DELETE action, if the current value does not match the actual value, an error
				// is returned."
				problems = append(problems, "Tried to delete resource record set "+k+" but it was not found or its values did not match")
			default:
				delete(records, k)
				deleted[k] = true
			}
		default:
			problems = append(problems, "unknown action "+string(ch.Action))
		}
	}
	if len(problems) > 0 {
		return nil, &r53types.InvalidChangeBatch{Message: aws.String(strings.Join(problems, "; ")), Messages: problems}
	}
	z.records = records
	ch := &change{id: fmt.Sprintf("C%08dFAKE", c.next()), status: "PENDING", settle: c.settle, submitted: time.Now().UTC()}
	c.changes[ch.id] = ch
	return &route53.ChangeResourceRecordSetsOutput{ChangeInfo: changeOut(ch)}, c.crashed("ChangeResourceRecordSets")
}

func changeOut(ch *change) *r53types.ChangeInfo {
	return &r53types.ChangeInfo{Id: aws.String("/change/" + ch.id), Status: r53types.ChangeStatus(ch.status), SubmittedAt: aws.Time(ch.submitted)}
}

// GetChange reports a change's status: "While your changes are propagating, GetChange returns
// a status of PENDING. When propagation is complete, GetChange returns a status of INSYNC."
func (r *Route53) GetChange(_ context.Context, p *route53.GetChangeInput, _ ...func(*route53.Options)) (*route53.GetChangeOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("GetChange")
	id := strings.TrimPrefix(aws.ToString(p.Id), "/change/")
	ch := c.changes[id]
	if ch == nil {
		return nil, c.failed("GetChange", &r53types.NoSuchChange{Message: aws.String("A change with the specified change ID does not exist: " + id)})
	}
	settle(&ch.status, &ch.settle, "INSYNC")
	return &route53.GetChangeOutput{ChangeInfo: changeOut(ch)}, c.crashed("GetChange")
}
