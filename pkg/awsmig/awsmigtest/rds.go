package awsmigtest

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
)

// RDS is the cloud's RDS in one region.
type RDS struct {
	c      *Cloud
	region string
}

// RDS returns the cloud's RDS in a region.
func (c *Cloud) RDS(region string) *RDS { return &RDS{c, region} }

func rdsTagsIn(ts []types.Tag) []tagKV {
	out := make([]tagKV, len(ts))
	for i, t := range ts {
		out[i] = tagKV{aws.ToString(t.Key), aws.ToString(t.Value)}
	}
	return out
}

func rdsTagsOut(ts []tagKV) []types.Tag {
	out := make([]types.Tag, len(ts))
	for i, t := range ts {
		out[i] = types.Tag{Key: aws.String(t.k), Value: aws.String(t.v)}
	}
	return out
}

// settle advances an asynchronous status by one describe.
func settle(status *string, left *int, final string) {
	if *left > 0 {
		*left--
		if *left == 0 {
			*status = final
		}
	}
}

func (r *RDS) instanceOut(in *instance) types.DBInstance {
	out := types.DBInstance{
		DBInstanceIdentifier: aws.String(in.id),
		DBInstanceArn:        aws.String(in.arn()),
		DBInstanceStatus:     aws.String(in.status),
		Engine:               aws.String(in.engine),
		DBInstanceClass:      aws.String(in.class),
		StorageEncrypted:     aws.Bool(in.encrypted),
		TagList:              rdsTagsOut(in.tags),
	}
	if in.key != "" {
		out.KmsKeyId = aws.String(in.key)
	}
	if in.cluster != "" {
		out.DBClusterIdentifier = aws.String(in.cluster)
	}
	if in.status == "available" {
		out.Endpoint = &types.Endpoint{Address: aws.String(in.address), Port: aws.Int32(in.port)}
	}
	return out
}

// DescribeDBInstances describes one instance by identifier.
func (r *RDS) DescribeDBInstances(_ context.Context, p *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeDBInstances")
	id := aws.ToString(p.DBInstanceIdentifier)
	in := c.instances[r.region+"/"+id]
	if in == nil {
		return nil, &types.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", id))}
	}
	settle(&in.status, &in.settle, "available")
	return &rds.DescribeDBInstancesOutput{DBInstances: []types.DBInstance{r.instanceOut(in)}}, nil
}

func (r *RDS) snapshotOut(s *snapshot) types.DBSnapshot {
	out := types.DBSnapshot{
		DBSnapshotIdentifier: aws.String(s.id),
		DBSnapshotArn:        aws.String(s.arn()),
		DBInstanceIdentifier: aws.String(s.source),
		Engine:               aws.String(s.engine),
		Status:               aws.String(s.status),
		PercentProgress:      aws.Int32(s.percent),
		Encrypted:            aws.Bool(s.encrypted),
		SnapshotType:         aws.String("manual"),
		TagList:              rdsTagsOut(s.tags),
	}
	if s.key != "" {
		out.KmsKeyId = aws.String(s.key)
	}
	if !s.created.IsZero() {
		out.SnapshotCreateTime = aws.Time(s.created)
	}
	return out
}

// advance moves a creating snapshot on by one describe.
func (c *Cloud) advance(s *snapshot) {
	if s.status != "creating" && s.status != "copying" {
		return
	}
	final := "available"
	if s.fail {
		final = "failed"
	}
	settle(&s.status, &s.settle, final)
	if s.status == "available" {
		s.percent = 100
	} else if c.settle > 0 {
		s.percent = int32(100 * (c.settle - s.settle) / (c.settle + 1))
	}
}

// lookupSnapshot finds a snapshot by id or ARN; the caller holds mu.
func (c *Cloud) lookupSnapshot(region, ref string, clusterSnap bool) *snapshot {
	if r, _, id, ok := parseARN(ref); ok {
		region, ref = r, id
	}
	s := c.snapshots[region+"/"+ref]
	if s == nil || s.clusterSnap != clusterSnap {
		return nil
	}
	return s
}

