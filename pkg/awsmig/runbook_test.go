package awsmig_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// fixture is a fake cloud seeded with a source, a key, a replication instance and a zone.
type fixture struct {
	cloud *awsmigtest.Cloud
	vars  map[string]string
	dir   string
}

const (
	region    = "eu-west-1"
	sourceDNS = "orders.cfakefakefake.eu-west-1.rds.amazonaws.com"
	targetDNS = "orders-enc.cfakefakefake.eu-west-1.rds.amazonaws.com"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := awsmigtest.New()
	c.AddInstance(region, "orders", "mysql", "db.r6g.large")
	keyARN := c.AddKey(region, "alias/orders")
	rep := c.AddReplicationInstance(region, "dbv-rep")
	zone := c.AddZone("example.com")
	c.SetRecord(zone, "db.example.com", "CNAME", sourceDNS, 300)
	return &fixture{cloud: c, dir: t.TempDir(), vars: map[string]string{
		"Region": region, "TargetRegion": region, "Key": "alias/orders", "KeyARN": keyARN, "Rep": rep, "Zone": zone,
		"SrcEP": awsmigtest.EndpointARN(region, "src"), "TgtEP": awsmigtest.EndpointARN(region, "tgt"),
		"SyncTimeout": "2s", "Extra": "", "DMSExtra": "", "Source": "  instance: orders", "Target": "",
	}}
}

// specTmpl is the test migration: short polls and timeouts so every test is fast.
const specTmpl = `name: orders-enc
region: {{.Region}}
source:
{{.Source}}
target:
  region: {{.TargetRegion}}
  instance: orders-enc
  kms_key: {{.Key}}
{{.Target}}
dms:
{{- if .Rep}}
  replication_instance_arn: {{.Rep}}
  source_endpoint_arn: {{.SrcEP}}
  target_endpoint_arn: {{.TgtEP}}
{{- end}}
  table_mappings: '{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"shop","object-locator":{"schema-name":"shop","table-name":"%"},"rule-action":"include"}]}'
{{.DMSExtra}}
dns:
  hosted_zone_id: {{.Zone}}
  record: db.example.com
  drain: 1ms
wait:
  poll: 1ms
  resource_timeout: 5s
  sync_timeout: {{.SyncTimeout}}
  lag_threshold: 5s
  gate_timeout: 200ms
  gate_interval: 1ms
  dns_timeout: 5s
{{.Extra}}`

func (f *fixture) spec(t *testing.T) *awsmig.Spec {
	t.Helper()
	var b bytes.Buffer
	if err := template.Must(template.New("spec").Parse(specTmpl)).Execute(&b, f.vars); err != nil {
		t.Fatal(err)
	}
	s, err := awsmig.ParseSpec(b.Bytes(), filepath.Join(f.dir, "spec.yaml"))
	if err != nil {
		t.Fatalf("spec: %v\n%s", err, b.String())
	}
	return s
}

func (f *fixture) statePath() string { return filepath.Join(f.dir, "state.json") }

// cleanGate is a gate whose passes are always clean; it counts them.
type cleanGate struct {
	mu     sync.Mutex
	passes int
}

func (g *cleanGate) Check(context.Context) (bool, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.passes++
	return true, "IDENTICAL: 3 tables, 42 rows", nil
}

func (g *cleanGate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.passes
}

