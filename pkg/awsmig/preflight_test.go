package awsmig_test

import (
	"context"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
	"github.com/dbverify/dbverify/pkg/preflight"
)

// preFixture is a fake cloud in which the preflight finds nothing wrong: a source with
// backups, a usable key, an available replication instance, endpoints that connect.
func preFixture(t *testing.T) (*awsmigtest.Cloud, map[string]string) {
	t.Helper()
	c := awsmigtest.New()
	c.Settle(1)
	c.AddInstance(region, "orders", "mysql", "db.r6g.large")
	c.SetBackupRetention(region, "orders", 7)
	vars := map[string]string{
		"Key": "alias/orders", "KeyARN": c.AddKey(region, "alias/orders"), "Rep": c.AddReplicationInstance(region, "dbv-rep"),
		"SrcEP": c.AddEndpoint(region, "src", "source", "mysql"), "TgtEP": c.AddEndpoint(region, "tgt", "target", "mysql"),
		"SourceDSN": "mysql://dbv:pw@orders:3306/shop", "TargetDSN": "mysql://dbv:pw@{endpoint}:{port}/shop",
	}
	c.AddKey(region, "alias/off", awsmigtest.KeyDisabled)
	c.AddKey(region, "alias/rsa", awsmigtest.KeyAsymmetric)
	c.AddKey("us-east-1", "alias/elsewhere")
	return c, vars
}

const preSpec = `name: orders-enc
region: eu-west-1
source:
  instance: orders
  dsn: '{{.SourceDSN}}'
target:
  instance: orders-enc
  kms_key: {{.Key}}
  dsn: '{{.TargetDSN}}'
dms:
  replication_instance_arn: {{.Rep}}
  source_endpoint_arn: {{.SrcEP}}
  target_endpoint_arn: {{.TgtEP}}
wait:
  poll: 1ms
`

