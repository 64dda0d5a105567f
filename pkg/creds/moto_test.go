package creds

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestMotoSecrets: both secret forms through the SDK's own client against moto_server's
// Secrets Manager, by name and by ARN.
func TestMotoSecrets(t *testing.T) {
	endpoint := awsmigtest.StartMoto(t)
	ctx := t.Context()
	const region, pw = "eu-west-1", "m0to/p@ss:w#rd"
	r := Resolver{AWS: func(_ context.Context, rg string) (aws.Config, error) {
		if rg == "" {
			rg = region
		}
		return awsmigtest.EndpointConfig(endpoint, rg), nil
	}}
	sm := secretsmanager.NewFromConfig(awsmigtest.EndpointConfig(endpoint, region))
	full, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("rds/orders"),
		SecretString: aws.String(`{"engine":"postgres","host":"orders.abc.eu-west-1.rds.amazonaws.com","port":5432,"username":"app","password":"` + pw + `","dbname":"shop","dbInstanceIdentifier":"orders"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("rds!db-1234"),
		SecretString: aws.String(`{"username":"admin","password":"` + pw + `"}`)}); err != nil {
		t.Fatal(err)
	}
	for _, dsn := range []string{"secretsmanager:rds/orders?sslmode=require", "secretsmanager:" + aws.ToString(full.ARN) + "?sslmode=require"} {
		got, _, err := r.Resolve(ctx, dsn)
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		want := "postgres://app:" + url.QueryEscape(pw) + "@orders.abc.eu-west-1.rds.amazonaws.com:5432/shop?sslmode=require"
		if parse(t, got) != parse(t, want) || dialect.Password(got) != pw {
			t.Errorf("%s: %s, want %s", dsn, dialect.MaskDSN(got), dialect.MaskDSN(want))
		}
	}
	got, _, err := r.Resolve(ctx, "mysql://orders.abc.eu-west-1.rds.amazonaws.com/shop?secret="+url.QueryEscape("rds!db-1234")+"&tls=true")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "mysql://admin:") || dialect.Password(got) != pw {
		t.Errorf("secret=: %s", dialect.MaskDSN(got))
	}
	if _, _, err := r.Resolve(ctx, "secretsmanager:nosuch"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("a missing secret: %v", err)
	}
}
