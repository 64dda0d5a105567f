package cli

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// runMain runs the CLI in-process.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := Main(t.Context(), append([]string{"dbverify"}, args...), &out, &errw)
	return code, out.String(), errw.String()
}

// migrateWorld is a fake cloud wired into the CLI, and a spec file for it.
type migrateWorld struct {
	cloud *awsmigtest.Cloud
	zone  string
	spec  string // path
	vars  map[string]string
}

const region = "eu-west-1"

const migrateSpec = `name: shop-enc
region: eu-west-1
source:
  instance: shop
  dsn: '{{.Source}}'
target:
  instance: shop-enc
  kms_key: alias/shop
  dsn: '{{.Target}}'
dms:
  replication_instance_arn: {{.Rep}}
  source_endpoint_arn: {{.SrcEP}}
  target_endpoint_arn: {{.TgtEP}}
  table_mappings: '{{.Mappings}}'
dns:
  hosted_zone_id: {{.Zone}}
  record: db.example.com
  drain: 1ms
wait:
  poll: 1ms
  resource_timeout: 5s
  sync_timeout: 5s
  gate_timeout: {{.GateTimeout}}
  gate_interval: 10ms
  gate_settle: {{.GateSettle}}
  dns_timeout: 5s
`

// newMigrateWorld seeds a fake cloud, points the CLI's clients at it, and writes a spec whose
// gate compares source and target (DSNs).
func newMigrateWorld(t *testing.T, source, target string) *migrateWorld {
	t.Helper()
	c := awsmigtest.New()
	c.AddInstance(region, "shop", "mysql", "db.r6g.large")
	c.AddKey(region, "alias/shop")
	w := &migrateWorld{cloud: c, vars: map[string]string{
		"Source": source, "Target": target, "Rep": c.AddReplicationInstance(region, "rep"),
		"SrcEP": c.AddEndpoint(region, "src", "source", "mysql"), "TgtEP": c.AddEndpoint(region, "tgt", "target", "mysql"),
		"GateTimeout": "10s", "GateSettle": "2m", "Mappings": mappingsTo(target),
	}}
	w.zone = c.AddZone("example.com")
	w.vars["Zone"] = w.zone
	c.SetRecord(w.zone, "db.example.com", "CNAME", "shop.old.example.com", 300)
	prev := newClients
	newClients = func(_ context.Context, s *awsmig.Spec) (awsmig.Clients, error) {
		return c.Clients(s.Region, s.Target.Region), nil
	}
	// The sources here live on the shared test servers, whose global write counters move with
	// every other test's writes: the check that writes stopped is tested on servers of its own
	// (writes_test.go), and stands still here.
	prevWrites := newWriteChecker
	newWriteChecker = func(*awsmig.Spec) awsmig.WriteChecker { return stoppedWrites{} }
	t.Cleanup(func() { newClients, newWriteChecker = prev, prevWrites })
	// The shared test servers are not set up as CDC sources (no binary log); the source checks
	// have their own tests (preflight_test.go, migrate_preflight_test.go).
	prevCheck := newSourceCheck
	newSourceCheck = func(*awsmig.Spec, func(string)) awsmig.SourceCheck { return nil }
	t.Cleanup(func() { newSourceCheck = prevCheck })
	w.spec = filepath.Join(t.TempDir(), "shop.yaml")
	w.write(t)
	return w
}

// stoppedWrites says writes to the source stopped.
type stoppedWrites struct{}

func (stoppedWrites) WritesStopped(context.Context, time.Duration) (bool, string, error) {
	return true, "the test's source takes no writes", nil
}

// mappingsTo is the DMS table mappings of the test task: every table, and for MySQL, whose
// schemas are databases, the schema renamed to the target's database, as a DMS task writing
// into another database would. The gate compares what DMS writes where DMS writes it.
func mappingsTo(target string) string {
	const all = `{"rule-type":"selection","rule-id":"1","rule-name":"all","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}`
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "mysql" {
		return `{"rules":[` + all + `]}`
	}
	return `{"rules":[` + all + `,{"rule-type":"transformation","rule-id":"2","rule-name":"to-target","rule-target":"schema","object-locator":{"schema-name":"%"},"rule-action":"rename","value":"` + strings.TrimPrefix(u.Path, "/") + `"}]}`
}

func (w *migrateWorld) write(t *testing.T) { w.writeWith(t, migrateSpec) }

