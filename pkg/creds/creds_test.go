package creds

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/dbverify/dbverify/pkg/dialect"
)

func TestReadPasswordFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		mode    os.FileMode
		want    string
		warn    bool
		err     string
	}{
		{content: "s3cret\n", mode: 0o600, want: "s3cret"},
		{content: "s3cret", mode: 0o400, want: "s3cret"},
		{content: "s3cret\r\n", mode: 0o600, want: "s3cret"},
		{content: " spaced pw \n", mode: 0o600, want: " spaced pw "},
		{content: "s3cret\n", mode: 0o644, want: "s3cret", warn: true},
		{content: "s3cret\n", mode: 0o640, want: "s3cret", warn: true},
		{content: "\n", mode: 0o600, err: "empty"},
		{content: "", mode: 0o600, err: "empty"},
		{content: "a\nb\n", mode: 0o600, err: "more than one line"},
	}
	for i, tt := range tests {
		path := filepath.Join(dir, "pw"+string(rune('a'+i)))
		if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, tt.mode)
		var warned []string
		got, err := ReadPasswordFile(path, func(s string) { warned = append(warned, s) })
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.content, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.content, got, err, tt.want)
		}
		if tt.warn != (len(warned) == 1) {
			t.Errorf("%q mode %o: warnings %q", tt.content, tt.mode, warned)
		}
		for _, w := range warned {
			if strings.Contains(w, tt.want) {
				t.Errorf("the warning shows the password: %s", w)
			}
		}
	}
	if _, err := ReadPasswordFile(filepath.Join(dir, "nosuch"), nil); err == nil {
		t.Error("a missing file: no error")
	}
	if _, err := ReadPasswordFile(dir, nil); err == nil {
		t.Error("a directory: no error")
	}
}

// fakeSecrets is Secrets Manager's GetSecretValue over a map of secret names and ARNs.
type fakeSecrets struct {
	values map[string]string // name or ARN -> SecretString; "" holds binary data
	region *string           // the region the last call went to
	cfg    aws.Config
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	*f.region = f.cfg.Region
	v, ok := f.values[aws.ToString(in.SecretId)]
	if !ok {
		// ResourceNotFoundException: "Secrets Manager can't find the resource that you asked for."
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the resource that you asked for.")}
	}
	if v == "" {
		return &secretsmanager.GetSecretValueOutput{SecretBinary: []byte{1, 2}}, nil
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

// fakeAWS is a Resolver on fake secrets and static credentials, whose default region is
// us-east-1; region tells the region of the last Secrets Manager call.
func fakeAWS(values map[string]string, region *string, credCalls *atomic.Int32) Resolver {
	return Resolver{
		AWS: func(_ context.Context, r string) (aws.Config, error) {
			if r == "" {
				r = "us-east-1"
			}
			return aws.Config{Region: r, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				if credCalls != nil {
					credCalls.Add(1)
				}
				return aws.Credentials{AccessKeyID: "AKIDFAKE", SecretAccessKey: "fake-secret-key", Source: "test"}, nil
			})}, nil
		},
		Secrets: func(cfg aws.Config) SecretsAPI { return &fakeSecrets{values: values, region: region, cfg: cfg} },
	}
}

