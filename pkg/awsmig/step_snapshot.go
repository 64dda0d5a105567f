package awsmig

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

var snapshotStep = &stepDef{
	name: StepSnapshot,
	summary: func(s *Spec, n Names) string {
		if s.Source.Snapshot != "" {
			return fmt.Sprintf("reuse snapshot %s of %s (it must be available)", n.SourceSnapshot, s.sourceName())
		}
		return fmt.Sprintf("take snapshot %s of %s in %s and wait until it is available", n.SourceSnapshot, s.sourceName(), s.Region)
	},
	calls: func(s *Spec, n Names) []string {
		if s.sourceIsCluster() {
			c := []string{
				"rds:DescribeDBClusters DBClusterIdentifier=" + s.Source.Cluster,
				"rds:DescribeDBClusterSnapshots DBClusterSnapshotIdentifier=" + n.SourceSnapshot,
			}
			if s.Source.Snapshot == "" {
				c = append(c, fmt.Sprintf("rds:CreateDBClusterSnapshot DBClusterIdentifier=%s DBClusterSnapshotIdentifier=%s Tags=%s", s.Source.Cluster, n.SourceSnapshot, tagText(s, StepSnapshot)),
					"wait rds:DBClusterSnapshotAvailable "+waitText(s, s.Wait.ResourceTimeout))
			}
			return c
		}
		c := []string{
			"rds:DescribeDBInstances DBInstanceIdentifier=" + s.Source.Instance,
			"rds:DescribeDBSnapshots DBSnapshotIdentifier=" + n.SourceSnapshot,
		}
		if s.Source.Snapshot == "" {
			c = append(c, fmt.Sprintf("rds:CreateDBSnapshot DBInstanceIdentifier=%s DBSnapshotIdentifier=%s Tags=%s", s.Source.Instance, n.SourceSnapshot, tagText(s, StepSnapshot)),
				"wait rds:DBSnapshotAvailable "+waitText(s, s.Wait.ResourceTimeout))
		}
		return c
	},
	run: func(ctx context.Context, r *Runner) (string, error) {
		if r.spec.sourceIsCluster() {
			return takeSnapshot(ctx, r, clusterSnapshots(r, r.cl.SourceRDS), clusterSource(r.cl.SourceRDS))
		}
		return takeSnapshot(ctx, r, instanceSnapshots(r, r.cl.SourceRDS), instanceSource(r.cl.SourceRDS))
	},
}

var copyStep = &stepDef{
	name: StepCopy,
	summary: func(s *Spec, n Names) string {
		switch {
		case s.sourceIsCluster():
			// Only cross-region specs have this step for a cluster (see copiesSnapshot).
			return fmt.Sprintf("copy cluster snapshot %s from %s to %s as %s, as it is (RDS cannot encrypt a cluster snapshot by copying it; the restore encrypts the cluster with the key of %s)", n.SourceSnapshot, s.Region, s.Target.Region, n.RegionCopy, s.Target.Region)
		case s.crossRegion():
			return fmt.Sprintf("copy %s from %s to %s as %s, encrypted with the KMS key of %s", n.SourceSnapshot, s.Region, s.Target.Region, n.EncryptedSnapshot, s.Target.Region)
		}
		return fmt.Sprintf("copy %s as %s, encrypted with the KMS key", n.SourceSnapshot, n.EncryptedSnapshot)
	},
	calls: func(s *Spec, n Names) []string {
		src, region := n.SourceSnapshot, ""
		if s.crossRegion() {
			src, region = "<ARN of "+n.SourceSnapshot+">", " SourceRegion="+s.Region
		}
		if s.sourceIsCluster() {
			return []string{
				fmt.Sprintf("rds:DescribeDBClusterSnapshots DBClusterSnapshotIdentifier=%s (%s: is it encrypted?)", n.SourceSnapshot, s.Region),
				fmt.Sprintf("rds:DescribeDBClusterSnapshots DBClusterSnapshotIdentifier=%s (%s)", n.RegionCopy, s.Target.Region),
				fmt.Sprintf("rds:CopyDBClusterSnapshot SourceDBClusterSnapshotIdentifier=%s TargetDBClusterSnapshotIdentifier=%s Tags=%s (%s); no KmsKeyId: RDS refuses one for an unencrypted cluster snapshot", src, n.RegionCopy, tagText(s, StepCopy), s.Target.Region),
				fmt.Sprintf("  (an encrypted source snapshot needs KmsKeyId=<ARN of %s>%s across regions)", s.Target.KMSKey, region),
				"wait rds:DBClusterSnapshotAvailable " + waitText(s, s.Wait.ResourceTimeout),
			}
		}
		return []string{
			fmt.Sprintf("rds:DescribeDBSnapshots DBSnapshotIdentifier=%s (%s)", n.EncryptedSnapshot, s.Target.Region),
			fmt.Sprintf("rds:CopyDBSnapshot SourceDBSnapshotIdentifier=%s TargetDBSnapshotIdentifier=%s KmsKeyId=<ARN of %s>%s Tags=%s (%s)", src, n.EncryptedSnapshot, s.Target.KMSKey, region, tagText(s, StepCopy), s.Target.Region),
			"wait rds:DBSnapshotAvailable " + waitText(s, s.Wait.ResourceTimeout),
		}
	},
	run: func(ctx context.Context, r *Runner) (string, error) {
		if r.spec.sourceIsCluster() {
			return copyClusterToRegion(ctx, r)
		}
		return copySnapshot(ctx, r, instanceSnapshots(r, r.cl.TargetRDS), copyInstanceSnapshot(r.cl.TargetRDS), r.names.EncryptedSnapshot, r.State().Resources.KMSKeyARN)
	},
}