// writeWith writes the spec from another template.
func (w *migrateWorld) writeWith(t *testing.T, spec string) {
	t.Helper()
	var b bytes.Buffer
	if err := template.Must(template.New("").Parse(spec)).Execute(&b, w.vars); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.spec, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMigratePlanCLI: plan prints every step, masks passwords, and calls no AWS API.
func TestMigratePlanCLI(t *testing.T) {
	prev := newClients
	newClients = func(context.Context, *awsmig.Spec) (awsmig.Clients, error) {
		t.Error("plan built AWS clients")
		return awsmig.Clients{}, errors.New("no")
	}
	defer func() { newClients = prev }()
	t.Setenv("ORDERS_PASSWORD", "Sup3rS3cretPw")
	spec := filepath.Join(t.TempDir(), "orders.yaml")
	b, _ := os.ReadFile("../../testdata/awsmig/encrypt.yaml")
	os.WriteFile(spec, b, 0o644)
	m, _ := os.ReadFile("../../testdata/awsmig/mappings.json")
	os.WriteFile(filepath.Join(filepath.Dir(spec), "mappings.json"), m, 0o644)
	code, out, errw := runMain(t, "migrate", "plan", "--spec", spec)
	if code != 0 || errw != "" {
		t.Fatalf("exit %d: %s", code, errw)
	}
	for _, want := range []string{"1. kms-key", "2. snapshot", "3. copy", "4. restore", "5. prepare-target", "6. dms-task", "7. wait-sync", "8. gate", "9. cutover", "mysql://dbverify:***@orders.", "Nothing was called or changed."} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	if strings.Contains(out, "Sup3rS3cretPw") {
		t.Error("plan shows the password")
	}
	if _, err := os.Stat(strings.TrimSuffix(spec, ".yaml") + ".state.json"); err == nil {
		t.Error("plan wrote a state file")
	}
}

// TestMigratePlanAurora: the plan of an Aurora move across regions shows the calls it makes:
// the cluster snapshot copied without KmsKeyId, the restore with it, no instance-snapshot copy.
func TestMigratePlanAurora(t *testing.T) {
	t.Setenv("ORDERS_PASSWORD", "Sup3rS3cretPw")
	dir := t.TempDir()
	for _, f := range []string{"aurora.yaml", "mappings.json"} {
		b, err := os.ReadFile("../../testdata/awsmig/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	code, out, errw := runMain(t, "migrate", "plan", "--spec", filepath.Join(dir, "aurora.yaml"))
	if code != 0 || errw != "" {
		t.Fatalf("exit %d: %s", code, errw)
	}
	for _, want := range []string{
		"Aurora: the cluster is encrypted when it is restored (RestoreDBClusterFromSnapshot KmsKeyId)",
		"rds:CopyDBClusterSnapshot SourceDBClusterSnapshotIdentifier=<ARN of dbv-orders-aurora-source> TargetDBClusterSnapshotIdentifier=dbv-orders-aurora-copy Tags=",
		"(eu-central-1); no KmsKeyId: RDS refuses one for an unencrypted cluster snapshot",
		"rds:RestoreDBClusterFromSnapshot DBClusterIdentifier=orders-aurora-enc SnapshotIdentifier=dbv-orders-aurora-copy Engine=<the source's engine> KmsKeyId=<ARN of alias/rds-orders>",
		" 4. restore ", " 9. cutover ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CopyDBSnapshot") || strings.Contains(out, "-encrypted") || strings.Contains(out, "Sup3rS3cretPw") {
		t.Errorf("plan:\n%s", out)
	}
}

// TestMigrateUsage: bad specs and flags exit 2 with one line naming the problem.
func TestMigrateUsage(t *testing.T) {
	w := newMigrateWorld(t, "mysql://u@h/db", "mysql://u@h2/db")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "plan", "--spec", "../../testdata/awsmig/bad.yaml"}, `dbverify: spec ../../testdata/awsmig/bad.yaml: name: "Orders_Encrypt" must be`},
		{[]string{"migrate", "apply", "--spec", "../../testdata/awsmig/unknown-key.yaml"}, "line 8: unknown key kms_keyid in target"},
		{[]string{"migrate", "apply"}, "dbverify: migrate apply: --spec is required"},
		{[]string{"migrate", "apply", "--spec", "nope.yaml"}, "dbverify: spec nope.yaml: open nope.yaml: no such file or directory"},
		{[]string{"migrate", "apply", "--spec", w.spec, "--until", "nope"}, `dbverify: --until: no step "nope" in this migration`},
		{[]string{"migrate", "apply", "--spec", w.spec, "--until", "cutover"}, "the cutover step needs the explicit cutover option (--cutover)"},
		{[]string{"migrate", "frobnicate"}, `dbverify: migrate: unknown subcommand "frobnicate"`},
		{[]string{"migrate", "status", "--spec", w.spec, "extra"}, `migrate status takes no arguments (got "extra")`},
	}
	for _, c := range cases {
		code, _, errw := runMain(t, c.args...)
		first, _, _ := strings.Cut(errw, "\n")
		if code != ExitUsage || !strings.Contains(first, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errw, c.want)
		}
	}
}