func secretJSON(t *testing.T, v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestResolveSecret: secretsmanager:NAME builds the whole DSN from a secret in RDS's JSON form;
// ?secret=NAME takes the user and password of an RDS-managed secret into a DSN given in full.
func TestResolveSecret(t *testing.T) {
	const pw = `p@ss:/w?rd#"x`
	arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders-AbCdEf"
	values := map[string]string{
		"prod/orders": secretJSON(t, map[string]any{"engine": "mysql", "host": "orders.abc.eu-west-1.rds.amazonaws.com", "port": 3306,
			"username": "admin", "password": pw, "dbname": "shop", "dbInstanceIdentifier": "orders"}),
		arn: secretJSON(t, map[string]any{"engine": "postgres", "host": "pg.example.com", "port": "5433",
			"username": "app", "password": pw, "dbname": "shop"}),
		"managed":   secretJSON(t, map[string]any{"username": "admin", "password": pw}),
		"oracle":    secretJSON(t, map[string]any{"engine": "oracle", "host": "h", "username": "u", "password": pw}),
		"nohost":    secretJSON(t, map[string]any{"engine": "mysql", "username": "u", "password": pw}),
		"badport":   secretJSON(t, map[string]any{"engine": "mysql", "host": "h", "port": true, "username": "u", "password": pw}),
		"notjson":   "user=admin password=" + pw,
		"wrongtype": `{"username": ["admin"], "password": 1}`,
		"binary":    "",
		"aurora-pg": secretJSON(t, map[string]any{"engine": "aurora-postgresql", "host": "c.cluster-x.us-west-2.rds.amazonaws.com", "port": 5432, "username": "u", "password": pw}),
	}
	var region string
	r := fakeAWS(values, &region, nil)
	ctx := t.Context()
	tests := []struct {
		dsn, want, region string
	}{
		{"secretsmanager:prod/orders", "mysql://admin:" + url.QueryEscape(pw) + "@orders.abc.eu-west-1.rds.amazonaws.com:3306/shop", "us-east-1"},
		{"secretsmanager:prod/orders?tls=true&aws-region=eu-west-1", "mysql://admin:" + url.QueryEscape(pw) + "@orders.abc.eu-west-1.rds.amazonaws.com:3306/shop?tls=true", "eu-west-1"},
		{"secretsmanager:" + arn + "?sslmode=verify-full", "postgres://app:" + url.QueryEscape(pw) + "@pg.example.com:5433/shop?sslmode=verify-full", "eu-west-1"},
		{"secretsmanager:aurora-pg", "postgres://u:" + url.QueryEscape(pw) + "@c.cluster-x.us-west-2.rds.amazonaws.com:5432/", "us-east-1"},
		{"mysql://db.example.com:3306/shop?secret=managed&tls=true", "mysql://admin:" + url.QueryEscape(pw) + "@db.example.com:3306/shop?tls=true", "us-east-1"},
		{"postgres://someone@db.example.com/shop?aws-region=ca-central-1&secret=managed", "postgres://admin:" + url.QueryEscape(pw) + "@db.example.com/shop", "ca-central-1"},
		{"mysql://root@127.0.0.1:3306/shop", "mysql://root@127.0.0.1:3306/shop", ""},
		{"root:pw@tcp(127.0.0.1)/shop", "root:pw@tcp(127.0.0.1)/shop", ""},
	}
	for _, tt := range tests {
		region = ""
		got, auth, err := r.Resolve(ctx, tt.dsn)
		if err != nil {
			t.Errorf("%s: %v", tt.dsn, err)
			continue
		}
		// The password must survive the trip through the URL.
		if strings.Contains(tt.want, "@") && strings.Contains(tt.want, url.QueryEscape(pw)) && dialect.Password(got) != pw {
			t.Errorf("%s: the DSN's password reads %q", tt.dsn, dialect.Password(got))
		}
		if u1, u2 := parse(t, got), parse(t, tt.want); u1 != u2 {
			t.Errorf("%s:\n got %s\nwant %s", tt.dsn, got, tt.want)
		}
		if region != tt.region || auth.Token != nil {
			t.Errorf("%s: region %q (want %q), token %v", tt.dsn, region, tt.region, auth.Token != nil)
		}
		if strings.Contains(dialect.MaskDSN(got), pw) || strings.Contains(dialect.MaskDSN(got), url.QueryEscape(pw)) {
			t.Errorf("%s: MaskDSN shows the password: %s", tt.dsn, dialect.MaskDSN(got))
		}
	}
	for _, tt := range []struct{ dsn, want string }{
		{"secretsmanager:nosuch", "can't find"},
		{"secretsmanager:", "names no secret"},
		{"secretsmanager:managed", "names no engine"},
		{"secretsmanager:oracle", `engine "oracle"`},
		{"secretsmanager:nohost", "lacks the host"},
		{"secretsmanager:badport", "port is not a port number"},
		{"secretsmanager:notjson", "does not hold the JSON"},
		{"secretsmanager:wrongtype", "username has the wrong type"},
		{"secretsmanager:binary", "binary"},
		{"mysql://h/db?secret=", "names no secret"},
		{"mysql://h/db?secret=nohost", ""}, // user and password are there: fine
		{"mysql://h/db?secret=oracle&auth=iam", "give one"},
		{"mysql://u:Sup3rS3cret@h/db?secret=managed", "give one"},
		{"secretsmanager:prod/orders?auth=iam", "do not go with it"},
		{"secretsmanager:prod/orders?secret=managed", "do not go with it"},
		{"root@tcp(h)/db?secret=managed", "URL DSNs"},
		{"host=h secret=managed", "URL DSNs"},
	} {
		_, _, err := r.Resolve(ctx, tt.dsn)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.dsn, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.dsn, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "ss:/w") {
			t.Errorf("%s: the error shows the password: %v", tt.dsn, err)
		}
	}
}

func parse(t *testing.T, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	u.RawQuery = q.Encode()
	return u.String()
}

