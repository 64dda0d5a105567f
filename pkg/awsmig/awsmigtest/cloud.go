// Package awsmigtest is an in-memory AWS for testing the awsmig runbook: the RDS, KMS, DMS,
// CloudWatch and Route 53 calls it makes, with state. Resources take a few polls to become
// ready (snapshots creating -> available, tasks starting -> running, DNS changes PENDING ->
// INSYNC), and tests can make things go wrong: a snapshot that ends failed, a DMS task that
// fails, CDC lag that never drops, a crash right after any call has taken effect.
//
// Cloud's per-region views (RDS, KMS, DMS, CloudWatch) and Route53 satisfy awsmig's client
// interfaces directly; NewServer serves the same state over each service's wire protocol, so
// the SDK's own clients and waiters can run against it.
//
// A fake is only as good as its fidelity. Every call the runbook makes refuses what the API
// reference says fails, with the error code AWS gives, and each such rule quotes the sentence
// it enforces where it is enforced. Quotes without another source are from the API references
// of RDS, DMS, CloudWatch and Route 53 (docs.aws.amazon.com), whose text is also the doc
// comment of the matching field in the aws-sdk-go-v2 service packages this module uses; the
// others name their guide. Where the reference names no error code, the comment says so and
// which code the fake uses.
package awsmigtest

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/dbverify/dbverify/pkg/awsmig"
)

// Account is the fake account id in every ARN.
const Account = "123456789012"

// ErrCrash is returned by a call chosen with CrashAfter, after the call has taken effect: the
// caller sees what a process killed right after the call would have left behind.
var ErrCrash = errors.New("awsmigtest: simulated crash after the call took effect")

// Cloud holds the state of every fake service. All methods are safe for concurrent use.
type Cloud struct {
	mu sync.Mutex

	settle      int                            // describes an asynchronous resource takes to settle
	failSnaps   map[string]bool                // snapshot ids that end "failed"
	taskFailure string                         // a running task fails with this message
	lag         func(n int) (src, tgt float64) // CDC lag in seconds at the n-th metric read
	crashOp     string
	crashN      int    // crash after this call number of crashOp (counted over all its calls)
	onCrash     func() // called as the crash happens, with mu held

	calls     map[string]int
	instances map[string]*instance // by region/id
	clusters  map[string]*cluster
	snapshots map[string]*snapshot // DB and DB cluster snapshots, by region/id (ids do not clash in practice)
	keys      []*key
	reps      []*repInstance
	tasks     []*task
	events    []event
	stats     map[string][]tableStat // by task id
	zones     map[string]*zone
	changes   map[string]*change
	metricN   int
	seq       int
	pre       *preflightState // endpoints, connection tests and the like (preflight.go)
}

// New returns an empty cloud whose resources settle after two describes.
func New() *Cloud {
	return &Cloud{
		settle:    2,
		failSnaps: map[string]bool{},
		calls:     map[string]int{},
		instances: map[string]*instance{},
		clusters:  map[string]*cluster{},
		snapshots: map[string]*snapshot{},
		zones:     map[string]*zone{},
		changes:   map[string]*change{},
		stats:     map[string][]tableStat{},
		pre:       newPreflightState(),
	}
}

// Settle sets how many describes an asynchronous resource takes to settle (at least 1).
func (c *Cloud) Settle(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle = max(n, 1)
}

// FailSnapshot makes the snapshot (or copy) with this id end in status failed.
func (c *Cloud) FailSnapshot(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failSnaps[id] = true
}

// FailTask makes running DMS tasks fail with msg at their next describe; "" stops that.
func (c *Cloud) FailTask(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.taskFailure = msg
}

// SetLag sets the CDC lag (seconds) the n-th GetMetricData call sees (n counts from 1).
func (c *Cloud) SetLag(f func(n int) (src, tgt float64)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lag = f
}

// CrashAfter makes the n-th call (counting from 1, over the whole life of the cloud) of
// operation op take effect and then return ErrCrash, once.
func (c *Cloud) CrashAfter(op string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crashOp, c.crashN = op, n
}

// OnCrash sets a function called at the moment a call chosen with CrashAfter crashes, after
// the call took effect and before the caller sees it: tests use it to keep the state file as
// a process killed then would have left it. It must not call the cloud.
func (c *Cloud) OnCrash(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onCrash = f
}

