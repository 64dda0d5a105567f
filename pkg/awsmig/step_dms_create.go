package awsmig

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

// StepDMSResources creates the replication instance and the endpoints (only with dms.create),
// between StepPrepare and StepTask.
const StepDMSResources = "dms-resources"

// mysqlTargetInit is the extra connection attribute of a MySQL-family target endpoint: DMS
// loads tables in parallel and in no particular order, so foreign keys are not checked while
// it writes.
const mysqlTargetInit = "initstmt=SET FOREIGN_KEY_CHECKS=0"

var dmsResourcesStep = &stepDef{
	name: StepDMSResources,
	summary: func(s *Spec, n Names) string {
		c := s.DMS.Create
		return fmt.Sprintf("create DMS replication instance %s (%s, Multi-AZ %t) and endpoints %s (source.dsn) and %s (target.dsn, at the restored target), tagged; wait until the instance is available",
			n.ReplicationInstance, c.InstanceClass, c.MultiAZ, n.SourceEndpoint, n.TargetEndpoint)
	},
	calls: func(s *Spec, n Names) []string {
		c := s.DMS.Create
		opt := ""
		if c.AllocatedStorage > 0 {
			opt += fmt.Sprintf(" AllocatedStorage=%d", c.AllocatedStorage)
		}
		if c.KMSKeyID != "" {
			opt += " KmsKeyId=" + c.KMSKeyID
		}
		if c.SubnetGroup != "" {
			opt += " ReplicationSubnetGroupIdentifier=" + c.SubnetGroup
		}
		if len(c.SecurityGroups) > 0 {
			opt += " VpcSecurityGroupIds=" + strings.Join(c.SecurityGroups, ",")
		}
		if c.EngineVersion != "" {
			opt += " EngineVersion=" + c.EngineVersion
		}
		ep := func(id, kind, dsn string) string {
			e, _ := parseEndpointDSN(dsn)
			host := e.host
			if host == "" {
				host = "<the restored target's address>"
			}
			extra := ""
			if kind == "target" && e.engine == "mysql" {
				extra = " ExtraConnectionAttributes=" + mysqlTargetInit
			}
			return fmt.Sprintf("dms:CreateEndpoint EndpointIdentifier=%s EndpointType=%s EngineName=<the %s's engine> ServerName=%s Port=%d Username=%s Password=<from %s.dsn, never shown> DatabaseName=%s SslMode=%s%s Tags=%s",
				id, kind, kind, host, e.port, e.user, kind, e.database, c.SSLMode, extra, tagText(s, StepDMSResources))
		}
		return []string{
			"dms:DescribeReplicationInstances Filter replication-instance-id=" + n.ReplicationInstance + " (then dms:ListTagsForResource: one found must carry this migration's tag)",
			fmt.Sprintf("dms:CreateReplicationInstance ReplicationInstanceIdentifier=%s ReplicationInstanceClass=%s MultiAZ=%t PubliclyAccessible=false%s Tags=%s", n.ReplicationInstance, c.InstanceClass, c.MultiAZ, opt, tagText(s, StepDMSResources)),
			"wait dms:ReplicationInstanceAvailable " + waitText(s, s.Wait.ResourceTimeout),
			"dms:DescribeEndpoints Filter endpoint-id=" + n.SourceEndpoint + ", " + n.TargetEndpoint + " (then dms:ListTagsForResource)",
			ep(n.SourceEndpoint, "source", s.Source.DSN),
			ep(n.TargetEndpoint, "target", s.Target.DSN),
		}
	},
	run: func(ctx context.Context, r *Runner) (string, error) { return createDMSResources(ctx, r, r.cl.DMS) },
}

