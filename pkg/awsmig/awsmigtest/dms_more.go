package awsmigtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
)

// The DMS calls of dms.create, migrate finish and migrate cleanup: replication instances and
// endpoints (created, found, tagged, deleted), a task's table statistics, and the task's
// modify, stop and delete.

// repOut describes a replication instance: its status, or the one a test set
// (SetReplicationInstanceStatus); the caller holds mu.
func (c *Cloud) repOut(r *repInstance) dmstypes.ReplicationInstance {
	status := r.status
	if s, ok := c.pre.repStatus[r.arn]; ok {
		status = s
	}
	return dmstypes.ReplicationInstance{
		ReplicationInstanceArn:        aws.String(r.arn),
		ReplicationInstanceIdentifier: aws.String(r.id),
		ReplicationInstanceStatus:     aws.String(status),
		ReplicationInstanceClass:      aws.String(r.class),
		MultiAZ:                       r.multiAZ,
	}
}

func endpointOut(e *dmsEndpoint) dmstypes.Endpoint {
	return dmstypes.Endpoint{
		EndpointArn: aws.String(e.arn), EndpointIdentifier: aws.String(e.id), EndpointType: dmstypes.ReplicationEndpointTypeValue(e.typ),
		EngineName: aws.String(e.engine), ServerName: aws.String(e.server), Port: aws.Int32(e.port), Username: aws.String(e.user),
		DatabaseName: aws.String(e.database), SslMode: dmstypes.DmsSslModeValue(e.ssl), ExtraConnectionAttributes: aws.String(e.extra),
		Status: aws.String("active"),
	}
}

// CreateReplicationInstance creates an instance: creating, then available.
func (d *DMS) CreateReplicationInstance(_ context.Context, p *dms.CreateReplicationInstanceInput, _ ...func(*dms.Options)) (*dms.CreateReplicationInstanceOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateReplicationInstance")
	id := aws.ToString(p.ReplicationInstanceIdentifier)
	// ReplicationInstanceIdentifier: "Must contain 1-63 alphanumeric characters or hyphens.",
	// "First character must be a letter.", "Can't end with a hyphen or contain two consecutive
	// hyphens." (no error code named; InvalidParameterValueException as for the task's).
	if badIdentifier(id, 63) {
		return nil, apiErr("InvalidParameterValueException", "ReplicationInstanceIdentifier %q: %s", id, identifierRule(63))
	}
	if aws.ToString(p.ReplicationInstanceClass) == "" {
		// ReplicationInstanceClass: "This member is required."
		return nil, apiErr("InvalidParameterValueException", "ReplicationInstanceClass is required")
	}
	if aws.ToBool(p.MultiAZ) && aws.ToString(p.AvailabilityZone) != "" {
		// MultiAZ: "You can't set the AvailabilityZone parameter if the Multi-AZ parameter is
		// set to true."
		return nil, apiErr("InvalidParameterCombinationException", "AvailabilityZone cannot be set with MultiAZ")
	}
	for _, r := range c.reps {
		if r.region == d.region && r.id == id && r.status != "deleted" {
			return nil, &dmstypes.ResourceAlreadyExistsFault{Message: aws.String("ReplicationInstanceIdentifier " + id + " already in use")}
		}
	}
	r := &repInstance{region: d.region, id: id, arn: fmt.Sprintf("arn:aws:dms:%s:%s:rep:%s", d.region, Account, resourceID("rep", id+fmt.Sprint(c.next()))),
		status: "creating", class: aws.ToString(p.ReplicationInstanceClass), multiAZ: aws.ToBool(p.MultiAZ), tags: dmsTagsIn(p.Tags), settle: c.settle}
	c.reps = append(c.reps, r)
	return &dms.CreateReplicationInstanceOutput{ReplicationInstance: ptr(c.repOut(r))}, c.crashed("CreateReplicationInstance")
}

