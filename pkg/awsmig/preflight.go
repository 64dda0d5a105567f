package awsmig

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/dbverify/dbverify/pkg/preflight"
)

// keyUseAPI proves the caller may use the KMS key: a dry-run data key.
type keyUseAPI interface {
	keyAPI
	GenerateDataKeyWithoutPlaintext(context.Context, *kms.GenerateDataKeyWithoutPlaintextInput, ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error)
}

// endpointAPI checks the DMS replication instance, the endpoints and their connections.
type endpointAPI interface {
	dms.DescribeReplicationInstancesAPIClient
	dms.DescribeReplicationTasksAPIClient
	dms.DescribeEndpointsAPIClient
	dms.DescribeConnectionsAPIClient
	TestConnection(context.Context, *dms.TestConnectionInput, ...func(*dms.Options)) (*dms.TestConnectionOutput, error)
}

// SourceCheck checks the source database for the migration (its change log settings, keys,
// LOBs): the command line implements it with package preflight/dbcheck; this package imports
// no database code.
type SourceCheck func(ctx context.Context) (preflight.Findings, error)

// PreflightOptions tune Preflight. Zero values mean the defaults.
type PreflightOptions struct {
	// Source checks the source database; nil leaves it unchecked. It runs only with a dms
	// section: without one there is no change data capture to prepare for.
	Source SourceCheck
	// Until is the step the run stops after ("" for all): the DSNs are required only when the
	// gate is among the steps that run.
	Until string
	// ConnectionWait bounds the wait for DMS's connection tests; 0 means 5 minutes.
	ConnectionWait time.Duration
	Progress       func(string) // nil discards
}

// preflightCalls are the AWS calls Preflight may make, for the plan.
func preflightCalls(s *Spec, n Names) []string {
	calls := []string{
		fmt.Sprintf("kms:DescribeKey KeyId=%s (%s)", s.Target.KMSKey, s.Target.Region),
		fmt.Sprintf("kms:GenerateDataKeyWithoutPlaintext KeyId=%s KeySpec=AES_256 DryRun=true (proves the caller may use the key; makes no data key)", s.Target.KMSKey),
	}
	if s.sourceIsCluster() {
		calls = append(calls, fmt.Sprintf("rds:DescribeDBClusters DBClusterIdentifier=%s (%s): it exists", s.Source.Cluster, s.Region))
	} else {
		calls = append(calls, fmt.Sprintf("rds:DescribeDBInstances DBInstanceIdentifier=%s (%s): it exists, BackupRetentionPeriod > 0", s.Source.Instance, s.Region))
	}
	param := map[string]string{"DescribeDBSnapshots": "DBSnapshotIdentifier", "DescribeDBClusterSnapshots": "DBClusterSnapshotIdentifier",
		"DescribeDBClusters": "DBClusterIdentifier", "DescribeDBInstances": "DBInstanceIdentifier"}
	for _, c := range createdNames(s, n) {
		calls = append(calls, fmt.Sprintf("rds:%s %s=%s (%s): the name is free, or tagged %s=%s", c.describe, param[c.describe], c.id, c.region, TagMigration, s.Name))
	}
	if s.DMS != nil {
		calls = append(calls, "dms:DescribeReplicationTasks Filter replication-task-id="+n.Task+": the name is free, or the task is this spec's")
		if s.DMS.Create == nil {
			calls = append(calls,
				"dms:DescribeReplicationInstances Filter replication-instance-arn="+s.DMS.ReplicationInstanceARN+": available",
				"dms:DescribeEndpoints Filter endpoint-arn=<source and target endpoint>: they exist",
				"dms:DescribeConnections Filter endpoint-arn, replication-instance-arn: the last connection test succeeded",
				"dms:TestConnection (only for an endpoint never tested, or whose test is gone), then dms:DescribeConnections until it ends")
		} else {
			calls = append(calls, "(dms.create: the run creates the replication instance and endpoints, so none is checked here)")
		}
		calls = append(calls, "the source database (read-only): binary log / WAL settings, keys, LOB lengths in limited LOB mode")
	}
	return calls
}