// apply opens the state and runs the runbook once.
func (f *fixture) apply(t *testing.T, s *awsmig.Spec, opt awsmig.Options) (*awsmig.Result, error) {
	t.Helper()
	st, err := awsmig.OpenState(f.statePath(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if opt.Gate == nil {
		opt.Gate = &cleanGate{}
	}
	r, err := awsmig.NewRunner(s, f.cloud.Clients(s.Region, s.Target.Region), st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r.Apply(t.Context())
}

func (f *fixture) state(t *testing.T) *awsmig.State {
	t.Helper()
	st, err := awsmig.ReadState(f.statePath())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// mutations counts the calls made to the operations that are the keys of like: the calls that
// create or change something on a path.
func mutations(c *awsmigtest.Cloud, like map[string]int) map[string]int {
	m := map[string]int{}
	for op := range like {
		m[op] = c.Calls(op)
	}
	return m
}

// auroraOnce is what a clean Aurora run does: a cluster snapshot, its copy only across regions,
// a restore, one instance, the task, two DNS changes; never an instance snapshot.
func auroraOnce(crossRegion bool) map[string]int {
	m := map[string]int{"CreateDBClusterSnapshot": 1, "CopyDBClusterSnapshot": 0, "RestoreDBClusterFromSnapshot": 1, "CreateDBInstance": 1,
		"CreateDBSnapshot": 0, "CopyDBSnapshot": 0, "CreateReplicationTask": 1, "StartReplicationTask": 1, "ChangeResourceRecordSets": 2}
	if crossRegion {
		m["CopyDBClusterSnapshot"] = 1
	}
	return m
}

// auroraSpec seeds an unencrypted Aurora MySQL cluster orders-aurora in the source region and
// returns a spec that moves it to the encrypted cluster orders-aurora-enc (instance orders-enc)
// in dst, with a key, a replication instance and endpoints of dst.
func (f *fixture) auroraSpec(t *testing.T, dst string) *awsmig.Spec {
	t.Helper()
	f.cloud.AddCluster(region, "orders-aurora", "aurora-mysql")
	if dst != region {
		f.vars["TargetRegion"] = dst
		f.vars["KeyARN"] = f.cloud.AddKey(dst, "alias/orders-"+dst)
		f.vars["Key"] = "alias/orders-" + dst
		f.vars["Rep"] = f.cloud.AddReplicationInstance(dst, "dbv-rep-"+dst)
		f.vars["SrcEP"], f.vars["TgtEP"] = awsmigtest.EndpointARN(dst, "src"), awsmigtest.EndpointARN(dst, "tgt")
	}
	f.vars["Source"] = "  cluster: orders-aurora"
	f.vars["Target"] = "  cluster: orders-aurora-enc\n  instance_class: db.r6g.large"
	return f.spec(t)
}

// checkAurora checks the end state of a complete Aurora run: the cluster snapshot as it was
// taken (unencrypted), across regions a copy of it as it was, and the restored cluster and its
// instance encrypted with the key of the target's region.
func (f *fixture) checkAurora(t *testing.T) {
	t.Helper()
	c, dst, keyARN := f.cloud, f.vars["TargetRegion"], f.vars["KeyARN"]
	snap := c.Snapshot(region, "dbv-orders-enc-source")
	if snap == nil || snap.Status != "available" || snap.Encrypted || snap.Source != "orders-aurora" || snap.Tags[awsmig.TagStep] != "snapshot" {
		t.Errorf("source cluster snapshot: %+v", snap)
	}
	cp := c.Snapshot(dst, "dbv-orders-enc-copy")
	switch {
	case dst == region && cp != nil:
		t.Errorf("a copy in the source's own region: %+v", cp)
	case dst != region && (cp == nil || cp.Status != "available" || cp.Encrypted || cp.Tags[awsmig.TagStep] != "copy"):
		t.Errorf("cross-region copy: %+v", cp)
	}
	if c.Snapshot(dst, "dbv-orders-enc-encrypted") != nil {
		t.Error("an instance-style encrypted copy was made")
	}
	cl := c.Cluster(dst, "orders-aurora-enc")
	if cl == nil || cl.Status != "available" || !cl.Encrypted || cl.Key != keyARN || cl.Engine != "aurora-mysql" || cl.Tags[awsmig.TagStep] != "restore" {
		t.Errorf("target cluster: %+v (key %s)", cl, keyARN)
	}
	in := c.Instance(dst, "orders-enc")
	if in == nil || in.Status != "available" || in.Cluster != "orders-aurora-enc" || !in.Encrypted || in.Key != keyARN || in.Class != "db.r6g.large" {
		t.Errorf("target instance: %+v", in)
	}
	endpoint := "orders-aurora-enc.cluster.cfakefakefake." + dst + ".rds.amazonaws.com"
	if v, ttl := c.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != endpoint || ttl != 60 {
		t.Errorf("record: %s TTL %d, want %s", v, ttl, endpoint)
	}
	st := f.state(t)
	for _, name := range awsmig.StepNames(f.spec(t)) {
		if ss := st.Steps[name]; ss == nil || ss.Status != awsmig.StepDone {
			t.Errorf("step %s: %+v", name, ss)
		}
	}
	if st.DNS == nil || st.DNS.OriginalValue != sourceDNS || st.DNS.CutoverAt.IsZero() {
		t.Errorf("dns state: %+v", st.DNS)
	}
}

// once is what a clean run does: every resource created once, two DNS changes (TTL, value).
var once = map[string]int{"CreateDBSnapshot": 1, "CopyDBSnapshot": 1, "RestoreDBInstanceFromDBSnapshot": 1,
	"CreateReplicationTask": 1, "StartReplicationTask": 1, "ChangeResourceRecordSets": 2}

// checkEnd checks the end state of a complete run.
func (f *fixture) checkEnd(t *testing.T) {
	t.Helper()
	c := f.cloud
	keyARN := f.vars["KeyARN"]
	snap := c.Snapshot(region, "dbv-orders-enc-source")
	if snap == nil || snap.Status != "available" || snap.Encrypted || snap.Tags[awsmig.TagMigration] != "orders-enc" || snap.Tags[awsmig.TagStep] != "snapshot" {
		t.Errorf("source snapshot: %+v", snap)
	}
	enc := c.Snapshot(f.vars["TargetRegion"], "dbv-orders-enc-encrypted")
	if enc == nil || enc.Status != "available" || !enc.Encrypted || enc.Key != keyARN || enc.Tags[awsmig.TagStep] != "copy" {
		t.Errorf("encrypted copy: %+v (key %s)", enc, keyARN)
	}
	in := c.Instance(f.vars["TargetRegion"], "orders-enc")
	if in == nil || in.Status != "available" || !in.Encrypted || in.Key != keyARN || in.Class != "db.r6g.large" || in.Tags[awsmig.TagMigration] != "orders-enc" {
		t.Errorf("target instance: %+v", in)
	}
	task := c.Task("dbv-orders-enc")
	if task == nil || task.Status != "running" || !strings.Contains(task.TableMappings, `"schema-name":"shop"`) ||
		task.Settings != defaultSettings || task.Tags[awsmig.TagStep] != "dms-task" {
		t.Errorf("task: %+v", task)
	}
	if v, ttl := c.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != strings.Replace(targetDNS, region, f.vars["TargetRegion"], 1) || ttl != 60 {
		t.Errorf("record: %s TTL %d", v, ttl)
	}
	st := f.state(t)
	for _, name := range awsmig.StepNames(f.spec(t)) {
		if ss := st.Steps[name]; ss == nil || ss.Status != awsmig.StepDone {
			t.Errorf("step %s: %+v", name, ss)
		}
	}
	if st.DNS == nil || st.DNS.OriginalValue != sourceDNS || st.DNS.OriginalTTL != 300 || st.DNS.CutoverAt.IsZero() {
		t.Errorf("dns state: %+v", st.DNS)
	}
}

// defaultSettings are the task settings of a spec that sets none: DMS's own LOB defaults
// (limited, 32 KB) and the task recovery table.
const defaultSettings = `{"FullLoadSettings":{"TargetTablePrepMode":"TRUNCATE_BEFORE_LOAD"},"TargetMetadata":{"FullLobMode":false,"InlineLobMaxSize":0,"LimitedSizeLobMode":true,"LobMaxSize":32,"ParallelLoadThreads":0,"SupportLobs":true,"TaskRecoveryTableEnabled":true},"ValidationSettings":{"EnableValidation":false}}`

// TestApply: the whole runbook on the fake cloud, from nothing to a cutover.
func TestApply(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	var progress []string
	var mu sync.Mutex
	gate := &cleanGate{}
	res, err := f.apply(t, s, awsmig.Options{Gate: gate, Cutover: true, Progress: func(step, msg string) {
		mu.Lock()
		progress = append(progress, step+": "+msg)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Ran, awsmig.StepNames(s)) || res.StoppedBefore != "" {
		t.Fatalf("result: %+v", res)
	}
	f.checkEnd(t)
	if got := mutations(f.cloud, once); !reflect.DeepEqual(got, once) {
		t.Errorf("mutating calls: %v, want %v", got, once)
	}
	text := strings.Join(progress, "\n")
	for _, want := range []string{"snapshot: dbv-orders-enc-source: creating", "copy: dbv-orders-enc-encrypted: available 100%",
		"wait-sync: dbv-orders-enc: full load 50%", "gate: pass 1: IDENTICAL", "cutover: db.example.com CNAME: TTL 300 -> 60"} {
		if !strings.Contains(text, want) {
			t.Errorf("progress lacks %q:\n%s", want, text)
		}
	}

	// Everything is done: a re-run changes nothing and does not even re-check.
	before := f.cloud.AllCalls()
	res, err = f.apply(t, s, awsmig.Options{Gate: gate, Cutover: true})
	if err != nil || len(res.Ran) != 0 || len(res.Skipped) != len(awsmig.StepNames(s)) {
		t.Fatalf("re-run: %+v, %v", res, err)
	}
	if after := f.cloud.AllCalls(); !reflect.DeepEqual(before, after) {
		t.Errorf("re-run called AWS: %v -> %v", before, after)
	}
}

// TestCutoverNeedsFlag: without the cutover option the run stops before it and the record is
// untouched; a later run with it re-checks the live steps and cuts over.
func TestCutoverNeedsFlag(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	gate := &cleanGate{}
	res, err := f.apply(t, s, awsmig.Options{Gate: gate})
	if err != nil || res.StoppedBefore != awsmig.StepCutover {
		t.Fatalf("%+v, %v", res, err)
	}
	if v, ttl := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS || ttl != 300 {
		t.Fatalf("record changed without --cutover: %s %d", v, ttl)
	}
	if f.cloud.Calls("ChangeResourceRecordSets") != 0 {
		t.Fatal("changed DNS without --cutover")
	}
	res, err = f.apply(t, s, awsmig.Options{Gate: gate, Cutover: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{awsmig.StepTask, awsmig.StepSync, awsmig.StepGate, awsmig.StepCutover}
	if !reflect.DeepEqual(res.Ran, want) {
		t.Errorf("second run ran %v, want the live steps and the cutover %v", res.Ran, want)
	}
	if gate.count() != 2 {
		t.Errorf("gate passes: %d, want one per run", gate.count())
	}
	f.checkEnd(t)
	if got := mutations(f.cloud, once); !reflect.DeepEqual(got, once) {
		t.Errorf("mutating calls: %v, want %v", got, once)
	}
}

// TestUntil: a run stops after the named step.
func TestUntil(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	res, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepCopy})
	if err != nil || !reflect.DeepEqual(res.Ran, []string{awsmig.StepKMSKey, awsmig.StepSnapshot, awsmig.StepCopy}) {
		t.Fatalf("%+v, %v", res, err)
	}
	if f.cloud.Calls("RestoreDBInstanceFromDBSnapshot") != 0 {
		t.Fatal("ran past --until")
	}
	st, _ := awsmig.OpenState(f.statePath(), s.Name)
	defer st.Close()
	if _, err := awsmig.NewRunner(s, f.cloud.Clients(region, region), st, awsmig.Options{Until: "nope"}); !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), `no step "nope"`) {
		t.Errorf("unknown --until: %v", err)
	}
	if _, err := awsmig.NewRunner(s, f.cloud.Clients(region, region), st, awsmig.Options{Until: awsmig.StepCutover}); err == nil || !strings.Contains(err.Error(), "--cutover") {
		t.Errorf("--until cutover without --cutover: %v", err)
	}
}

// path is one shape of migration: how to seed and write its spec, what a clean run creates
// once, and how the end state looks.
type path struct {
	name  string
	setup func(t *testing.T, f *fixture) *awsmig.Spec
	once  map[string]int // mutating calls of a clean run
	check func(f *fixture, t *testing.T)
}

// paths are the migrations the kill test runs: an RDS instance, an Aurora cluster in its
// region, and one moved to another region.
var paths = []path{
	{"instance", func(t *testing.T, f *fixture) *awsmig.Spec { return f.spec(t) }, once, (*fixture).checkEnd},
	{"aurora", func(t *testing.T, f *fixture) *awsmig.Spec { return f.auroraSpec(t, region) }, auroraOnce(false), (*fixture).checkAurora},
	{"aurora-cross-region", func(t *testing.T, f *fixture) *awsmig.Spec { return f.auroraSpec(t, "us-east-1") }, auroraOnce(true), (*fixture).checkAurora},
	// dms.create: the replication instance and endpoints are created by the run, tagged; a
	// kill between a create and the state write finds them again by name and tag.
	{"instance-dms-create", func(t *testing.T, f *fixture) *awsmig.Spec { return f.createSpec(t) }, onceCreate, func(f *fixture, t *testing.T) {
		f.checkEnd(t)
		f.checkCreated(t)
	}},
}

// TestKillAfterEveryCall: a run killed right after any AWS call took effect (the state file as
// it was then, nothing written after) resumes without repeating what was done: for every path
// and every call, reads included, the resumed run ends where a clean run does and creates
// nothing twice. A run killed once the record points at the target (between the Route 53
// change and the state write that records it, or while waiting for INSYNC) resumes by
// finishing the cutover only: it runs neither the DMS steps nor the gate again. Losing the id
// of the change that pointed the record at the target costs one more, identical UPSERT, whose
// INSYNC the resumed run waits for.
func TestKillAfterEveryCall(t *testing.T) {
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			f0 := newFixture(t)
			if _, err := f0.apply(t, p.setup(t, f0), awsmig.Options{Cutover: true}); err != nil {
				t.Fatal(err)
			}
			calls := f0.cloud.AllCalls()
			ops := make([]string, 0, len(calls))
			for op := range calls {
				ops = append(ops, op)
			}
			sort.Strings(ops)
			var switched []string
			for _, op := range ops {
				for i := 1; i <= calls[op]; i++ {
					t.Run(fmt.Sprintf("%s#%d", op, i), func(t *testing.T) {
						if killAndResume(t, p, op, i) {
							switched = append(switched, fmt.Sprintf("%s#%d", op, i))
						}
					})
				}
			}
			// The window between the change that points the record at the target and the
			// state write that records the cutover: the change itself, and the polls of its
			// INSYNC.
			if !slices.Contains(switched, "ChangeResourceRecordSets#2") || !slices.ContainsFunc(switched, func(s string) bool { return strings.HasPrefix(s, "GetChange#") }) {
				t.Errorf("kills after the record pointed at the target: %v", switched)
			}
		})
	}
}

// killAndResume runs p until the i-th call of op, kills it there and resumes it; it reports
// whether the record pointed at the target when the run was killed.
func killAndResume(t *testing.T, p path, op string, i int) bool {
	f := newFixture(t)
	s := p.setup(t, f)
	var saved []byte
	f.cloud.OnCrash(func() { saved, _ = os.ReadFile(f.statePath()) })
	f.cloud.CrashAfter(op, i)
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); !errors.Is(err, awsmigtest.ErrCrash) {
		t.Fatalf("first run: %v, want the crash", err)
	}
	// The kill: the state file holds what it held when the call returned.
	if saved == nil {
		os.Remove(f.statePath())
	} else if err := os.WriteFile(f.statePath(), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	var target string
	if st, err := awsmig.ReadState(f.statePath()); err == nil {
		target = st.Resources.TargetAddress
	}
	value, _ := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME")
	switched := target != "" && value == target

	gate := &cleanGate{}
	res, err := f.apply(t, s, awsmig.Options{Gate: gate, Cutover: true})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	p.check(f, t)
	want := maps.Clone(p.once)
	if op == "ChangeResourceRecordSets" && i == 2 {
		want[op]++ // the resumed run never learnt the id of the change that switched the record
	}
	if got := mutations(f.cloud, p.once); !reflect.DeepEqual(got, want) {
		t.Errorf("mutating calls: %v, want %v", got, want)
	}
	if switched {
		if gate.count() != 0 || !res.CutoverResumed || !reflect.DeepEqual(res.Ran, []string{awsmig.StepCutover}) {
			t.Errorf("killed after the record pointed at the target: the resumed run gated %d times, ran %v (resumed cutover %t)", gate.count(), res.Ran, res.CutoverResumed)
		}
		if note := f.state(t).Steps[awsmig.StepCutover].Note; !strings.Contains(note, "finished after a restart") {
			t.Errorf("cutover note: %s", note)
		}
	} else if res.CutoverResumed {
		t.Error("resumed run says the cutover was under way, but the record did not point at the target")
	}
	return switched
}

// TestCrashAfterEveryStep: a run that stops after any step (recorded done) resumes at the next
// one without repeating anything.
func TestCrashAfterEveryStep(t *testing.T) {
	f0 := newFixture(t)
	for _, stop := range awsmig.StepNames(f0.spec(t)) {
		t.Run(stop, func(t *testing.T) {
			f := newFixture(t)
			s := f.spec(t)
			crash := errors.New("killed")
			_, err := f.apply(t, s, awsmig.Options{Cutover: true, AfterStep: func(step string) error {
				if step == stop {
					return crash
				}
				return nil
			}})
			if !errors.Is(err, crash) {
				t.Fatalf("first run: %v", err)
			}
			res, err := f.apply(t, s, awsmig.Options{Cutover: true})
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			for _, name := range res.Ran {
				if name == stop && name != awsmig.StepTask && name != awsmig.StepSync && name != awsmig.StepGate {
					t.Errorf("resume ran %s again", name)
				}
			}
			f.checkEnd(t)
			if got := mutations(f.cloud, once); !reflect.DeepEqual(got, once) {
				t.Errorf("mutating calls: %v, want %v", got, once)
			}
		})
	}
}

// TestSnapshotFails: a snapshot that ends failed is a clear error, recorded in the state.
func TestSnapshotFails(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"dbv-orders-enc-source", "snapshot: dbv-orders-enc-source: ended in status failed"},
		{"dbv-orders-enc-encrypted", "copy: dbv-orders-enc-encrypted: ended in status failed"},
	} {
		f := newFixture(t)
		s := f.spec(t)
		f.cloud.FailSnapshot(c.id)
		_, err := f.apply(t, s, awsmig.Options{})
		var se *awsmig.StepError
		if err == nil || err.Error() != c.want || !errors.As(err, &se) {
			t.Errorf("%s: got %v, want %q", c.id, err, c.want)
			continue
		}
		st := f.state(t)
		if ss := st.Steps[se.Step]; ss == nil || ss.Status != awsmig.StepFailed || ss.Error != c.want {
			t.Errorf("state of %s: %+v", se.Step, ss)
		}
		// A re-run does not paper over it: the failed snapshot is ours, and stays failed.
		_, err = f.apply(t, s, awsmig.Options{})
		if err == nil || !strings.Contains(err.Error(), "ended in status failed; delete it and re-run") {
			t.Errorf("%s: re-run: %v", c.id, err)
		}
	}
}