// Calls counts the calls made to an operation, e.g. "CreateDBSnapshot".
func (c *Cloud) Calls(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

// AllCalls returns the call counts of every operation.
func (c *Cloud) AllCalls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// call counts a call; the caller holds mu.
func (c *Cloud) call(op string) { c.calls[op]++ }

// crashed returns ErrCrash if this call of op was chosen to crash; the caller holds mu.
func (c *Cloud) crashed(op string) error {
	if c.crashOp == op && c.calls[op] == c.crashN {
		c.crashOp = ""
		if c.onCrash != nil {
			c.onCrash()
		}
		return ErrCrash
	}
	return nil
}

// failed is err, or ErrCrash if this call of op was chosen to crash: a read that fails (a
// resource not found) can be the call after which a run is killed, too. The caller holds mu.
func (c *Cloud) failed(op string, err error) error {
	if crash := c.crashed(op); crash != nil {
		return crash
	}
	return err
}

// next returns a sequence number for ids.
func (c *Cloud) next() int { c.seq++; return c.seq }

// Clients returns awsmig clients on this cloud for a source and a target region.
func (c *Cloud) Clients(sourceRegion, targetRegion string) awsmig.Clients {
	return awsmig.Clients{
		SourceRDS:  c.RDS(sourceRegion),
		TargetRDS:  c.RDS(targetRegion),
		KMS:        c.KMS(targetRegion),
		DMS:        c.DMS(targetRegion),
		CloudWatch: c.CloudWatch(targetRegion),
		Route53:    c.Route53(),
	}
}

// --- seeding and inspection ---

// AddInstance adds an available DB instance (the source) and returns its ARN.
func (c *Cloud) AddInstance(region, id, engine, class string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := &instance{region: region, id: id, engine: engine, class: class, status: "available"}
	in.address, in.port = endpointOf(id, region, engine)
	c.instances[region+"/"+id] = in
	return in.arn()
}

// AddCluster adds an available Aurora cluster (the source) and returns its ARN.
func (c *Cloud) AddCluster(region, id, engine string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := &cluster{region: region, id: id, engine: engine, status: "available"}
	cl.endpoint, cl.port = endpointOf(id+".cluster", region, engine)
	c.clusters[region+"/"+id] = cl
	return cl.arn()
}

// AddSnapshot adds a manual DB snapshot of an instance with the given status; an id that
// starts with rds: is an automated snapshot, as RDS names those.
func (c *Cloud) AddSnapshot(region, id, instanceID, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	engine := "mysql"
	in := c.instances[region+"/"+instanceID]
	if in != nil {
		engine = in.engine
	}
	s := &snapshot{region: region, id: id, source: instanceID, engine: engine, status: status, percent: 100, automated: strings.HasPrefix(id, "rds:")}
	if in != nil {
		s.encrypted, s.key = in.encrypted, in.key
	}
	c.snapshots[region+"/"+id] = s
}

// AddClusterSnapshot adds a DB cluster snapshot of a cluster with the given status, manual or
// (id rds:...) automated, encrypted as the cluster is.
func (c *Cloud) AddClusterSnapshot(region, id, clusterID, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &snapshot{region: region, id: id, source: clusterID, engine: "aurora-mysql", clusterSnap: true, status: status, percent: 100, automated: strings.HasPrefix(id, "rds:")}
	if cl := c.clusters[region+"/"+clusterID]; cl != nil {
		s.engine, s.encrypted, s.key = cl.engine, cl.encrypted, cl.key
	}
	c.snapshots[region+"/"+id] = s
}

// EncryptSnapshot marks a DB or DB cluster snapshot as encrypted with a key ARN.
func (c *Cloud) EncryptSnapshot(region, id, keyARN string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.snapshots[region+"/"+id]; s != nil {
		s.encrypted, s.key = true, keyARN
	}
}

// EncryptCluster marks a cluster as encrypted with a key ARN (a source that already is).
func (c *Cloud) EncryptCluster(region, id, keyARN string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.clusters[region+"/"+id]; cl != nil {
		cl.encrypted, cl.key = true, keyARN
	}
}

// KeyOption changes a key AddKey creates.
type KeyOption func(*key)

// KeyDisabled makes the key disabled.
func KeyDisabled(k *key) { k.state = "Disabled" }

// KeyAsymmetric makes the key an RSA signing key.
func KeyAsymmetric(k *key) { k.spec, k.usage = "RSA_2048", "SIGN_VERIFY" }

// AddKey adds a KMS key with an alias ("alias/NAME", may be empty) and returns its ARN.
func (c *Cloud) AddKey(region, alias string, opts ...KeyOption) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := fmt.Sprintf("0000000%d-1111-2222-3333-444444444444", c.next())
	k := &key{region: region, id: id, state: "Enabled", spec: "SYMMETRIC_DEFAULT", usage: "ENCRYPT_DECRYPT"}
	if alias != "" {
		k.aliases = []string{alias}
	}
	for _, o := range opts {
		o(k)
	}
	c.keys = append(c.keys, k)
	return k.arn()
}