// createdName is a resource the run creates, by name.
type createdName struct {
	kind, describe, id, region string
	arn                        func(Resources) string // the ARN the state records for it; nil: none
}

// createdNames lists the RDS resources the runbook will create.
func createdNames(s *Spec, n Names) []createdName {
	var out []createdName
	if s.Source.Snapshot == "" {
		if s.sourceIsCluster() {
			out = append(out, createdName{"DB cluster snapshot", "DescribeDBClusterSnapshots", n.SourceSnapshot, s.Region, func(r Resources) string { return r.SourceSnapshotARN }})
		} else {
			out = append(out, createdName{"DB snapshot", "DescribeDBSnapshots", n.SourceSnapshot, s.Region, func(r Resources) string { return r.SourceSnapshotARN }})
		}
	}
	switch {
	case s.copiesSnapshot() && !s.sourceIsCluster():
		out = append(out, createdName{"DB snapshot", "DescribeDBSnapshots", n.EncryptedSnapshot, s.Target.Region, func(r Resources) string { return r.EncryptedSnapshotARN }})
	case s.copiesSnapshot():
		out = append(out, createdName{"DB cluster snapshot", "DescribeDBClusterSnapshots", n.RegionCopy, s.Target.Region, func(r Resources) string { return r.SnapshotCopyARN }})
	}
	if s.targetIsCluster() {
		out = append(out, createdName{"DB cluster", "DescribeDBClusters", s.Target.Cluster, s.Target.Region, nil})
	}
	out = append(out, createdName{"DB instance", "DescribeDBInstances", s.Target.Instance, s.Target.Region, nil})
	return out
}

// prechecker is one Preflight run.
type prechecker struct {
	s    *Spec
	n    Names
	cl   Clients
	st   State
	opt  PreflightOptions
	out  preflight.Findings
	poll time.Duration
}

func (p *prechecker) add(sev preflight.Severity, where, what, cause, fix string) {
	p.out = append(p.out, preflight.Finding{Severity: sev, Where: where, What: what, Cause: oneLine(cause), Fix: fix})
}

// Preflight checks, before anything is created, everything a run of the spec needs, and lists
// every problem it finds: the DSNs the gate needs, the KMS key (enabled, symmetric, in the
// target's region, usable by the caller), the source (it exists; a MySQL source has automated
// backups, which turn its binary log on), the names the run will create (free, or this
// migration's), the DMS replication instance (available) and endpoints (they exist and their
// last connection test succeeded: a test is run when there is none), and the source database
// through opt.Source. st is the state so far (nil: none), so that what this migration made is
// not a name taken.
//
// It creates nothing: it calls Describe operations, a dry-run GenerateDataKeyWithoutPlaintext,
// and TestConnection, which only records a connection test. The error is for a preflight that
// could not run at all (ctx ended); a check that could not run is an Unchecked finding.
func Preflight(ctx context.Context, s *Spec, cl Clients, st *State, opt PreflightOptions) (preflight.Findings, error) {
	p := &prechecker{s: s, n: s.Names(), cl: cl, opt: opt, poll: min(s.Wait.Poll, 5*time.Second)}
	if st != nil {
		p.st = *st
	}
	if p.opt.ConnectionWait <= 0 {
		p.opt.ConnectionWait = 5 * time.Minute
	}
	if p.opt.Progress == nil {
		p.opt.Progress = func(string) {}
	}
	p.dsns()
	if cl.KMS != nil {
		p.key(ctx)
	}
	if cl.SourceRDS != nil {
		p.source(ctx)
	}
	if cl.SourceRDS != nil && cl.TargetRDS != nil {
		p.names(ctx)
	}
	if s.DMS != nil && cl.DMS != nil {
		p.dms(ctx)
	}
	if s.DMS != nil && opt.Source != nil && s.Source.DSN == "" && !p.gateRuns() {
		p.add(preflight.Warning, "source database", "", "not checked: no source.dsn", "set source.dsn so that its binary log or WAL settings, keys and LOBs are checked")
	}
	if s.DMS != nil && opt.Source != nil && s.Source.DSN != "" {
		p.opt.Progress("checking the source database")
		found, err := opt.Source(ctx)
		p.out = append(p.out, found...)
		if err != nil && ctx.Err() == nil {
			p.add(preflight.Unchecked, "source database", "", "could not check: "+err.Error(), "")
		}
	}
	return p.out, ctx.Err()
}

