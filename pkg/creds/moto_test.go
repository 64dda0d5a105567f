package creds

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// startMoto starts moto_server on a free port of 127.0.0.1 for this test and returns its URL;
// it is stopped when the test ends. The test skips when moto_server is not installed: this
// emulator is optional (the fake in creds_test.go covers the same paths).
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not installed (pip install 'moto[server]')")
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
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return base
		}
		select {
		case <-done:
			t.Skipf("moto_server exited at start: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30s: %s", base, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMotoSecrets: both secret forms through the SDK's own client against moto_server's
// Secrets Manager, by name and by ARN.
func TestMotoSecrets(t *testing.T) {
	endpoint := startMoto(t)
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