// TestMigrateGate: the gate is the real verifier on real servers. The target first lacks a
// row; the gate's first full pass says so, the test then fixes the target (DMS catches up), the
// row's reread by key matches, and the next full pass is clean. Then `apply --cutover` runs the
// whole runbook through the gate to the DNS change.
func TestMigrateGate(t *testing.T) {
	for _, newDB := range []func(testing.TB) *testdb.DB{testdb.MySQL, testdb.Postgres} {
		src, tgt := newDB(t), newDB(t)
		src.Exec(t, "CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, total DECIMAL(10,2))", "INSERT INTO orders VALUES (1, 9.99), (2, 20.00), (3, 7.50)")
		tgt.Exec(t, "CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, total DECIMAL(10,2))", "INSERT INTO orders VALUES (1, 9.99), (2, 20.00)")
		w := newMigrateWorld(t, src.DSN, tgt.DSN)
		s, err := awsmig.LoadSpec(w.spec)
		if err != nil {
			t.Fatal(err)
		}
		g, err := newVerifyGate(s, func() awsmig.Resources { return awsmig.Resources{} })
		if err != nil {
			t.Fatal(err)
		}
		var progress []string
		var mu sync.Mutex
		note, err := awsmig.RunGate(t.Context(), g, 30*time.Second, awsmig.GateWatch{Interval: 10 * time.Millisecond, Settle: time.Minute,
			Progress: func(msg string) {
				mu.Lock()
				defer mu.Unlock()
				progress = append(progress, msg)
				if len(progress) == 1 {
					tgt.Exec(t, "INSERT INTO orders VALUES (3, 7.50)") // DMS catches up
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"pass 1: DIFFERENT: 1 of 1 table differs; 1 row missing on target", "resolved   orders missing 3 (was in flight ",
			"pass 2: IDENTICAL: 1 table, 3 rows", "clean: pass 2 found no difference"}
		if len(progress) != len(want) {
			t.Fatalf("progress %q, want %d lines", progress, len(want))
		}
		for i, p := range progress {
			if !strings.HasPrefix(p, want[i]) {
				t.Errorf("progress line %d: %q, want %q...", i, p, want[i])
			}
		}
		if !strings.HasPrefix(note, "pass 2 clean: IDENTICAL: 1 table, 3 rows") || !strings.HasSuffix(note, "; 1 differing row matched when read again (in flight)") {
			t.Errorf("note %q", note)
		}

		code, out, errw := runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover")
		if code != 0 {
			t.Fatalf("apply: exit %d\n%s\n%s", code, out, errw)
		}
		for _, want := range []string{"prepare-target  done: target " + map[bool]string{true: "mysql", false: "postgres"}[strings.HasPrefix(tgt.DSN, "mysql")] + " ",
			"gate            pass 1: IDENTICAL: 1 table, 3 rows", "cutover         done: db.example.com CNAME -> shop-enc."} {
			if !strings.Contains(errw, want) {
				t.Errorf("progress lacks %q:\n%s", want, errw)
			}
		}
		if v, ttl := w.cloud.Record(w.zone, "db.example.com", "CNAME"); !strings.HasPrefix(v, "shop-enc.") || ttl != 60 {
			t.Errorf("record: %s %d", v, ttl)
		}
		if !strings.Contains(out, "every step is done") {
			t.Errorf("stdout: %s", out)
		}
	}
}

// TestMigrateGateTimeout: a target that stays different stops the run before the cutover with
// one line naming the gate, the timeout and the last pass; exit 1.
func TestMigrateGateTimeout(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	src.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	tgt.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'B')")
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	w.vars["GateTimeout"] = "300ms"
	w.write(t)
	code, _, errw := runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover")
	lines := strings.Split(strings.TrimSpace(errw), "\n")
	last := lines[len(lines)-1]
	if code != ExitDiffer || !strings.HasPrefix(last, "dbverify: gate: the target still differs from the source after 300ms (") ||
		!strings.Contains(last, " passes, wait.gate_timeout); last pass: DIFFERENT: 1 of 1 table differs; 0 rows missing on target, 0 extra on target, 1 changed (") {
		t.Fatalf("exit %d, last line %q\n%s", code, last, errw)
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != "shop.old.example.com" {
		t.Errorf("cut over despite the gate: %s", v)
	}
	st, err := awsmig.ReadState(strings.TrimSuffix(w.spec, ".yaml") + ".state.json")
	if err != nil || st.Steps[awsmig.StepGate].Status != awsmig.StepFailed {
		t.Errorf("state: %+v, %v", st, err)
	}
}

// TestMigrateGateDrift: a row whose source stays unchanged while its target differs is drift
// once wait.gate_settle has passed and the DMS task's CDC lag (here 1.5s, longer than the
// settle time) too: the run stops before the cutover at once, not at wait.gate_timeout, with
// one line naming the row; exit 1.
func TestMigrateGateDrift(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	src.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	tgt.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'B')")
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	w.vars["GateTimeout"], w.vars["GateSettle"] = "1m", "100ms"
	w.write(t)
	w.cloud.SetLag(func(int) (float64, float64) { return 0.5, 1.5 })
	start := time.Now()
	code, _, errw := runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover")
	took := time.Since(start)
	lines := strings.Split(strings.TrimSpace(errw), "\n")
	last := lines[len(lines)-1]
	if code != ExitDiffer || !strings.HasPrefix(last, "dbverify: gate: the target still differs from the source: 1 row is drift (the source row stayed unchanged for wait.gate_settle 100ms, and at least the CDC lag, while the target's differed): t changed 2  v: \"b\" -> \"B\"; pass 1: ") ||
		!strings.Contains(last, "; pass 1: DIFFERENT: 1 of 1 table differs;") {
		t.Fatalf("exit %d, last line %q\n%s", code, last, errw)
	}
	fix := strings.TrimSuffix(w.spec, ".yaml") + ".drift.sql"
	if !strings.HasSuffix(last, "; the SQL that would fix them (review it; dbverify has not run it): "+fix) {
		t.Errorf("last line does not name the repair SQL %s: %q", fix, last)
	} else if sql, err := os.ReadFile(fix); err != nil || !strings.Contains(string(sql), "UPDATE `"+tgt.Name+"`.`t` SET `v` = 'b' WHERE `id` = 2;") {
		t.Errorf("repair SQL (%v):\n%s", err, sql)
	}
	if !strings.Contains(errw, "gate            DRIFT      t changed 2  v: \"b\" -> \"B\" (differing since ") {
		t.Errorf("progress lacks the drift line:\n%s", errw)
	}
	// The settle time is raised to the CDC lag (1.5s); the timeout (1m) is not waited for.
	if took < 1500*time.Millisecond || took > 45*time.Second {
		t.Errorf("drift confirmed after %s, want after the 1.5s lag and well before the 1m timeout", took)
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != "shop.old.example.com" {
		t.Errorf("cut over despite drift: %s", v)
	}
}

// TestMigrateLifecycle: apply stops before the cutover without --cutover, status shows the
// steps and the live record, failback warns and needs --yes, and a second run cannot start
// while one holds the state.
func TestMigrateLifecycle(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)")
	}
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	w.vars["Source"], w.vars["Target"] = "", ""
	w.write(t)
	code, out, errw := runMain(t, "migrate", "apply", "--spec", w.spec)
	// No DSNs: the gate cannot run, and the preflight says so before anything is created.
	if code != ExitUsage || !strings.Contains(errw, "source.dsn: is not set") || !strings.Contains(errw, "target.dsn: is not set") ||
		!strings.Contains(errw, "nothing was created") || w.cloud.Calls("CreateDBSnapshot") != 0 {
		t.Fatalf("apply without DSNs: exit %d\n%s\n%s", code, out, errw)
	}
	// Up to a step before the gate, the DSNs are not needed.
	code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec, "--until", "prepare-target")
	if code != 0 || !strings.Contains(errw, "prepare-target  done: no target.dsn: nothing to check; DMS prepares the tables (TargetTablePrepMode TRUNCATE_BEFORE_LOAD)") {
		t.Errorf("apply --until prepare-target without DSNs: exit %d\n%s\n%s", code, out, errw)
	}

	w.vars["Source"], w.vars["Target"] = src.DSN, tgt.DSN
	w.write(t)
	code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec)
	if code != 0 || !strings.Contains(out, "Stopped before the cutover") || !strings.Contains(errw, "cutover         not run: the cutover needs the explicit cutover option (--cutover)") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errw)
	}

	code, out, errw = runMain(t, "migrate", "status", "--spec", w.spec)
	if code != 0 {
		t.Fatalf("status: exit %d %s", code, errw)
	}
	for _, want := range []string{" 1. kms-key         done", " 8. gate            done", " 9. cutover         pending", "DMS task dbv-shop-enc: running", "CDC lag: 0s source, 0s target (threshold 5s)", "DNS db.example.com CNAME: shop.old.example.com (TTL 300)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}

	// Failback before any cutover is refused.
	code, _, errw = runMain(t, "migrate", "failback", "--spec", w.spec, "--yes")
	if code != ExitUsage || !strings.Contains(errw, "failback: no cutover recorded") {
		t.Errorf("early failback: exit %d %s", code, errw)
	}

	if code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover"); code != 0 {
		t.Fatalf("cutover: exit %d\n%s\n%s", code, out, errw)
	}
	cut, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME")

	code, _, errw = runMain(t, "migrate", "failback", "--spec", w.spec)
	if code != ExitUsage || !strings.Contains(errw, "WARNING: failback points db.example.com CNAME back at shop.old.example.com") ||
		!strings.Contains(errw, "re-run with --yes") {
		t.Errorf("failback without --yes: exit %d\n%s", code, errw)
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != cut {
		t.Fatal("failback without --yes changed DNS")
	}

	// A second run cannot take the state while another holds it.
	st, err := awsmig.OpenState(strings.TrimSuffix(w.spec, ".yaml")+".state.json", "shop-enc")
	if err != nil {
		t.Fatal(err)
	}
	code, _, errw = runMain(t, "migrate", "failback", "--spec", w.spec, "--yes")
	st.Close()
	if code != ExitFailure || !strings.Contains(errw, "another dbverify migrate run holds it") {
		t.Errorf("locked: exit %d %s", code, errw)
	}

	code, out, errw = runMain(t, "migrate", "failback", "--spec", w.spec, "--yes")
	if code != 0 || !strings.Contains(out, "Failed back: db.example.com CNAME -> shop.old.example.com (TTL 60)") {
		t.Fatalf("failback: exit %d\n%s\n%s", code, out, errw)
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != "shop.old.example.com" {
		t.Errorf("after failback: %s", v)
	}
}

// TestExpandTarget: {endpoint} and {port} come from the restore step.
func TestExpandTarget(t *testing.T) {
	res := awsmig.Resources{TargetAddress: "shop-enc.abc.eu-west-1.rds.amazonaws.com", TargetPort: 3306}
	got, err := expandTarget("mysql://u:p@{endpoint}:{port}/shop", res)
	if err != nil || got != "mysql://u:p@shop-enc.abc.eu-west-1.rds.amazonaws.com:3306/shop" {
		t.Errorf("%s, %v", got, err)
	}
	if got, err := expandTarget("mysql://u@h/db", awsmig.Resources{}); err != nil || got != "mysql://u@h/db" {
		t.Errorf("%s, %v", got, err)
	}
	if _, err := expandTarget("mysql://u@{endpoint}/db", awsmig.Resources{}); err == nil || !strings.Contains(err.Error(), "the restore step records it") {
		t.Errorf("unknown endpoint: %v", err)
	}
}

// TestMigrateWire: the command line's own AWS clients (the SDK's default configuration, with
// AWS_ENDPOINT_URL pointing at the fake's HTTP server) run the runbook over the wire.
func TestMigrateWire(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	}
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	newClients = func(ctx context.Context, s *awsmig.Spec) (awsmig.Clients, error) { return awsmig.NewClients(ctx, s) }
	srv := awsmigtest.NewServer(w.cloud)
	defer srv.Close()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "AKIDAWSMIGTEST", "AWS_SECRET_ACCESS_KEY": "awsmigtest-secret",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
	} {
		t.Setenv(k, v)
	}
	code, out, errw := runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errw)
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); !strings.HasPrefix(v, "shop-enc.") {
		t.Errorf("record: %s", v)
	}
	for _, p := range []int{awsmigtest.ProtoQuery, awsmigtest.ProtoJSON, awsmigtest.ProtoCBOR, awsmigtest.ProtoREST} {
		if srv.Requests(p) == 0 {
			t.Errorf("protocol %d got no requests", p)
		}
	}
	code, out, errw = runMain(t, "migrate", "status", "--spec", w.spec)
	if code != 0 || !strings.Contains(out, " 9. cutover         done") || !strings.Contains(out, "DNS db.example.com CNAME: shop-enc.") {
		t.Errorf("status: exit %d\n%s\n%s", code, out, errw)
	}
}

