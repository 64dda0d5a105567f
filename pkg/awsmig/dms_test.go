package awsmig_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/preflight"
)

// TestTaskSettings: the spec's LOB mode, validation and parallel load become the task's
// ReplicationTaskSettings, with the task recovery table always on.
func TestTaskSettings(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       map[string]map[string]any
		absent     []string // section.key
	}{
		{"defaults", "", map[string]map[string]any{
			"TargetMetadata":     {"SupportLobs": true, "LimitedSizeLobMode": true, "FullLobMode": false, "LobMaxSize": 32.0, "TaskRecoveryTableEnabled": true},
			"FullLoadSettings":   {"TargetTablePrepMode": "TRUNCATE_BEFORE_LOAD"},
			"ValidationSettings": {"EnableValidation": false},
		}, []string{"ValidationSettings.ValidationPartialLobSize"}},
		{"limited with validation", "  lob: {mode: limited, max_size_kb: 64}\n  validation: true\n  parallel_load_threads: 4", map[string]map[string]any{
			"TargetMetadata":     {"LimitedSizeLobMode": true, "LobMaxSize": 64.0, "ParallelLoadThreads": 4.0, "TaskRecoveryTableEnabled": true},
			"ValidationSettings": {"EnableValidation": true, "ValidationPartialLobSize": 64.0},
		}, nil},
		{"full", "  lob: {mode: full}", map[string]map[string]any{
			"TargetMetadata": {"FullLobMode": true, "LimitedSizeLobMode": false, "LobChunkSize": 64.0, "InlineLobMaxSize": 0.0, "ParallelLoadThreads": 0.0},
		}, []string{"TargetMetadata.LobMaxSize"}},
		{"inline", "  lob: {mode: inline, max_size_kb: 16}", map[string]map[string]any{
			"TargetMetadata": {"FullLobMode": true, "InlineLobMaxSize": 16.0, "LobChunkSize": 64.0},
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.vars["DMSExtra"] = tc.yaml
			s := f.spec(t)
			if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepTask}); err != nil {
				t.Fatal(err)
			}
			var got map[string]map[string]any
			if err := json.Unmarshal([]byte(f.cloud.Task("dbv-orders-enc").Settings), &got); err != nil {
				t.Fatal(err)
			}
			for sec, kv := range tc.want {
				for k, v := range kv {
					if got[sec][k] != v {
						t.Errorf("%s.%s = %v, want %v", sec, k, got[sec][k], v)
					}
				}
			}
			for _, a := range tc.absent {
				sec, k, _ := strings.Cut(a, ".")
				if _, ok := got[sec][k]; ok {
					t.Errorf("%s set: %v", a, got[sec][k])
				}
			}
		})
	}
}

// TestDMSSpecErrors: bad DMS settings are refused with the field's name, all at once.
func TestDMSSpecErrors(t *testing.T) {
	base := "name: x\nregion: eu-west-1\nsource: {instance: a, dsn: 'mysql://u:p@h:3306/db'}\ntarget: {instance: b, kms_key: alias/k, dsn: 'mysql://u:p@{endpoint}:{port}/db'}\n"
	arns := "  replication_instance_arn: arn:aws:dms:eu-west-1:123456789012:rep:A\n  source_endpoint_arn: arn:aws:dms:eu-west-1:123456789012:endpoint:B\n  target_endpoint_arn: arn:aws:dms:eu-west-1:123456789012:endpoint:C\n"
	for _, tc := range []struct{ dms, want string }{
		{arns + "  lob: {mode: partial}", `dms.lob.mode: "partial" is not limited, full or inline`},
		{arns + "  lob: {max_size_kb: 200000}", "dms.lob.max_size_kb: 200000 is outside 1..102400"},
		{arns + "  parallel_load_threads: 99", "dms.parallel_load_threads: 99 is outside 0..32"},
		{arns + "  lob: {mode: limited, size: 3}", "line 9: unknown key size in dms.lob"},
		{arns + "  create: {instance_class: dms.r5.large}", "dms.replication_instance_arn: dms.create creates it; leave the ARN out"},
		{"  create: {instance_class: r5}", `dms.create.instance_class: "r5" is not a DMS instance class`},
		{"  create: {instance_class: dms.r5.large, ssl_mode: verify-full}", "dms.create.certificate_arn: required with ssl_mode verify-full"},
		{"  create: {instance_class: dms.r5.large, kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/x'}", "dms.create.kms_key_id: the key is in us-east-1"},
		{"  lob: {mode: full}", "dms.replication_instance_arn: required (or dms.create, to create it)"},
		{arns + "  cdc_only: true\n  on_rerun: reload", "dms.cdc_only: on_rerun: reload"},
		{arns + "  cdc_only: true\n  target_table_prep_mode: truncate_before_load", "dms.cdc_only: target_table_prep_mode TRUNCATE_BEFORE_LOAD would empty the restored target's tables"},
	} {
		_, err := awsmig.ParseSpec([]byte(base+"dms:\n"+tc.dms+"\n"), "x.yaml")
		if !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.dms, err, tc.want)
		}
	}
	// Endpoints are made from the DSNs, which must then say everything DMS needs.
	_, err := awsmig.ParseSpec([]byte(strings.Replace(base, "mysql://u:p@h:3306/db", "mysql://u@h:3306/db", 1)+"dms:\n  create: {instance_class: dms.r5.large}\n"), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "source.dsn: dms.create makes the DMS endpoint from it: no password") {
		t.Errorf("DSN without a password: %v", err)
	}
}

