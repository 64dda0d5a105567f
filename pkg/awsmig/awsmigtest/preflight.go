package awsmigtest

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// The calls of the migration's preflight checks: DMS endpoints and their connection tests,
// KMS's dry-run data key, and what they need of the other fakes (a replication instance that
// is not available, a source without automated backups, a key the caller may not use).

// preflightState is the cloud's state for these calls; Cloud.mu guards it.
type preflightState struct {
	endpoints   []*dmsEndpoint
	connections map[string]*connection // by replication instance ARN + " " + endpoint ARN
	failConn    map[string]string      // endpoint ARN -> the failure its next test ends with
	repStatus   map[string]string      // replication instance ARN -> status; absent: available
	backups     map[string]int32       // region/id of a DB instance -> backup retention days; absent: 1
	denied      map[string]bool        // key ARNs the caller may not use
}

func newPreflightState() *preflightState {
	return &preflightState{connections: map[string]*connection{}, failConn: map[string]string{},
		repStatus: map[string]string{}, backups: map[string]int32{}, denied: map[string]bool{}}
}

// dmsEndpoint is an endpoint added by a test (AddEndpoint) or created (CreateEndpoint).
type dmsEndpoint struct {
	region, id, arn, typ, engine string
	server, user, database, ssl  string
	extra                        string
	port                         int32
	password                     string // kept for assertions; never printed
	tags                         []tagKV
}

type connection struct {
	instanceARN, instanceID, endpointARN, endpointID string
	status, failure                                  string
	settle                                           int
	final                                            string // the status once settled
}

// AddEndpoint adds a DMS endpoint (typ source or target, engine e.g. mysql) and returns its
// ARN, the one EndpointARN gives.
func (c *Cloud) AddEndpoint(region, id, typ, engine string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &dmsEndpoint{region: region, id: id, arn: EndpointARN(region, id), typ: typ, engine: engine}
	c.pre.endpoints = append(c.pre.endpoints, e)
	return e.arn
}

// FailConnection makes the connection tests of an endpoint end failed with msg.
func (c *Cloud) FailConnection(endpointARN, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pre.failConn[endpointARN] = msg
}

// SetReplicationInstanceStatus sets the status a replication instance is described with
// (e.g. modifying); "available" is the default.
func (c *Cloud) SetReplicationInstanceStatus(arn, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pre.repStatus[arn] = status
}

// SetBackupRetention sets a DB instance's BackupRetentionPeriod in days (0: automated backups
// off); 1, CreateDBInstance's default, is the fake's.
func (c *Cloud) SetBackupRetention(region, id string, days int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pre.backups[region+"/"+id] = days
}

// DenyKey makes the key unusable by the caller: its key policy does not allow them to use it.
func (c *Cloud) DenyKey(arn string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pre.denied[arn] = true
}

// backupDays is an instance's backup retention; the caller holds mu.
func (c *Cloud) backupDays(region, id string) int32 {
	if d, ok := c.pre.backups[region+"/"+id]; ok {
		return d
	}
	return 1
}

// repInstanceStatus is a replication instance's status; the caller holds mu.
func (c *Cloud) repInstanceStatus(arn string) string {
	if s, ok := c.pre.repStatus[arn]; ok {
		return s
	}
	for _, r := range c.reps {
		if r.arn == arn && r.status != "" {
			return r.status
		}
	}
	return "available"
}

// DescribeEndpoints describes endpoints by the endpoint-arn or endpoint-id filter; like the
// other DMS describes, one that matches nothing is a ResourceNotFoundFault.
func (d *DMS) DescribeEndpoints(_ context.Context, p *dms.DescribeEndpointsInput, _ ...func(*dms.Options)) (*dms.DescribeEndpointsOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeEndpoints")
	arns, ids := filter(p.Filters, "endpoint-arn"), filter(p.Filters, "endpoint-id")
	var out []dmstypes.Endpoint
	for _, e := range c.pre.endpoints {
		if e.region != d.region || len(arns) > 0 && !contains(arns, e.arn) || len(ids) > 0 && !contains(ids, e.id) {
			continue
		}
		out = append(out, endpointOut(e))
	}
	if len(out) == 0 {
		return nil, c.failed("DescribeEndpoints", &dmstypes.ResourceNotFoundFault{Message: aws.String("No endpoints found matching provided filters")})
	}
	return &dms.DescribeEndpointsOutput{Endpoints: out}, c.crashed("DescribeEndpoints")
}

func (d *DMS) connectionOut(cn *connection) dmstypes.Connection {
	out := dmstypes.Connection{ReplicationInstanceArn: aws.String(cn.instanceARN), ReplicationInstanceIdentifier: aws.String(cn.instanceID),
		EndpointArn: aws.String(cn.endpointARN), EndpointIdentifier: aws.String(cn.endpointID), Status: aws.String(cn.status)}
	if cn.failure != "" && cn.status == "failed" {
		out.LastFailureMessage = aws.String(cn.failure)
	}
	return out
}

// DescribeConnections describes the connections tested, by the endpoint-arn and
// replication-instance-arn filters. The reference: "Connections are created when you test an
// endpoint." None is an empty list. A test in progress ("testing") settles over describes.
func (d *DMS) DescribeConnections(_ context.Context, p *dms.DescribeConnectionsInput, _ ...func(*dms.Options)) (*dms.DescribeConnectionsOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeConnections")
	eps, reps := filter(p.Filters, "endpoint-arn"), filter(p.Filters, "replication-instance-arn")
	out := &dms.DescribeConnectionsOutput{Connections: []dmstypes.Connection{}}
	for _, cn := range c.pre.connections {
		if region, _, _, _ := parseARN(cn.endpointARN); region != d.region || len(eps) > 0 && !contains(eps, cn.endpointARN) || len(reps) > 0 && !contains(reps, cn.instanceARN) {
			continue
		}
		settle(&cn.status, &cn.settle, cn.final)
		out.Connections = append(out.Connections, d.connectionOut(cn))
	}
	return out, c.crashed("DescribeConnections")
}