// AddReplicationInstance adds an available DMS replication instance and returns its ARN.
func (c *Cloud) AddReplicationInstance(region, id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &repInstance{region: region, id: id, arn: fmt.Sprintf("arn:aws:dms:%s:%s:rep:%s", region, Account, resourceID("rep", id)), status: "available", class: "dms.r5.large"}
	c.reps = append(c.reps, r)
	return r.arn
}

// EndpointARN returns a DMS endpoint ARN (the fake does not model endpoints).
func EndpointARN(region, name string) string {
	return fmt.Sprintf("arn:aws:dms:%s:%s:endpoint:%s", region, Account, resourceID("endpoint", name))
}

// AddZone adds a hosted zone and returns its id.
func (c *Cloud) AddZone(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := fmt.Sprintf("Z%04dFAKEZONE", c.next())
	c.zones[id] = &zone{id: id, name: dot(name), records: map[string]*rrset{}}
	return id
}

// SetRecord creates or replaces a simple record.
func (c *Cloud) SetRecord(zoneID, name, typ, value string, ttl int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	z := c.zones[zoneID]
	z.records[dot(name)+" "+typ] = &rrset{name: dot(name), typ: typ, ttl: ttl, values: []string{value}}
}

// Record returns a record's value and TTL ("" when absent).
func (c *Cloud) Record(zoneID, name, typ string) (string, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	z := c.zones[zoneID]
	if z == nil {
		return "", 0
	}
	rs := z.records[dot(name)+" "+typ]
	if rs == nil || len(rs.values) == 0 {
		return "", 0
	}
	return rs.values[0], rs.ttl
}

// SnapshotInfo describes a snapshot for assertions.
type SnapshotInfo struct {
	Status, Source, Key string
	Encrypted           bool
	Tags                map[string]string
}

// Snapshot returns a snapshot's state, or nil.
func (c *Cloud) Snapshot(region, id string) *SnapshotInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snapshots[region+"/"+id]
	if s == nil {
		return nil
	}
	return &SnapshotInfo{Status: s.status, Source: s.source, Key: s.key, Encrypted: s.encrypted, Tags: tagMap(s.tags)}
}

// InstanceInfo describes a DB instance for assertions.
type InstanceInfo struct {
	Status, Key, Address, Cluster, Class string
	Encrypted                            bool
	Tags                                 map[string]string
}

// Instance returns a DB instance's state, or nil.
func (c *Cloud) Instance(region, id string) *InstanceInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.instances[region+"/"+id]
	if in == nil {
		return nil
	}
	return &InstanceInfo{Status: in.status, Key: in.key, Address: in.address, Cluster: in.cluster, Class: in.class, Encrypted: in.encrypted, Tags: tagMap(in.tags)}
}

// ClusterInfo describes a DB cluster for assertions.
type ClusterInfo struct {
	Status, Engine, Key, Endpoint string
	Encrypted                     bool
	Tags                          map[string]string
}

// Cluster returns a DB cluster's state, or nil.
func (c *Cloud) Cluster(region, id string) *ClusterInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.clusters[region+"/"+id]
	if cl == nil {
		return nil
	}
	return &ClusterInfo{Status: cl.status, Engine: cl.engine, Key: cl.key, Endpoint: cl.endpoint, Encrypted: cl.encrypted, Tags: tagMap(cl.tags)}
}

// TaskInfo describes a DMS task for assertions.
type TaskInfo struct {
	Status, TableMappings, Settings string
	MigrationType, CDCStartPosition string
	Modifies                        int      // ModifyReplicationTask calls that changed it
	Starts                          []string // the StartReplicationTaskType of every start
	Tags                            map[string]string
}

// Task returns a DMS task's state by identifier, or nil (also once deleted).
func (c *Cloud) Task(id string) *TaskInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tasks {
		if t.id == id && !t.deleted {
			return &TaskInfo{Status: t.status, TableMappings: t.mappings, Settings: t.settings, Starts: slices.Clone(t.starts), Tags: tagMap(t.tags),
				MigrationType: t.migrationType, CDCStartPosition: t.cdcStart, Modifies: t.modifies}
		}
	}
	return nil
}

// SetValidation sets what DescribeTableStatistics says of a table of a task: its
// ValidationState and failed records. A task whose settings enable validation and that has
// none set reports its tables shop.a, shop.b and shop.c as Validated.
func (c *Cloud) SetValidation(taskID, schema, table, state string, failed int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats[taskID] = append(c.stats[taskID], tableStat{schema, table, state, failed})
}