// sourceName says what the source is, for messages.
func (s *Spec) sourceName() string {
	if s.sourceIsCluster() {
		return "cluster " + s.Source.Cluster
	}
	return "instance " + s.Source.Instance
}

// snapInfo is what the steps need of a DB snapshot or a DB cluster snapshot.
type snapInfo struct {
	id, arn, status string
	percent         int32
	source          string // the instance or cluster it was taken of
	encrypted       bool
	key             string // KMS key ARN
	owned           bool   // tagged by this migration
}

// snapshots reads and waits for one kind of snapshot (instance or cluster).
type snapshots struct {
	kind     string // for messages
	describe func(ctx context.Context, id string) (*snapInfo, error)
	wait     func(ctx context.Context, step, id string) (*snapInfo, error)
}

func instanceSnapshotInfo(s *rdstypes.DBSnapshot, migration string) *snapInfo {
	return &snapInfo{
		id: aws.ToString(s.DBSnapshotIdentifier), arn: aws.ToString(s.DBSnapshotArn), status: aws.ToString(s.Status),
		percent: aws.ToInt32(s.PercentProgress), source: aws.ToString(s.DBInstanceIdentifier),
		encrypted: aws.ToBool(s.Encrypted), key: aws.ToString(s.KmsKeyId), owned: ownedBy(s.TagList, migration),
	}
}

func clusterSnapshotInfo(s *rdstypes.DBClusterSnapshot, migration string) *snapInfo {
	return &snapInfo{
		id: aws.ToString(s.DBClusterSnapshotIdentifier), arn: aws.ToString(s.DBClusterSnapshotArn), status: aws.ToString(s.Status),
		percent: aws.ToInt32(s.PercentProgress), source: aws.ToString(s.DBClusterIdentifier),
		encrypted: aws.ToBool(s.StorageEncrypted), key: aws.ToString(s.KmsKeyId), owned: ownedBy(s.TagList, migration),
	}
}

