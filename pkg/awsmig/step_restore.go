package awsmig

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

var restoreStep = &stepDef{
	name: StepRestore,
	summary: func(s *Spec, n Names) string {
		if s.targetIsCluster() {
			return fmt.Sprintf("restore cluster %s from %s in %s, encrypted with the KMS key, create instance %s in it, wait until both are available and check they are encrypted", s.Target.Cluster, restoreSnapshotName(s, n), s.Target.Region, s.Target.Instance)
		}
		return fmt.Sprintf("restore instance %s from %s in %s, wait until it is available and check it is encrypted", s.Target.Instance, n.EncryptedSnapshot, s.Target.Region)
	},
	calls: func(s *Spec, n Names) []string {
		opt := restoreOptionsText(s)
		if s.targetIsCluster() {
			snap := restoreSnapshotName(s, n)
			if !s.sourceIsCluster() {
				snap = "<ARN of " + snap + ">"
			}
			engine := s.Target.Engine
			if engine == "" {
				engine = "<the source's engine>"
			}
			return []string{
				"rds:DescribeDBClusters DBClusterIdentifier=" + s.Target.Cluster,
				fmt.Sprintf("rds:RestoreDBClusterFromSnapshot DBClusterIdentifier=%s SnapshotIdentifier=%s Engine=%s KmsKeyId=<ARN of %s>%s Tags=%s", s.Target.Cluster, snap, engine, s.Target.KMSKey, opt, tagText(s, StepRestore)),
				"wait rds:DBClusterAvailable " + waitText(s, s.Wait.ResourceTimeout),
				"rds:DescribeDBInstances DBInstanceIdentifier=" + s.Target.Instance,
				fmt.Sprintf("rds:CreateDBInstance DBInstanceIdentifier=%s DBClusterIdentifier=%s DBInstanceClass=%s Tags=%s", s.Target.Instance, s.Target.Cluster, classText(s), tagText(s, StepRestore)),
				"wait rds:DBInstanceAvailable " + waitText(s, s.Wait.ResourceTimeout),
			}
		}
		return []string{
			"rds:DescribeDBInstances DBInstanceIdentifier=" + s.Target.Instance,
			fmt.Sprintf("rds:RestoreDBInstanceFromDBSnapshot DBInstanceIdentifier=%s DBSnapshotIdentifier=%s DBInstanceClass=%s%s Tags=%s", s.Target.Instance, n.EncryptedSnapshot, classText(s), opt, tagText(s, StepRestore)),
			"wait rds:DBInstanceAvailable " + waitText(s, s.Wait.ResourceTimeout),
		}
	},
	run: func(ctx context.Context, r *Runner) (string, error) {
		if r.spec.targetIsCluster() {
			return restoreCluster(ctx, r, r.cl.TargetRDS)
		}
		return restoreInstance(ctx, r, r.cl.TargetRDS)
	},
}

// restoreInstance makes sure the target instance exists, restored from the encrypted copy, is
// available and is encrypted with the checked key; it records its address.
func restoreInstance(ctx context.Context, r *Runner, api instanceRestoreAPI) (string, error) {
	s, id := r.spec, r.spec.Target.Instance
	st := r.State()
	key := st.Resources.KMSKeyARN
	db, err := describeInstance(ctx, api, id)
	if err != nil {
		return "", &StepError{StepRestore, id, err}
	}
	switch {
	case db == nil:
		in := &rds.RestoreDBInstanceFromDBSnapshotInput{
			DBInstanceIdentifier: aws.String(id),
			DBSnapshotIdentifier: aws.String(r.names.EncryptedSnapshot),
			Tags:                 rdsTags(s.tags(StepRestore)),
			VpcSecurityGroupIds:  s.Target.SecurityGroups,
		}
		if class := targetClass(s, st); class != "" {
			in.DBInstanceClass = aws.String(class)
		}
		if s.Target.SubnetGroup != "" {
			in.DBSubnetGroupName = aws.String(s.Target.SubnetGroup)
		}
		if s.Target.ParameterGroup != "" {
			in.DBParameterGroupName = aws.String(s.Target.ParameterGroup)
		}
		r.progressf(StepRestore, "%s: restoring from %s", id, r.names.EncryptedSnapshot)
		if _, err := api.RestoreDBInstanceFromDBSnapshot(ctx, in); err != nil {
			return "", &StepError{StepRestore, id, called("RestoreDBInstanceFromDBSnapshot", err)}
		}
	case !ownedBy(db.TagList, s.Name):
		return "", &StepError{StepRestore, id, notOurs("DB instance")}
	case isFailed(aws.ToString(db.DBInstanceStatus)):
		return "", &StepError{StepRestore, id, &terminalStatus{status: aws.ToString(db.DBInstanceStatus)}}
	default:
		r.progressf(StepRestore, "%s: found, %s (restored by an earlier run)", id, aws.ToString(db.DBInstanceStatus))
	}
	if db, err = waitInstance(ctx, r, api, id); err != nil {
		return "", err
	}
	if !aws.ToBool(db.StorageEncrypted) || aws.ToString(db.KmsKeyId) != key {
		return "", &StepError{StepRestore, id, fmt.Errorf("is available but not encrypted with %s (encrypted=%t, key %q)", key, aws.ToBool(db.StorageEncrypted), aws.ToString(db.KmsKeyId))}
	}
	addr, port := "", int32(0)
	if db.Endpoint != nil {
		addr, port = aws.ToString(db.Endpoint.Address), aws.ToInt32(db.Endpoint.Port)
	}
	if err := r.record(func(st *State) { st.Resources.TargetAddress, st.Resources.TargetPort = addr, port }); err != nil {
		return "", err
	}
	return fmt.Sprintf("instance %s available at %s:%d, encrypted with %s", id, addr, port, key), nil
}

