package awsmig

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// Each step declares the narrowest client interface it needs; the SDK's clients satisfy them,
// and so do the small stateful fakes the tests use. The ...APIClient interfaces are the ones the
// SDK's waiters take.

// keyAPI is what the kms-key step needs.
type keyAPI interface {
	DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// instanceSnapshotAPI takes a snapshot of a DB instance.
type instanceSnapshotAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBSnapshotsAPIClient
	CreateDBSnapshot(context.Context, *rds.CreateDBSnapshotInput, ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error)
}

// clusterSnapshotAPI takes a snapshot of an Aurora cluster.
type clusterSnapshotAPI interface {
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	CreateDBClusterSnapshot(context.Context, *rds.CreateDBClusterSnapshotInput, ...func(*rds.Options)) (*rds.CreateDBClusterSnapshotOutput, error)
}

// snapshotCopyAPI copies a DB snapshot (in the destination region).
type snapshotCopyAPI interface {
	rds.DescribeDBSnapshotsAPIClient
	CopyDBSnapshot(context.Context, *rds.CopyDBSnapshotInput, ...func(*rds.Options)) (*rds.CopyDBSnapshotOutput, error)
}

// clusterSnapshotCopyAPI copies a DB cluster snapshot (in the destination region).
type clusterSnapshotCopyAPI interface {
	rds.DescribeDBClusterSnapshotsAPIClient
	CopyDBClusterSnapshot(context.Context, *rds.CopyDBClusterSnapshotInput, ...func(*rds.Options)) (*rds.CopyDBClusterSnapshotOutput, error)
}

// instanceRestoreAPI restores a DB instance from a snapshot.
type instanceRestoreAPI interface {
	rds.DescribeDBInstancesAPIClient
	RestoreDBInstanceFromDBSnapshot(context.Context, *rds.RestoreDBInstanceFromDBSnapshotInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceFromDBSnapshotOutput, error)
}

