package awsmig_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// startMoto starts moto_server on a free port of 127.0.0.1 for this test and returns its URL;
// the server is stopped when the test ends. The test skips when moto_server is not installed:
// this one emulator is optional.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not installed (pip install 'moto[server]'); the in-memory and wire fakes cover this path")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Skipf("moto_server does not start: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill() // only the process this test started
		<-done
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		select {
		case <-done:
			t.Skipf("moto_server exited at start: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30s: %s", url, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMoto: the snapshot -> encrypted copy -> restore -> DNS path against moto_server's RDS,
// KMS and Route 53, with the SDK's own clients and waiters.
func TestMoto(t *testing.T) {
	url := startMoto(t)
	ctx := t.Context()
	cfg := awsmigtest.EndpointConfig(url, region)
	rdsc, kmsc := rds.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	r53 := route53.NewFromConfig(awsmigtest.EndpointConfig(url, "us-east-1"))

	// The source, a key and the zone.
	if _, err := rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("orders"), DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("mysql"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("moto-password-1"),
	}); err != nil {
		t.Fatal(err)
	}
	key, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("dbverify moto test")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kmsc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("dbverify-moto")})
	if err != nil {
		t.Fatal(err)
	}
	zoneID := strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/")
	if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: aws.String("db.example.com"), Type: r53types.RRTypeCname, TTL: aws.Int64(300),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("orders.old.example.com")}},
		}}}},
	}); err != nil {
		t.Fatal(err)
	}

	spec := fmt.Sprintf(`name: orders-enc
region: %s
source: {instance: orders}
target: {instance: orders-enc, kms_key: alias/orders}
dns: {hosted_zone_id: %s, record: db.example.com, drain: 1ms}
wait: {poll: 20ms, resource_timeout: 20s, dns_timeout: 20s, gate_interval: 1ms}
`, region, zoneID)
	dir := t.TempDir()
	s, err := awsmig.ParseSpec([]byte(spec), filepath.Join(dir, "spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := awsmig.OpenState(filepath.Join(dir, "state.json"), s.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cl := awsmigtest.EndpointClients(url, region, region)
	cl.DMS, cl.CloudWatch = nil, nil // no dms section: not needed
	r, err := awsmig.NewRunner(s, cl, st, awsmig.Options{Gate: &cleanGate{}, Cutover: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Ran, ","); got != "kms-key,snapshot,copy,restore,prepare-target,gate,cutover" {
		t.Errorf("ran %s", got)
	}

	// What moto holds now.
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	snaps, err := rdsc.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("dbv-orders-enc-encrypted")})
	if err != nil {
		t.Fatal(err)
	}
	if sn := snaps.DBSnapshots[0]; !aws.ToBool(sn.Encrypted) || aws.ToString(sn.KmsKeyId) != keyARN {
		t.Errorf("encrypted copy: encrypted=%v key=%s, want %s", aws.ToBool(sn.Encrypted), aws.ToString(sn.KmsKeyId), keyARN)
	}
	dbs, err := rdsc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-enc")})
	if err != nil {
		t.Fatal(err)
	}
	db := dbs.DBInstances[0]
	if !aws.ToBool(db.StorageEncrypted) || aws.ToString(db.KmsKeyId) != keyARN {
		t.Errorf("target: encrypted=%v key=%s", aws.ToBool(db.StorageEncrypted), aws.ToString(db.KmsKeyId))
	}
	recs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), StartRecordName: aws.String("db.example.com"), StartRecordType: r53types.RRTypeCname, MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	rec := recs.ResourceRecordSets[0]
	if got := aws.ToString(rec.ResourceRecords[0].Value); got != aws.ToString(db.Endpoint.Address) || aws.ToInt64(rec.TTL) != 60 {
		t.Errorf("record: %s TTL %d, want %s TTL 60", got, aws.ToInt64(rec.TTL), aws.ToString(db.Endpoint.Address))
	}

	// A second run finds everything done; failback points the record back.
	r2, _ := awsmig.NewRunner(s, cl, st, awsmig.Options{Gate: &cleanGate{}, Cutover: true})
	if res, err := r2.Apply(ctx); err != nil || len(res.Ran) != 0 {
		t.Errorf("re-run: %+v, %v", res, err)
	}
	if _, err := r2.Failback(ctx); err != nil {
		t.Fatal(err)
	}
	recs, _ = r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), StartRecordName: aws.String("db.example.com"), StartRecordType: r53types.RRTypeCname, MaxItems: aws.Int32(1)})
	if got := aws.ToString(recs.ResourceRecordSets[0].ResourceRecords[0].Value); got != "orders.old.example.com" {
		t.Errorf("after failback: %s", got)
	}
}

// TestMotoKeyErrors: moto's KMS answers for a key of another region and a disabled key give
// the step's clear errors.
func TestMotoKeyErrors(t *testing.T) {
	url := startMoto(t)
	ctx := t.Context()
	other := kms.NewFromConfig(awsmigtest.EndpointConfig(url, "us-east-1"))
	key, err := other.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	other.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/elsewhere"), TargetKeyId: key.KeyMetadata.KeyId})
	here := kms.NewFromConfig(awsmigtest.EndpointConfig(url, region))
	off, err := here.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	here.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/off"), TargetKeyId: off.KeyMetadata.KeyId})
	if _, err := here.DisableKey(ctx, &kms.DisableKeyInput{KeyId: off.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, want string }{
		{"alias/elsewhere", "kms-key: alias/elsewhere: not found in eu-west-1, where the encrypted copy is made"},
		{"alias/off", "kms-key: alias/off: is Disabled, not Enabled"},
	} {
		dir := t.TempDir()
		s, err := awsmig.ParseSpec([]byte("name: k\nregion: "+region+"\nsource: {instance: a}\ntarget: {instance: b, kms_key: "+c.key+"}\n"), filepath.Join(dir, "s.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := awsmig.OpenState(filepath.Join(dir, "state.json"), s.Name)
		r, _ := awsmig.NewRunner(s, awsmigtest.EndpointClients(url, region, region), st, awsmig.Options{Gate: &cleanGate{}})
		_, err = r.Apply(ctx)
		st.Close()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.key, err, c.want)
		}
	}
}