// TestModifySettings: a stopped task whose settings differ from the spec's is modified before
// it is started again; a running one is not touched, and the error says how to go on.
func TestModifySettings(t *testing.T) {
	f := newFixture(t)
	if _, err := f.apply(t, f.spec(t), awsmig.Options{Until: awsmig.StepTask}); err != nil {
		t.Fatal(err)
	}
	f.vars["DMSExtra"] = "  lob: {mode: full}\n  validation: true"
	s := f.spec(t)
	_, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepTask})
	if err == nil || !strings.Contains(err.Error(), "is running with settings that differ from the spec (TargetMetadata.FullLobMode false (spec: true)") ||
		!strings.Contains(err.Error(), "stop it") {
		t.Fatalf("running task: %v", err)
	}
	f.cloud.StopTask("dbv-orders-enc", "Stop Reason STOPPED_BY_USER")
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepTask}); err != nil {
		t.Fatal(err)
	}
	task := f.cloud.Task("dbv-orders-enc")
	if task.Modifies != 1 || !strings.Contains(task.Settings, `"FullLobMode":true`) || !strings.Contains(task.Settings, `"EnableValidation":true`) || task.Status != "running" {
		t.Errorf("task after modify: %+v", task)
	}
	if got := task.Starts; len(got) != 2 || got[1] != "resume-processing" {
		t.Errorf("starts: %v", got)
	}
}

// TestCDCOnly: dms.cdc_only creates a cdc task that starts at the binlog position RDS wrote in
// the restored instance's recovery event, and records it; without the event it stops and
// says why.
func TestCDCOnly(t *testing.T) {
	f := newFixture(t)
	f.vars["DMSExtra"] = "  cdc_only: true"
	s := f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepSync}); err != nil {
		t.Fatal(err)
	}
	task := f.cloud.Task("dbv-orders-enc")
	pos := f.state(t).Resources.CDCStartPosition
	if task.MigrationType != "cdc" || !strings.HasPrefix(task.CDCStartPosition, "mysql-bin-changelog.000024:") || task.CDCStartPosition != pos ||
		!strings.Contains(task.Settings, `"TargetTablePrepMode":"DO_NOTHING"`) {
		t.Errorf("task %+v, recorded position %q", task, pos)
	}

	f = newFixture(t)
	f.vars["DMSExtra"] = "  cdc_only: true"
	s = f.spec(t)
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepPrepare}); err != nil {
		t.Fatal(err)
	}
	f.cloud.ClearEvents()
	_, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepTask})
	if err == nil || !strings.Contains(err.Error(), `dms-task: dbv-orders-enc: dms.cdc_only: no "Binlog position from crash recovery is FILE POS" event for orders-enc`) {
		t.Errorf("no event: %v", err)
	}
	if f.cloud.Task("dbv-orders-enc") != nil {
		t.Error("a task was created without a start position")
	}
}

