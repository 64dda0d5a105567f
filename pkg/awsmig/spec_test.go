package awsmig_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/pkg/awsmig"
)

// TestLoadSpecExample: the README's example spec loads, with the defaults filled in and the
// table mappings read from the file next to it.
func TestLoadSpecExample(t *testing.T) {
	t.Setenv("ORDERS_PASSWORD", "s3cret")
	s, err := awsmig.LoadSpec("../../testdata/awsmig/encrypt.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "orders-encrypt" || s.Target.Region != "eu-west-1" || s.DNS.Type != "CNAME" || s.DNS.TTL != 60 {
		t.Errorf("spec: %+v", s)
	}
	if !strings.Contains(s.DMS.TableMappings, `"audit_%"`) || s.DMS.OnRerun != "resume" {
		t.Errorf("dms: %+v", s.DMS)
	}
	if s.Wait.ResourceTimeout != 4*time.Hour || s.Wait.GateInterval != 30*time.Second || s.Wait.Poll != 30*time.Second {
		t.Errorf("wait: %+v", s.Wait)
	}
	if s.Source.DSN != "mysql://dbverify:s3cret@orders.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com:3306/shop" {
		t.Errorf("dsn not expanded: %s", s.Source.DSN)
	}
	n := s.Names()
	if n.SourceSnapshot != "dbv-orders-encrypt-source" || n.EncryptedSnapshot != "dbv-orders-encrypt-encrypted" || n.Task != "dbv-orders-encrypt" {
		t.Errorf("names: %+v", n)
	}
}