// TestKMSKey: a key in another region, disabled, or asymmetric stops the run before anything
// is created.
func TestKMSKey(t *testing.T) {
	cases := []struct {
		name string
		seed func(c *awsmigtest.Cloud) string // returns the spec's kms_key
		want string
	}{
		{"other region", func(c *awsmigtest.Cloud) string { c.AddKey("us-east-1", "alias/elsewhere"); return "alias/elsewhere" },
			"kms-key: alias/elsewhere: not found in eu-west-1, where the encrypted copy is made (a KMS key works only in its own region)"},
		{"disabled", func(c *awsmigtest.Cloud) string {
			c.AddKey(region, "alias/off", awsmigtest.KeyDisabled)
			return "alias/off"
		},
			"kms-key: alias/off: is Disabled, not Enabled"},
		{"asymmetric", func(c *awsmigtest.Cloud) string {
			c.AddKey(region, "alias/rsa", awsmigtest.KeyAsymmetric)
			return "alias/rsa"
		}, "kms-key: alias/rsa: is an asymmetric or HMAC key (RSA_2048)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.vars["Key"] = c.seed(f.cloud)
			_, err := f.apply(t, f.spec(t), awsmig.Options{})
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if f.cloud.Calls("CreateDBSnapshot") != 0 {
				t.Error("snapshot taken despite a bad key")
			}
		})
	}

	// The client of the wrong region returns a key whose ARN says so.
	t.Run("client in the wrong region", func(t *testing.T) {
		f := newFixture(t)
		f.cloud.AddKey("us-east-1", "alias/orders")
		s := f.spec(t)
		st, _ := awsmig.OpenState(f.statePath(), s.Name)
		defer st.Close()
		cl := f.cloud.Clients(region, region)
		cl.KMS = f.cloud.KMS("us-east-1")
		r, err := awsmig.NewRunner(s, cl, st, awsmig.Options{Gate: &cleanGate{}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Apply(t.Context())
		if err == nil || !strings.Contains(err.Error(), "kms-key: alias/orders: is in us-east-1") || !strings.Contains(err.Error(), "use a key of eu-west-1") {
			t.Fatalf("got %v", err)
		}
	})

	// A key ARN of another region is caught when the spec is read.
	t.Run("ARN of another region", func(t *testing.T) {
		f := newFixture(t)
		f.vars["Key"] = "arn:aws:kms:us-east-1:123456789012:key/abc"
		var b bytes.Buffer
		template.Must(template.New("").Parse(specTmpl)).Execute(&b, f.vars)
		_, err := awsmig.ParseSpec(b.Bytes(), "spec.yaml")
		if !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), "target.kms_key: the key is in us-east-1 but the encrypted copy is made in eu-west-1") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestTaskFails: a DMS task that fails stops the run with DMS's message; once the cause is
// fixed, a re-run resumes the task (or reloads it, per dms.on_rerun) and finishes.
func TestTaskFails(t *testing.T) {
	for _, c := range []struct{ rerun, start string }{{"", "resume-processing"}, {"reload", "reload-target"}} {
		t.Run("on_rerun="+c.start, func(t *testing.T) {
			f := newFixture(t)
			s := f.spec(t)
			if c.rerun != "" {
				s.DMS.OnRerun = c.rerun
			}
			f.cloud.FailTask("Error executing source loop; Stream component failed at subtask 0: table shop.orders has no primary key")
			_, err := f.apply(t, s, awsmig.Options{})
			want := "wait-sync: dbv-orders-enc: task failed: Error executing source loop; Stream component failed at subtask 0: table shop.orders has no primary key"
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("got %v\nwant %s", err, want)
			}
			f.cloud.FailTask("")
			if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
				t.Fatal(err)
			}
			task := f.cloud.Task("dbv-orders-enc")
			if want := []string{"start-replication", c.start}; !reflect.DeepEqual(task.Starts, want) {
				t.Errorf("starts: %v, want %v", task.Starts, want)
			}
			if f.cloud.Calls("CreateReplicationTask") != 1 {
				t.Error("task created twice")
			}
		})
	}
}