// CreateEndpoint creates an endpoint.
func (d *DMS) CreateEndpoint(_ context.Context, p *dms.CreateEndpointInput, _ ...func(*dms.Options)) (*dms.CreateEndpointOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("CreateEndpoint")
	id := aws.ToString(p.EndpointIdentifier)
	// EndpointIdentifier: "Identifiers must begin with a letter and must contain only ASCII
	// letters, digits, and hyphens. They can't end with a hyphen, or contain two consecutive
	// hyphens."
	if badIdentifier(id, 255) {
		return nil, apiErr("InvalidParameterValueException", "EndpointIdentifier %q: %s", id, identifierRule(255))
	}
	switch p.EndpointType {
	case dmstypes.ReplicationEndpointTypeValueSource, dmstypes.ReplicationEndpointTypeValueTarget:
	default:
		// EndpointType: "The type of endpoint. Valid values are source and target."
		return nil, apiErr("InvalidParameterValueException", "EndpointType %q is not source or target", p.EndpointType)
	}
	if aws.ToString(p.EngineName) == "" {
		// EngineName: "This member is required."
		return nil, apiErr("InvalidParameterValueException", "EngineName is required")
	}
	for _, e := range c.pre.endpoints {
		if e.region == d.region && e.id == id {
			return nil, &dmstypes.ResourceAlreadyExistsFault{Message: aws.String("EndpointIdentifier " + id + " already in use")}
		}
	}
	e := &dmsEndpoint{region: d.region, id: id, arn: fmt.Sprintf("arn:aws:dms:%s:%s:endpoint:%s", d.region, Account, resourceID("endpoint", id+fmt.Sprint(c.next()))),
		typ: string(p.EndpointType), engine: aws.ToString(p.EngineName), server: aws.ToString(p.ServerName), port: aws.ToInt32(p.Port),
		user: aws.ToString(p.Username), database: aws.ToString(p.DatabaseName), ssl: string(p.SslMode), extra: aws.ToString(p.ExtraConnectionAttributes),
		password: aws.ToString(p.Password), tags: dmsTagsIn(p.Tags)}
	c.pre.endpoints = append(c.pre.endpoints, e)
	return &dms.CreateEndpointOutput{Endpoint: ptr(endpointOut(e))}, c.crashed("CreateEndpoint")
}

// ListTagsForResource lists the tags of a task, replication instance or endpoint by ARN.
func (d *DMS) ListTagsForResource(_ context.Context, p *dms.ListTagsForResourceInput, _ ...func(*dms.Options)) (*dms.ListTagsForResourceOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ListTagsForResource")
	arn := aws.ToString(p.ResourceArn)
	var tags []tagKV
	found := false
	for _, t := range c.tasks {
		if t.arn == arn && !t.deleted {
			tags, found = t.tags, true
		}
	}
	for _, r := range c.reps {
		if r.arn == arn && r.status != "deleted" {
			tags, found = r.tags, true
		}
	}
	for _, e := range c.pre.endpoints {
		if e.arn == arn {
			tags, found = e.tags, true
		}
	}
	if !found {
		return nil, c.failed("ListTagsForResource", &dmstypes.ResourceNotFoundFault{Message: aws.String("Resource not found: " + arn)})
	}
	out := &dms.ListTagsForResourceOutput{}
	for _, t := range tags {
		out.TagList = append(out.TagList, dmstypes.Tag{Key: aws.String(t.k), Value: aws.String(t.v), ResourceArn: aws.String(arn)})
	}
	return out, c.crashed("ListTagsForResource")
}

// task returns the live task of an ARN; the caller holds mu.
func (c *Cloud) taskByARN(arn string) *task {
	for _, t := range c.tasks {
		if t.arn == arn && !t.deleted {
			return t
		}
	}
	return nil
}