// gateRuns reports whether the run reaches the gate.
func (p *prechecker) gateRuns() bool {
	if p.opt.Until == "" {
		return true
	}
	names := StepNames(p.s)
	return slices.Index(names, p.opt.Until) >= slices.Index(names, StepGate)
}

func (p *prechecker) dsns() {
	if !p.gateRuns() {
		return
	}
	where := "spec " + p.s.Path()
	if p.s.Source.DSN == "" {
		p.add(preflight.Error, where, "source.dsn", "is not set, and the gate compares the source with the target", "set source.dsn (write passwords as ${VAR}, read from the environment)")
	}
	if p.s.Target.DSN == "" {
		p.add(preflight.Error, where, "target.dsn", "is not set, and the gate compares the source with the target", "set target.dsn, with {endpoint} and {port} for the restored database's address")
	}
}

// key checks the KMS key. Why a dry-run GenerateDataKeyWithoutPlaintext proves usability:
// DescribeKey needs only kms:DescribeKey, while the copy and the restore make RDS use the key
// on the caller's behalf; a dry run of a data key is refused exactly when the caller's
// permissions or the key's state would refuse it, and creates nothing (KMS answers
// DryRunOperationException when it would have succeeded). It does not prove kms:CreateGrant,
// which RDS also uses; no call can test that without creating a grant.
func (p *prechecker) key(ctx context.Context) {
	s := p.s
	region := s.Target.Region
	where := fmt.Sprintf("kms key %s (%s)", s.Target.KMSKey, region)
	out, err := p.cl.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(s.Target.KMSKey)})
	var nf *kmstypes.NotFoundException
	switch {
	case errors.As(err, &nf):
		p.add(preflight.Error, where, "", fmt.Sprintf("not found in %s, where %s (a KMS key works only in its own region)", region, s.encryptedBy()), "use a key id, ARN or alias of "+region)
		return
	case err != nil:
		p.add(preflight.Unchecked, where, "", "could not check: "+called("DescribeKey", err).Error(), "")
		return
	case out.KeyMetadata == nil:
		p.add(preflight.Unchecked, where, "", "DescribeKey returned no key metadata", "")
		return
	}
	md := out.KeyMetadata
	bad := false
	if kr, ok := arnRegion(aws.ToString(md.Arn)); !ok || kr != region {
		p.add(preflight.Error, where, "region", fmt.Sprintf("the key is in %s, but %s in %s (a KMS key works only in its own region)", kr, s.encryptedBy(), region), "use a key of "+region)
		bad = true
	}
	if md.KeyState != kmstypes.KeyStateEnabled {
		p.add(preflight.Error, where, "key state", fmt.Sprintf("is %s, not Enabled", md.KeyState), "enable the key (kms:EnableKey), or cancel its deletion, or use another key")
		bad = true
	}
	if md.KeySpec != "" && md.KeySpec != kmstypes.KeySpecSymmetricDefault {
		p.add(preflight.Error, where, "key spec", fmt.Sprintf("is %s: RDS encrypts only with symmetric keys (SYMMETRIC_DEFAULT)", md.KeySpec), "use a symmetric encryption key")
		bad = true
	}
	if md.KeyUsage != "" && md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt {
		p.add(preflight.Error, where, "key usage", fmt.Sprintf("is %s: RDS needs ENCRYPT_DECRYPT", md.KeyUsage), "use a symmetric encryption key")
		bad = true
	}
	if bad {
		return // the dry run would only say it again
	}
	_, err = p.cl.KMS.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{
		KeyId: md.Arn, KeySpec: kmstypes.DataKeySpecAes256, DryRun: aws.Bool(true),
	})
	var dry *kmstypes.DryRunOperationException
	var ae smithy.APIError
	switch {
	case err == nil, errors.As(err, &dry): // would have succeeded
	case errors.As(err, &ae) && ae.ErrorCode() == "AccessDeniedException":
		p.add(preflight.Error, where, "permissions", "the caller may not use the key: "+ae.ErrorMessage(),
			"allow kms:GenerateDataKey*, kms:Decrypt, kms:DescribeKey and kms:CreateGrant on the key to the identity running the migration (key policy or IAM)")
	default:
		p.add(preflight.Unchecked, where, "permissions", "could not check: "+called("GenerateDataKeyWithoutPlaintext", err).Error(), "")
	}
}