// TestSpecErrors: every mistake is named by its field, all at once, as ErrInvalid.
func TestSpecErrors(t *testing.T) {
	_, err := awsmig.LoadSpec("../../testdata/awsmig/bad.yaml")
	if !errors.Is(err, awsmig.ErrInvalid) {
		t.Fatalf("not ErrInvalid: %v", err)
	}
	for _, want := range []string{
		"spec ../../testdata/awsmig/bad.yaml: ",
		`name: "Orders_Encrypt" must be 1-40 lower-case letters`,
		"source: instance and cluster exclude each other",
		"target.instance: required",
		"target.kms_key: the key is in us-east-1 but the encrypted copy is made in eu-west-1",
		`dms.replication_instance_arn: "not-an-arn" is not a DMS ARN`,
		"dms.source_endpoint_arn: required",
		`dms.target_table_prep_mode: "REPLACE" is not one of DO_NOTHING, TRUNCATE_BEFORE_LOAD, DROP_AND_CREATE`,
		"dns.hosted_zone_id: required",
		"dns.type: A records cannot point at an RDS endpoint: use CNAME",
		"wait.poll: must not be negative",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}

	cases := []struct{ name, yaml, want string }{
		{"unknown key", "", "spec ../../testdata/awsmig/unknown-key.yaml: line 8: unknown key kms_keyid in target"},
		{"not yaml", "name: [", "did not find expected node content"},
		{"missing env", "name: a\nregion: eu-west-1\nsource: {instance: a, dsn: 'mysql://u:${NO_SUCH_VAR_DBV}@h/db'}\ntarget: {instance: b, kms_key: alias/k}\n",
			"source.dsn: environment variable NO_SUCH_VAR_DBV is not set"},
		{"bad mappings", "name: a\nregion: eu-west-1\nsource: {instance: a}\ntarget: {instance: b, kms_key: alias/k}\ndms: {replication_instance_arn: 'arn:aws:dms:eu-west-1:111122223333:rep:X', source_endpoint_arn: 'arn:aws:dms:eu-west-1:111122223333:endpoint:S', target_endpoint_arn: 'arn:aws:dms:eu-west-1:111122223333:endpoint:T', table_mappings: '{\"rules\": []}'}\n",
			`dms.table_mappings: no "rules"`},
		{"cluster needs class", "name: a\nregion: eu-west-1\nsource: {cluster: a}\ntarget: {instance: b, cluster: c, kms_key: alias/k}\n",
			"target.instance_class: required when the source is a cluster"},
		{"cluster to instance", "name: a\nregion: eu-west-1\nsource: {cluster: a}\ntarget: {instance: b, kms_key: alias/k}\n",
			"target.cluster: required when the source is a cluster"},
		{"same name", "name: a\nregion: eu-west-1\nsource: {instance: a}\ntarget: {instance: a, kms_key: alias/k}\n",
			`target.instance: "a" is the source instance`},
		{"tags", "name: a\nregion: eu-west-1\nsource: {instance: a}\ntarget: {instance: b, kms_key: alias/k}\ntags: {'dbverify:x': y}\n",
			`tags: "dbverify:x": keys must be non-empty and not start with aws: or dbverify:`},
	}
	for _, c := range cases {
		var err error
		if c.yaml == "" {
			_, err = awsmig.LoadSpec("../../testdata/awsmig/unknown-key.yaml")
		} else {
			_, err = awsmig.ParseSpec([]byte(c.yaml), "x.yaml")
		}
		if !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := awsmig.LoadSpec("no/such/file.yaml"); !errors.Is(err, awsmig.ErrInvalid) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestPlan: the plan lists every step with its calls and the state of each, touches nothing,
// and masks DSNs.
func TestPlan(t *testing.T) {
	t.Setenv("ORDERS_PASSWORD", "s3cret")
	s, err := awsmig.LoadSpec("../../testdata/awsmig/encrypt.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	st := &awsmig.State{Steps: map[string]*awsmig.StepState{
		awsmig.StepKMSKey: {Status: awsmig.StepDone}, awsmig.StepSnapshot: {Status: awsmig.StepFailed},
	}}
	mask := func(dsn string) string { return strings.ReplaceAll(dsn, "s3cret", "***") }
	if err := awsmig.WritePlan(&b, s, st, mask); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Migration orders-encrypt: instance orders in eu-west-1 -> encrypted instance orders-enc in eu-west-1",
		"Gate: mysql://dbverify:***@orders.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com:3306/shop vs mysql://dbverify:***@{endpoint}:{port}/shop",
		" 1. kms-key         [done] check that KMS key alias/rds-orders is enabled, symmetric and in eu-west-1",
		"kms:DescribeKey KeyId=alias/rds-orders (eu-west-1)",
		" 2. snapshot        [failed] take snapshot dbv-orders-encrypt-source of instance orders",
		"rds:CreateDBSnapshot DBInstanceIdentifier=orders DBSnapshotIdentifier=dbv-orders-encrypt-source Tags=dbverify:migration=orders-encrypt,dbverify:step=snapshot,team=payments",
		"rds:CopyDBSnapshot SourceDBSnapshotIdentifier=dbv-orders-encrypt-source TargetDBSnapshotIdentifier=dbv-orders-encrypt-encrypted KmsKeyId=<ARN of alias/rds-orders>",
		"rds:RestoreDBInstanceFromDBSnapshot DBInstanceIdentifier=orders-enc DBSnapshotIdentifier=dbv-orders-encrypt-encrypted DBInstanceClass=db.r6g.large DBSubnetGroupName=orders-private VpcSecurityGroupIds=sg-0a1b2c3d4e5f60718",
		" 5. prepare-target  [pending]",
		"dms:CreateReplicationTask ReplicationTaskIdentifier=dbv-orders-encrypt MigrationType=full-load-and-cdc",
		`ReplicationTaskSettings={"FullLoadSettings":{"TargetTablePrepMode":"TRUNCATE_BEFORE_LOAD"},"TargetMetadata":{"FullLobMode":false,"InlineLobMaxSize":0,"LimitedSizeLobMode":true,"LobMaxSize":32,"ParallelLoadThreads":0,"SupportLobs":true,"TaskRecoveryTableEnabled":true},"ValidationSettings":{"EnableValidation":false}}`,
		"dms:StartReplicationTask StartReplicationTaskType=start-replication (re-run: resume-processing)",
		"cloudwatch:GetMetricData AWS/DMS CDCLatencySource, CDCLatencyTarget",
		" 8. gate            [pending] dbverify: compare the source and the target",
		" 9. cutover         [pending] [needs --cutover] lower the TTL of db.shop.example.com CNAME to 60s",
		"route53:ChangeResourceRecordSets UPSERT db.shop.example.com CNAME TTL=60 value=<target's endpoint>",
		"wait route53:ResourceRecordSetsChanged (INSYNC) (poll 30s, up to 15m0s)",
		"Nothing was called or changed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Error("plan shows the password")
	}
	b.Reset()
	if err := awsmig.WritePlan(&b, s, nil, nil); err != nil || strings.Contains(b.String(), "dbverify:") && strings.Contains(b.String(), "Gate:") {
		t.Errorf("plan without redact shows DSNs: %v\n%s", err, b.String())
	}
}

// TestCrossRegionPlan: a cross-region copy names the source by ARN and gives SourceRegion.
func TestCrossRegionPlan(t *testing.T) {
	s, err := awsmig.ParseSpec([]byte("name: x\nregion: eu-west-1\nsource: {instance: a}\ntarget: {region: us-east-1, instance: b, kms_key: alias/k}\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	awsmig.WritePlan(&b, s, nil, nil)
	for _, want := range []string{
		"Cross-region: the snapshot is copied from eu-west-1 to us-east-1 and encrypted with a key of us-east-1.",
		"rds:CopyDBSnapshot SourceDBSnapshotIdentifier=<ARN of dbv-x-source> TargetDBSnapshotIdentifier=dbv-x-encrypted KmsKeyId=<ARN of alias/k> SourceRegion=eu-west-1",
		"No dms section",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
	if got := awsmig.StepNames(s); strings.Join(got, ",") != "kms-key,snapshot,copy,restore,prepare-target,gate" {
		t.Errorf("steps without dms and dns: %v", got)
	}
}