// instanceSnapshots reads DB snapshots.
func instanceSnapshots(r *Runner, api rds.DescribeDBSnapshotsAPIClient) snapshots {
	return snapshots{
		kind: "DB snapshot",
		describe: func(ctx context.Context, id string) (*snapInfo, error) {
			out, err := api.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(id), SnapshotType: snapshotType(id)})
			if notFound(err) || err == nil && len(out.DBSnapshots) == 0 {
				return nil, nil
			}
			if err != nil {
				return nil, called("DescribeDBSnapshots", err)
			}
			return instanceSnapshotInfo(&out.DBSnapshots[0], r.spec.Name), nil
		},
		wait: func(ctx context.Context, step, id string) (*snapInfo, error) {
			t := &tracker{r: r, step: step}
			w := rds.NewDBSnapshotAvailableWaiter(api, func(o *rds.DBSnapshotAvailableWaiterOptions) {
				o.MinDelay, o.MaxDelay = r.poll(), r.poll()
				next := o.Retryable
				o.Retryable = func(ctx context.Context, in *rds.DescribeDBSnapshotsInput, out *rds.DescribeDBSnapshotsOutput, err error) (bool, error) {
					if err == nil && len(out.DBSnapshots) > 0 {
						s := out.DBSnapshots[0]
						t.saw(id, aws.ToString(s.Status), percentText(s.PercentProgress))
					}
					return next(ctx, in, out, err)
				}
			})
			out, err := w.WaitForOutput(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(id)}, r.spec.Wait.ResourceTimeout)
			if err != nil {
				return nil, t.failed(ctx, id, r.spec.Wait.ResourceTimeout, "wait.resource_timeout", err)
			}
			return instanceSnapshotInfo(&out.DBSnapshots[0], r.spec.Name), nil
		},
	}
}

// clusterSnapshots reads DB cluster snapshots.
func clusterSnapshots(r *Runner, api rds.DescribeDBClusterSnapshotsAPIClient) snapshots {
	return snapshots{
		kind: "DB cluster snapshot",
		describe: func(ctx context.Context, id string) (*snapInfo, error) {
			out, err := api.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String(id), SnapshotType: snapshotType(id)})
			if notFound(err) || err == nil && len(out.DBClusterSnapshots) == 0 {
				return nil, nil
			}
			if err != nil {
				return nil, called("DescribeDBClusterSnapshots", err)
			}
			return clusterSnapshotInfo(&out.DBClusterSnapshots[0], r.spec.Name), nil
		},
		wait: func(ctx context.Context, step, id string) (*snapInfo, error) {
			t := &tracker{r: r, step: step}
			w := rds.NewDBClusterSnapshotAvailableWaiter(api, func(o *rds.DBClusterSnapshotAvailableWaiterOptions) {
				o.MinDelay, o.MaxDelay = r.poll(), r.poll()
				next := o.Retryable
				o.Retryable = func(ctx context.Context, in *rds.DescribeDBClusterSnapshotsInput, out *rds.DescribeDBClusterSnapshotsOutput, err error) (bool, error) {
					if err == nil && len(out.DBClusterSnapshots) > 0 {
						s := out.DBClusterSnapshots[0]
						t.saw(id, aws.ToString(s.Status), percentText(s.PercentProgress))
					}
					return next(ctx, in, out, err)
				}
			})
			out, err := w.WaitForOutput(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String(id)}, r.spec.Wait.ResourceTimeout)
			if err != nil {
				return nil, t.failed(ctx, id, r.spec.Wait.ResourceTimeout, "wait.resource_timeout", err)
			}
			return clusterSnapshotInfo(&out.DBClusterSnapshots[0], r.spec.Name), nil
		},
	}
}

// sourceDB describes the source database and snapshots it.
type sourceDB struct {
	describe func(ctx context.Context, id string) (status, engine, class string, found bool, err error)
	snapshot func(ctx context.Context, id, snapshot string, tags []tag) error
}

func instanceSource(api instanceSnapshotAPI) sourceDB {
	return sourceDB{
		describe: func(ctx context.Context, id string) (string, string, string, bool, error) {
			db, err := describeInstance(ctx, api, id)
			if err != nil || db == nil {
				return "", "", "", false, err
			}
			return aws.ToString(db.DBInstanceStatus), aws.ToString(db.Engine), aws.ToString(db.DBInstanceClass), true, nil
		},
		snapshot: func(ctx context.Context, id, snapshot string, tags []tag) error {
			_, err := api.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{
				DBInstanceIdentifier: aws.String(id), DBSnapshotIdentifier: aws.String(snapshot), Tags: rdsTags(tags),
			})
			return called("CreateDBSnapshot", err)
		},
	}
}

