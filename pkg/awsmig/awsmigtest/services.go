package awsmigtest

import (
	"context"
	"fmt"
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
			}}, nil
		}
	}
	return nil, &kmstypes.NotFoundException{Message: aws.String(fmt.Sprintf("Key '%s' does not exist", ref))}
}

// DMS is the cloud's DMS in one region.
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
		if r.region != d.region || len(arns) > 0 && !contains(arns, r.arn) || len(ids) > 0 && !contains(ids, r.id) {
			continue
		}
		out = append(out, dmstypes.ReplicationInstance{
			ReplicationInstanceArn:        aws.String(r.arn),
			ReplicationInstanceIdentifier: aws.String(r.id),
			ReplicationInstanceStatus:     aws.String("available"),
			ReplicationInstanceClass:      aws.String("dms.r5.large"),
		})
	}
	if len(out) == 0 {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("No replication instance found matching provided filters")}
	}
	return &dms.DescribeReplicationInstancesOutput{ReplicationInstances: out}, nil
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
	case "running":
		if c.taskFailure != "" {
			t.status, t.failure, t.stopReason = "failed", c.taskFailure, "Stop Reason FATAL_ERROR Error Level FATAL"
			return
		}
		if !t.loaded {
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
		if t.region != d.region || len(ids) > 0 && !contains(ids, t.id) || len(arns) > 0 && !contains(arns, t.arn) {
			continue
		}
		c.advanceTask(t)
		out = append(out, d.taskOut(t))
	}
	if len(out) == 0 {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("No Tasks found matching provided filters")}
	}
	return &dms.DescribeReplicationTasksOutput{ReplicationTasks: out}, nil
}

// CreateReplicationTask creates a task (status creating, then ready).
func (d *DMS) CreateReplicationTask(_ context.Context, p *dms.CreateReplicationTaskInput, _ ...func(*dms.Options)) (*dms.CreateReplicationTaskOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateReplicationTask")
	id := aws.ToString(p.ReplicationTaskIdentifier)
	for _, t := range c.tasks {
		if t.region == d.region && t.id == id {
			return nil, &dmstypes.ResourceAlreadyExistsFault{Message: aws.String("ReplicationTaskIdentifier " + id + " already in use")}
		}
	}
	found := false
	for _, r := range c.reps {
		found = found || r.arn == aws.ToString(p.ReplicationInstanceArn)
	}
	if !found {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication instance not found")}
	}
	t := &task{
		region: d.region, id: id, arn: fmt.Sprintf("arn:aws:dms:%s:%s:task:%s", d.region, Account, resourceID("task", id)),
		status: "creating", instanceARN: aws.ToString(p.ReplicationInstanceArn), sourceARN: aws.ToString(p.SourceEndpointArn),
		targetARN: aws.ToString(p.TargetEndpointArn), mappings: aws.ToString(p.TableMappings), settings: aws.ToString(p.ReplicationTaskSettings),
		migrationType: string(p.MigrationType), tags: dmsTagsIn(p.Tags), settle: c.settle, created: time.Now().UTC(),
	}
	c.tasks = append(c.tasks, t)
	return &dms.CreateReplicationTaskOutput{ReplicationTask: ptr(d.taskOut(t))}, c.crashed("CreateReplicationTask")
}

// StartReplicationTask starts a ready task (start-replication) or a stopped or failed one
// (resume-processing, reload-target).
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
	ok := typ == dmstypes.StartReplicationTaskTypeValueStartReplication && t.status == "ready" ||
		typ != dmstypes.StartReplicationTaskTypeValueStartReplication && (t.status == "stopped" || t.status == "failed")
	if !ok {
		return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication task is %s; cannot %s", t.status, typ))}
	}
	t.status, t.settle, t.failure, t.stopReason = "starting", c.settle, "", ""
	if typ == dmstypes.StartReplicationTaskTypeValueReloadTarget {
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
func (w *CloudWatch) GetMetricData(_ context.Context, p *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("GetMetricData")
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
	return out, nil
}

// knownTask reports whether dimensions name a task of the region and its instance; the caller
// holds mu.
func (w *CloudWatch) knownTask(dims []cwtypes.Dimension) bool {
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
	z := c.zones[zoneID(aws.ToString(p.HostedZoneId))]
	if z == nil {
		return nil, &r53types.NoSuchHostedZone{Message: aws.String("No hosted zone found with ID: " + aws.ToString(p.HostedZoneId))}
	}
	start, startType := dot(aws.ToString(p.StartRecordName)), string(p.StartRecordType)
	limit := int(aws.ToInt32(p.MaxItems))
	if limit == 0 {
		limit = 300
	}
	out := &route53.ListResourceRecordSetsOutput{MaxItems: aws.Int32(int32(limit))}
	for _, rs := range c.sortedZoneRecords(z) {
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
	return out, nil
}

// ChangeResourceRecordSets applies CREATE, UPSERT and DELETE changes at once; the change is
// PENDING for a few GetChange calls, then INSYNC.
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
		return nil, &r53types.InvalidChangeBatch{Message: aws.String("no changes")}
	}
	for _, ch := range p.ChangeBatch.Changes {
		rs := ch.ResourceRecordSet
		if rs == nil {
			return nil, &r53types.InvalidChangeBatch{Message: aws.String("a change without a record set")}
		}
		name := dot(aws.ToString(rs.Name))
		if !strings.HasSuffix(name, z.name) {
			return nil, &r53types.InvalidChangeBatch{Message: aws.String(fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", name, z.name))}
		}
		k := name + " " + string(rs.Type)
		switch ch.Action {
		case r53types.ChangeActionCreate, r53types.ChangeActionUpsert:
			if ch.Action == r53types.ChangeActionCreate && z.records[k] != nil {
				return nil, &r53types.InvalidChangeBatch{Message: aws.String("Tried to create resource record set " + k + " but it already exists")}
			}
			set := &rrset{name: name, typ: string(rs.Type), ttl: aws.ToInt64(rs.TTL)}
			for _, v := range rs.ResourceRecords {
				set.values = append(set.values, aws.ToString(v.Value))
			}
			z.records[k] = set
		case r53types.ChangeActionDelete:
			delete(z.records, k)
		default:
			return nil, &r53types.InvalidChangeBatch{Message: aws.String("unknown action " + string(ch.Action))}
		}
	}
	ch := &change{id: fmt.Sprintf("C%08dFAKE", c.next()), status: "PENDING", settle: c.settle, submitted: time.Now().UTC()}
	c.changes[ch.id] = ch
	return &route53.ChangeResourceRecordSetsOutput{ChangeInfo: changeOut(ch)}, c.crashed("ChangeResourceRecordSets")
}

func changeOut(ch *change) *r53types.ChangeInfo {
	return &r53types.ChangeInfo{Id: aws.String("/change/" + ch.id), Status: r53types.ChangeStatus(ch.status), SubmittedAt: aws.Time(ch.submitted)}
}

// GetChange reports a change's status.
func (r *Route53) GetChange(_ context.Context, p *route53.GetChangeInput, _ ...func(*route53.Options)) (*route53.GetChangeOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("GetChange")
	id := strings.TrimPrefix(aws.ToString(p.Id), "/change/")
	ch := c.changes[id]
	if ch == nil {
		return nil, &r53types.NoSuchChange{Message: aws.String("A change with the specified change ID does not exist: " + id)}
	}
	settle(&ch.status, &ch.settle, "INSYNC")
	return &route53.GetChangeOutput{ChangeInfo: changeOut(ch)}, nil
}