// DescribeDBSnapshots describes one DB snapshot by identifier.
func (r *RDS) DescribeDBSnapshots(_ context.Context, p *rds.DescribeDBSnapshotsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeDBSnapshots")
	id := aws.ToString(p.DBSnapshotIdentifier)
	s := c.lookupSnapshot(r.region, id, false)
	if s == nil {
		return nil, &types.DBSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s not found.", id))}
	}
	c.advance(s)
	return &rds.DescribeDBSnapshotsOutput{DBSnapshots: []types.DBSnapshot{r.snapshotOut(s)}}, nil
}

// CreateDBSnapshot starts a snapshot of an available instance.
func (r *RDS) CreateDBSnapshot(_ context.Context, p *rds.CreateDBSnapshotInput, _ ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateDBSnapshot")
	iid, sid := aws.ToString(p.DBInstanceIdentifier), aws.ToString(p.DBSnapshotIdentifier)
	in := c.instances[r.region+"/"+iid]
	switch {
	case in == nil:
		return nil, &types.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", iid))}
	case in.status != "available":
		return nil, &types.InvalidDBInstanceStateFault{Message: aws.String(fmt.Sprintf("DBInstance %s is %s.", iid, in.status))}
	case c.snapshots[r.region+"/"+sid] != nil:
		return nil, &types.DBSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("Cannot create the snapshot because a snapshot with the identifier %s already exists.", sid))}
	}
	s := &snapshot{region: r.region, id: sid, source: iid, engine: in.engine, status: "creating", encrypted: in.encrypted, key: in.key,
		tags: rdsTagsIn(p.Tags), settle: c.settle, fail: c.failSnaps[sid], created: time.Now().UTC()}
	c.snapshots[r.region+"/"+sid] = s
	return &rds.CreateDBSnapshotOutput{DBSnapshot: ptr(r.snapshotOut(s))}, c.crashed("CreateDBSnapshot")
}

// resolveKey finds an enabled key of the region for a KmsKeyId; the caller holds mu.
func (c *Cloud) resolveKey(region, ref string) (*key, error) {
	for _, k := range c.keys {
		if k.region == region && k.matches(ref) {
			if k.state != "Enabled" {
				return nil, &types.KMSKeyNotAccessibleFault{Message: aws.String(fmt.Sprintf("The key %s is %s.", ref, k.state))}
			}
			return k, nil
		}
	}
	return nil, &types.KMSKeyNotAccessibleFault{Message: aws.String(fmt.Sprintf("The specified KMS key %s does not exist or is not in %s.", ref, region))}
}

// copySnapshot copies a snapshot into the view's region; the caller holds mu.
func (r *RDS) copySnapshot(op, src, dst, keyRef string, sourceRegion, presigned *string, tags []types.Tag, clusterSnap bool) (*snapshot, error) {
	c := r.c
	s := c.lookupSnapshot(r.region, src, clusterSnap)
	srcRegion := r.region
	if reg, _, _, ok := parseARN(src); ok {
		srcRegion = reg
	}
	notFound := func() error {
		if clusterSnap {
			return &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", src))}
		}
		return &types.DBSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s not found.", src))}
	}
	switch {
	case s == nil:
		return nil, notFound()
	case srcRegion != r.region && aws.ToString(sourceRegion) == "" && aws.ToString(presigned) == "":
		return nil, apiErr("InvalidParameterCombination", "a cross-region %s needs PreSignedUrl (the SDK makes it from SourceRegion)", op)
	case s.status != "available":
		return nil, &types.InvalidDBSnapshotStateFault{Message: aws.String(fmt.Sprintf("Snapshot %s is %s.", src, s.status))}
	case c.snapshots[r.region+"/"+dst] != nil:
		if clusterSnap {
			return nil, &types.DBClusterSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB cluster snapshot %s already exists.", dst))}
		}
		return nil, &types.DBSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("Snapshot %s already exists.", dst))}
	}
	cp := &snapshot{region: r.region, id: dst, source: s.source, engine: s.engine, clusterSnap: clusterSnap, status: "creating",
		encrypted: s.encrypted, key: s.key, tags: rdsTagsIn(tags), settle: c.settle, fail: c.failSnaps[dst], created: time.Now().UTC()}
	if keyRef != "" {
		k, err := c.resolveKey(r.region, keyRef)
		if err != nil {
			return nil, err
		}
		cp.encrypted, cp.key = true, k.arn()
	} else if s.encrypted && srcRegion != r.region {
		return nil, apiErr("InvalidParameterValue", "copying an encrypted snapshot to another region needs KmsKeyId")
	}
	c.snapshots[r.region+"/"+dst] = cp
	return cp, nil
}