// TestValidationShown: with dms.validation, DMS's own per-table verdict is in the gate's note
// and in status, beside dbverify's.
func TestValidationShown(t *testing.T) {
	f := newFixture(t)
	f.vars["DMSExtra"] = "  validation: true"
	s := f.spec(t)
	f.cloud.SetValidation("dbv-orders-enc", "shop", "orders", "Validated", 0)
	f.cloud.SetValidation("dbv-orders-enc", "shop", "items", "Mismatched records", 3)
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepGate}); err != nil {
		t.Fatal(err)
	}
	note := f.state(t).Steps[awsmig.StepGate].Note
	want := "DMS validation: tables 1 Mismatched records, 1 Validated; records 3 failed, 0 pending, 0 suspended; shop.items Mismatched records (3 failed)"
	if !strings.HasPrefix(note, "pass 1 clean: IDENTICAL") || !strings.Contains(note, want) {
		t.Errorf("gate note: %s", note)
	}
	var b strings.Builder
	cl := f.cloud.Clients(region, region)
	if err := awsmig.WriteStatus(t.Context(), &b, s, f.state(t), &cl); err != nil || !strings.Contains(b.String(), want) {
		t.Errorf("status: %v\n%s", err, b.String())
	}
}

// createSpec is the fixture's spec with dms.create instead of the ARNs, and DSNs to make the
// endpoints from.
func (f *fixture) createSpec(t *testing.T) *awsmig.Spec {
	t.Helper()
	t.Setenv("ORDERS_PW", "pa:ss@word")
	f.vars["Rep"] = ""
	f.vars["Source"] = "  instance: orders\n  dsn: mysql://dbv:${ORDERS_PW}@" + sourceDNS + ":3306/shop"
	f.vars["Target"] = "  dsn: mysql://dbv:${ORDERS_PW}@{endpoint}:{port}/shop"
	f.vars["DMSExtra"] = "  create: {instance_class: dms.r5.large, multi_az: true, allocated_storage: 100, subnet_group: dms-private, security_groups: [sg-1]}"
	return f.spec(t)
}

// checkCreated checks the end state of a run with dms.create: the instance and both
// endpoints, tagged, the target endpoint at the restored instance with foreign key checks off.
func (f *fixture) checkCreated(t *testing.T) {
	t.Helper()
	status, tags := f.cloud.ReplicationInstance(region, "dbv-orders-enc-rep")
	if status != "available" || tags[awsmig.TagMigration] != "orders-enc" || tags[awsmig.TagStep] != awsmig.StepDMSResources {
		t.Errorf("replication instance: %s %v", status, tags)
	}
	src, tgt := f.cloud.Endpoint(region, "dbv-orders-enc-source"), f.cloud.Endpoint(region, "dbv-orders-enc-target")
	if src == nil || src.Kind != "source" || src.Engine != "mysql" || src.Server != sourceDNS || src.Port != 3306 || src.User != "dbv" || src.Password != "pa:ss@word" ||
		src.SSL != "require" || src.Extra != "" || src.Tags[awsmig.TagMigration] != "orders-enc" {
		t.Errorf("source endpoint: %s %s %s:%d user %s ssl %s extra %q tags %v", src.Kind, src.Engine, src.Server, src.Port, src.User, src.SSL, src.Extra, src.Tags)
	}
	if tgt == nil || tgt.Kind != "target" || tgt.Server != targetDNS || tgt.Port != 3306 || tgt.Database != "shop" || tgt.Password != "pa:ss@word" || tgt.Extra != "initstmt=SET FOREIGN_KEY_CHECKS=0" {
		t.Errorf("target endpoint: %s %s:%d db %s extra %q (password as given: %t)", tgt.Kind, tgt.Server, tgt.Port, tgt.Database, tgt.Extra, tgt.Password == "pa:ss@word")
	}
	res := f.state(t).Resources
	if res.ReplicationInstanceARN == "" || res.SourceEndpointARN == "" || res.TargetEndpointARN == "" {
		t.Errorf("resources: %+v", res)
	}
}

// TestCreateDMSResources: dms.create makes the replication instance and the endpoints, the
// task runs on them, and a second run creates nothing again; one of those names without the
// migration's tag is refused.
func TestCreateDMSResources(t *testing.T) {
	f := newFixture(t)
	s := f.createSpec(t)
	if _, err := f.apply(t, s, awsmig.Options{Cutover: true}); err != nil {
		t.Fatal(err)
	}
	f.checkCreated(t)
	if got := mutations(f.cloud, onceCreate); !equalCalls(got, onceCreate) {
		t.Errorf("mutating calls: %v, want %v", got, onceCreate)
	}
	f.checkEnd(t)

	// A replication instance of that name the migration did not create.
	f = newFixture(t)
	s = f.createSpec(t)
	f.cloud.AddReplicationInstance(region, "dbv-orders-enc-rep")
	_, err := f.apply(t, s, awsmig.Options{})
	if err == nil || !strings.Contains(err.Error(), "dms-resources: dbv-orders-enc-rep: a DMS replication instance of this name exists but was not created by this migration") {
		t.Errorf("untagged instance: %v", err)
	}
}

