package awsmig_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
	"github.com/dbverify/dbverify/pkg/preflight"
)

// TestMotoPreflight: the preflight's RDS and KMS checks against moto_server, a second opinion
// (moto accepts calls AWS refuses): a usable key and a free name find nothing; a disabled key
// and a target name someone else holds are both listed.
func TestMotoPreflight(t *testing.T) {
	url := awsmigtest.StartMoto(t)
	ctx := t.Context()
	cfg := awsmigtest.EndpointConfig(url, region)
	rdsc, kmsc := rds.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	newInstance := func(id string) {
		if _, err := rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(id), DBInstanceClass: aws.String("db.r6g.large"), Engine: aws.String("mysql"),
			AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("moto-password-1"),
			BackupRetentionPeriod: aws.Int32(7),
		}); err != nil {
			t.Fatal(err)
		}
	}
	newInstance("orders")
	key, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kmsc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	spec := fmt.Sprintf("name: orders-enc\nregion: %s\nsource: {instance: orders, dsn: 'mysql://u@h/db'}\ntarget: {instance: orders-enc, kms_key: alias/orders, dsn: 'mysql://u@{endpoint}/db'}\n", region)
	s, err := awsmig.ParseSpec([]byte(spec), filepath.Join(t.TempDir(), "spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cl := awsmigtest.EndpointClients(url, region, region)
	cl.DMS, cl.CloudWatch = nil, nil
	found, err := awsmig.Preflight(ctx, s, cl, nil, awsmig.PreflightOptions{})
	if err != nil || len(found) != 0 {
		t.Fatalf("clean: %v, %v", found, err)
	}

	if _, err := kmsc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	newInstance("orders-enc") // not this migration's: untagged
	found, err = awsmig.Preflight(ctx, s, cl, nil, awsmig.PreflightOptions{})
	if err != nil {
		t.Fatal(err)
	}
	has(t, found, preflight.Error, "key state: is Disabled, not Enabled")
	has(t, found, preflight.Error, "DB instance orders-enc (eu-west-1): name: exists and was not created by this migration")
	if len(found) != 2 {
		t.Errorf("%v", found)
	}
}