// CopyDBSnapshot copies a DB snapshot, encrypting it with KmsKeyId.
func (r *RDS) CopyDBSnapshot(_ context.Context, p *rds.CopyDBSnapshotInput, _ ...func(*rds.Options)) (*rds.CopyDBSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CopyDBSnapshot")
	cp, err := r.copySnapshot("CopyDBSnapshot", aws.ToString(p.SourceDBSnapshotIdentifier), aws.ToString(p.TargetDBSnapshotIdentifier),
		aws.ToString(p.KmsKeyId), p.SourceRegion, p.PreSignedUrl, p.Tags, false)
	if err != nil {
		return nil, err
	}
	return &rds.CopyDBSnapshotOutput{DBSnapshot: ptr(r.snapshotOut(cp))}, c.crashed("CopyDBSnapshot")
}

// RestoreDBInstanceFromDBSnapshot creates an instance from an available DB snapshot.
func (r *RDS) RestoreDBInstanceFromDBSnapshot(_ context.Context, p *rds.RestoreDBInstanceFromDBSnapshotInput, _ ...func(*rds.Options)) (*rds.RestoreDBInstanceFromDBSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("RestoreDBInstanceFromDBSnapshot")
	sid, iid := aws.ToString(p.DBSnapshotIdentifier), aws.ToString(p.DBInstanceIdentifier)
	s := c.lookupSnapshot(r.region, sid, false)
	switch {
	case s == nil:
		return nil, &types.DBSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s not found.", sid))}
	case s.status != "available":
		return nil, &types.InvalidDBSnapshotStateFault{Message: aws.String(fmt.Sprintf("Snapshot %s is %s.", sid, s.status))}
	case c.instances[r.region+"/"+iid] != nil:
		return nil, &types.DBInstanceAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB instance %s already exists.", iid))}
	}
	class := aws.ToString(p.DBInstanceClass)
	if class == "" {
		class = "db.t3.medium"
	}
	in := &instance{region: r.region, id: iid, engine: s.engine, class: class, status: "creating", encrypted: s.encrypted, key: s.key,
		tags: rdsTagsIn(p.Tags), settle: c.settle, created: time.Now().UTC()}
	in.address, in.port = endpointOf(iid, r.region, s.engine)
	c.instances[r.region+"/"+iid] = in
	return &rds.RestoreDBInstanceFromDBSnapshotOutput{DBInstance: ptr(r.instanceOut(in))}, c.crashed("RestoreDBInstanceFromDBSnapshot")
}

func (r *RDS) clusterOut(cl *cluster) types.DBCluster {
	out := types.DBCluster{
		DBClusterIdentifier: aws.String(cl.id),
		DBClusterArn:        aws.String(cl.arn()),
		Status:              aws.String(cl.status),
		Engine:              aws.String(cl.engine),
		StorageEncrypted:    aws.Bool(cl.encrypted),
		Endpoint:            aws.String(cl.endpoint),
		Port:                aws.Int32(cl.port),
		TagList:             rdsTagsOut(cl.tags),
	}
	if cl.key != "" {
		out.KmsKeyId = aws.String(cl.key)
	}
	return out
}