func clusterSource(api clusterSnapshotAPI) sourceDB {
	return sourceDB{
		describe: func(ctx context.Context, id string) (string, string, string, bool, error) {
			c, err := describeCluster(ctx, api, id)
			if err != nil || c == nil {
				return "", "", "", false, err
			}
			return aws.ToString(c.Status), aws.ToString(c.Engine), aws.ToString(c.DBClusterInstanceClass), true, nil
		},
		snapshot: func(ctx context.Context, id, snapshot string, tags []tag) error {
			_, err := api.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{
				DBClusterIdentifier: aws.String(id), DBClusterSnapshotIdentifier: aws.String(snapshot), Tags: rdsTags(tags),
			})
			return called("CreateDBClusterSnapshot", err)
		},
	}
}

// takeSnapshot makes sure a snapshot of the source is available: the one the spec names, or
// one it takes (or finds, taken by an earlier run).
func takeSnapshot(ctx context.Context, r *Runner, snaps snapshots, src sourceDB) (string, error) {
	s, id := r.spec, r.names.SourceSnapshot
	source := s.Source.Instance + s.Source.Cluster
	status, engine, class, found, err := src.describe(ctx, source)
	if err != nil {
		return "", &StepError{StepSnapshot, source, err}
	}
	if !found {
		return "", &StepError{StepSnapshot, source, fmt.Errorf("source %s not found in %s", s.sourceName(), s.Region)}
	}
	if err := r.record(func(st *State) { st.Resources.SourceEngine, st.Resources.SourceClass = engine, class }); err != nil {
		return "", err
	}
	fail := func(format string, args ...any) error {
		return &StepError{StepSnapshot, id, fmt.Errorf(format, args...)}
	}
	snap, err := snaps.describe(ctx, id)
	if err != nil {
		return "", &StepError{StepSnapshot, id, err}
	}
	reuse := s.Source.Snapshot != ""
	switch {
	case reuse && snap == nil:
		return "", fail("%s not found in %s (source.snapshot)", snaps.kind, s.Region)
	case reuse && snap.status != "available":
		return "", fail("is %s, not available: a reused snapshot must be available (source.snapshot)", snap.status)
	case reuse && snap.source != source:
		return "", fail("is a snapshot of %s, not of the source %s", snap.source, source)
	case reuse:
		r.progressf(StepSnapshot, "%s: reusing it (source.snapshot)", id)
	case snap == nil:
		if status != "available" {
			return "", &StepError{StepSnapshot, source, fmt.Errorf("source is %s; RDS snapshots an available database only", status)}
		}
		r.progressf(StepSnapshot, "%s: creating from %s", id, s.sourceName())
		if err := src.snapshot(ctx, source, id, s.tags(StepSnapshot)); err != nil {
			return "", &StepError{StepSnapshot, id, err}
		}
	case !snap.owned:
		return "", &StepError{StepSnapshot, id, notOurs(snaps.kind)}
	case snap.source != source:
		return "", fail("is a snapshot of %s, not of the source %s", snap.source, source)
	case isFailed(snap.status):
		return "", fail("ended in status %s; delete it and re-run to take a new one", snap.status)
	default:
		r.progressf(StepSnapshot, "%s: found, %s (taken by an earlier run)", id, snap.status)
	}
	if snap == nil || snap.status != "available" {
		if snap, err = snaps.wait(ctx, StepSnapshot, id); err != nil {
			return "", err
		}
	}
	if err := r.record(func(st *State) { st.Resources.SourceSnapshotARN = snap.arn }); err != nil {
		return "", err
	}
	enc := "unencrypted"
	if snap.encrypted {
		enc = "encrypted with " + snap.key
	}
	return fmt.Sprintf("%s available (%s of %s, %s)", id, engine, source, enc), nil
}

// copier starts a copy of a snapshot; key "" copies it without KmsKeyId.
type copier func(ctx context.Context, src, dst, key, sourceRegion string, tags []tag) error