// TestConnection tests the connection between a replication instance and an endpoint of the
// region: it starts "testing" and ends successful, or failed as FailConnection says.
func (d *DMS) TestConnection(_ context.Context, p *dms.TestConnectionInput, _ ...func(*dms.Options)) (*dms.TestConnectionOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("TestConnection")
	repARN, epARN := aws.ToString(p.ReplicationInstanceArn), aws.ToString(p.EndpointArn)
	var rep *repInstance
	for _, r := range c.reps {
		if r.region == d.region && r.arn == repARN {
			rep = r
		}
	}
	var ep *dmsEndpoint
	for _, e := range c.pre.endpoints {
		if e.region == d.region && e.arn == epARN {
			ep = e
		}
	}
	switch {
	case rep == nil:
		// ResourceNotFoundFault: "The resource could not be found."
		return nil, c.failed("TestConnection", &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication instance " + repARN + " not found")})
	case ep == nil:
		return nil, c.failed("TestConnection", &dmstypes.ResourceNotFoundFault{Message: aws.String("Endpoint " + epARN + " not found")})
	case c.repInstanceStatus(rep.arn) != "available":
		// InvalidResourceStateFault: "The resource is in a state that prevents it from being
		// used for database migration."
		return nil, c.failed("TestConnection", &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication instance %s is %s", rep.id, c.repInstanceStatus(rep.arn)))})
	}
	cn := &connection{instanceARN: rep.arn, instanceID: rep.id, endpointARN: ep.arn, endpointID: ep.id,
		status: "testing", settle: c.settle, final: "successful"}
	if msg, ok := c.pre.failConn[ep.arn]; ok {
		cn.final, cn.failure = "failed", msg
	}
	c.pre.connections[rep.arn+" "+ep.arn] = cn
	out := d.connectionOut(cn)
	return &dms.TestConnectionOutput{Connection: &out}, c.crashed("TestConnection")
}

// GenerateDataKeyWithoutPlaintext makes a data key under a key of the region, or, with DryRun,
// says it would have (DryRunOperationException).
func (k *KMS) GenerateDataKeyWithoutPlaintext(_ context.Context, p *kms.GenerateDataKeyWithoutPlaintextInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("GenerateDataKeyWithoutPlaintext")
	fail := func(err error) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
		return nil, c.failed("GenerateDataKeyWithoutPlaintext", err)
	}
	ref := aws.ToString(p.KeyId)
	var key *key
	for _, kk := range c.keys {
		if kk.region == k.region && kk.matches(ref) {
			key = kk
		}
	}
	switch {
	case key == nil:
		return fail(&kmstypes.NotFoundException{Message: aws.String(fmt.Sprintf("Key '%s' does not exist", ref))})
	case (p.KeySpec == "") == (p.NumberOfBytes == nil):
		// "You must also specify the length of the data key. Use either the KeySpec or
		// NumberOfBytes parameters (but not both)." The reference names no error code; KMS
		// answers ValidationException.
		return fail(&smithy.GenericAPIError{Code: "ValidationException", Message: "Please specify either number of bytes or key spec."})
	case c.pre.denied[key.arn()]:
		// The key policy does not allow the caller: "Required permissions:
		// kms:GenerateDataKeyWithoutPlaintext (key policy)".
		return fail(&smithy.GenericAPIError{Code: "AccessDeniedException", Message: fmt.Sprintf("User: arn:aws:iam::%s:user/fake is not authorized to perform: kms:GenerateDataKeyWithoutPlaintext on resource: %s because no resource-based policy allows the kms:GenerateDataKeyWithoutPlaintext action", Account, key.arn())})
	case key.state == "Disabled":
		// DisabledException: "The request was rejected because the specified KMS key is not
		// enabled."
		return fail(&kmstypes.DisabledException{Message: aws.String(key.arn() + " is disabled.")})
	case key.state != "Enabled":
		// "The KMS key that you use for this operation must be in a compatible key state."
		return fail(&kmstypes.KMSInvalidStateException{Message: aws.String(key.arn() + " is pending deletion.")})
	case key.usage != "ENCRYPT_DECRYPT" || key.spec != "SYMMETRIC_DEFAULT":
		// InvalidKeyUsageException: "For encrypting, decrypting, re-encrypting, and generating
		// data keys, the KeyUsage must be ENCRYPT_DECRYPT." and "You cannot use an asymmetric
		// KMS key or a key in a custom key store to generate a data key."
		return fail(&kmstypes.InvalidKeyUsageException{Message: aws.String(key.arn() + " key usage is " + key.usage + " which is not valid for GenerateDataKeyWithoutPlaintext.")})
	case aws.ToBool(p.DryRun):
		// DryRunOperationException: "The request was rejected because the DryRun parameter was
		// specified." It is the answer of a dry run that would have succeeded.
		return fail(&kmstypes.DryRunOperationException{Message: aws.String("The request would have succeeded, but the DryRun option is set.")})
	}
	return &kms.GenerateDataKeyWithoutPlaintextOutput{KeyId: aws.String(key.arn()), CiphertextBlob: []byte("fake-ciphertext-" + key.id)},
		c.crashed("GenerateDataKeyWithoutPlaintext")
}