// TestTaskStoppedIsResumed: a task someone stopped is resumed by the next run.
func TestTaskStoppedIsResumed(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{}); err != nil {
		t.Fatal(err)
	}
	f.cloud.StopTask("dbv-orders-enc", "Stop Reason NORMAL")
	if _, err := f.apply(t, s, awsmig.Options{}); err != nil {
		t.Fatal(err)
	}
	if task := f.cloud.Task("dbv-orders-enc"); task.Status != "running" || len(task.Starts) != 2 || task.Starts[1] != "resume-processing" {
		t.Errorf("task: %+v", task)
	}
}

// TestLagNeverDrops: CDC lag that stays above the threshold ends the wait with a clear message.
func TestLagNeverDrops(t *testing.T) {
	f := newFixture(t)
	f.vars["SyncTimeout"] = "30ms"
	s := f.spec(t)
	f.cloud.SetLag(func(int) (float64, float64) { return 120, 340 })
	_, err := f.apply(t, s, awsmig.Options{})
	want := "wait-sync: dbv-orders-enc: CDC lag still 2m0s source, 5m40s target (threshold 5s) after 30ms (wait.sync_timeout)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if f.cloud.Calls("GetMetricData") < 2 {
		t.Errorf("lag read %d times; the wait should poll", f.cloud.Calls("GetMetricData"))
	}
}