// TestResolveIAM: ?auth=iam gives an Auth whose token is built, for each connection, for the
// login's host:port and user, in the region of the RDS host name (else aws-region=, else the
// configured one), signed with the configured credentials; nothing goes to AWS to build it.
func TestResolveIAM(t *testing.T) {
	var creds atomic.Int32
	r := fakeAWS(nil, new(string), &creds)
	ctx := t.Context()
	tests := []struct {
		dsn, region, driverDSN string
	}{
		{"mysql://app@orders.abc123.eu-west-1.rds.amazonaws.com:3306/shop?auth=iam&tls=true", "eu-west-1", "mysql://app@orders.abc123.eu-west-1.rds.amazonaws.com:3306/shop?tls=true"},
		{"postgres://app@db.internal:5432/shop?sslmode=verify-full&auth=iam&aws-region=ap-south-1", "ap-south-1", "postgres://app@db.internal:5432/shop?sslmode=verify-full"},
		{"postgres://app@db.internal/shop?auth=iam&sslmode=require", "us-east-1", "postgres://app@db.internal/shop?sslmode=require"},
		{"mysql://app@c.cluster-ro-x.cn-north-1.rds.amazonaws.com.cn:3306/shop?auth=iam&tls=true", "cn-north-1", ""},
	}
	for _, tt := range tests {
		got, auth, err := r.Resolve(ctx, tt.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tt.dsn, err)
		}
		if tt.driverDSN != "" && got != tt.driverDSN {
			t.Errorf("%s: driver DSN %s, want %s", tt.dsn, got, tt.driverDSN)
		}
		if auth.Token == nil || !auth.Cleartext || !auth.NoDefaults {
			t.Fatalf("%s: auth %+v", tt.dsn, auth)
		}
		before := creds.Load()
		login := dialect.Login{Engine: dialect.MySQL, Host: "orders.abc123.eu-west-1.rds.amazonaws.com", Port: 3306, User: "app"}
		tok, err := auth.Token(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		checkToken(t, tok, "orders.abc123.eu-west-1.rds.amazonaws.com:3306", "app", tt.region)
		tok2, err := auth.Token(ctx, login)
		if err != nil || tok2 == "" {
			t.Fatal(err)
		}
		if creds.Load()-before != 2 {
			t.Errorf("two tokens read the credentials %d times", creds.Load()-before)
		}
		// An error that quotes a token shows it masked.
		if msg := dialect.Scrub("login failed with password " + tok); strings.Contains(msg, "X-Amz") {
			t.Errorf("Scrub left the token: %s", msg)
		}
	}
	for _, tt := range []struct{ dsn, want string }{
		{"mysql://app:pw@h.eu-west-1.rds.amazonaws.com/db?auth=iam&tls=true", "a password in the DSN"},
		{"mysql://h.eu-west-1.rds.amazonaws.com/db?auth=iam&tls=true", "needs the database user"},
		{"mysql://app@h/db?auth=kerberos", "the one method is iam"},
		{"mysql://app@h/db?auth=", "wants iam"},
	} {
		if _, _, err := r.Resolve(ctx, tt.dsn); err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want %q", tt.dsn, err, tt.want)
		}
	}
	noRegion := Resolver{AWS: func(context.Context, string) (aws.Config, error) { return aws.Config{}, nil }}
	if _, _, err := noRegion.Resolve(ctx, "mysql://app@db.internal/db?auth=iam&tls=true"); err == nil || !strings.Contains(err.Error(), "aws-region") {
		t.Errorf("no region: %v", err)
	}
}

// checkToken checks an RDS IAM token: a presigned connect action for endpoint and user, signed
// for rds-db in region with the fake credentials.
func checkToken(t *testing.T, tok, endpoint, user, region string) {
	t.Helper()
	u, err := url.Parse("https://" + tok)
	if err != nil {
		t.Fatalf("token %q: %v", tok, err)
	}
	q := u.Query()
	cred := q.Get("X-Amz-Credential")
	if u.Host != endpoint || q.Get("Action") != "connect" || q.Get("DBUser") != user ||
		!strings.HasPrefix(cred, "AKIDFAKE/") || !strings.HasSuffix(cred, "/"+region+"/rds-db/aws4_request") ||
		q.Get("X-Amz-Signature") == "" || q.Get("X-Amz-Expires") != "900" {
		t.Errorf("token %s: host %s, action %s, user %s, credential %s, expires %s", tok, u.Host, q.Get("Action"), q.Get("DBUser"), cred, q.Get("X-Amz-Expires"))
	}
}

func TestUses(t *testing.T) {
	for dsn, want := range map[string]bool{
		"secretsmanager:x":                  true,
		"mysql://h/db?secret=x":             true,
		"postgres://u@h/db?auth=iam":        true,
		"mysql://h/db?aws-region=eu-west-1": true,
		"mysql://root@h/db?tls=true":        false,
		"u:p@tcp(h)/db":                     false,
		"u:p@tcp(h)/db?auth=iam":            true,
		"host=h dbname=d":                   false,
	} {
		if Uses(dsn) != want {
			t.Errorf("Uses(%q) = %v", dsn, !want)
		}
	}
}