// source checks the source instance or cluster.
func (p *prechecker) source(ctx context.Context) {
	s := p.s
	if s.sourceIsCluster() {
		where := fmt.Sprintf("source cluster %s (%s)", s.Source.Cluster, s.Region)
		c, err := describeCluster(ctx, p.cl.SourceRDS, s.Source.Cluster)
		switch {
		case err != nil:
			p.add(preflight.Unchecked, where, "", "could not check: "+err.Error(), "")
		case c == nil:
			p.add(preflight.Error, where, "", "not found in "+s.Region, "check source.cluster and region")
		}
		return
	}
	where := fmt.Sprintf("source instance %s (%s)", s.Source.Instance, s.Region)
	db, err := describeInstance(ctx, p.cl.SourceRDS, s.Source.Instance)
	switch {
	case err != nil:
		p.add(preflight.Unchecked, where, "", "could not check: "+err.Error(), "")
		return
	case db == nil:
		p.add(preflight.Error, where, "", "not found in "+s.Region, "check source.instance and region")
		return
	}
	if db.BackupRetentionPeriod == nil || aws.ToInt32(db.BackupRetentionPeriod) > 0 {
		return
	}
	engine := aws.ToString(db.Engine)
	fix := "set a backup retention period of at least 1 day (modify-db-instance --backup-retention-period 7 --apply-immediately)"
	if s.DMS != nil && (strings.Contains(engine, "mysql") || strings.Contains(engine, "mariadb")) {
		// The RDS guide (MySQL and MariaDB binary logging): "The automated backups feature
		// determines whether binary logging is turned on or off".
		p.add(preflight.Error, where, "BackupRetentionPeriod", "is 0 (automated backups off): RDS turns the binary log on only with automated backups, and DMS's change data capture reads it", fix)
		return
	}
	p.add(preflight.Warning, where, "BackupRetentionPeriod", "is 0 (automated backups off): if the migration goes wrong there is no point-in-time restore of the source", fix)
}

// names checks that the resources the run creates do not exist, unless this migration made
// them (recorded in the state, or tagged with its name: a run that stopped before recording).
func (p *prechecker) names(ctx context.Context) {
	for _, c := range createdNames(p.s, p.n) {
		api := p.cl.TargetRDS
		if c.region == p.s.Region {
			api = p.cl.SourceRDS
		}
		arn, tags, found, err := describeNamed(ctx, api, c)
		where := fmt.Sprintf("%s %s (%s)", c.kind, c.id, c.region)
		switch {
		case err != nil:
			p.add(preflight.Unchecked, where, "", "could not check the name: "+err.Error(), "")
		case !found:
		case c.arn != nil && arn != "" && c.arn(p.st.Resources) == arn, ownedBy(tags, p.s.Name):
			// This migration's: a resumed run uses it.
		default:
			p.add(preflight.Error, where, "name", fmt.Sprintf("exists and was not created by this migration (no %s=%s tag): the run would stop there", TagMigration, p.s.Name),
				"delete or rename it, or rename the migration (name:), from which the names derive")
		}
	}
	if p.s.DMS == nil || p.cl.DMS == nil {
		return
	}
	task, err := describeTask(ctx, p.cl.DMS, p.n.Task)
	where := fmt.Sprintf("DMS task %s (%s)", p.n.Task, p.s.Target.Region)
	switch {
	case err != nil:
		p.add(preflight.Unchecked, where, "", "could not check the name: "+err.Error(), "")
	case task == nil, aws.ToString(task.ReplicationTaskArn) == p.st.Resources.TaskARN:
	default:
		arns := dmsARNs{p.s.DMS.ReplicationInstanceARN, p.s.DMS.SourceEndpointARN, p.s.DMS.TargetEndpointARN}
		if p.s.DMS.Create != nil { // created by the run: the ones recorded, if any
			r := p.st.Resources
			arns = dmsARNs{r.ReplicationInstanceARN, r.SourceEndpointARN, r.TargetEndpointARN}
		}
		if err := sameTask(p.s, arns, task); err != nil {
			p.add(preflight.Error, where, "name", err.Error(), "")
		}
	}
}