// restoreCluster makes sure the target cluster exists, restored from the encrypted copy, with
// the target instance in it, both available and encrypted; it records the writer's address.
func restoreCluster(ctx context.Context, r *Runner, api clusterRestoreAPI) (string, error) {
	s, cid, iid := r.spec, r.spec.Target.Cluster, r.spec.Target.Instance
	st := r.State()
	key := st.Resources.KMSKeyARN
	c, err := describeCluster(ctx, api, cid)
	if err != nil {
		return "", &StepError{StepRestore, cid, err}
	}
	switch {
	case c == nil:
		snap := restoreSnapshotName(s, r.names)
		if !s.sourceIsCluster() {
			// An instance snapshot restored as a cluster (MySQL -> Aurora MySQL) is named by ARN.
			if snap = st.Resources.EncryptedSnapshotARN; snap == "" {
				return "", &StepError{StepRestore, cid, fmt.Errorf("no encrypted snapshot ARN recorded: run the %s step first", StepCopy)}
			}
		}
		engine := s.Target.Engine
		if engine == "" {
			engine = st.Resources.SourceEngine
		}
		// Why KmsKeyId here: this is where an Aurora cluster gets encrypted. A cluster snapshot
		// cannot be encrypted by copying it, but RDS restores an unencrypted one into a cluster
		// encrypted with the key given here.
		in := &rds.RestoreDBClusterFromSnapshotInput{
			DBClusterIdentifier: aws.String(cid), SnapshotIdentifier: aws.String(snap), Engine: aws.String(engine),
			KmsKeyId: aws.String(key), Tags: rdsTags(s.tags(StepRestore)), VpcSecurityGroupIds: s.Target.SecurityGroups,
		}
		if s.Target.SubnetGroup != "" {
			in.DBSubnetGroupName = aws.String(s.Target.SubnetGroup)
		}
		r.progressf(StepRestore, "%s: restoring cluster from %s, encrypted with %s", cid, restoreSnapshotName(s, r.names), key)
		if _, err := api.RestoreDBClusterFromSnapshot(ctx, in); err != nil {
			return "", &StepError{StepRestore, cid, called("RestoreDBClusterFromSnapshot", err)}
		}
	case !ownedBy(c.TagList, s.Name):
		return "", &StepError{StepRestore, cid, notOurs("DB cluster")}
	case isFailed(aws.ToString(c.Status)):
		return "", &StepError{StepRestore, cid, &terminalStatus{status: aws.ToString(c.Status)}}
	default:
		r.progressf(StepRestore, "%s: found, %s (restored by an earlier run)", cid, aws.ToString(c.Status))
	}
	if c, err = waitCluster(ctx, r, api, cid); err != nil {
		return "", err
	}

	db, err := describeInstance(ctx, api, iid)
	if err != nil {
		return "", &StepError{StepRestore, iid, err}
	}
	switch {
	case db == nil:
		class := targetClass(s, st)
		if class == "" {
			return "", &StepError{StepRestore, iid, fmt.Errorf("no instance class: set target.instance_class")}
		}
		in := &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(iid), DBClusterIdentifier: aws.String(cid), Engine: c.Engine,
			DBInstanceClass: aws.String(class), Tags: rdsTags(s.tags(StepRestore)),
		}
		if s.Target.ParameterGroup != "" {
			in.DBParameterGroupName = aws.String(s.Target.ParameterGroup)
		}
		r.progressf(StepRestore, "%s: creating instance in cluster %s", iid, cid)
		if _, err := api.CreateDBInstance(ctx, in); err != nil {
			return "", &StepError{StepRestore, iid, called("CreateDBInstance", err)}
		}
	case !ownedBy(db.TagList, s.Name):
		return "", &StepError{StepRestore, iid, notOurs("DB instance")}
	case aws.ToString(db.DBClusterIdentifier) != cid:
		return "", &StepError{StepRestore, iid, fmt.Errorf("exists outside cluster %s", cid)}
	}
	if _, err = waitInstance(ctx, r, api, iid); err != nil {
		return "", err
	}
	if !aws.ToBool(c.StorageEncrypted) || aws.ToString(c.KmsKeyId) != key {
		return "", &StepError{StepRestore, cid, fmt.Errorf("is available but not encrypted with %s (encrypted=%t, key %q)", key, aws.ToBool(c.StorageEncrypted), aws.ToString(c.KmsKeyId))}
	}
	addr, port := aws.ToString(c.Endpoint), aws.ToInt32(c.Port)
	if err := r.record(func(st *State) { st.Resources.TargetAddress, st.Resources.TargetPort = addr, port }); err != nil {
		return "", err
	}
	return fmt.Sprintf("cluster %s with instance %s available at %s:%d, encrypted with %s", cid, iid, addr, port, key), nil
}