// StopTask stops a running task, as an operator (or DMS) would.
func (c *Cloud) StopTask(id, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tasks {
		if t.id == id {
			t.status, t.stopReason = "stopped", reason
		}
	}
}

// --- resources ---

type tagKV struct{ k, v string }

func tagMap(ts []tagKV) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[t.k] = t.v
	}
	return m
}

type instance struct {
	region, id, engine, class, status string
	cluster                           string
	encrypted                         bool
	key                               string
	address                           string
	port                              int32
	tags                              []tagKV
	settle                            int
	created                           time.Time
}

func (i *instance) arn() string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", i.region, Account, i.id)
}

type cluster struct {
	region, id, engine, status string
	encrypted                  bool
	key                        string
	endpoint                   string
	port                       int32
	tags                       []tagKV
	settle                     int
}

func (c *cluster) arn() string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", c.region, Account, c.id)
}

type snapshot struct {
	region, id, source, engine, status string
	clusterSnap                        bool
	automated                          bool // taken by RDS; its id starts with rds:
	percent                            int32
	encrypted                          bool
	key                                string
	tags                               []tagKV
	settle                             int
	fail                               bool
	created                            time.Time
}

func (s *snapshot) snapshotType() string {
	if s.automated {
		return "automated"
	}
	return "manual"
}

func (s *snapshot) arn() string {
	kind := "snapshot"
	if s.clusterSnap {
		kind = "cluster-snapshot"
	}
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", s.region, Account, kind, s.id)
}

type key struct {
	region, id  string
	aliases     []string
	state       string
	spec, usage string
}

func (k *key) arn() string { return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", k.region, Account, k.id) }

// matches reports whether a KeyId (id, key ARN, alias name or alias ARN) names the key.
func (k *key) matches(ref string) bool {
	if ref == k.id || ref == k.arn() {
		return true
	}
	for _, a := range k.aliases {
		if ref == a || ref == fmt.Sprintf("arn:aws:kms:%s:%s:%s", k.region, Account, a) {
			return true
		}
	}
	return false
}

type repInstance struct {
	region, id, arn, status, class string
	multiAZ                        bool
	tags                           []tagKV
	settle                         int
}

// tableStat is a table's validation as DescribeTableStatistics reports it.
type tableStat struct {
	schema, table, state string
	failed               int64
}

type task struct {
	region, id, arn, status           string
	instanceARN, sourceARN, targetARN string
	mappings, settings, migrationType string
	tags                              []tagKV
	settle                            int
	percent                           int32
	loaded                            bool
	failure, stopReason               string
	starts                            []string
	created                           time.Time
	cdcStart                          string
	modifies                          int
	before                            string // the status a modifying task returns to
	deleted                           bool
}

type zone struct {
	id, name string
	records  map[string]*rrset // "name type"
}

type rrset struct {
	name, typ string
	ttl       int64
	values    []string
}

type change struct {
	id, status string
	settle     int
	submitted  time.Time
}

// endpointOf is a database's fake DNS name and port.
func endpointOf(id, region, engine string) (string, int32) {
	port := int32(3306)
	if strings.Contains(engine, "postgres") {
		port = 5432
	}
	return fmt.Sprintf("%s.cfakefakefake.%s.rds.amazonaws.com", id, region), port
}

// resourceID is a stable upper-case resource id, as DMS puts in its ARNs.
func resourceID(kind, name string) string {
	h := fnv.New64a()
	h.Write([]byte(kind + "/" + name))
	return strings.ToUpper(fmt.Sprintf("%016x", h.Sum64()))
}

// dot adds the trailing dot Route 53 keeps on names.
func dot(name string) string {
	if strings.HasSuffix(name, ".") {
		return strings.ToLower(name)
	}
	return strings.ToLower(name) + "."
}

// parseARN splits an ARN into region, resource type and id ("snapshot", "x" for
// arn:aws:rds:r:a:snapshot:x).
func parseARN(arn string) (region, kind, id string, ok bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 7 || parts[0] != "arn" {
		return "", "", "", false
	}
	return parts[3], parts[5], parts[6], true
}

// sortedZoneRecords lists a zone's records by name, then type, as Route 53 orders them.
func (c *Cloud) sortedZoneRecords(z *zone) []*rrset {
	out := make([]*rrset, 0, len(z.records))
	for _, r := range z.records {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].name != out[j].name {
			return out[i].name < out[j].name
		}
		return out[i].typ < out[j].typ
	})
	return out
}

// dmsTagsIn converts DMS tags.
func dmsTagsIn(ts []types.Tag) []tagKV {
	out := make([]tagKV, len(ts))
	for i, t := range ts {
		out[i] = tagKV{aws.ToString(t.Key), aws.ToString(t.Value)}
	}
	return out
}