// describeNamed reads one named RDS resource: its ARN and tags, and whether it exists.
func describeNamed(ctx context.Context, api RDSAPI, c createdName) (arn string, tags []rdstypes.Tag, found bool, err error) {
	switch c.describe {
	case "DescribeDBSnapshots":
		out, err := api.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(c.id)})
		if notFound(err) || err == nil && len(out.DBSnapshots) == 0 {
			return "", nil, false, nil
		} else if err != nil {
			return "", nil, false, called(c.describe, err)
		}
		return aws.ToString(out.DBSnapshots[0].DBSnapshotArn), out.DBSnapshots[0].TagList, true, nil
	case "DescribeDBClusterSnapshots":
		out, err := api.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: aws.String(c.id)})
		if notFound(err) || err == nil && len(out.DBClusterSnapshots) == 0 {
			return "", nil, false, nil
		} else if err != nil {
			return "", nil, false, called(c.describe, err)
		}
		return aws.ToString(out.DBClusterSnapshots[0].DBClusterSnapshotArn), out.DBClusterSnapshots[0].TagList, true, nil
	case "DescribeDBClusters":
		cl, err := describeCluster(ctx, api, c.id)
		if err != nil || cl == nil {
			return "", nil, false, err
		}
		return aws.ToString(cl.DBClusterArn), cl.TagList, true, nil
	default:
		db, err := describeInstance(ctx, api, c.id)
		if err != nil || db == nil {
			return "", nil, false, err
		}
		return aws.ToString(db.DBInstanceArn), db.TagList, true, nil
	}
}