func copyInstanceSnapshot(api snapshotCopyAPI) copier {
	return func(ctx context.Context, src, dst, key, sourceRegion string, tags []tag) error {
		in := &rds.CopyDBSnapshotInput{
			SourceDBSnapshotIdentifier: aws.String(src), TargetDBSnapshotIdentifier: aws.String(dst),
			KmsKeyId: aws.String(key), Tags: rdsTags(tags),
		}
		if sourceRegion != "" {
			// The SDK presigns the source-region request from SourceRegion.
			in.SourceRegion = aws.String(sourceRegion)
		}
		_, err := api.CopyDBSnapshot(ctx, in)
		return called("CopyDBSnapshot", err)
	}
}

func copyClusterSnapshot(api clusterSnapshotCopyAPI) copier {
	return func(ctx context.Context, src, dst, key, sourceRegion string, tags []tag) error {
		in := &rds.CopyDBClusterSnapshotInput{
			SourceDBClusterSnapshotIdentifier: aws.String(src), TargetDBClusterSnapshotIdentifier: aws.String(dst),
			Tags: rdsTags(tags),
		}
		if key != "" {
			in.KmsKeyId = aws.String(key)
		}
		if sourceRegion != "" {
			in.SourceRegion = aws.String(sourceRegion)
		}
		_, err := api.CopyDBClusterSnapshot(ctx, in)
		return called("CopyDBClusterSnapshot", err)
	}
}

// copyClusterToRegion copies the source cluster snapshot to the target's region (the step runs
// only for a cross-region move). An unencrypted snapshot is copied without KmsKeyId, which RDS
// would refuse; an encrypted one needs a key of the destination region, so it gets the spec's.
// Either way the restore step encrypts the cluster with the spec's key.
func copyClusterToRegion(ctx context.Context, r *Runner) (string, error) {
	src, err := clusterSnapshots(r, r.cl.SourceRDS).describe(ctx, r.names.SourceSnapshot)
	switch {
	case err != nil:
		return "", &StepError{StepCopy, r.names.SourceSnapshot, err}
	case src == nil:
		return "", &StepError{StepCopy, r.names.SourceSnapshot, fmt.Errorf("DB cluster snapshot not found in %s: run the %s step first", r.spec.Region, StepSnapshot)}
	}
	key := ""
	if src.encrypted {
		key = r.State().Resources.KMSKeyARN
	}
	return copySnapshot(ctx, r, clusterSnapshots(r, r.cl.TargetRDS), copyClusterSnapshot(r.cl.TargetRDS), r.names.RegionCopy, key)
}

// copySnapshot makes sure the copy id exists in the target's region, is available and is
// encrypted with key; key "" copies without KmsKeyId and wants an unencrypted copy (an Aurora
// cluster snapshot, encrypted later by the restore).
func copySnapshot(ctx context.Context, r *Runner, snaps snapshots, start copier, id, key string) (string, error) {
	s := r.spec
	st := r.State()
	if st.Resources.KMSKeyARN == "" {
		return "", &StepError{StepCopy, id, fmt.Errorf("no KMS key ARN recorded: run the %s step first", StepKMSKey)}
	}
	fail := func(format string, args ...any) error { return &StepError{StepCopy, id, fmt.Errorf(format, args...)} }
	snap, err := snaps.describe(ctx, id)
	if err != nil {
		return "", &StepError{StepCopy, id, err}
	}
	switch {
	case snap == nil:
		src, srcRegion := r.names.SourceSnapshot, ""
		if s.crossRegion() {
			// Another region's snapshot is named by its ARN.
			if src = st.Resources.SourceSnapshotARN; src == "" {
				return "", fail("no source snapshot ARN recorded: run the %s step first", StepSnapshot)
			}
			if key != "" {
				// Only an encrypted copy needs the presigned request the SDK makes from
				// SourceRegion (and RDS ignores it outside GovCloud).
				srcRegion = s.Region
			}
		}
		if key == "" {
			r.progressf(StepCopy, "%s: copying %s to %s (unencrypted: the restore encrypts the cluster)", id, r.names.SourceSnapshot, s.Target.Region)
		} else {
			r.progressf(StepCopy, "%s: copying %s with key %s", id, r.names.SourceSnapshot, key)
		}
		if err := start(ctx, src, id, key, srcRegion, s.tags(StepCopy)); err != nil {
			return "", &StepError{StepCopy, id, err}
		}
	case !snap.owned:
		return "", &StepError{StepCopy, id, notOurs(snaps.kind)}
	case wrongKey(snap, key, true):
		return "", fail("exists, encrypted with %s rather than %s: delete it and re-run", snap.key, keyText(key))
	case isFailed(snap.status):
		return "", fail("ended in status %s; delete it and re-run to copy again", snap.status)
	default:
		r.progressf(StepCopy, "%s: found, %s (started by an earlier run)", id, snap.status)
	}
	if snap == nil || snap.status != "available" {
		if snap, err = snaps.wait(ctx, StepCopy, id); err != nil {
			return "", err
		}
	}
	if wrongKey(snap, key, false) {
		return "", fail("is available but not encrypted with %s (encrypted=%t, key %q)", keyText(key), snap.encrypted, snap.key)
	}
	if err := r.record(func(st *State) {
		if s.sourceIsCluster() {
			st.Resources.SnapshotCopyARN = snap.arn
		} else {
			st.Resources.EncryptedSnapshotARN = snap.arn
		}
	}); err != nil {
		return "", err
	}
	if key == "" {
		return fmt.Sprintf("%s available in %s, unencrypted (the restore encrypts the cluster with %s)", id, s.Target.Region, st.Resources.KMSKeyARN), nil
	}
	return fmt.Sprintf("%s available in %s, encrypted with %s", id, s.Target.Region, key), nil
}