// TestMigrateSecrets: a password in the spec's DSNs (from the environment) never shows, in
// the plan, in progress or in errors.
func TestMigrateSecrets(t *testing.T) {
	const secret = "Sup3rS3cretPw"
	t.Setenv("SHOP_PASSWORD", secret)
	w := newMigrateWorld(t, "mysql://app:${SHOP_PASSWORD}@127.0.0.1:1/shop", "mysql://app:${SHOP_PASSWORD}@127.0.0.1:1/shop_enc")
	for _, args := range [][]string{
		{"migrate", "plan", "--spec", w.spec},
		{"migrate", "apply", "--spec", w.spec},
		{"migrate", "status", "--spec", w.spec},
	} {
		code, out, errw := runMain(t, args...)
		if strings.Contains(out+errw, secret) {
			t.Errorf("%v: exit %d, the password shows:\n%s\n%s", args, code, out, errw)
		}
		if args[1] == "apply" && (code != ExitFailure || !strings.Contains(errw, "dbverify: prepare-target: target (mysql://app:***@127.0.0.1:1/shop_enc)")) {
			t.Errorf("apply: exit %d\n%s", code, errw)
		}
	}
}

// TestMigrateResumedCutover: a run killed after Route 53 pointed the record at the target and
// before the state file recorded it. Applications then write to the target; the resumed apply
// (without --cutover, as someone would re-run it) finishes the cutover and never gates, so the
// application's write is not reported as drift and no repair SQL proposes deleting it. status
// says the cutover is under way before, and done after.
func TestMigrateResumedCutover(t *testing.T) {
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	}
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	state := strings.TrimSuffix(w.spec, ".yaml") + ".state.json"
	var saved []byte
	w.cloud.OnCrash(func() { saved, _ = os.ReadFile(state) })
	w.cloud.CrashAfter("ChangeResourceRecordSets", 2)
	code, out, errw := runMain(t, "migrate", "apply", "--spec", w.spec, "--cutover")
	if code != ExitFailure || !strings.Contains(errw, "awsmigtest: simulated crash") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errw)
	}
	if err := os.WriteFile(state, saved, 0o600); err != nil { // the kill
		t.Fatal(err)
	}
	cut, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME")
	if !strings.HasPrefix(cut, "shop-enc.") {
		t.Fatalf("the killed run did not switch the record: %s", cut)
	}
	tgt.Exec(t, "INSERT INTO t VALUES (3, 'app')") // an application's write, through the new record

	code, out, errw = runMain(t, "migrate", "status", "--spec", w.spec)
	if code != 0 || !strings.Contains(out, "the record points at the target: the cutover is under way") {
		t.Errorf("status before: exit %d\n%s\n%s", code, out, errw)
	}
	code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec)
	if code != 0 || !strings.Contains(out, "the cutover was under way when the last run stopped") || !strings.Contains(out, "no gate, no repair SQL") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errw)
	}
	if !strings.Contains(errw, "gate            not run again: the record already points at the target") || strings.Contains(errw, "DIFFERENT") || strings.Contains(errw, "DRIFT") {
		t.Errorf("the resumed run gated:\n%s", errw)
	}
	if _, err := os.Stat(strings.TrimSuffix(w.spec, ".yaml") + ".drift.sql"); err == nil {
		t.Error("the resumed run wrote repair SQL")
	}
	if v, _ := w.cloud.Record(w.zone, "db.example.com", "CNAME"); v != cut {
		t.Errorf("record: %s, want %s", v, cut)
	}
	code, out, errw = runMain(t, "migrate", "status", "--spec", w.spec)
	if code != 0 || !strings.Contains(out, " 9. cutover         done") || !strings.Contains(out, "finished after a restart") || strings.Contains(out, "under way") {
		t.Errorf("status after: exit %d\n%s\n%s", code, out, errw)
	}
}