// DescribeDBClusters describes one cluster by identifier.
func (r *RDS) DescribeDBClusters(_ context.Context, p *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeDBClusters")
	id := aws.ToString(p.DBClusterIdentifier)
	cl := c.clusters[r.region+"/"+id]
	if cl == nil {
		return nil, &types.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", id))}
	}
	settle(&cl.status, &cl.settle, "available")
	return &rds.DescribeDBClustersOutput{DBClusters: []types.DBCluster{r.clusterOut(cl)}}, nil
}

func (r *RDS) clusterSnapshotOut(s *snapshot) types.DBClusterSnapshot {
	out := types.DBClusterSnapshot{
		DBClusterSnapshotIdentifier: aws.String(s.id),
		DBClusterSnapshotArn:        aws.String(s.arn()),
		DBClusterIdentifier:         aws.String(s.source),
		Engine:                      aws.String(s.engine),
		Status:                      aws.String(s.status),
		PercentProgress:             aws.Int32(s.percent),
		StorageEncrypted:            aws.Bool(s.encrypted),
		SnapshotType:                aws.String("manual"),
		TagList:                     rdsTagsOut(s.tags),
	}
	if s.key != "" {
		out.KmsKeyId = aws.String(s.key)
	}
	return out
}

// DescribeDBClusterSnapshots describes one DB cluster snapshot by identifier.
func (r *RDS) DescribeDBClusterSnapshots(_ context.Context, p *rds.DescribeDBClusterSnapshotsInput, _ ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeDBClusterSnapshots")
	id := aws.ToString(p.DBClusterSnapshotIdentifier)
	s := c.lookupSnapshot(r.region, id, true)
	if s == nil {
		return nil, &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", id))}
	}
	c.advance(s)
	return &rds.DescribeDBClusterSnapshotsOutput{DBClusterSnapshots: []types.DBClusterSnapshot{r.clusterSnapshotOut(s)}}, nil
}

// CreateDBClusterSnapshot starts a snapshot of an available cluster.
func (r *RDS) CreateDBClusterSnapshot(_ context.Context, p *rds.CreateDBClusterSnapshotInput, _ ...func(*rds.Options)) (*rds.CreateDBClusterSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateDBClusterSnapshot")
	cid, sid := aws.ToString(p.DBClusterIdentifier), aws.ToString(p.DBClusterSnapshotIdentifier)
	cl := c.clusters[r.region+"/"+cid]
	switch {
	case cl == nil:
		return nil, &types.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", cid))}
	case c.snapshots[r.region+"/"+sid] != nil:
		return nil, &types.DBClusterSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB cluster snapshot %s already exists.", sid))}
	}
	s := &snapshot{region: r.region, id: sid, source: cid, engine: cl.engine, clusterSnap: true, status: "creating", encrypted: cl.encrypted,
		key: cl.key, tags: rdsTagsIn(p.Tags), settle: c.settle, fail: c.failSnaps[sid], created: time.Now().UTC()}
	c.snapshots[r.region+"/"+sid] = s
	return &rds.CreateDBClusterSnapshotOutput{DBClusterSnapshot: ptr(r.clusterSnapshotOut(s))}, c.crashed("CreateDBClusterSnapshot")
}

// CopyDBClusterSnapshot copies a DB cluster snapshot, encrypting it with KmsKeyId.
func (r *RDS) CopyDBClusterSnapshot(_ context.Context, p *rds.CopyDBClusterSnapshotInput, _ ...func(*rds.Options)) (*rds.CopyDBClusterSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CopyDBClusterSnapshot")
	cp, err := r.copySnapshot("CopyDBClusterSnapshot", aws.ToString(p.SourceDBClusterSnapshotIdentifier), aws.ToString(p.TargetDBClusterSnapshotIdentifier),
		aws.ToString(p.KmsKeyId), p.SourceRegion, p.PreSignedUrl, p.Tags, true)
	if err != nil {
		return nil, err
	}
	return &rds.CopyDBClusterSnapshotOutput{DBClusterSnapshot: ptr(r.clusterSnapshotOut(cp))}, c.crashed("CopyDBClusterSnapshot")
}