// TestLagDrops: the wait ends when the lag falls under the threshold.
func TestLagDrops(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	f.cloud.SetLag(func(n int) (float64, float64) { return max(0, 40-10*float64(n)), max(0, 60-10*float64(n)) })
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepSync}); err != nil {
		t.Fatal(err)
	}
	note := f.state(t).Steps[awsmig.StepSync].Note
	if !strings.Contains(note, "full load done; CDC lag 0s source, 0s target (threshold 5s)") {
		t.Errorf("note: %s", note)
	}
	if n := f.cloud.Calls("GetMetricData"); n < 6 {
		t.Errorf("GetMetricData called %d times, want at least 6", n)
	}
}

// dirtyGate is never clean.
type dirtyGate struct{}

func (dirtyGate) Check(context.Context) (bool, string, error) {
	return false, "DIFFERENT: 1 of 3 tables differ; 2 rows missing on target", nil
}

// TestGateNotClean: a gate that keeps finding differences stops the run before the cutover.
func TestGateNotClean(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	_, err := f.apply(t, s, awsmig.Options{Gate: dirtyGate{}, Cutover: true})
	if !errors.Is(err, awsmig.ErrNotClean) || !strings.HasPrefix(err.Error(), "gate: the target still differs from the source after 200ms (") ||
		!strings.HasSuffix(err.Error(), "last pass: DIFFERENT: 1 of 3 tables differ; 2 rows missing on target") {
		t.Fatalf("got %v", err)
	}
	if f.cloud.Calls("ChangeResourceRecordSets") != 0 {
		t.Fatal("cut over although the gate failed")
	}
}

// fakeWatcher is a Watcher that keeps what the runbook gave it and returns res (or, with
// block, waits for ctx to end).
type fakeWatcher struct {
	dirtyGate
	res   awsmig.GateResult
	block bool
	got   awsmig.GateWatch
	lag   time.Duration
	known bool
}

func (g *fakeWatcher) Watch(ctx context.Context, w awsmig.GateWatch) (awsmig.GateResult, error) {
	g.got = w
	if w.Lag != nil {
		var err error
		if g.lag, g.known, err = w.Lag(ctx); err != nil {
			return awsmig.GateResult{}, err
		}
	}
	w.Progress("pass 1: " + g.res.Last)
	if g.block {
		<-ctx.Done()
		return g.res, ctx.Err()
	}
	return g.res, nil
}