// wrongKey reports whether a copy is encrypted otherwise than with key: with another key, not
// at all, or, for key "", at all. A copy still in progress may not show its key yet. The key an
// unencrypted snapshot reports is not looked at (moto reports one).
func wrongKey(snap *snapInfo, key string, inProgress bool) bool {
	switch {
	case key == "":
		return snap.encrypted
	case inProgress:
		return snap.key != "" && snap.key != key
	}
	return !snap.encrypted || snap.key != key
}

// keyText names a KMS key for messages; "" is no key.
func keyText(key string) string {
	if key == "" {
		return "no key (unencrypted)"
	}
	return key
}

// automatedPrefix starts the identifiers RDS gives automated snapshots (rds:orders-2024-05-01-03-10).
const automatedPrefix = "rds:"

// snapshotType is the SnapshotType to describe a snapshot by identifier or ARN with: "automated"
// for an automated one, since the reference says of DescribeDB(Cluster)Snapshots "If this
// identifier is for an automated snapshot, the SnapshotType parameter must also be specified.";
// nil for a manual one.
func snapshotType(ref string) *string {
	if strings.HasPrefix(ref, "arn:") {
		if parts := strings.SplitN(ref, ":", 7); len(parts) == 7 {
			ref = parts[6]
		}
	}
	if strings.HasPrefix(ref, automatedPrefix) {
		return aws.String("automated")
	}
	return nil
}

// isFailed reports whether an RDS status is one a resource does not leave by itself.
func isFailed(status string) bool {
	switch status {
	case "failed", "deleted", "deleting", "incompatible-restore", "incompatible-parameters", "incompatible-network", "storage-full":
		return true
	}
	return false
}

// percentText formats a snapshot's progress.
func percentText(p *int32) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%d%%", *p)
}

// describeInstance returns a DB instance, or nil when there is none of that name.
func describeInstance(ctx context.Context, api rds.DescribeDBInstancesAPIClient, id string) (*rdstypes.DBInstance, error) {
	out, err := api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if notFound(err) || err == nil && len(out.DBInstances) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, called("DescribeDBInstances", err)
	}
	return &out.DBInstances[0], nil
}

// describeCluster returns a DB cluster, or nil when there is none of that name.
func describeCluster(ctx context.Context, api rds.DescribeDBClustersAPIClient, id string) (*rdstypes.DBCluster, error) {
	out, err := api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if notFound(err) || err == nil && len(out.DBClusters) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, called("DescribeDBClusters", err)
	}
	return &out.DBClusters[0], nil
}
