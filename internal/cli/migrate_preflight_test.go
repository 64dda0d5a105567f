package cli

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/awsmig/awsmigtest"
)

// TestMigratePreflightCLI: plan --check and apply list every problem at once, AWS's and the
// source database's (a real MariaDB logging statements, a table without a key), exit 2, and
// create nothing; once they are fixed, plan --check exits 0 and apply goes ahead.
func TestMigratePreflightCLI(t *testing.T) {
	bad := testdb.StartMariaDBWith(t, "--log-bin=binlog", "--binlog-format=STATEMENT")
	src := bad.New(t)
	src.Exec(t, "CREATE TABLE orders (id INT PRIMARY KEY, note TEXT)", "CREATE TABLE audit (at DATETIME, what TEXT)")
	tgt := testdb.MySQL(t)
	w := newMigrateWorld(t, src.DSN, tgt.DSN)
	newSourceCheck = sourceCheckForTest // the real source checks (newMigrateWorld leaves them out)

	// A disabled key, an endpoint that does not connect, a taken name.
	w.cloud.AddKey(region, "alias/off", awsmigtest.KeyDisabled)
	w.cloud.FailConnection(w.vars["TgtEP"], "Can't connect to MySQL server on 'shop-enc' (110)")
	w.cloud.AddInstance(region, "shop-enc", "mysql", "db.r6g.large") // someone else's target name
	spec := strings.Replace(migrateSpec, "kms_key: alias/shop", "kms_key: alias/off", 1)
	w.writeWith(t, spec)

	code, out, errw := runMain(t, "migrate", "plan", "--spec", w.spec, "--check")
	if code != ExitUsage {
		t.Fatalf("plan --check: exit %d\n%s\n%s", code, out, errw)
	}
	for _, want := range []string{
		"kms:GenerateDataKeyWithoutPlaintext KeyId=alias/off KeySpec=AES_256 DryRun=true", // the plan shows the preflight's calls
		"dms:TestConnection",
		"error: kms key alias/off (eu-west-1): key state: is Disabled, not Enabled",
		"error: DMS target endpoint " + w.vars["TgtEP"] + ": connection: the last connection test from the replication instance failed: Can't connect to MySQL server",
		"error: DB instance shop-enc (eu-west-1): name: exists and was not created by this migration",
		"binlog_format: is STATEMENT, not ROW",
		"table audit: has no primary key",
		"preflight: 5 errors, 0 checks that could not run, 0 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan --check output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errw, "preflight found 5 problems (listed above): nothing was created") {
		t.Errorf("stderr: %s", errw)
	}

	code, out, errw = runMain(t, "migrate", "apply", "--spec", w.spec)
	if code != ExitUsage || !strings.Contains(errw, "binlog_format: is STATEMENT") || !strings.Contains(errw, "key state: is Disabled") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errw)
	}
	for _, op := range []string{"CreateDBSnapshot", "CopyDBSnapshot", "RestoreDBInstanceFromDBSnapshot", "CreateReplicationTask", "ChangeResourceRecordSets"} {
		if n := w.cloud.Calls(op); n != 0 {
			t.Errorf("%s called %d times after a failed preflight", op, n)
		}
	}
	if strings.Contains(out+errw, "snapshot        ") {
		t.Errorf("a step ran:\n%s", errw)
	}
}

// TestMigratePreflightCLIClean: a source set up for CDC and a cloud with nothing wrong:
// plan --check exits 0.
func TestMigratePreflightCLIClean(t *testing.T) {
	good := testdb.StartMariaDBWith(t, "--log-bin=binlog", "--binlog-format=ROW", "--binlog-row-image=FULL")
	src := good.New(t)
	src.Exec(t, "CREATE TABLE orders (id INT PRIMARY KEY, note TEXT)")
	w := newMigrateWorld(t, src.DSN, testdb.MySQL(t).DSN)
	newSourceCheck = sourceCheckForTest
	w.cloud.SetBackupRetention(region, "shop", 7)
	code, out, errw := runMain(t, "migrate", "plan", "--spec", w.spec, "--check")
	if code != 0 || !strings.Contains(out, "preflight: no problems found") {
		t.Fatalf("plan --check: exit %d\n%s\n%s", code, out, errw)
	}
}

// sourceCheckForTest is the real source check.
var sourceCheckForTest = newSourceCheck