// TestGateWatcher: a gate that can watch is watched, never Checked: it gets the spec's
// gate_interval and gate_settle and the task's CDC lag (the larger of source and target, from
// CloudWatch). Confirmed drift stops the run at once, naming the rows; a watch that is still
// waiting at gate_timeout stops it with the last pass; a clean watch says how many rows were in
// flight.
func TestGateWatcher(t *testing.T) {
	f := newFixture(t)
	f.vars["Extra"] = "  gate_settle: 3s"
	s := f.spec(t)
	f.cloud.SetLag(func(int) (float64, float64) { return 2, 4 })
	drift := &fakeWatcher{res: awsmig.GateResult{Passes: 1, Last: "DIFFERENT: 1 of 3 tables differ; 0 rows missing on target, 0 extra on target, 7 changed",
		Drift: []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7"}}}
	_, err := f.apply(t, s, awsmig.Options{Gate: drift, Cutover: true})
	if !errors.Is(err, awsmig.ErrNotClean) || err.Error() != "gate: the target still differs from the source: 7 rows are drift (the source row stayed unchanged for wait.gate_settle 3s, and at least the CDC lag, while the target's differed): r1; r2; r3; r4; r5; and 2 more; pass 1: DIFFERENT: 1 of 3 tables differ; 0 rows missing on target, 0 extra on target, 7 changed" {
		t.Fatalf("got %v", err)
	}
	if drift.got.Interval != time.Millisecond || drift.got.Settle != 3*time.Second || !drift.known || drift.lag != 4*time.Second {
		t.Errorf("the watcher got interval %s, settle %s, lag %s (known %t)", drift.got.Interval, drift.got.Settle, drift.lag, drift.known)
	}
	if f.cloud.Calls("ChangeResourceRecordSets") != 0 {
		t.Fatal("cut over despite drift")
	}

	_, err = f.apply(t, s, awsmig.Options{Gate: &fakeWatcher{block: true, res: awsmig.GateResult{Passes: 2, Last: "DIFFERENT: 1 of 3 tables differ"}}, Cutover: true})
	if !errors.Is(err, awsmig.ErrNotClean) || err.Error() != "gate: the target still differs from the source after 200ms (2 passes, wait.gate_timeout); last pass: DIFFERENT: 1 of 3 tables differ" {
		t.Fatalf("timeout: got %v", err)
	}

	clean := &fakeWatcher{res: awsmig.GateResult{Clean: true, Passes: 3, Last: "IDENTICAL: 3 tables, 42 rows", Resolved: 12}}
	if _, err := f.apply(t, s, awsmig.Options{Gate: clean, Cutover: true}); err != nil {
		t.Fatal(err)
	}
	if note := f.state(t).Steps[awsmig.StepGate].Note; note != "pass 3 clean: IDENTICAL: 3 tables, 42 rows; 12 differing rows matched when read again (in flight)" {
		t.Errorf("note %q", note)
	}
}

// TestFailback: the failback warns about writes since the cutover, points the record back,
// and forgets the cutover so a later one checks the gate again.
func TestFailback(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	st, err := awsmig.OpenState(f.statePath(), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := awsmig.NewRunner(s, f.cloud.Clients(region, region), st, awsmig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	warn, err := r.FailbackWarning()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"WARNING", "since the cutover at", "went to the target " + targetDNS, "NOT on the source", "dbv-orders-enc replicates source -> target only"} {
		if !strings.Contains(warn, want) {
			t.Errorf("warning lacks %q: %s", want, warn)
		}
	}
	note, err := r.Failback(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v, ttl := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != sourceDNS || ttl != 60 {
		t.Errorf("after failback: %s TTL %d (%s)", v, ttl, note)
	}
	state := f.state(t)
	if state.Steps[awsmig.StepCutover] != nil || state.Steps[awsmig.StepGate] != nil || state.DNS.FailbackAt.IsZero() {
		t.Errorf("state after failback: %+v %+v", state.Steps, state.DNS)
	}
	// Cutting over again runs the gate again.
	gate := &cleanGate{}
	if _, err := f.apply(t, s, awsmig.Options{Gate: gate, Cutover: true}); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != targetDNS || gate.count() != 1 {
		t.Errorf("second cutover: %s, %d gate passes", v, gate.count())
	}
}

// TestFailbackWithoutCutover is refused.
func TestFailbackWithoutCutover(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	st, _ := awsmig.OpenState(f.statePath(), s.Name)
	defer st.Close()
	r, _ := awsmig.NewRunner(s, f.cloud.Clients(region, region), st, awsmig.Options{})
	if _, err := r.Failback(t.Context()); !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), "no cutover recorded") {
		t.Fatalf("got %v", err)
	}
}

// TestCrossRegion: the copy is made by the target region's client, from the source snapshot's
// ARN, with SourceRegion, and encrypted with the target region's key.
func TestCrossRegion(t *testing.T) {
	f := newFixture(t)
	const dst = "us-east-1"
	f.vars["TargetRegion"] = dst
	f.vars["KeyARN"] = f.cloud.AddKey(dst, "alias/orders-us")
	f.vars["Key"] = "alias/orders-us"
	f.vars["Rep"] = f.cloud.AddReplicationInstance(dst, "dbv-rep-us")
	f.vars["SrcEP"], f.vars["TgtEP"] = awsmigtest.EndpointARN(dst, "src"), awsmigtest.EndpointARN(dst, "tgt")
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	if f.cloud.Snapshot(dst, "dbv-orders-enc-source") != nil || f.cloud.Snapshot(region, "dbv-orders-enc-encrypted") != nil {
		t.Error("snapshots in the wrong regions")
	}
	f.checkEnd(t)
}

// TestAurora: an Aurora cluster is encrypted when it is restored, never by copying its
// snapshot: in its own region there is no copy step at all; across regions the cluster
// snapshot is copied as it is (no KmsKeyId, which RDS refuses for an unencrypted one) and
// restored there with the key of that region. The plan shows those calls; the fake would
// refuse the old ones.
func TestAurora(t *testing.T) {
	for _, dst := range []string{region, "us-east-1"} {
		t.Run(dst, func(t *testing.T) {
			f := newFixture(t)
			s := f.auroraSpec(t, dst)
			want := []string{"kms-key", "snapshot", "restore", "prepare-target", "dms-task", "wait-sync", "gate", "cutover"}
			if dst != region {
				want = slices.Insert(want, 2, "copy")
			}
			if got := awsmig.StepNames(s); !reflect.DeepEqual(got, want) {
				t.Fatalf("steps %v, want %v", got, want)
			}
			var plan bytes.Buffer
			if err := awsmig.WritePlan(&plan, s, nil, nil); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				text string
				want bool
			}{
				{"Aurora: the cluster is encrypted when it is restored (RestoreDBClusterFromSnapshot KmsKeyId)", true},
				{"rds:RestoreDBClusterFromSnapshot DBClusterIdentifier=orders-aurora-enc SnapshotIdentifier=dbv-orders-enc-" + map[bool]string{true: "source", false: "copy"}[dst == region] + " Engine=<the source's engine> KmsKeyId=<ARN of alias/orders", true},
				{"rds:CopyDBClusterSnapshot SourceDBClusterSnapshotIdentifier=<ARN of dbv-orders-enc-source> TargetDBClusterSnapshotIdentifier=dbv-orders-enc-copy Tags=", dst != region},
				{"no KmsKeyId: RDS refuses one for an unencrypted cluster snapshot", dst != region},
				{"CopyDBSnapshot", false},
				{"dbv-orders-enc-encrypted", false},
			} {
				if strings.Contains(plan.String(), c.text) != c.want {
					t.Errorf("plan has %q: %t, want %t\n%s", c.text, !c.want, c.want, plan.String())
				}
			}
			res, err := f.apply(t, s, awsmig.Options{Cutover: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Ran, want) {
				t.Errorf("ran %v", res.Ran)
			}
			f.checkAurora(t)
			if got := mutations(f.cloud, auroraOnce(dst != region)); !reflect.DeepEqual(got, auroraOnce(dst != region)) {
				t.Errorf("mutating calls: %v", got)
			}
			st := f.state(t)
			if note := st.Steps[awsmig.StepRestore].Note; !strings.Contains(note, "cluster orders-aurora-enc with instance orders-enc available at orders-aurora-enc.cluster.") || !strings.Contains(note, "encrypted with "+f.vars["KeyARN"]) {
				t.Errorf("restore note: %s", note)
			}
			if dst != region {
				if note := st.Steps[awsmig.StepCopy].Note; note != "dbv-orders-enc-copy available in us-east-1, unencrypted (the restore encrypts the cluster with "+f.vars["KeyARN"]+")" {
					t.Errorf("copy note: %s", note)
				}
				if !strings.HasSuffix(st.Resources.SnapshotCopyARN, ":cluster-snapshot:dbv-orders-enc-copy") {
					t.Errorf("copy ARN: %s", st.Resources.SnapshotCopyARN)
				}
			}
		})
	}

	// An encrypted source cluster (a key change): across regions its snapshot must be copied
	// with a key of the destination region, which the copy step then gives.
	t.Run("encrypted source across regions", func(t *testing.T) {
		f := newFixture(t)
		s := f.auroraSpec(t, "us-east-1")
		f.cloud.EncryptCluster(region, "orders-aurora", f.cloud.AddKey(region, "alias/old"))
		if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepRestore}); err != nil {
			t.Fatal(err)
		}
		if cp := f.cloud.Snapshot("us-east-1", "dbv-orders-enc-copy"); cp == nil || !cp.Encrypted || cp.Key != f.vars["KeyARN"] {
			t.Errorf("copy: %+v", cp)
		}
		if cl := f.cloud.Cluster("us-east-1", "orders-aurora-enc"); cl == nil || cl.Key != f.vars["KeyARN"] {
			t.Errorf("cluster: %+v", cl)
		}
	})

	// An instance source restored as a cluster (MySQL -> Aurora MySQL): the instance snapshot
	// is copied with the key, as an instance's is, and restored by ARN.
	t.Run("instance to cluster", func(t *testing.T) {
		g := newFixture(t)
		s := g.spec(t)
		s.Target.Cluster, s.Target.Engine = "orders-aurora", "aurora-mysql"
		if _, err := g.apply(t, s, awsmig.Options{Until: awsmig.StepRestore}); err != nil {
			t.Fatal(err)
		}
		if in := g.cloud.Instance(region, "orders-enc"); in == nil || in.Cluster != "orders-aurora" || !in.Encrypted {
			t.Errorf("instance -> cluster: %+v", in)
		}
		if g.cloud.Calls("CopyDBSnapshot") != 1 || g.cloud.Calls("CopyDBClusterSnapshot") != 0 {
			t.Errorf("copies: %v", g.cloud.AllCalls())
		}
	})
}

