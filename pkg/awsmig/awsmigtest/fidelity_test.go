package awsmigtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

const (
	src = "eu-west-1"
	dst = "us-east-1"
)

// backend is one way to call the fake: its in-memory views, or the SDK's own clients over
// the wire server.
type backend struct {
	rds func(region string) awsmig.RDSAPI
	dms func(region string) awsmig.DMSAPI
	cw  func(region string) awsmig.CloudWatchAPI
	r53 awsmig.Route53API
}

// world is a fake cloud seeded for the forbidden calls: an unencrypted instance and cluster
// with available snapshots, encrypted copies of both, an automated snapshot of each, keys in
// both regions, a cluster that is still being created, a DMS task that never ran and one
// that runs, and a zone with a record.
type world struct {
	c                  *awsmigtest.Cloud
	srcKey, dstKey     string
	zone, neverRan, on string
	rep, endpoint      string // the replication instance and an endpoint the tasks use
	plainARN, plainCS  string // ARNs of the unencrypted DB snapshot and DB cluster snapshot
	encARN, encCSARN   string // and of their encrypted twins
}

func newWorld(t *testing.T) *world {
	t.Helper()
	c := awsmigtest.New()
	c.Settle(1)
	w := &world{c: c, srcKey: c.AddKey(src, "alias/src"), dstKey: c.AddKey(dst, "alias/dst")}
	c.AddInstance(src, "db1", "mysql", "db.r6g.large")
	c.AddSnapshot(src, "plain", "db1", "available")
	c.AddSnapshot(src, "enc", "db1", "available")
	c.EncryptSnapshot(src, "enc", w.srcKey)
	c.AddSnapshot(src, "busy", "db1", "creating")
	c.AddSnapshot(src, "rds:db1-2024-05-01-03-10", "db1", "available")
	c.AddCluster(src, "aur1", "aurora-mysql")
	c.AddClusterSnapshot(src, "cplain", "aur1", "available")
	c.AddClusterSnapshot(src, "cenc", "aur1", "available")
	c.EncryptSnapshot(src, "cenc", w.srcKey)
	c.AddClusterSnapshot(src, "rds:aur1-2024-05-01-03-10", "aur1", "available")
	arn := func(kind, id string) string {
		return "arn:aws:rds:" + src + ":" + awsmigtest.Account + ":" + kind + ":" + id
	}
	w.plainARN, w.encARN = arn("snapshot", "plain"), arn("snapshot", "enc")
	w.plainCS, w.encCSARN = arn("cluster-snapshot", "cplain"), arn("cluster-snapshot", "cenc")

	// A cluster still being created: restored from a snapshot, not yet described.
	ctx := context.Background()
	if _, err := c.RDS(src).RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{
		DBClusterIdentifier: aws.String("aur-new"), SnapshotIdentifier: aws.String("cplain"), Engine: aws.String("aurora-mysql"),
	}); err != nil {
		t.Fatal(err)
	}

	rep := c.AddReplicationInstance(src, "rep")
	ep, err := c.DMS(src).CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("src-ep"), EndpointType: dmstypes.ReplicationEndpointTypeValueSource,
		EngineName: aws.String("mysql"), ServerName: aws.String("db1.example.com"), Port: aws.Int32(3306)})
	if err != nil {
		t.Fatal(err)
	}
	w.rep, w.endpoint = rep, aws.ToString(ep.Endpoint.EndpointArn)
	task := func(id string) string {
		out, err := c.DMS(src).CreateReplicationTask(ctx, &dms.CreateReplicationTaskInput{
			ReplicationTaskIdentifier: aws.String(id), MigrationType: dmstypes.MigrationTypeValueFullLoadAndCdc, ReplicationInstanceArn: aws.String(rep),
			SourceEndpointArn: aws.String(w.endpoint), TargetEndpointArn: aws.String(awsmigtest.EndpointARN(src, "t")),
			TableMappings: aws.String(`{"rules":[]}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ReplicationTask.ReplicationTaskArn)
	}
	w.neverRan, w.on = task("never-ran"), task("running")
	c.DMS(src).DescribeReplicationTasks(ctx, &dms.DescribeReplicationTasksInput{}) // creating -> ready
	if _, err := c.DMS(src).StartReplicationTask(ctx, &dms.StartReplicationTaskInput{ReplicationTaskArn: aws.String(w.on), StartReplicationTaskType: dmstypes.StartReplicationTaskTypeValueStartReplication}); err != nil {
		t.Fatal(err)
	}

	w.zone = c.AddZone("example.com")
	c.SetRecord(w.zone, "db.example.com", "CNAME", "old.example.com", 300)
	return w
}

// forbidden is a call the API reference says fails, and the error code the fake answers.
// The sentence each enforces is quoted where the fake enforces it (rds.go, services.go).
type forbidden struct {
	name string
	code string
	call func(ctx context.Context, w *world, b backend) error
}

var forbiddenCalls = []forbidden{
	// RDS: KmsKeyId on snapshot copies, and copies across regions.
	{"CopyDBClusterSnapshot: KmsKeyId on an unencrypted cluster snapshot", "InvalidParameterValue", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String("cplain"),
			TargetDBClusterSnapshotIdentifier: aws.String("cplain-enc"), KmsKeyId: aws.String(w.srcKey)})
		return err
	}},
	{"CopyDBClusterSnapshot: KmsKeyId on an unencrypted cluster snapshot, across regions", "InvalidParameterValue", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String(w.plainCS),
			TargetDBClusterSnapshotIdentifier: aws.String("cplain-enc"), KmsKeyId: aws.String(w.dstKey), SourceRegion: aws.String(src)})
		return err
	}},
	{"CopyDBClusterSnapshot: an encrypted cluster snapshot to another region without KmsKeyId", "InvalidParameterValue", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String(w.encCSARN),
			TargetDBClusterSnapshotIdentifier: aws.String("cenc-copy"), SourceRegion: aws.String(src)})
		return err
	}},
	{"CopyDBSnapshot: an encrypted snapshot to another region without KmsKeyId", "InvalidParameterValue", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(w.encARN),
			TargetDBSnapshotIdentifier: aws.String("enc-copy"), SourceRegion: aws.String(src)})
		return err
	}},
	{"CopyDBSnapshot: another region's snapshot named by identifier, not ARN", "DBSnapshotNotFound", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String("plain"),
			TargetDBSnapshotIdentifier: aws.String("plain-copy"), KmsKeyId: aws.String(w.dstKey)})
		return err
	}},
	{"CopyDBClusterSnapshot: another region's snapshot named by identifier, not ARN", "DBClusterSnapshotNotFoundFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String("cplain"),
			TargetDBClusterSnapshotIdentifier: aws.String("cplain-copy")})
		return err
	}},
	{"CopyDBSnapshot: a KMS key of another region", "KMSKeyNotAccessibleFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(w.plainARN),
			TargetDBSnapshotIdentifier: aws.String("plain-copy"), KmsKeyId: aws.String(w.srcKey), SourceRegion: aws.String(src)})
		return err
	}},
	{"CopyDBClusterSnapshot: a KMS key of another region", "KMSKeyNotAccessibleFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(dst).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String(w.encCSARN),
			TargetDBClusterSnapshotIdentifier: aws.String("cenc-copy"), KmsKeyId: aws.String(w.srcKey), SourceRegion: aws.String(src)})
		return err
	}},
	{"CopyDBSnapshot: a source snapshot that is not available", "InvalidDBSnapshotState", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).CopyDBSnapshot(ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String("busy"),
			TargetDBSnapshotIdentifier: aws.String("busy-copy"), KmsKeyId: aws.String(w.srcKey)})
		return err
	}},
	{"CopyDBClusterSnapshot: a target identifier with two consecutive hyphens", "InvalidParameterValue", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String("cplain"),
			TargetDBClusterSnapshotIdentifier: aws.String("cplain--copy")})
		return err
	}},
	{"CreateDBSnapshot: an identifier that does not start with a letter", "InvalidParameterValue", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("db1"), DBSnapshotIdentifier: aws.String("1st")})
		return err
	}},
	{"CreateDBClusterSnapshot: a cluster that is not available", "InvalidDBClusterStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("aur-new"), DBClusterSnapshotIdentifier: aws.String("aur-new-snap")})
		return err
	}},

	// RDS: automated snapshots.
	{"DescribeDBSnapshots: an automated snapshot without SnapshotType", "DBSnapshotNotFound", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("rds:db1-2024-05-01-03-10")})
		return err
	}},
	{"DescribeDBClusterSnapshots: an automated snapshot without SnapshotType", "DBClusterSnapshotNotFoundFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String("rds:aur1-2024-05-01-03-10")})
		return err
	}},

	// RDS: restore parameters.
	{"RestoreDBClusterFromSnapshot: a DB snapshot named by identifier, not ARN", "DBClusterSnapshotNotFoundFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{DBClusterIdentifier: aws.String("aur2"),
			SnapshotIdentifier: aws.String("plain"), Engine: aws.String("aurora-mysql"), KmsKeyId: aws.String(w.srcKey)})
		return err
	}},
	{"RestoreDBClusterFromSnapshot: an engine not compatible with the snapshot's", "InvalidParameterCombination", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{DBClusterIdentifier: aws.String("aur2"),
			SnapshotIdentifier: aws.String("cplain"), Engine: aws.String("aurora-postgresql"), KmsKeyId: aws.String(w.srcKey)})
		return err
	}},
	{"RestoreDBClusterFromSnapshot: a KMS key of another region", "KMSKeyNotAccessibleFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{DBClusterIdentifier: aws.String("aur2"),
			SnapshotIdentifier: aws.String("cplain"), Engine: aws.String("aurora-mysql"), KmsKeyId: aws.String(w.dstKey)})
		return err
	}},

	// DMS: task states and the resume rule.
	{"StartReplicationTask: resume-processing on a task that never ran", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).StartReplicationTask(ctx, &dms.StartReplicationTaskInput{ReplicationTaskArn: aws.String(w.neverRan),
			StartReplicationTaskType: dmstypes.StartReplicationTaskTypeValueResumeProcessing})
		return err
	}},
	{"StartReplicationTask: a task that is running", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).StartReplicationTask(ctx, &dms.StartReplicationTaskInput{ReplicationTaskArn: aws.String(w.on),
			StartReplicationTaskType: dmstypes.StartReplicationTaskTypeValueStartReplication})
		return err
	}},
	{"CreateReplicationTask: an identifier ending with a hyphen", "InvalidParameterValueException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).CreateReplicationTask(ctx, &dms.CreateReplicationTaskInput{ReplicationTaskIdentifier: aws.String("task-"),
			MigrationType: dmstypes.MigrationTypeValueFullLoadAndCdc, ReplicationInstanceArn: aws.String("arn:aws:dms:eu-west-1:123456789012:rep:X"),
			SourceEndpointArn: aws.String("s"), TargetEndpointArn: aws.String("t"), TableMappings: aws.String("{}")})
		return err
	}},
	{"CreateReplicationTask: both CdcStartPosition and CdcStartTime", "InvalidParameterCombinationException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).CreateReplicationTask(ctx, &dms.CreateReplicationTaskInput{ReplicationTaskIdentifier: aws.String("task2"),
			MigrationType: dmstypes.MigrationTypeValueCdc, ReplicationInstanceArn: aws.String("arn:aws:dms:eu-west-1:123456789012:rep:X"),
			SourceEndpointArn: aws.String("s"), TargetEndpointArn: aws.String("t"), TableMappings: aws.String("{}"),
			CdcStartPosition: aws.String("mysql-bin-changelog.000024:373"), CdcStartTime: aws.Time(time.Unix(1700000000, 0))})
		return err
	}},

	// DMS: the calls of dms.create, finish and cleanup.
	{"ModifyReplicationTask: a task that is running", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).ModifyReplicationTask(ctx, &dms.ModifyReplicationTaskInput{ReplicationTaskArn: aws.String(w.on), ReplicationTaskSettings: aws.String("{}")})
		return err
	}},
	{"StopReplicationTask: a task that never ran", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).StopReplicationTask(ctx, &dms.StopReplicationTaskInput{ReplicationTaskArn: aws.String(w.neverRan)})
		return err
	}},
	{"DeleteReplicationTask: a task that is running", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).DeleteReplicationTask(ctx, &dms.DeleteReplicationTaskInput{ReplicationTaskArn: aws.String(w.on)})
		return err
	}},
	{"DeleteEndpoint: an endpoint a task uses", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).DeleteEndpoint(ctx, &dms.DeleteEndpointInput{EndpointArn: aws.String(w.endpoint)})
		return err
	}},
	{"DeleteReplicationInstance: an instance a task uses", "InvalidResourceStateFault", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: aws.String(w.rep)})
		return err
	}},
	{"CreateReplicationInstance: an identifier with two consecutive hyphens", "InvalidParameterValueException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("rep--2"), ReplicationInstanceClass: aws.String("dms.r5.large")})
		return err
	}},
	{"CreateReplicationInstance: MultiAZ with an AvailabilityZone", "InvalidParameterCombinationException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("rep2"), ReplicationInstanceClass: aws.String("dms.r5.large"),
			MultiAZ: aws.Bool(true), AvailabilityZone: aws.String(src + "a")})
		return err
	}},
	{"CreateEndpoint: an identifier that does not start with a letter", "InvalidParameterValueException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("9ep"), EndpointType: dmstypes.ReplicationEndpointTypeValueSource, EngineName: aws.String("mysql")})
		return err
	}},
	{"DescribeTableStatistics: MaxRecords under 20", "InvalidParameterValueException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.dms(src).DescribeTableStatistics(ctx, &dms.DescribeTableStatisticsInput{ReplicationTaskArn: aws.String(w.on), MaxRecords: aws.Int32(10)})
		return err
	}},

	// RDS: events, and deleting snapshots and the old instance.
	{"DescribeEvents: SourceIdentifier without SourceType", "InvalidParameterCombination", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).DescribeEvents(ctx, &rds.DescribeEventsInput{SourceIdentifier: aws.String("db1")})
		return err
	}},
	{"DeleteDBSnapshot: a snapshot that is not available", "InvalidDBSnapshotState", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("busy")})
		return err
	}},
	{"DeleteDBInstance: FinalDBSnapshotIdentifier with SkipFinalSnapshot", "InvalidParameterCombination", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), FinalDBSnapshotIdentifier: aws.String("db1-final"), SkipFinalSnapshot: aws.Bool(true)})
		return err
	}},
	{"DeleteDBInstance: no final snapshot and SkipFinalSnapshot not set", "InvalidParameterCombination", func(ctx context.Context, w *world, b backend) error {
		_, err := b.rds(src).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1")})
		return err
	}},

	// CloudWatch: GetMetricData queries.
	{"GetMetricData: an Id that does not start with a lowercase letter", "InvalidParameterValueException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.cw(src).GetMetricData(ctx, metricQuery("Source", 60, false))
		return err
	}},
	{"GetMetricData: a Period that is not a multiple of 60", "InvalidParameterValueException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.cw(src).GetMetricData(ctx, metricQuery("source", 30, false))
		return err
	}},
	{"GetMetricData: both Expression and MetricStat", "InvalidParameterCombinationException", func(ctx context.Context, w *world, b backend) error {
		_, err := b.cw(src).GetMetricData(ctx, metricQuery("source", 60, true))
		return err
	}},

	// Route 53: change batches and listing.
	{"ChangeResourceRecordSets: a CNAME with two values", "InvalidChangeBatch", func(ctx context.Context, w *world, b backend) error {
		return upsert(ctx, w, b, cname("db.example.com", "a.example.com", "b.example.com"))
	}},
	{"ChangeResourceRecordSets: a CNAME at the zone apex", "InvalidChangeBatch", func(ctx context.Context, w *world, b backend) error {
		return upsert(ctx, w, b, cname("example.com", "a.example.com"))
	}},
	{"ChangeResourceRecordSets: a DELETE whose value does not match", "InvalidChangeBatch", func(ctx context.Context, w *world, b backend) error {
		return change(ctx, w, b, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: cname("db.example.com", "other.example.com")})
	}},
	{"ChangeResourceRecordSets: the same record deleted twice in one batch", "InvalidChangeBatch", func(ctx context.Context, w *world, b backend) error {
		del := r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: cname("db.example.com", "old.example.com")}
		return change(ctx, w, b, del, del)
	}},
	{"ChangeResourceRecordSets: a batch with one bad change changes nothing", "InvalidChangeBatch", func(ctx context.Context, w *world, b backend) error {
		err := change(ctx, w, b,
			r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: cname("db.example.com", "new.example.com")},
			r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: cname("example.com", "new.example.com")})
		if v, _ := w.c.Record(w.zone, "db.example.com", "CNAME"); v != "old.example.com" {
			return errors.New("the batch was applied in part: db.example.com is now " + v)
		}
		return err
	}},
	{"ListResourceRecordSets: StartRecordType without StartRecordName", "InvalidInput", func(ctx context.Context, w *world, b backend) error {
		_, err := b.r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(w.zone), StartRecordType: r53types.RRTypeCname})
		return err
	}},
}

func metricQuery(id string, period int32, expression bool) *cloudwatch.GetMetricDataInput {
	q := cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String("AWS/DMS"), MetricName: aws.String("CDCLatencySource")},
		Period: aws.Int32(period), Stat: aws.String("Maximum"),
	}}
	if expression {
		q.Expression = aws.String("SUM(METRICS())")
	}
	now := time.Now()
	return &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now), MetricDataQueries: []cwtypes.MetricDataQuery{q}}
}

func cname(name string, values ...string) *r53types.ResourceRecordSet {
	rs := &r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeCname, TTL: aws.Int64(300)}
	for _, v := range values {
		rs.ResourceRecords = append(rs.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return rs
}

func change(ctx context.Context, w *world, b backend, changes ...r53types.Change) error {
	_, err := b.r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(w.zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: changes}})
	return err
}

func upsert(ctx context.Context, w *world, b backend, rs *r53types.ResourceRecordSet) error {
	return change(ctx, w, b, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: rs})
}

// backends are the two ways to call a world's cloud.
func backends(t *testing.T, w *world) map[string]backend {
	srv := awsmigtest.NewServer(w.c)
	t.Cleanup(srv.Close)
	sdk := func(region string) awsmig.Clients { return srv.Clients(region, region) }
	return map[string]backend{
		"in-memory": {
			rds: func(r string) awsmig.RDSAPI { return w.c.RDS(r) },
			dms: func(r string) awsmig.DMSAPI { return w.c.DMS(r) },
			cw:  func(r string) awsmig.CloudWatchAPI { return w.c.CloudWatch(r) },
			r53: w.c.Route53(),
		},
		"wire": {
			rds: func(r string) awsmig.RDSAPI { return sdk(r).TargetRDS },
			dms: func(r string) awsmig.DMSAPI { return sdk(r).DMS },
			cw:  func(r string) awsmig.CloudWatchAPI { return sdk(r).CloudWatch },
			r53: sdk(src).Route53,
		},
	}
}

// TestForbiddenCalls: every call the API reference says fails, among the calls the runbook
// makes, is refused by the fake with the error code AWS gives, both in memory and over the
// wire to the SDK's own clients (which see the code as the service's error). Each rule is
// quoted from the reference where the fake applies it.
func TestForbiddenCalls(t *testing.T) {
	for _, fc := range forbiddenCalls {
		t.Run(fc.name, func(t *testing.T) {
			w := newWorld(t)
			for name, b := range backends(t, w) {
				err := fc.call(t.Context(), w, b)
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != fc.code {
					t.Errorf("%s: got %v, want error code %s", name, err, fc.code)
				}
			}
		})
	}
}

// TestAllowedCalls: the documented calls next to the forbidden ones succeed, so the fake is not
// merely refusing everything: an unencrypted cluster snapshot copied across regions without a
// key (and staying unencrypted), an automated snapshot described with SnapshotType, an
// unencrypted cluster snapshot restored with a key (the cluster encrypted with it), a query
// with dimensions nobody published (no data, not an error).
func TestAllowedCalls(t *testing.T) {
	for _, name := range []string{"in-memory", "wire"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			b := backends(t, w)[name]
			ctx := t.Context()
			cp, err := b.rds(dst).CopyDBClusterSnapshot(ctx, &rds.CopyDBClusterSnapshotInput{SourceDBClusterSnapshotIdentifier: aws.String(w.plainCS),
				TargetDBClusterSnapshotIdentifier: aws.String("cplain-copy")})
			if err != nil || aws.ToBool(cp.DBClusterSnapshot.StorageEncrypted) {
				t.Errorf("unencrypted cross-region cluster copy: %v", err)
			}
			if _, err := b.rds(src).DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("rds:db1-2024-05-01-03-10"), SnapshotType: aws.String("automated")}); err != nil {
				t.Errorf("automated snapshot with SnapshotType: %v", err)
			}
			out, err := b.rds(src).RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{DBClusterIdentifier: aws.String("aur2"),
				SnapshotIdentifier: aws.String("cplain"), Engine: aws.String("aurora-mysql"), KmsKeyId: aws.String("alias/src")})
			if err != nil || !aws.ToBool(out.DBCluster.StorageEncrypted) || aws.ToString(out.DBCluster.KmsKeyId) != w.srcKey {
				t.Errorf("restore of an unencrypted cluster snapshot with a key: %v", err)
			}
			if _, err := b.dms(src).ModifyReplicationTask(ctx, &dms.ModifyReplicationTaskInput{ReplicationTaskArn: aws.String(w.neverRan), ReplicationTaskSettings: aws.String(`{"ValidationSettings":{"EnableValidation":true}}`)}); err != nil {
				t.Errorf("modify a task that never ran: %v", err)
			}
			if ev, err := b.rds(src).DescribeEvents(ctx, &rds.DescribeEventsInput{SourceIdentifier: aws.String("db1"), SourceType: rdstypes.SourceTypeDbInstance}); err != nil || len(ev.Events) != 0 {
				t.Errorf("events of an instance: %v, %v", ev, err)
			}
			if del, err := b.rds(src).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("db1"), FinalDBSnapshotIdentifier: aws.String("db1-final")}); err != nil || aws.ToString(del.DBInstance.DBInstanceStatus) != "deleting" {
				t.Errorf("delete with a final snapshot: %v", err)
			} else if _, err := b.rds(src).DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("db1-final")}); err != nil {
				t.Errorf("final snapshot: %v", err)
			}
			md, err := b.cw(src).GetMetricData(ctx, metricQuery("source", 60, false))
			if err != nil || len(md.MetricDataResults) != 1 || len(md.MetricDataResults[0].Values) != 0 {
				t.Errorf("metric without its dimensions: %+v, %v", md, err)
			}
		})
	}
}