func preflightOf(t *testing.T, c *awsmigtest.Cloud, vars map[string]string, opt awsmig.PreflightOptions) preflight.Findings {
	t.Helper()
	s, err := awsmig.ParseSpec([]byte(render(t, preSpec, vars)), "orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	found, err := awsmig.Preflight(t.Context(), s, c.Clients(region, region), nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// render fills a spec template.
func render(t *testing.T, tmpl string, vars map[string]string) string {
	t.Helper()
	out := tmpl
	for k, v := range vars {
		out = strings.ReplaceAll(out, "{{."+k+"}}", v)
	}
	return out
}

// has fails the test unless exactly one finding has severity sev and contains every part.
func has(t *testing.T, found preflight.Findings, sev preflight.Severity, parts ...string) {
	t.Helper()
	n := 0
	for _, f := range found {
		s := f.String()
		ok := f.Severity == sev
		for _, p := range parts {
			ok = ok && strings.Contains(s, p)
		}
		if ok {
			n++
		}
	}
	if n != 1 {
		var b strings.Builder
		found.Write(&b)
		t.Errorf("want one %s finding with %q, got %d in:\n%s", sev, parts, n, b.String())
	}
}

// creates are the calls that create or change something.
var creates = []string{"CreateDBSnapshot", "CopyDBSnapshot", "CopyDBClusterSnapshot", "CreateDBClusterSnapshot",
	"RestoreDBInstanceFromDBSnapshot", "RestoreDBClusterFromSnapshot", "CreateDBInstance",
	"CreateReplicationTask", "StartReplicationTask", "ChangeResourceRecordSets"}

func noCreates(t *testing.T, c *awsmigtest.Cloud) {
	t.Helper()
	for _, op := range creates {
		if n := c.Calls(op); n > 0 {
			t.Errorf("the preflight called %s %d times", op, n)
		}
	}
}

// TestPreflightClean: a cloud with nothing wrong: no findings; the endpoints, never tested,
// were tested once each and the test was waited for.
func TestPreflightClean(t *testing.T) {
	c, vars := preFixture(t)
	var checked bool
	found := preflightOf(t, c, vars, awsmig.PreflightOptions{Source: func(context.Context) (preflight.Findings, error) {
		checked = true
		return nil, nil
	}})
	if len(found) != 0 || !checked {
		t.Errorf("findings %v, source checked %t", found, checked)
	}
	if c.Calls("TestConnection") != 2 || c.Calls("GenerateDataKeyWithoutPlaintext") != 1 {
		t.Errorf("calls: %v", c.AllCalls())
	}
	noCreates(t, c)
	// Tested once: a second preflight reads the tests' results.
	preflightOf(t, c, vars, awsmig.PreflightOptions{})
	if c.Calls("TestConnection") != 2 {
		t.Errorf("tested again: %v", c.AllCalls())
	}
}

// TestPreflightAllAtOnce: a disabled key, a replication instance not available, an endpoint
// whose connection test failed, a name taken, no target DSN, a source without backups and a
// source database problem: all listed in one run, and nothing created.
func TestPreflightAllAtOnce(t *testing.T) {
	c, vars := preFixture(t)
	vars["Key"], vars["TargetDSN"] = "alias/off", ""
	c.SetBackupRetention(region, "orders", 0)
	c.AddSnapshot(region, "dbv-orders-enc-source", "orders", "available") // someone else's
	c.FailConnection(vars["TgtEP"], "Can't connect to MySQL server on 'orders-enc' (110)")
	found := preflightOf(t, c, vars, awsmig.PreflightOptions{Source: func(context.Context) (preflight.Findings, error) {
		return preflight.Findings{{Severity: preflight.Error, Where: "source", What: "binlog_format", Cause: "is STATEMENT"}}, nil
	}})
	has(t, found, preflight.Error, "kms key alias/off (eu-west-1): key state: is Disabled, not Enabled")
	has(t, found, preflight.Error, "target.dsn: is not set")
	has(t, found, preflight.Error, "source instance orders (eu-west-1): BackupRetentionPeriod: is 0", "binary log")
	has(t, found, preflight.Error, "DB snapshot dbv-orders-enc-source (eu-west-1): name: exists and was not created by this migration")
	has(t, found, preflight.Error, "DMS target endpoint", "connection: the last connection test from the replication instance failed: Can't connect to MySQL server")
	has(t, found, preflight.Error, "binlog_format: is STATEMENT")
	if n := found.Count(preflight.Error); n != 6 {
		t.Errorf("%d errors, want 6: %v", n, found)
	}
	noCreates(t, c)

	// The instance not available: no connection can be tested.
	c2, vars2 := preFixture(t)
	c2.SetReplicationInstanceStatus(vars2["Rep"], "modifying")
	found = preflightOf(t, c2, vars2, awsmig.PreflightOptions{})
	has(t, found, preflight.Error, "DMS replication instance", "status: is modifying, not available")
	if c2.Calls("TestConnection") != 0 || len(found) != 1 {
		t.Errorf("tests on an instance not available: %v; %v", c2.AllCalls(), found)
	}
}

// TestPreflightKeys: an asymmetric key, a key of another region, a key the caller may not
// use; and a name this migration made (tagged) is not taken.
func TestPreflightKeys(t *testing.T) {
	for _, c := range []struct {
		key, want string
		n         int
	}{
		{"alias/rsa", "key spec: is RSA_2048: RDS encrypts only with symmetric keys", 2}, // and its key usage
		{"alias/elsewhere", "not found in eu-west-1, where the encrypted copy is made (a KMS key works only in its own region)", 1},
		{"alias/orders", "permissions: the caller may not use the key", 1},
	} {
		cl, vars := preFixture(t)
		vars["Key"] = c.key
		if c.key == "alias/orders" {
			cl.DenyKey(vars["KeyARN"])
		}
		found := preflightOf(t, cl, vars, awsmig.PreflightOptions{})
		has(t, found, preflight.Error, c.want)
		if len(found) != c.n {
			t.Errorf("%s: %v", c.key, found)
		}
	}
}

// TestPreflightResume: the names a run created (tagged, or recorded) are not taken.
func TestPreflightResume(t *testing.T) {
	c, vars := preFixture(t)
	s, err := awsmig.ParseSpec([]byte(render(t, preSpec, vars)), "orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := awsmig.OpenState(dir+"/orders.state.json", s.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := awsmig.NewRunner(s, c.Clients(region, region), st, awsmig.Options{Until: awsmig.StepRestore})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	state := st.State()
	found, err := awsmig.Preflight(t.Context(), s, c.Clients(region, region), &state, awsmig.PreflightOptions{})
	if err != nil || len(found) != 0 {
		t.Errorf("resumed run: %v, %v", found, err)
	}
	// Without the state file (lost): the tags say whose they are.
	found, err = awsmig.Preflight(t.Context(), s, c.Clients(region, region), nil, awsmig.PreflightOptions{})
	if err != nil || len(found) != 0 {
		t.Errorf("resumed run without state: %v, %v", found, err)
	}
}

// TestPreflightWire: the same checks through the SDK's own clients against the wire fake.
func TestPreflightWire(t *testing.T) {
	c, vars := preFixture(t)
	vars["Key"] = "alias/off"
	c.FailConnection(vars["SrcEP"], "timeout")
	srv := awsmigtest.NewServer(c)
	defer srv.Close()
	s, err := awsmig.ParseSpec([]byte(render(t, preSpec, vars)), "orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	found, err := awsmig.Preflight(t.Context(), s, srv.Clients(region, region), nil, awsmig.PreflightOptions{})
	if err != nil {
		t.Fatal(err)
	}
	has(t, found, preflight.Error, "key state: is Disabled")
	has(t, found, preflight.Error, "DMS source endpoint", "failed: timeout")
	if len(found) != 2 {
		t.Errorf("%v", found)
	}
	noCreates(t, c)
}