// createDMSResources finds or creates the replication instance and both endpoints. Each ARN is
// recorded as soon as it is known; one created by a run killed before it recorded it is found
// again by its name and this migration's tag, never created twice.
func createDMSResources(ctx context.Context, r *Runner, api dmsResourcesAPI) (string, error) {
	s, n := r.spec, r.names
	c := s.DMS.Create
	fail := func(res string, err error) error { return &StepError{StepDMSResources, res, err} }

	// 1. The replication instance.
	inst, err := describeRepInstance(ctx, api, n.ReplicationInstance)
	if err != nil {
		return "", fail(n.ReplicationInstance, err)
	}
	if inst != nil {
		if err := dmsOwned(ctx, api, aws.ToString(inst.ReplicationInstanceArn), s.Name, "DMS replication instance"); err != nil {
			return "", fail(n.ReplicationInstance, err)
		}
		r.progressf(StepDMSResources, "%s: found (%s)", n.ReplicationInstance, aws.ToString(inst.ReplicationInstanceStatus))
	} else {
		in := &dms.CreateReplicationInstanceInput{
			ReplicationInstanceIdentifier: aws.String(n.ReplicationInstance),
			ReplicationInstanceClass:      aws.String(c.InstanceClass),
			MultiAZ:                       aws.Bool(c.MultiAZ),
			PubliclyAccessible:            aws.Bool(false),
			VpcSecurityGroupIds:           c.SecurityGroups,
			Tags:                          dmsTags(s.tags(StepDMSResources)),
		}
		if c.AllocatedStorage > 0 {
			in.AllocatedStorage = aws.Int32(c.AllocatedStorage)
		}
		if c.KMSKeyID != "" {
			in.KmsKeyId = aws.String(c.KMSKeyID)
		}
		if c.SubnetGroup != "" {
			in.ReplicationSubnetGroupIdentifier = aws.String(c.SubnetGroup)
		}
		if c.EngineVersion != "" {
			in.EngineVersion = aws.String(c.EngineVersion)
		}
		r.progressf(StepDMSResources, "%s: creating (%s)", n.ReplicationInstance, c.InstanceClass)
		out, err := api.CreateReplicationInstance(ctx, in)
		if err != nil {
			return "", fail(n.ReplicationInstance, called("CreateReplicationInstance", err))
		}
		inst = out.ReplicationInstance
	}
	instARN := aws.ToString(inst.ReplicationInstanceArn)
	if err := r.record(func(st *State) {
		st.Resources.ReplicationInstanceARN, st.Resources.ReplicationInstanceID = instARN, n.ReplicationInstance
	}); err != nil {
		return "", err
	}

	// 2. The endpoints (created while the instance comes up).
	st := r.State()
	srcEngine, tgtEngine := dmsEngine(st.Resources.SourceEngine), dmsEngine(st.Resources.SourceEngine)
	if s.Target.Engine != "" {
		tgtEngine = dmsEngine(s.Target.Engine)
	}
	eps := []struct {
		id, kind, dsn, engine string
		arn                   *string
	}{
		{n.SourceEndpoint, "source", s.Source.DSN, srcEngine, &st.Resources.SourceEndpointARN},
		{n.TargetEndpoint, "target", s.Target.DSN, tgtEngine, &st.Resources.TargetEndpointARN},
	}
	for _, e := range eps {
		dsn, err := parseEndpointDSN(e.dsn)
		if err != nil {
			return "", fail(e.id, invalid(fmt.Errorf("%s.dsn: %v", e.kind, err)))
		}
		host, port := dsn.host, dsn.port
		if e.kind == "target" && host == "" {
			if host = st.Resources.TargetAddress; host == "" {
				return "", fail(e.id, fmt.Errorf("no target address recorded: run the %s step first", StepRestore))
			}
			if strings.Contains(e.dsn, "{port}") && st.Resources.TargetPort != 0 {
				port = st.Resources.TargetPort
			}
		}
		if e.engine == "" {
			e.engine = dsn.engine
		}
		ep, err := describeEndpoint(ctx, api, e.id)
		if err != nil {
			return "", fail(e.id, err)
		}
		if ep != nil {
			if err := dmsOwned(ctx, api, aws.ToString(ep.EndpointArn), s.Name, "DMS endpoint"); err != nil {
				return "", fail(e.id, err)
			}
			if have := aws.ToString(ep.ServerName); have != "" && !strings.EqualFold(have, host) {
				return "", fail(e.id, fmt.Errorf("exists but points at %s, not %s: delete it or rename the migration", have, host))
			}
		} else {
			in := &dms.CreateEndpointInput{
				EndpointIdentifier: aws.String(e.id),
				EndpointType:       dmstypes.ReplicationEndpointTypeValue(e.kind),
				EngineName:         aws.String(e.engine),
				ServerName:         aws.String(host),
				Port:               aws.Int32(port),
				Username:           aws.String(dsn.user),
				Password:           aws.String(dsn.password), // never logged: the progress line names the host only
				SslMode:            dmstypes.DmsSslModeValue(c.SSLMode),
				Tags:               dmsTags(s.tags(StepDMSResources)),
			}
			if dsn.database != "" {
				in.DatabaseName = aws.String(dsn.database)
			}
			if c.CertificateARN != "" {
				in.CertificateArn = aws.String(c.CertificateARN)
			}
			if e.kind == "target" && dsn.engine == "mysql" {
				in.ExtraConnectionAttributes = aws.String(mysqlTargetInit)
			}
			r.progressf(StepDMSResources, "%s: creating (%s %s at %s:%d, user %s)", e.id, e.kind, e.engine, host, port, dsn.user)
			out, err := api.CreateEndpoint(ctx, in)
			if err != nil {
				return "", fail(e.id, called("CreateEndpoint", err))
			}
			ep = out.Endpoint
		}
		arn := aws.ToString(ep.EndpointArn)
		kind := e.kind
		if err := r.record(func(st *State) {
			if kind == "source" {
				st.Resources.SourceEndpointARN = arn
			} else {
				st.Resources.TargetEndpointARN = arn
			}
		}); err != nil {
			return "", err
		}
	}

	// 3. Wait for the instance.
	if status := aws.ToString(inst.ReplicationInstanceStatus); status != "available" {
		t := &tracker{r: r, step: StepDMSResources}
		timeout := s.Wait.ResourceTimeout
		_, err := dms.NewReplicationInstanceAvailableWaiter(api, func(o *dms.ReplicationInstanceAvailableWaiterOptions) {
			o.MinDelay, o.MaxDelay = r.poll(), r.poll()
			next := o.Retryable
			o.Retryable = func(ctx context.Context, in *dms.DescribeReplicationInstancesInput, out *dms.DescribeReplicationInstancesOutput, err error) (bool, error) {
				if err == nil && len(out.ReplicationInstances) > 0 {
					t.saw(n.ReplicationInstance, aws.ToString(out.ReplicationInstances[0].ReplicationInstanceStatus), "")
				}
				return next(ctx, in, out, err)
			}
		}).WaitForOutput(ctx, repInstanceByID(n.ReplicationInstance), timeout)
		if err != nil {
			return "", t.failed(ctx, n.ReplicationInstance, timeout, "wait.resource_timeout", err)
		}
	}
	return fmt.Sprintf("replication instance %s available (%s); endpoints %s, %s", n.ReplicationInstance, c.InstanceClass, n.SourceEndpoint, n.TargetEndpoint), nil
}