// TestAuroraReuseAutomated: an automated cluster snapshot (rds:...) can be reused; it is
// described with SnapshotType automated, as the reference requires, and restored directly.
func TestAuroraReuseAutomated(t *testing.T) {
	f := newFixture(t)
	s := f.auroraSpec(t, region)
	f.cloud.AddClusterSnapshot(region, "rds:orders-aurora-2024-05-01-03-10", "orders-aurora", "available")
	s.Source.Snapshot = "rds:orders-aurora-2024-05-01-03-10"
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepRestore}); err != nil {
		t.Fatal(err)
	}
	if f.cloud.Calls("CreateDBClusterSnapshot") != 0 {
		t.Error("took a snapshot although one was named")
	}
	if cl := f.cloud.Cluster(region, "orders-aurora-enc"); cl == nil || !cl.Encrypted || cl.Key != f.vars["KeyARN"] {
		t.Errorf("cluster: %+v", cl)
	}
	if _, err := awsmig.ParseSpec([]byte("name: a\nregion: eu-west-1\nsource: {cluster: c, snapshot: 'rds:c-2024-05-01-03-10'}\ntarget: {cluster: d, instance: e, instance_class: db.r6g.large, kms_key: alias/k}\n"), "s.yaml"); err != nil {
		t.Errorf("an automated snapshot's identifier is refused: %v", err)
	}
}

// TestReuseSnapshot: a named snapshot is used as it is, and must be available.
func TestReuseSnapshot(t *testing.T) {
	f := newFixture(t)
	f.cloud.AddSnapshot(region, "nightly", "orders", "available")
	f.cloud.AddSnapshot(region, "busy", "orders", "creating")
	s := f.spec(t)
	s.Source.Snapshot = "nightly"
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepCopy}); err != nil {
		t.Fatal(err)
	}
	if f.cloud.Calls("CreateDBSnapshot") != 0 || f.cloud.Snapshot(region, "dbv-orders-enc-encrypted") == nil {
		t.Error("did not copy the named snapshot")
	}

	g := newFixture(t)
	g.cloud.AddSnapshot(region, "busy", "orders", "creating")
	s = g.spec(t)
	s.Source.Snapshot = "busy"
	_, err := g.apply(t, s, awsmig.Options{})
	if err == nil || err.Error() != "snapshot: busy: is creating, not available: a reused snapshot must be available (source.snapshot)" {
		t.Errorf("got %v", err)
	}
	s.Source.Snapshot = "missing"
	s2 := *s
	_, err = g.apply(t, &s2, awsmig.Options{})
	if err == nil || !strings.Contains(err.Error(), "snapshot: missing: DB snapshot not found in eu-west-1") {
		t.Errorf("got %v", err)
	}
}

// TestNotOurs: a resource that has the migration's name but not its tag is left alone.
func TestNotOurs(t *testing.T) {
	f := newFixture(t)
	f.cloud.AddSnapshot(region, "dbv-orders-enc-source", "orders", "available")
	_, err := f.apply(t, f.spec(t), awsmig.Options{})
	if err == nil || !strings.Contains(err.Error(), "snapshot: dbv-orders-enc-source: a DB snapshot of this name exists but was not created by this migration") {
		t.Fatalf("got %v", err)
	}
}

// TestTaskWithOtherMappings: an existing task whose table mappings differ from the spec's is
// not adopted: the gate would compare other tables than DMS migrates.
func TestTaskWithOtherMappings(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepTask}); err != nil {
		t.Fatal(err)
	}
	s.DMS.TableMappings = `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"x","object-locator":{"schema-name":"other","table-name":"%"},"rule-action":"include"}]}`
	_, err := f.apply(t, s, awsmig.Options{})
	if err == nil || err.Error() != "dms-task: dbv-orders-enc: exists but differs from the spec (other table mappings): delete it or rename the migration" {
		t.Fatalf("got %v", err)
	}
}

// TestMissingSource: a source that does not exist is named in the error.
func TestMissingSource(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	s.Source.Instance = "nope"
	_, err := f.apply(t, s, awsmig.Options{})
	if err == nil || err.Error() != "snapshot: nope: source instance nope not found in eu-west-1" {
		t.Fatalf("got %v", err)
	}
}