// restoreSnapshotName is the snapshot the restore step restores from: the encrypted copy of an
// instance snapshot; an Aurora cluster snapshot as the snapshot step left it, or, across
// regions, its copy in the target's region.
func restoreSnapshotName(s *Spec, n Names) string {
	switch {
	case !s.sourceIsCluster():
		return n.EncryptedSnapshot
	case s.crossRegion():
		return n.RegionCopy
	}
	return n.SourceSnapshot
}

// targetClass is the target's instance class: the spec's, else the source's.
func targetClass(s *Spec, st State) string {
	if s.Target.InstanceClass != "" {
		return s.Target.InstanceClass
	}
	return st.Resources.SourceClass
}

// waitInstance waits for a DB instance to be available.
func waitInstance(ctx context.Context, r *Runner, api rds.DescribeDBInstancesAPIClient, id string) (*rdstypes.DBInstance, error) {
	t := &tracker{r: r, step: StepRestore}
	w := rds.NewDBInstanceAvailableWaiter(api, func(o *rds.DBInstanceAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = r.poll(), r.poll()
		next := o.Retryable
		o.Retryable = func(ctx context.Context, in *rds.DescribeDBInstancesInput, out *rds.DescribeDBInstancesOutput, err error) (bool, error) {
			if err == nil && len(out.DBInstances) > 0 {
				t.saw(id, aws.ToString(out.DBInstances[0].DBInstanceStatus), "")
			}
			return next(ctx, in, out, err)
		}
	})
	out, err := w.WaitForOutput(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}, r.spec.Wait.ResourceTimeout)
	if err != nil {
		return nil, t.failed(ctx, id, r.spec.Wait.ResourceTimeout, "wait.resource_timeout", err)
	}
	return &out.DBInstances[0], nil
}

// waitCluster waits for a DB cluster to be available.
func waitCluster(ctx context.Context, r *Runner, api rds.DescribeDBClustersAPIClient, id string) (*rdstypes.DBCluster, error) {
	t := &tracker{r: r, step: StepRestore}
	w := rds.NewDBClusterAvailableWaiter(api, func(o *rds.DBClusterAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = r.poll(), r.poll()
		next := o.Retryable
		o.Retryable = func(ctx context.Context, in *rds.DescribeDBClustersInput, out *rds.DescribeDBClustersOutput, err error) (bool, error) {
			if err == nil && len(out.DBClusters) > 0 {
				t.saw(id, aws.ToString(out.DBClusters[0].Status), "")
			}
			return next(ctx, in, out, err)
		}
	})
	out, err := w.WaitForOutput(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)}, r.spec.Wait.ResourceTimeout)
	if err != nil {
		return nil, t.failed(ctx, id, r.spec.Wait.ResourceTimeout, "wait.resource_timeout", err)
	}
	return &out.DBClusters[0], nil
}