// dmsEngine is DMS's EngineName for an RDS engine.
func dmsEngine(rdsEngine string) string {
	switch rdsEngine {
	case "mysql", "mariadb", "postgres", "aurora-postgresql":
		return rdsEngine
	case "aurora", "aurora-mysql":
		return "aurora"
	}
	return ""
}

func repInstanceByID(id string) *dms.DescribeReplicationInstancesInput {
	return &dms.DescribeReplicationInstancesInput{Filters: []dmstypes.Filter{{Name: aws.String("replication-instance-id"), Values: []string{id}}}}
}

// describeRepInstance returns the replication instance of this identifier, or nil.
func describeRepInstance(ctx context.Context, api dms.DescribeReplicationInstancesAPIClient, id string) (*dmstypes.ReplicationInstance, error) {
	out, err := api.DescribeReplicationInstances(ctx, repInstanceByID(id))
	if notFound(err) || err == nil && len(out.ReplicationInstances) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, called("DescribeReplicationInstances", err)
	}
	return &out.ReplicationInstances[0], nil
}

// describeEndpoint returns the endpoint of this identifier, or nil.
func describeEndpoint(ctx context.Context, api dms.DescribeEndpointsAPIClient, id string) (*dmstypes.Endpoint, error) {
	out, err := api.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{
		Filters: []dmstypes.Filter{{Name: aws.String("endpoint-id"), Values: []string{id}}},
	})
	if notFound(err) || err == nil && len(out.Endpoints) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, called("DescribeEndpoints", err)
	}
	return &out.Endpoints[0], nil
}

// dmsTagged reports whether a DMS resource carries this migration's tag.
func dmsTagged(ctx context.Context, api interface {
	ListTagsForResource(context.Context, *dms.ListTagsForResourceInput, ...func(*dms.Options)) (*dms.ListTagsForResourceOutput, error)
}, arn, migration string) (bool, error) {
	out, err := api.ListTagsForResource(ctx, &dms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return false, called("ListTagsForResource", err)
	}
	for _, t := range out.TagList {
		if aws.ToString(t.Key) == TagMigration && aws.ToString(t.Value) == migration {
			return true, nil
		}
	}
	return false, nil
}

// dmsOwned is an error unless the resource carries this migration's tag.
func dmsOwned(ctx context.Context, api dmsResourcesAPI, arn, migration, kind string) error {
	ok, err := dmsTagged(ctx, api, arn, migration)
	if err != nil {
		return err
	}
	if !ok {
		return notOurs(kind)
	}
	return nil
}