// DescribeTableStatistics reports a task's tables and their validation (see SetValidation).
func (d *DMS) DescribeTableStatistics(_ context.Context, p *dms.DescribeTableStatisticsInput, _ ...func(*dms.Options)) (*dms.DescribeTableStatisticsOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeTableStatistics")
	if n := aws.ToInt32(p.MaxRecords); p.MaxRecords != nil && (n < 20 || n > 500) {
		// MaxRecords: "Constraints: Minimum 20, maximum 500."
		return nil, apiErr("InvalidParameterValueException", "MaxRecords %d is outside 20..500", n)
	}
	t := c.taskByARN(aws.ToString(p.ReplicationTaskArn))
	if t == nil {
		return nil, c.failed("DescribeTableStatistics", &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication task not found")})
	}
	stats := c.stats[t.id]
	if len(stats) == 0 {
		state := "Not enabled"
		if strings.Contains(t.settings, `"EnableValidation":true`) {
			state = "Validated"
		}
		stats = []tableStat{{"shop", "a", state, 0}, {"shop", "b", state, 0}, {"shop", "c", state, 0}}
	}
	out := &dms.DescribeTableStatisticsOutput{ReplicationTaskArn: aws.String(t.arn)}
	for _, s := range stats {
		out.TableStatistics = append(out.TableStatistics, dmstypes.TableStatistics{SchemaName: aws.String(s.schema), TableName: aws.String(s.table),
			ValidationState: aws.String(s.state), ValidationFailedRecords: s.failed, TableState: aws.String("Table completed")})
	}
	return out, c.crashed("DescribeTableStatistics")
}

// ModifyReplicationTask changes a task's settings: it is modifying, then back to its status.
func (d *DMS) ModifyReplicationTask(_ context.Context, p *dms.ModifyReplicationTaskInput, _ ...func(*dms.Options)) (*dms.ModifyReplicationTaskOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ModifyReplicationTask")
	t := c.taskByARN(aws.ToString(p.ReplicationTaskArn))
	if t == nil {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication task not found")}
	}
	switch t.status {
	case "ready", "stopped", "failed":
	default:
		// "The task must be stopped before you can modify it." (A task that never ran is
		// ready, and one that failed has stopped running; DMS modifies both.)
		return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication task is %s; it must be stopped before it can be modified", t.status))}
	}
	if p.CdcStartPosition != nil && p.CdcStartTime != nil {
		// CdcStartPosition: "Specifying both values results in an error."
		return nil, apiErr("InvalidParameterCombinationException", "CdcStartPosition and CdcStartTime exclude each other")
	}
	if v := aws.ToString(p.ReplicationTaskSettings); v != "" {
		t.settings = v
	}
	if v := aws.ToString(p.TableMappings); v != "" {
		t.mappings = v
	}
	t.before, t.status, t.settle = t.status, "modifying", c.settle
	t.modifies++
	return &dms.ModifyReplicationTaskOutput{ReplicationTask: ptr(d.taskOut(t))}, c.crashed("ModifyReplicationTask")
}

// StopReplicationTask stops a running task: stopping, then stopped.
func (d *DMS) StopReplicationTask(_ context.Context, p *dms.StopReplicationTaskInput, _ ...func(*dms.Options)) (*dms.StopReplicationTaskOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("StopReplicationTask")
	t := c.taskByARN(aws.ToString(p.ReplicationTaskArn))
	if t == nil {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication task not found")}
	}
	if t.status != "running" && t.status != "starting" {
		// The reference states no rule; stopping a task that does not run is refused as DMS
		// refuses operations on a resource in the wrong state: InvalidResourceStateFault, "The
		// resource is in a state that prevents it from being used for database migration."
		return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication task is %s; it is not running", t.status))}
	}
	t.status, t.settle, t.stopReason = "stopping", c.settle, "Stop Reason STOPPED_BY_USER"
	return &dms.StopReplicationTaskOutput{ReplicationTask: ptr(d.taskOut(t))}, c.crashed("StopReplicationTask")
}

// DeleteReplicationTask deletes a task that does not run: deleting, then gone.
func (d *DMS) DeleteReplicationTask(_ context.Context, p *dms.DeleteReplicationTaskInput, _ ...func(*dms.Options)) (*dms.DeleteReplicationTaskOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DeleteReplicationTask")
	t := c.taskByARN(aws.ToString(p.ReplicationTaskArn))
	if t == nil {
		return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication task not found")}
	}
	switch t.status {
	case "ready", "stopped", "failed":
	default:
		// ReplicationTask.Status: ""ready" – The task is in a ready state where it can respond
		// to other task operations, such as StartReplicationTask or DeleteReplicationTask."; a
		// running, starting, stopping, modifying or deleting task cannot be deleted.
		return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf("Replication task is %s; it cannot be deleted", t.status))}
	}
	t.status, t.settle = "deleting", c.settle
	return &dms.DeleteReplicationTaskOutput{ReplicationTask: ptr(d.taskOut(t))}, c.crashed("DeleteReplicationTask")
}