// TestStateLock: two runs cannot hold one state file at once.
func TestStateLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	a, err := awsmig.OpenState(path, "m")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awsmig.OpenState(path, "m"); err == nil || !strings.Contains(err.Error(), "another dbverify migrate run holds it (pid ") {
		t.Fatalf("second open: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := awsmig.OpenState(path, "m")
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	b.Close()
}

// TestStateFile: writes are atomic (no temporary files left), readable, and tied to one
// migration.
func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	st, err := awsmig.OpenState(path, "m")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := st.Update(func(s *awsmig.State) { s.Resources.TaskARN = fmt.Sprint(i) }); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	got, err := awsmig.ReadState(path)
	if err != nil || got.Resources.TaskARN != "19" || got.Migration != "m" || got.Version != awsmig.StateVersion {
		t.Fatalf("%+v, %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	if _, err := awsmig.OpenState(path, "other"); err == nil || !strings.Contains(err.Error(), `belongs to migration "m", not "other"`) {
		t.Errorf("other migration: %v", err)
	}
	os.WriteFile(path, []byte("{not json"), 0o644)
	if _, err := awsmig.ReadState(path); err == nil || !strings.Contains(err.Error(), "not a dbverify state file") {
		t.Errorf("garbage: %v", err)
	}
}

// TestInterrupted: a cancelled run leaves its step running (not failed), and the next run
// resumes it.
func TestInterrupted(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	ctx, cancel := context.WithCancel(t.Context())
	st, _ := awsmig.OpenState(f.statePath(), s.Name)
	r, _ := awsmig.NewRunner(s, f.cloud.Clients(region, region), st, awsmig.Options{Gate: &cleanGate{}, Progress: func(step, msg string) {
		if step == awsmig.StepCopy && strings.Contains(msg, "copying") {
			cancel()
		}
	}})
	_, err := r.Apply(ctx)
	st.Close()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if ss := f.state(t).Steps[awsmig.StepCopy]; ss == nil || ss.Status != awsmig.StepRunning {
		t.Fatalf("copy step: %+v", ss)
	}
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	f.checkEnd(t)
}

// TestResumedCutover: a run killed after Route 53 pointed the record at the target and before
// the state recorded it. Applications may write to the target from then on, and a gate run
// then would report those writes as drift (and its repair SQL would delete them). plan and
// status say the cutover is under way; the next apply, even without the cutover option, runs
// nothing before the cutover (not the DMS steps, not the gate), confirms the record with an
// identical UPSERT (the killed run never learnt its change's id), waits for INSYNC and records
// the cutover.
func TestResumedCutover(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	var saved []byte
	f.cloud.OnCrash(func() { saved, _ = os.ReadFile(f.statePath()) })
	f.cloud.CrashAfter("ChangeResourceRecordSets", 2)
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); !errors.Is(err, awsmigtest.ErrCrash) {
		t.Fatalf("first run: %v, want the crash", err)
	}
	if err := os.WriteFile(f.statePath(), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.cloud.Record(f.vars["Zone"], "db.example.com", "CNAME"); v != targetDNS {
		t.Fatalf("the killed run did not switch the record: %s", v)
	}

	var plan, status bytes.Buffer
	if err := awsmig.WritePlan(&plan, s, f.state(t), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.String(), "The cutover was under way when the last run stopped. If the record already points at the target, apply only finishes it") {
		t.Errorf("plan:\n%s", plan.String())
	}
	cl := f.cloud.Clients(region, region)
	if err := awsmig.WriteStatus(t.Context(), &status, s, f.state(t), &cl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status.String(), "the record points at the target: the cutover is under way (a run stopped before recording it); apply finishes it (records it, waits for INSYNC) and runs neither the DMS steps nor the gate again") {
		t.Errorf("status:\n%s", status.String())
	}

	drift := &fakeWatcher{res: awsmig.GateResult{Passes: 1, Last: "DIFFERENT: 1 of 3 tables differ; 0 rows missing on target, 1 extra on target, 0 changed",
		Drift: []string{"shop.orders extra 7"}, Repair: "orders.drift.sql"}}
	var mu sync.Mutex
	var progress []string
	res, err := f.apply(t, s, awsmig.Options{Gate: drift, Progress: func(step, msg string) {
		mu.Lock()
		progress = append(progress, step+": "+msg)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if drift.got.Progress != nil {
		t.Error("the resumed run ran the gate after the record pointed at the target")
	}
	if !res.CutoverResumed || !reflect.DeepEqual(res.Ran, []string{awsmig.StepCutover}) || res.StoppedBefore != "" {
		t.Errorf("result: %+v", res)
	}
	text := strings.Join(progress, "\n")
	for _, want := range []string{
		"gate: not run again: the record already points at the target (an earlier run stopped during the cutover); applications may be writing to the target",
		"dms-task: not run again: the record already points at the target",
		"cutover: db.example.com CNAME: already points at " + targetDNS + " (changed by a run that stopped before recording it); confirming it reached every Route 53 server",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("progress lacks %q:\n%s", want, text)
		}
	}
	st := f.state(t)
	if note := st.Steps[awsmig.StepCutover].Note; !strings.HasSuffix(note, "; finished after a restart: the record already pointed at the target, so nothing before the cutover ran again (no gate)") {
		t.Errorf("cutover note: %s", note)
	}
	if st.DNS.CutoverAt.IsZero() || st.DNS.InsyncValue != targetDNS || st.DNS.LastChangeID != "" {
		t.Errorf("dns state: %+v", st.DNS)
	}
	f.checkEnd(t)
	if n := f.cloud.Calls("ChangeResourceRecordSets"); n != 3 {
		t.Errorf("ChangeResourceRecordSets: %d calls, want 3 (TTL, switch, the same value again to wait for)", n)
	}
	status.Reset()
	awsmig.WriteStatus(t.Context(), &status, s, f.state(t), &cl)
	if !strings.Contains(status.String(), "finished after a restart") || strings.Contains(status.String(), "under way") {
		t.Errorf("status after the resumed run:\n%s", status.String())
	}
}

// TestRecordAtTargetWithoutCutover: a record that points at the target while this state has no
// cutover (someone switched it by hand) stops apply before anything runs: applications may be
// writing to the target, so neither the gate nor the cutover may run.
func TestRecordAtTargetWithoutCutover(t *testing.T) {
	f := newFixture(t)
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepRestore}); err != nil {
		t.Fatal(err)
	}
	f.cloud.SetRecord(f.vars["Zone"], "db.example.com", "CNAME", targetDNS, 60)
	gate := &cleanGate{}
	_, err := f.apply(t, s, awsmig.Options{Gate: gate, Cutover: true})
	if err == nil || !strings.HasPrefix(err.Error(), "cutover: db.example.com CNAME: already points at the target "+targetDNS+", but "+f.statePath()+" records no cutover: applications may already write to the target, so dbverify neither gates nor cuts over") {
		t.Fatalf("got %v", err)
	}
	if gate.count() != 0 || f.cloud.Calls("CreateReplicationTask") != 0 {
		t.Error("ran steps although the record already points at the target")
	}
}

// TestAuroraStatus: status follows an Aurora move across regions: the copy in flight, then the
// target cluster and its instance, with the cluster's encryption and key.
func TestAuroraStatus(t *testing.T) {
	f := newFixture(t)
	s := f.auroraSpec(t, "us-east-1")
	cl := f.cloud.Clients(s.Region, s.Target.Region)
	status := func() string {
		var b bytes.Buffer
		if err := awsmig.WriteStatus(t.Context(), &b, s, f.state(t), &cl); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepSnapshot}); err != nil {
		t.Fatal(err)
	}
	if out := status(); !strings.Contains(out, "snapshot copy dbv-orders-enc-copy: not created yet") || strings.Contains(out, "encrypted copy") {
		t.Errorf("status after the snapshot:\n%s", out)
	}
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepCopy}); err != nil {
		t.Fatal(err)
	}
	if out := status(); !strings.Contains(out, "target cluster orders-aurora-enc: not created yet") || !strings.Contains(out, " 3. copy            done") {
		t.Errorf("status after the copy:\n%s", out)
	}
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepRestore}); err != nil {
		t.Fatal(err)
	}
	if out := status(); !strings.Contains(out, "target cluster orders-aurora-enc: available, encrypted=true, key "+f.vars["KeyARN"]) || !strings.Contains(out, "target instance orders-enc: available, encrypted=true") {
		t.Errorf("status after the restore:\n%s", out)
	}
}