// RestoreDBClusterFromSnapshot creates a cluster from a DB cluster snapshot, or from a DB
// snapshot named by ARN (MySQL -> Aurora MySQL).
func (r *RDS) RestoreDBClusterFromSnapshot(_ context.Context, p *rds.RestoreDBClusterFromSnapshotInput, _ ...func(*rds.Options)) (*rds.RestoreDBClusterFromSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("RestoreDBClusterFromSnapshot")
	sid, cid := aws.ToString(p.SnapshotIdentifier), aws.ToString(p.DBClusterIdentifier)
	s := c.lookupSnapshot(r.region, sid, true)
	if s == nil {
		if _, kind, _, ok := parseARN(sid); ok && kind == "snapshot" {
			s = c.lookupSnapshot(r.region, sid, false)
		}
	}
	switch {
	case s == nil:
		return nil, &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", sid))}
	case aws.ToString(p.Engine) == "":
		return nil, apiErr("InvalidParameterValue", "Engine is required")
	case s.status != "available":
		return nil, &types.InvalidDBSnapshotStateFault{Message: aws.String(fmt.Sprintf("Snapshot %s is %s.", sid, s.status))}
	case c.clusters[r.region+"/"+cid] != nil:
		return nil, &types.DBClusterAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB cluster %s already exists.", cid))}
	}
	cl := &cluster{region: r.region, id: cid, engine: aws.ToString(p.Engine), status: "creating", encrypted: s.encrypted, key: s.key,
		tags: rdsTagsIn(p.Tags), settle: c.settle}
	if ref := aws.ToString(p.KmsKeyId); ref != "" {
		k, err := c.resolveKey(r.region, ref)
		if err != nil {
			return nil, err
		}
		cl.encrypted, cl.key = true, k.arn()
	}
	cl.endpoint, cl.port = endpointOf(cid+".cluster", r.region, cl.engine)
	c.clusters[r.region+"/"+cid] = cl
	return &rds.RestoreDBClusterFromSnapshotOutput{DBCluster: ptr(r.clusterOut(cl))}, c.crashed("RestoreDBClusterFromSnapshot")
}

// CreateDBInstance creates an instance in a cluster (the only kind the runbook creates).
func (r *RDS) CreateDBInstance(_ context.Context, p *rds.CreateDBInstanceInput, _ ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateDBInstance")
	iid, cid := aws.ToString(p.DBInstanceIdentifier), aws.ToString(p.DBClusterIdentifier)
	cl := c.clusters[r.region+"/"+cid]
	switch {
	case cl == nil:
		return nil, &types.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", cid))}
	case aws.ToString(p.DBInstanceClass) == "":
		return nil, apiErr("InvalidParameterValue", "DBInstanceClass is required")
	case c.instances[r.region+"/"+iid] != nil:
		return nil, &types.DBInstanceAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB instance %s already exists.", iid))}
	}
	in := &instance{region: r.region, id: iid, engine: cl.engine, class: aws.ToString(p.DBInstanceClass), cluster: cid, status: "creating",
		encrypted: cl.encrypted, key: cl.key, tags: rdsTagsIn(p.Tags), settle: c.settle, created: time.Now().UTC()}
	in.address, in.port = endpointOf(iid, r.region, cl.engine)
	c.instances[r.region+"/"+iid] = in
	return &rds.CreateDBInstanceOutput{DBInstance: ptr(r.instanceOut(in))}, c.crashed("CreateDBInstance")
}

func ptr[T any](v T) *T { return &v }

// apiErr is a service error with a code and no SDK type of its own.
func apiErr(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}
