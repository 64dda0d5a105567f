package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestGateDMSTask: with --dms-task the gate reads the target's applied position from the task's
// recovery checkpoint table, and confirms a row changed on the target as drift by position, not
// after --settle.
func TestGateDMSTask(t *testing.T) {
	src, tgt := testdb.Postgres(t), testdb.Postgres(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)", "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g")
	}
	tgt.Exec(t, "UPDATE t SET v = 'x' WHERE id = 9",
		`CREATE TABLE public.awsdms_txn_state ("SERVER_NAME" varchar(128) NOT NULL, "TASK_NAME" varchar(128) NOT NULL, "STATE_TIME" timestamp NOT NULL, "CHECKPOINT" varchar(1024) NOT NULL)`,
		`INSERT INTO public.awsdms_txn_state VALUES ('ip-10-0-0-1', 'TASKID', now(), 'checkpoint:V1#34#FFFFFFFF/FFFFFFFF#0#0#*#0#121')`)
	code, out, errw := runMain(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "--tables", "t", "--until-clean",
		"--settle", "1h", "--pending-limit", "2h", "--interval", "100ms", "--timeout", "30s", "-o", "json",
		"--dms-task", "arn:aws:dms:eu-west-1:123456789012:task:TASKID")
	var rep struct {
		Drift []struct {
			Rule string `json:"rule"`
		} `json:"drift"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitDiffer || len(rep.Drift) != 1 || rep.Drift[0].Rule != "position" {
		t.Fatalf("exit %d (%v); want 1 with one row drift by position\n%s\n%s", code, err, out, errw)
	}
	if strings.Contains(errw, "time rule") {
		t.Errorf("the time rule was used: %s", errw)
	}
}