// dms checks the replication instance and the endpoints, and that each endpoint's last
// connection test from the instance succeeded, running a test where there is none.
func (p *prechecker) dms(ctx context.Context) {
	d := p.s.DMS
	api := p.cl.DMS
	region := p.s.Target.Region
	if d.ReplicationInstanceARN == "" {
		// A spec whose run creates the replication instance and the endpoints names no ARN:
		// there is nothing to describe or test yet.
		return
	}
	instWhere := fmt.Sprintf("DMS replication instance %s", d.ReplicationInstanceARN)
	available := false
	ri, err := api.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{
		Filters: []dmstypes.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{d.ReplicationInstanceARN}}},
	})
	switch {
	case notFound(err) || err == nil && len(ri.ReplicationInstances) == 0:
		p.add(preflight.Error, instWhere, "", "not found in "+region, "check dms.replication_instance_arn: the task runs in the target's region")
	case err != nil:
		p.add(preflight.Unchecked, instWhere, "", "could not check: "+called("DescribeReplicationInstances", err).Error(), "")
	default:
		if st := aws.ToString(ri.ReplicationInstances[0].ReplicationInstanceStatus); st != "available" {
			p.add(preflight.Error, instWhere, "status", fmt.Sprintf("is %s, not available: the task cannot start, nor can connections be tested", st), "wait until it is available, or fix it")
		} else {
			available = true
		}
	}

	type endpoint struct{ field, arn, typ string }
	var toTest []endpoint
	for _, e := range []endpoint{{"dms.source_endpoint_arn", d.SourceEndpointARN, "source"}, {"dms.target_endpoint_arn", d.TargetEndpointARN, "target"}} {
		if e.arn == "" {
			continue // created by the run
		}
		where := fmt.Sprintf("DMS %s endpoint %s", e.typ, e.arn)
		out, err := api.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{
			Filters: []dmstypes.Filter{{Name: aws.String("endpoint-arn"), Values: []string{e.arn}}},
		})
		switch {
		case notFound(err) || err == nil && len(out.Endpoints) == 0:
			p.add(preflight.Error, where, "", "not found in "+region, "check "+e.field)
			continue
		case err != nil:
			p.add(preflight.Unchecked, where, "", "could not check: "+called("DescribeEndpoints", err).Error(), "")
			continue
		}
		if t := strings.ToLower(string(out.Endpoints[0].EndpointType)); t != "" && t != e.typ {
			p.add(preflight.Error, where, "endpoint type", fmt.Sprintf("is a %s endpoint, named as the %s", t, e.typ), "swap or fix "+e.field)
			continue
		}
		if available {
			toTest = append(toTest, e)
		}
	}
	if len(toTest) == 0 {
		return
	}

	// The last test of each, if any; a test where there is none; then wait for the tests.
	pending := map[string]endpoint{}
	for _, e := range toTest {
		cn, err := p.connection(ctx, e.arn)
		if err != nil {
			p.add(preflight.Unchecked, fmt.Sprintf("DMS %s endpoint %s", e.typ, e.arn), "connection", "could not check: "+err.Error(), "")
			continue
		}
		if cn == nil || aws.ToString(cn.Status) == "deleting" {
			p.opt.Progress(fmt.Sprintf("testing the connection from the replication instance to the %s endpoint (dms:TestConnection)", e.typ))
			if _, err := api.TestConnection(ctx, &dms.TestConnectionInput{ReplicationInstanceArn: aws.String(d.ReplicationInstanceARN), EndpointArn: aws.String(e.arn)}); err != nil {
				p.add(preflight.Unchecked, fmt.Sprintf("DMS %s endpoint %s", e.typ, e.arn), "connection", "could not test: "+called("TestConnection", err).Error(), "")
				continue
			}
		}
		pending[e.arn] = e
	}
	deadline := time.Now().Add(p.opt.ConnectionWait)
	for len(pending) > 0 {
		for arn, e := range pending {
			where := fmt.Sprintf("DMS %s endpoint %s", e.typ, arn)
			cn, err := p.connection(ctx, arn)
			switch {
			case err != nil:
				p.add(preflight.Unchecked, where, "connection", "could not check: "+err.Error(), "")
			case cn == nil:
				p.add(preflight.Unchecked, where, "connection", "the connection test left no record", "")
			case aws.ToString(cn.Status) == "testing":
				continue
			case aws.ToString(cn.Status) == "successful":
			default:
				p.add(preflight.Error, where, "connection", fmt.Sprintf("the last connection test from the replication instance %s: %s", aws.ToString(cn.Status), oneLine(aws.ToString(cn.LastFailureMessage))),
					"fix the endpoint's server name, port, credentials, or the security groups between the replication instance and the database, then test it again")
			}
			delete(pending, arn)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for arn, e := range pending {
				p.add(preflight.Unchecked, fmt.Sprintf("DMS %s endpoint %s", e.typ, arn), "connection", fmt.Sprintf("the connection test did not end within %s", p.opt.ConnectionWait), "look at it in the DMS console, or run the preflight again")
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.poll):
		}
	}
}

// connection is the last connection test between the spec's replication instance and an
// endpoint; nil when there is none.
func (p *prechecker) connection(ctx context.Context, endpointARN string) (*dmstypes.Connection, error) {
	out, err := p.cl.DMS.DescribeConnections(ctx, &dms.DescribeConnectionsInput{Filters: []dmstypes.Filter{
		{Name: aws.String("endpoint-arn"), Values: []string{endpointARN}},
		{Name: aws.String("replication-instance-arn"), Values: []string{p.s.DMS.ReplicationInstanceARN}},
	}})
	if notFound(err) || err == nil && len(out.Connections) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, called("DescribeConnections", err)
	}
	return &out.Connections[0], nil
}
