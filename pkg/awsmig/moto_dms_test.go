package awsmig_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// TestMotoTTLCleanup: the TTL step, the cutover, then cleanup against moto_server's RDS and
// Route 53: the run's snapshots deleted, the old source deleted after RDS took its final
// snapshot. A second opinion on the wire fake (moto accepts calls AWS refuses). The DMS side
// stays on the wire fake: moto 5.2 answers CreateReplicationInstance and
// DescribeReplicationInstances with timestamps as strings, which the SDK cannot read, and has
// no DescribeTableStatistics or ModifyReplicationTask.
func TestMotoTTLCleanup(t *testing.T) {
	url := awsmigtest.StartMoto(t)
	ctx := t.Context()
	cfg := awsmigtest.EndpointConfig(url, region)
	rdsc, kmsc := rds.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	r53 := route53.NewFromConfig(awsmigtest.EndpointConfig(url, "us-east-1"))
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
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("dbverify-moto-cleanup")})
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
target: {instance: orders-enc, kms_key: %s}
dns: {hosted_zone_id: %s, record: db.example.com, drain: 1ms}
wait: {poll: 20ms, resource_timeout: 20s, dns_timeout: 20s, gate_interval: 1ms}
`, region, aws.ToString(key.KeyMetadata.Arn), zoneID)
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
	cl.DMS, cl.CloudWatch = nil, nil
	r, err := awsmig.NewRunner(s, cl, st, awsmig.Options{Gate: &cleanGate{}, Cutover: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.LowerTTL(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	items, _, err := r.CleanupPlan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Kind+" "+it.ID)
	}
	if strings.Join(got, ", ") != "DB snapshot dbv-orders-enc-source, DB snapshot dbv-orders-enc-encrypted, DB instance orders" {
		t.Errorf("cleanup plan: %v", got)
	}
	if err := r.Cleanup(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := rdsc.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("dbv-orders-enc-final")}); err != nil {
		t.Errorf("final snapshot of the old source: %v", err)
	}
	if _, err := rdsc.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("dbv-orders-enc-encrypted")}); err == nil {
		t.Error("the encrypted copy is still there")
	}
	if out, err := rdsc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-enc")}); err != nil || len(out.DBInstances) != 1 {
		t.Errorf("the target: %v", err)
	}
}
