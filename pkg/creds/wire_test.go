package creds

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// secretsWire is Secrets Manager's GetSecretValue over its wire protocol (AWS JSON 1.1,
// X-Amz-Target: secretsmanager.GetSecretValue), for the SDK's own client, offline. It records
// the credential scope each request was signed for.
type secretsWire struct {
	values map[string]string
	mu     sync.Mutex
	scopes []string
}

func (s *secretsWire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.scopes = append(s.scopes, r.Header.Get("Authorization"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"UnknownOperationException","message":"not in this fake"}`)
		return
	}
	var in struct{ SecretId string }
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"SerializationException","message":"bad body"}`)
		return
	}
	v, ok := s.values[in.SecretId]
	if !ok {
		// ResourceNotFoundException: "Secrets Manager can't find the resource that you asked for."
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the resource that you asked for."}`)
		return
	}
	out, _ := json.Marshal(map[string]any{"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in.SecretId + "-AbCdEf",
		"Name": in.SecretId, "SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}})
	w.Write(out)
}

// TestSecretsWire: the SDK's own client, signed for the region the ARN (or aws-region=) names,
// reads a secret and decodes the service's typed error for a missing one.
func TestSecretsWire(t *testing.T) {
	const pw = `wire"p@ss`
	arn := "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:db-AbCdEf"
	fake := &secretsWire{values: map[string]string{
		"db": `{"engine":"mariadb","host":"db.example.com","port":3306,"username":"app","password":"wire\"p@ss","dbname":"shop"}`,
		arn:  `{"username":"admin","password":"wire\"p@ss"}`,
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	r := Resolver{AWS: func(_ context.Context, region string) (aws.Config, error) {
		if region == "" {
			region = "us-east-1"
		}
		return aws.Config{Region: region, BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDWIRE", "wire-secret", "")}, nil
	}}
	ctx := t.Context()
	got, _, err := r.Resolve(ctx, "secretsmanager:db?aws-region=eu-north-1&tls=true")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "mysql://app:") || !strings.HasSuffix(got, "@db.example.com:3306/shop?tls=true") || dialect.Password(got) != pw {
		t.Errorf("secretsmanager:db = %s", dialect.MaskDSN(got))
	}
	got, _, err = r.Resolve(ctx, "postgres://db.example.com/shop?secret="+arn)
	if err != nil {
		t.Fatal(err)
	}
	if dialect.Password(got) != pw || !strings.HasPrefix(got, "postgres://admin:") {
		t.Errorf("secret=ARN: %s", dialect.MaskDSN(got))
	}
	_, _, err = r.Resolve(ctx, "secretsmanager:nosuch")
	var nf *smtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("a missing secret: %v", err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for i, want := range []string{"/eu-north-1/secretsmanager/aws4_request", "/ap-southeast-2/secretsmanager/aws4_request", "/us-east-1/secretsmanager/aws4_request"} {
		if i >= len(fake.scopes) || !strings.Contains(fake.scopes[i], "Credential=AKIDWIRE/") || !strings.Contains(fake.scopes[i], want) {
			t.Errorf("request %d signed %q, want scope %s", i, fake.scopes, want)
		}
	}
}
