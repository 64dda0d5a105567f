package awsmigtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
		DBInstanceIdentifier:  aws.String(in.id),
		DBInstanceArn:         aws.String(in.arn()),
		DBInstanceStatus:      aws.String(in.status),
		Engine:                aws.String(in.engine),
		DBInstanceClass:       aws.String(in.class),
		StorageEncrypted:      aws.Bool(in.encrypted),
		TagList:               rdsTagsOut(in.tags),
		BackupRetentionPeriod: aws.Int32(r.c.backupDays(in.region, in.id)),
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
		return nil, c.failed("DescribeDBInstances", &types.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", id))})
	}
	if in.status == "deleting" {
		if settle(&in.status, &in.settle, "deleted"); in.status == "deleted" {
			delete(c.instances, r.region+"/"+id)
			return nil, c.failed("DescribeDBInstances", &types.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", id))})
		}
	} else {
		settle(&in.status, &in.settle, "available")
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: []types.DBInstance{r.instanceOut(in)}}, c.crashed("DescribeDBInstances")
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
		SnapshotType:         aws.String(s.snapshotType()),
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

// describable applies the reference's rule on finding automated snapshots by identifier
// (DescribeDBSnapshots and DescribeDBClusterSnapshots, DBSnapshotIdentifier and
// DBClusterSnapshotIdentifier): "If this identifier is for an automated snapshot, the
// SnapshotType parameter must also be specified." The reference does not say what RDS does
// otherwise; the fake answers as for a snapshot it does not have, and a SnapshotType that is
// not the snapshot's filters it out.
func describable(s *snapshot, snapshotType *string) bool {
	typ := aws.ToString(snapshotType)
	return s != nil && (typ == "" && !s.automated || typ == s.snapshotType())
}

// DescribeDBSnapshots describes one DB snapshot by identifier.
func (r *RDS) DescribeDBSnapshots(_ context.Context, p *rds.DescribeDBSnapshotsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeDBSnapshots")
	id := aws.ToString(p.DBSnapshotIdentifier)
	s := c.lookupSnapshot(r.region, id, false)
	if !describable(s, p.SnapshotType) {
		return nil, c.failed("DescribeDBSnapshots", &types.DBSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s not found.", id))})
	}
	c.advance(s)
	return &rds.DescribeDBSnapshotsOutput{DBSnapshots: []types.DBSnapshot{r.snapshotOut(s)}}, c.crashed("DescribeDBSnapshots")
}

// checkIdentifier applies the constraints the reference gives every identifier the runbook
// has RDS create (CreateDBSnapshot DBSnapshotIdentifier and CopyDBSnapshot
// TargetDBSnapshotIdentifier up to 255; CreateDBClusterSnapshot DBClusterSnapshotIdentifier,
// CopyDBClusterSnapshot TargetDBClusterSnapshotIdentifier, RestoreDBClusterFromSnapshot
// DBClusterIdentifier and CreateDBInstance DBInstanceIdentifier up to 63): "Must contain from
// 1 to 63 letters, numbers, or hyphens", "First character must be a letter", "Can't end with a
// hyphen or contain two consecutive hyphens". The reference names no error code for them;
// the fake answers InvalidParameterValue, RDS's code for an invalid parameter value.
func checkIdentifier(param, id string, maxLen int) error {
	if badIdentifier(id, maxLen) {
		return apiErr("InvalidParameterValue", "%s %q: %s", param, id, identifierRule(maxLen))
	}
	return nil
}

// badIdentifier reports whether id breaks the reference's rules for identifiers.
func badIdentifier(id string, maxLen int) bool {
	letter := func(ch byte) bool { return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' }
	ok := id != "" && len(id) <= maxLen && letter(id[0]) && !strings.HasSuffix(id, "-") && !strings.Contains(id, "--")
	for i := 0; ok && i < len(id); i++ {
		ok = letter(id[i]) || id[i] >= '0' && id[i] <= '9' || id[i] == '-'
	}
	return !ok
}

// identifierRule says the rule badIdentifier applies.
func identifierRule(maxLen int) string {
	return fmt.Sprintf("must contain from 1 to %d letters, numbers, or hyphens, start with a letter, and not end with a hyphen or contain two consecutive hyphens", maxLen)
}

// CreateDBSnapshot starts a snapshot of an available instance.
func (r *RDS) CreateDBSnapshot(_ context.Context, p *rds.CreateDBSnapshotInput, _ ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateDBSnapshot")
	iid, sid := aws.ToString(p.DBInstanceIdentifier), aws.ToString(p.DBSnapshotIdentifier)
	if err := checkIdentifier("DBSnapshotIdentifier", sid, 255); err != nil {
		return nil, err
	}
	in := c.instances[r.region+"/"+iid]
	switch {
	case in == nil:
		// CreateDBSnapshot, DBInstanceIdentifier: "Must match the identifier of an existing DBInstance."
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

// resolveKey finds an enabled key of the region for a KmsKeyId; the caller holds mu. CopyDBSnapshot
// and CopyDBClusterSnapshot, KmsKeyId: "KMS keys are specific to the Amazon Web Services Region
// that they are created in, and you can't use KMS keys from one Amazon Web Services Region in
// another Amazon Web Services Region." Both list KMSKeyNotAccessibleFault ("An error occurred
// accessing an Amazon Web Services KMS key.") among their errors.
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

// copySnapshot copies a snapshot into the view's region; the caller holds mu. The rules are
// those of CopyDBSnapshot and CopyDBClusterSnapshot in the RDS API reference, quoted where
// each is enforced.
//
// PreSignedUrl is not required across regions: the reference says of it, for both operations,
// "This setting applies only to Amazon Web Services GovCloud (US) Regions. It's ignored in
// other Amazon Web Services Regions."
func (r *RDS) copySnapshot(op, src, dst, keyRef string, tags []types.Tag, clusterSnap bool) (*snapshot, error) {
	c := r.c
	param, maxLen := "TargetDBSnapshotIdentifier", 255
	if clusterSnap {
		param, maxLen = "TargetDBClusterSnapshotIdentifier", 63
	}
	if err := checkIdentifier(param, dst, maxLen); err != nil {
		return nil, err
	}
	// CopyDBSnapshot, SourceDBSnapshotIdentifier: "If the source snapshot is in a different
	// Amazon Web Services Region than the copy, specify a valid DB snapshot ARN."
	// CopyDBClusterSnapshot, SourceDBClusterSnapshotIdentifier: "If the source snapshot is in a
	// different Amazon Web Services Region than the copy, specify a valid DB cluster snapshot
	// ARN." An identifier is looked up in the region the copy is made in, so another region's
	// snapshot named without its ARN is not found.
	s := c.lookupSnapshot(r.region, src, clusterSnap)
	srcRegion := r.region
	if reg, _, _, ok := parseARN(src); ok {
		srcRegion = reg
	}
	switch {
	case s == nil && clusterSnap:
		return nil, &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", src))}
	case s == nil:
		return nil, &types.DBSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBSnapshot %s not found.", src))}
	case s.status != "available" && clusterSnap:
		// "Must specify a valid source snapshot in the "available" state."
		return nil, &types.InvalidDBClusterSnapshotStateFault{Message: aws.String(fmt.Sprintf("DB cluster snapshot %s is %s, not available.", src, s.status))}
	case s.status != "available":
		return nil, &types.InvalidDBSnapshotStateFault{Message: aws.String(fmt.Sprintf("Snapshot %s is %s, not available.", src, s.status))}
	case c.snapshots[r.region+"/"+dst] != nil && clusterSnap:
		return nil, &types.DBClusterSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB cluster snapshot %s already exists.", dst))}
	case c.snapshots[r.region+"/"+dst] != nil:
		return nil, &types.DBSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("Snapshot %s already exists.", dst))}
	case clusterSnap && keyRef != "" && !s.encrypted:
		// CopyDBClusterSnapshot, KmsKeyId: "If you copy an unencrypted DB cluster snapshot and
		// specify a value for the KmsKeyId parameter, an error is returned." (The Aurora User
		// Guide, Copying a DB cluster snapshot: "For Amazon Aurora DB cluster snapshots, you
		// can't encrypt an unencrypted DB cluster snapshot when you copy the snapshot.") The
		// reference names no error code; the fake answers InvalidParameterValue, the code RDS
		// gives the other KmsKeyId misuse below.
		return nil, apiErr("InvalidParameterValue", "%s %s is not encrypted: an unencrypted DB cluster snapshot cannot be copied with KmsKeyId (restore it with KmsKeyId to encrypt the cluster)", op, src)
	case keyRef == "" && s.encrypted && srcRegion != r.region && clusterSnap:
		// CopyDBClusterSnapshot, KmsKeyId: "To copy an encrypted DB cluster snapshot to another
		// Amazon Web Services Region, you must set KmsKeyId to the Amazon Web Services KMS key
		// identifier you want to use to encrypt the copy of the DB cluster snapshot in the
		// destination Amazon Web Services Region."
		return nil, apiErr("InvalidParameterValue", "copying the encrypted DB cluster snapshot %s to another region needs KmsKeyId, a key of %s", src, r.region)
	case keyRef == "" && s.encrypted && srcRegion != r.region:
		// CopyDBSnapshot, KmsKeyId: "If you copy an encrypted snapshot to a different Amazon
		// Web Services Region, then you must specify an Amazon Web Services KMS key identifier
		// for the destination Amazon Web Services Region." RDS answers InvalidParameterValue
		// "Must specify new KMS key for cross region encrypted snapshot copy." (as reported in
		// 1Strategy/rds-oracle-cross-account-cross-region-dr issue 1).
		return nil, apiErr("InvalidParameterValue", "Must specify new KMS key for cross region encrypted snapshot copy.")
	}
	cp := &snapshot{region: r.region, id: dst, source: s.source, engine: s.engine, clusterSnap: clusterSnap, status: "creating",
		encrypted: s.encrypted, key: s.key, tags: rdsTagsIn(tags), settle: c.settle, fail: c.failSnaps[dst], created: time.Now().UTC()}
	if keyRef != "" {
		// CopyDBSnapshot, KmsKeyId: "If you specify this parameter when you copy an unencrypted
		// snapshot, the copy is encrypted." An encrypted one is encrypted again with the key.
		k, err := c.resolveKey(r.region, keyRef)
		if err != nil {
			return nil, err
		}
		cp.encrypted, cp.key = true, k.arn()
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
		aws.ToString(p.KmsKeyId), p.Tags, false)
	if err != nil {
		return nil, err
	}
	return &rds.CopyDBSnapshotOutput{DBSnapshot: ptr(r.snapshotOut(cp))}, c.crashed("CopyDBSnapshot")
}

// RestoreDBInstanceFromDBSnapshot creates an instance from an available DB snapshot. It takes no
// KmsKeyId: the instance is encrypted as the snapshot is.
func (r *RDS) RestoreDBInstanceFromDBSnapshot(_ context.Context, p *rds.RestoreDBInstanceFromDBSnapshotInput, _ ...func(*rds.Options)) (*rds.RestoreDBInstanceFromDBSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("RestoreDBInstanceFromDBSnapshot")
	sid, iid := aws.ToString(p.DBSnapshotIdentifier), aws.ToString(p.DBInstanceIdentifier)
	if err := checkIdentifier("DBInstanceIdentifier", iid, 63); err != nil {
		return nil, err
	}
	s := c.lookupSnapshot(r.region, sid, false)
	switch {
	case s == nil:
		// DBSnapshotIdentifier: "Must match the identifier of an existing DB snapshot."
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
	if strings.Contains(s.engine, "mysql") || s.engine == "mariadb" {
		// What RDS says when a MySQL instance restored from a snapshot has recovered: where
		// the snapshot's data ends in the binlog.
		c.events = append(c.events, event{region: r.region, source: iid, kind: types.SourceTypeDbInstance, at: time.Now().UTC(),
			message: fmt.Sprintf("Binlog position from crash recovery is mysql-bin-changelog.%06d %d", 24, 373+c.next())})
	}
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
		// An Aurora cluster's automated backups cannot be turned off: at least one day.
		BackupRetentionPeriod: aws.Int32(1),
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
		return nil, c.failed("DescribeDBClusters", &types.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", id))})
	}
	settle(&cl.status, &cl.settle, "available")
	return &rds.DescribeDBClustersOutput{DBClusters: []types.DBCluster{r.clusterOut(cl)}}, c.crashed("DescribeDBClusters")
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
		SnapshotType:                aws.String(s.snapshotType()),
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
	if !describable(s, p.SnapshotType) {
		return nil, c.failed("DescribeDBClusterSnapshots", &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", id))})
	}
	c.advance(s)
	return &rds.DescribeDBClusterSnapshotsOutput{DBClusterSnapshots: []types.DBClusterSnapshot{r.clusterSnapshotOut(s)}}, c.crashed("DescribeDBClusterSnapshots")
}

// CreateDBClusterSnapshot starts a snapshot of an available cluster.
func (r *RDS) CreateDBClusterSnapshot(_ context.Context, p *rds.CreateDBClusterSnapshotInput, _ ...func(*rds.Options)) (*rds.CreateDBClusterSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateDBClusterSnapshot")
	cid, sid := aws.ToString(p.DBClusterIdentifier), aws.ToString(p.DBClusterSnapshotIdentifier)
	if err := checkIdentifier("DBClusterSnapshotIdentifier", sid, 63); err != nil {
		return nil, err
	}
	cl := c.clusters[r.region+"/"+cid]
	switch {
	case cl == nil:
		// DBClusterIdentifier: "Must match the identifier of an existing DBCluster."
		return nil, &types.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", cid))}
	case cl.status != "available":
		// InvalidDBClusterStateFault: "The requested operation can't be performed while the
		// cluster is in this state."
		return nil, &types.InvalidDBClusterStateFault{Message: aws.String(fmt.Sprintf("DBCluster %s is %s.", cid, cl.status))}
	case c.snapshots[r.region+"/"+sid] != nil:
		return nil, &types.DBClusterSnapshotAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB cluster snapshot %s already exists.", sid))}
	}
	s := &snapshot{region: r.region, id: sid, source: cid, engine: cl.engine, clusterSnap: true, status: "creating", encrypted: cl.encrypted,
		key: cl.key, tags: rdsTagsIn(p.Tags), settle: c.settle, fail: c.failSnaps[sid], created: time.Now().UTC()}
	c.snapshots[r.region+"/"+sid] = s
	return &rds.CreateDBClusterSnapshotOutput{DBClusterSnapshot: ptr(r.clusterSnapshotOut(s))}, c.crashed("CreateDBClusterSnapshot")
}

// CopyDBClusterSnapshot copies a DB cluster snapshot; see copySnapshot for what it refuses.
func (r *RDS) CopyDBClusterSnapshot(_ context.Context, p *rds.CopyDBClusterSnapshotInput, _ ...func(*rds.Options)) (*rds.CopyDBClusterSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CopyDBClusterSnapshot")
	cp, err := r.copySnapshot("CopyDBClusterSnapshot", aws.ToString(p.SourceDBClusterSnapshotIdentifier), aws.ToString(p.TargetDBClusterSnapshotIdentifier),
		aws.ToString(p.KmsKeyId), p.Tags, true)
	if err != nil {
		return nil, err
	}
	return &rds.CopyDBClusterSnapshotOutput{DBClusterSnapshot: ptr(r.clusterSnapshotOut(cp))}, c.crashed("CopyDBClusterSnapshot")
}

// clusterEngines are the engines a cluster can be restored with from a snapshot of each
// engine.
var clusterEngines = map[string][]string{
	"mysql":             {"aurora-mysql", "mysql"},
	"postgres":          {"aurora-postgresql", "postgres"},
	"aurora-mysql":      {"aurora-mysql"},
	"aurora-postgresql": {"aurora-postgresql"},
}

// RestoreDBClusterFromSnapshot creates a cluster from a DB cluster snapshot, or from a DB
// snapshot named by ARN (MySQL -> Aurora MySQL), encrypted with KmsKeyId when given.
func (r *RDS) RestoreDBClusterFromSnapshot(_ context.Context, p *rds.RestoreDBClusterFromSnapshotInput, _ ...func(*rds.Options)) (*rds.RestoreDBClusterFromSnapshotOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("RestoreDBClusterFromSnapshot")
	sid, cid, engine := aws.ToString(p.SnapshotIdentifier), aws.ToString(p.DBClusterIdentifier), aws.ToString(p.Engine)
	if err := checkIdentifier("DBClusterIdentifier", cid, 63); err != nil {
		return nil, err
	}
	// SnapshotIdentifier: "You can use either the name or the Amazon Resource Name (ARN) to
	// specify a DB cluster snapshot. However, you can use only the ARN to specify a DB
	// snapshot." A DB snapshot named by its identifier is not found.
	s := c.lookupSnapshot(r.region, sid, true)
	if _, kind, _, ok := parseARN(sid); s == nil && ok && kind == "snapshot" {
		s = c.lookupSnapshot(r.region, sid, false)
	}
	switch {
	case s == nil:
		return nil, &types.DBClusterSnapshotNotFoundFault{Message: aws.String(fmt.Sprintf("DBClusterSnapshot %s not found.", sid))}
	case engine == "":
		// Engine: "This member is required." (The SDK checks it before sending.)
		return nil, apiErr("InvalidParameterValue", "Engine is required")
	case !slices.Contains(clusterEngines[s.engine], engine):
		// Engine: "Constraint: Must be compatible with the engine of the source". The
		// reference names no error code; the fake answers InvalidParameterCombination.
		return nil, apiErr("InvalidParameterCombination", "engine %s is not compatible with the snapshot's engine %s", engine, s.engine)
	case s.status != "available":
		// InvalidDBClusterSnapshotStateFault: "The supplied value isn't a valid DB cluster
		// snapshot state."
		return nil, &types.InvalidDBClusterSnapshotStateFault{Message: aws.String(fmt.Sprintf("Snapshot %s is %s.", sid, s.status))}
	case c.clusters[r.region+"/"+cid] != nil:
		return nil, &types.DBClusterAlreadyExistsFault{Message: aws.String(fmt.Sprintf("DB cluster %s already exists.", cid))}
	}
	// KmsKeyId: "When you don't specify a value for the KmsKeyId parameter, then the following
	// occurs: If the DB snapshot or DB cluster snapshot in SnapshotIdentifier is encrypted, then
	// the restored DB cluster is encrypted using the KMS key that was used to encrypt the DB
	// snapshot or DB cluster snapshot. If the DB snapshot or DB cluster snapshot in
	// SnapshotIdentifier isn't encrypted, then the restored DB cluster isn't encrypted."
	cl := &cluster{region: r.region, id: cid, engine: engine, status: "creating", encrypted: s.encrypted, key: s.key,
		tags: rdsTagsIn(p.Tags), settle: c.settle}
	if ref := aws.ToString(p.KmsKeyId); ref != "" {
		// With a key, the cluster is encrypted with it, whether the snapshot was or not. The
		// Aurora User Guide, Limitations of Amazon Aurora encrypted DB clusters: "you can
		// restore an unencrypted Aurora DB cluster snapshot to an encrypted Aurora DB cluster.
		// To do this, specify a KMS encryption key when you restore from the unencrypted DB
		// cluster snapshot."
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

// CreateDBInstance creates an instance in a cluster (the only kind the runbook creates); it is
// encrypted as its cluster is.
func (r *RDS) CreateDBInstance(_ context.Context, p *rds.CreateDBInstanceInput, _ ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateDBInstance")
	iid, cid := aws.ToString(p.DBInstanceIdentifier), aws.ToString(p.DBClusterIdentifier)
	if err := checkIdentifier("DBInstanceIdentifier", iid, 63); err != nil {
		return nil, err
	}
	cl := c.clusters[r.region+"/"+cid]
	switch {
	case cl == nil:
		return nil, &types.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", cid))}
	case aws.ToString(p.DBInstanceClass) == "":
		// DBInstanceClass: "This member is required." (The SDK checks it before sending.)
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