// clusterRestoreAPI restores an Aurora cluster from a snapshot and creates its instance.
type clusterRestoreAPI interface {
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBInstancesAPIClient
	RestoreDBClusterFromSnapshot(context.Context, *rds.RestoreDBClusterFromSnapshotInput, ...func(*rds.Options)) (*rds.RestoreDBClusterFromSnapshotOutput, error)
	CreateDBInstance(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
}

// taskAPI creates and starts the DMS task.
type taskAPI interface {
	dms.DescribeReplicationInstancesAPIClient
	dms.DescribeReplicationTasksAPIClient
	CreateReplicationTask(context.Context, *dms.CreateReplicationTaskInput, ...func(*dms.Options)) (*dms.CreateReplicationTaskOutput, error)
	StartReplicationTask(context.Context, *dms.StartReplicationTaskInput, ...func(*dms.Options)) (*dms.StartReplicationTaskOutput, error)
	ModifyReplicationTask(context.Context, *dms.ModifyReplicationTaskInput, ...func(*dms.Options)) (*dms.ModifyReplicationTaskOutput, error)
}

// tableStatsAPI reads a task's per-table statistics, DMS's own validation state among them.
type tableStatsAPI interface {
	DescribeTableStatistics(context.Context, *dms.DescribeTableStatisticsInput, ...func(*dms.Options)) (*dms.DescribeTableStatisticsOutput, error)
}

// dmsResourcesAPI creates (and finds again) the replication instance and endpoints.
type dmsResourcesAPI interface {
	dms.DescribeReplicationInstancesAPIClient
	dms.DescribeEndpointsAPIClient
	CreateReplicationInstance(context.Context, *dms.CreateReplicationInstanceInput, ...func(*dms.Options)) (*dms.CreateReplicationInstanceOutput, error)
	CreateEndpoint(context.Context, *dms.CreateEndpointInput, ...func(*dms.Options)) (*dms.CreateEndpointOutput, error)
	ListTagsForResource(context.Context, *dms.ListTagsForResourceInput, ...func(*dms.Options)) (*dms.ListTagsForResourceOutput, error)
}

// dmsCleanupAPI stops the task (finish) and deletes what the run created (cleanup).
type dmsCleanupAPI interface {
	dms.DescribeReplicationTasksAPIClient
	dms.DescribeReplicationInstancesAPIClient
	dms.DescribeEndpointsAPIClient
	StopReplicationTask(context.Context, *dms.StopReplicationTaskInput, ...func(*dms.Options)) (*dms.StopReplicationTaskOutput, error)
	DeleteReplicationTask(context.Context, *dms.DeleteReplicationTaskInput, ...func(*dms.Options)) (*dms.DeleteReplicationTaskOutput, error)
	DeleteEndpoint(context.Context, *dms.DeleteEndpointInput, ...func(*dms.Options)) (*dms.DeleteEndpointOutput, error)
	DeleteReplicationInstance(context.Context, *dms.DeleteReplicationInstanceInput, ...func(*dms.Options)) (*dms.DeleteReplicationInstanceOutput, error)
	ListTagsForResource(context.Context, *dms.ListTagsForResourceInput, ...func(*dms.Options)) (*dms.ListTagsForResourceOutput, error)
}

// eventsAPI reads RDS events (the restored instance's binlog position).
type eventsAPI interface {
	DescribeEvents(context.Context, *rds.DescribeEventsInput, ...func(*rds.Options)) (*rds.DescribeEventsOutput, error)
}

// rdsCleanupAPI deletes the run's snapshots and, with a final snapshot, the old source instance.
type rdsCleanupAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	DeleteDBSnapshot(context.Context, *rds.DeleteDBSnapshotInput, ...func(*rds.Options)) (*rds.DeleteDBSnapshotOutput, error)
	DeleteDBClusterSnapshot(context.Context, *rds.DeleteDBClusterSnapshotInput, ...func(*rds.Options)) (*rds.DeleteDBClusterSnapshotOutput, error)
	DeleteDBInstance(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
}

// metricsAPI reads CloudWatch metrics.
type metricsAPI interface {
	GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// dnsAPI reads and changes a Route 53 record and waits for the change.
type dnsAPI interface {
	route53.GetChangeAPIClient
	ListResourceRecordSets(context.Context, *route53.ListResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(context.Context, *route53.ChangeResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
}

// RDSAPI is every RDS call the runbook makes.
type RDSAPI interface {
	instanceSnapshotAPI
	clusterSnapshotAPI
	snapshotCopyAPI
	clusterSnapshotCopyAPI
	instanceRestoreAPI
	clusterRestoreAPI
	eventsAPI
	rdsCleanupAPI
}

// KMSAPI is every KMS call the runbook makes.
type KMSAPI interface {
	keyAPI
	keyUseAPI // preflight
}

// DMSAPI is every DMS call the runbook makes.
type DMSAPI interface {
	taskAPI
	tableStatsAPI
	dmsResourcesAPI
	dmsCleanupAPI
	endpointAPI // preflight
}

// CloudWatchAPI is every CloudWatch call the runbook makes.
type CloudWatchAPI interface{ metricsAPI }

// Route53API is every Route 53 call the runbook makes.
type Route53API interface{ dnsAPI }

// Clients are the AWS clients a migration uses. *rds.Client, *kms.Client and so on satisfy
// these interfaces; so do fakes.
type Clients struct {
	SourceRDS  RDSAPI        // in the source's region: the snapshot
	TargetRDS  RDSAPI        // in the target's region: the encrypted copy and the restore
	KMS        KMSAPI        // in the target's region
	DMS        DMSAPI        // in the target's region, where the replication instance runs
	CloudWatch CloudWatchAPI // in the target's region: the task's CDC lag
	Route53    Route53API
}

// NewClients builds SDK clients for a spec from the default configuration chain (environment,
// shared config and credentials files, SSO, instance roles). AWS_ENDPOINT_URL and the
// per-service AWS_ENDPOINT_URL_<SERVICE> variables point them elsewhere (an emulator).
func NewClients(ctx context.Context, s *Spec, optFns ...func(*config.LoadOptions) error) (Clients, error) {
	load := func(region string) (aws.Config, error) {
		opts := append([]func(*config.LoadOptions) error{config.WithRegion(region)}, optFns...)
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return cfg, fmt.Errorf("aws config for %s: %w", region, err)
		}
		return cfg, nil
	}
	src, err := load(s.Region)
	if err != nil {
		return Clients{}, err
	}
	dst := src
	if s.crossRegion() {
		if dst, err = load(s.Target.Region); err != nil {
			return Clients{}, err
		}
	}
	c := Clients{
		SourceRDS:  rds.NewFromConfig(src),
		TargetRDS:  rds.NewFromConfig(dst),
		KMS:        kms.NewFromConfig(dst),
		DMS:        dms.NewFromConfig(dst),
		CloudWatch: cloudwatch.NewFromConfig(dst),
		// Route 53 is global; its API lives in us-east-1 (the SDK resolves the endpoint).
		Route53: route53.NewFromConfig(src, func(o *route53.Options) { o.Region = "us-east-1" }),
	}
	return c, nil
}