// DeleteEndpoint deletes an endpoint no task uses.
func (d *DMS) DeleteEndpoint(_ context.Context, p *dms.DeleteEndpointInput, _ ...func(*dms.Options)) (*dms.DeleteEndpointOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DeleteEndpoint")
	arn := aws.ToString(p.EndpointArn)
	for _, t := range c.tasks {
		if !t.deleted && (t.sourceARN == arn || t.targetARN == arn) {
			// "All tasks associated with the endpoint must be deleted before you can delete the
			// endpoint."
			return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String("Endpoint is used by replication task " + t.id)}
		}
	}
	for i, e := range c.pre.endpoints {
		if e.arn == arn {
			c.pre.endpoints = append(c.pre.endpoints[:i], c.pre.endpoints[i+1:]...)
			return &dms.DeleteEndpointOutput{Endpoint: ptr(endpointOut(e))}, c.crashed("DeleteEndpoint")
		}
	}
	return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Endpoint not found")}
}

// DeleteReplicationInstance deletes an instance no task uses: deleting, then gone.
func (d *DMS) DeleteReplicationInstance(_ context.Context, p *dms.DeleteReplicationInstanceInput, _ ...func(*dms.Options)) (*dms.DeleteReplicationInstanceOutput, error) {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DeleteReplicationInstance")
	arn := aws.ToString(p.ReplicationInstanceArn)
	for _, t := range c.tasks {
		if !t.deleted && t.instanceARN == arn {
			// "You must delete any migration tasks that are associated with the replication
			// instance before you can delete it."
			return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String("Replication instance is used by replication task " + t.id)}
		}
	}
	for _, r := range c.reps {
		if r.arn == arn && r.status != "deleted" {
			if r.status == "deleting" {
				return nil, &dmstypes.InvalidResourceStateFault{Message: aws.String("Replication instance is already being deleted")}
			}
			r.status, r.settle = "deleting", c.settle
			return &dms.DeleteReplicationInstanceOutput{ReplicationInstance: ptr(c.repOut(r))}, c.crashed("DeleteReplicationInstance")
		}
	}
	return nil, &dmstypes.ResourceNotFoundFault{Message: aws.String("Replication instance not found")}
}

// EndpointInfo describes a DMS endpoint for assertions.
type EndpointInfo struct {
	Kind, Engine, Server, User, Database, SSL, Extra string
	Port                                             int32
	Password                                         string // as DMS received it (never printed by the tests)
	Tags                                             map[string]string
}

// Endpoint returns an endpoint by identifier, or nil.
func (c *Cloud) Endpoint(region, id string) *EndpointInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.pre.endpoints {
		if e.region == region && e.id == id {
			return &EndpointInfo{e.typ, e.engine, e.server, e.user, e.database, e.ssl, e.extra, e.port, e.password, tagMap(e.tags)}
		}
	}
	return nil
}

// ReplicationInstance returns an instance's status and tags by identifier, or "" and nil
// when there is none.
func (c *Cloud) ReplicationInstance(region, id string) (string, map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.reps {
		if r.region == region && r.id == id && r.status != "deleted" {
			return r.status, tagMap(r.tags)
		}
	}
	return "", nil
}