// onceCreate is what a clean run with dms.create does.
var onceCreate = func() map[string]int {
	m := map[string]int{"CreateReplicationInstance": 1, "CreateEndpoint": 2}
	for k, v := range once {
		m[k] = v
	}
	return m
}()

func equalCalls(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPlanDMS: the plan shows the new calls, never the endpoint password.
func TestPlanDMS(t *testing.T) {
	f := newFixture(t)
	s := f.createSpec(t)
	var b strings.Builder
	if err := awsmig.WritePlan(&b, s, nil, func(string) string { return "masked" }); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		" 6. dms-resources   [pending] create DMS replication instance dbv-orders-enc-rep (dms.r5.large, Multi-AZ true)",
		"dms:CreateReplicationInstance ReplicationInstanceIdentifier=dbv-orders-enc-rep ReplicationInstanceClass=dms.r5.large MultiAZ=true PubliclyAccessible=false AllocatedStorage=100 ReplicationSubnetGroupIdentifier=dms-private VpcSecurityGroupIds=sg-1",
		"wait dms:ReplicationInstanceAvailable",
		"dms:CreateEndpoint EndpointIdentifier=dbv-orders-enc-target EndpointType=target EngineName=<the target's engine> ServerName=<the restored target's address> Port=3306 Username=dbv Password=<from target.dsn, never shown> DatabaseName=shop SslMode=require ExtraConnectionAttributes=initstmt=SET FOREIGN_KEY_CHECKS=0",
		"dms:DescribeReplicationInstances Filter replication-instance-arn=<created by dms-resources>",
		"dms:ModifyReplicationTask",
		"migrate ttl",
		"dms:StopReplicationTask",
		"dms:DescribeTableStatistics",
		"dms:DeleteReplicationTask",
		"dms:DeleteEndpoint",
		"dms:DeleteReplicationInstance",
		"rds:DeleteDBSnapshot DBSnapshotIdentifier=dbv-orders-enc-source",
		"rds:DeleteDBInstance DBInstanceIdentifier=orders FinalDBSnapshotIdentifier=dbv-orders-enc-final",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if strings.Contains(out, "pa:ss@word") || strings.Contains(out, "pa%3Ass") {
		t.Error("plan shows the password")
	}
	f.vars["DMSExtra"] = "  cdc_only: true"
	f.vars["Rep"] = f.cloud.AddReplicationInstance(region, "r")
	b.Reset()
	awsmig.WritePlan(&b, f.spec(t), nil, nil)
	if !strings.Contains(b.String(), "rds:DescribeEvents SourceType=db-instance SourceIdentifier=orders-enc") || !strings.Contains(b.String(), "MigrationType=cdc CdcStartPosition=<FILE:POS>") {
		t.Errorf("cdc_only plan:\n%s", b.String())
	}
}

// TestCreateDMSExample: the README's dms.create example is a valid spec.
func TestCreateDMSExample(t *testing.T) {
	t.Setenv("ORDERS_PASSWORD", "s3cret")
	s, err := awsmig.LoadSpec("../../testdata/awsmig/create-dms.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(awsmig.StepNames(s), ","); got != "kms-key,snapshot,copy,restore,prepare-target,dms-resources,dms-task,wait-sync,gate,cutover" {
		t.Errorf("steps: %s", got)
	}
}

// TestPreflightCreate: with dms.create there is no replication instance or endpoint to check
// before the run creates them, and the preflight finds nothing wrong with the spec's names;
// after a complete run, the task of the created resources is the spec's.
func TestPreflightCreate(t *testing.T) {
	f := newFixture(t)
	s := f.createSpec(t)
	found, err := awsmig.Preflight(t.Context(), s, f.cloud.Clients(region, region), nil, awsmig.PreflightOptions{})
	if err != nil || found.Count(preflight.Error) != 0 {
		t.Fatalf("before the run: %v, %v", found, err)
	}
	if _, err := f.apply(t, s, awsmig.Options{Until: awsmig.StepTask}); err != nil {
		t.Fatal(err)
	}
	st := f.state(t)
	found, err = awsmig.Preflight(t.Context(), s, f.cloud.Clients(region, region), st, awsmig.PreflightOptions{})
	if err != nil || found.Count(preflight.Error) != 0 {
		t.Fatalf("after the run: %v, %v", found, err)
	}
}
