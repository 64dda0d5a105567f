package dialecttest

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// DMSCheckpoints tests an engine's reader of the AWS DMS recovery table against a table of the
// shape DMS makes (create: the engine's CREATE TABLE awsdms_txn_state (SERVER_NAME,
// TASK_NAME, STATE_TIME, CHECKPOINT) in the database db reads, where the reader looks without
// a schema), filled with insert (its four ? or $n parameters in that order): no table is
// ErrDMSNotEnabled, no row for a task is unknown, then several tasks with MySQL and
// PostgreSQL sources' checkpoints, a task found again on a second replication instance, and a
// malformed checkpoint, a clear error for its task alone. schema names where create makes the
// table, for the same reads with an explicit schema.
func DMSCheckpoints(t *testing.T, setup *sql.DB, db dialect.DB, schema, create, insert string) {
	ctx := t.Context()
	if _, ok, err := db.(dialect.DMSCheckpointReader).DMSCheckpoints(ctx, ""); ok || err != nil {
		t.Fatalf("no table: ok %t, %v", ok, err)
	}
	if _, ok, err := dialect.DMSApplied(ctx, db, "", "TASKA"); ok || !errors.Is(err, dialect.ErrDMSNotEnabled) || !strings.Contains(err.Error(), "TaskRecoveryTableEnabled setting is off") {
		t.Fatalf("no table: ok %t, %v; want ErrDMSNotEnabled", ok, err)
	}
	if _, err := setup.Exec(create); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := dialect.DMSApplied(ctx, db, "", "TASKA"); ok || err != nil {
		t.Fatalf("no row yet: ok %t, %v; want unknown", ok, err)
	}
	const (
		mysqlCP = "checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93"
		pgCP    = "checkpoint:V1#34#00000132/0F000E48#0#0#*#0#121"
	)
	for _, r := range [][4]string{
		{"ip-10-0-1-17.eu-west-1.compute.internal", "TASKA", "2026-12-07 10:00:00", "checkpoint:V1#27#mysql-bin-changelog.157831:4#0#0#*#0#1"},
		// The task moved to another replication instance: its latest row wins.
		{"ip-10-0-2-33.eu-west-1.compute.internal", "TASKA", "2026-12-07 11:30:05.25", mysqlCP},
		{"ip-10-0-1-17.eu-west-1.compute.internal", "TASKB", "2026-12-07 11:29:59", pgCP},
		{"ip-10-0-1-17.eu-west-1.compute.internal", "TASKC", "2026-12-07 11:00:00", "checkpoint:V7#1#whatever"},
	} {
		if _, err := setup.Exec(insert, r[0], r[1], r[2], r[3]); err != nil {
			t.Fatal(err)
		}
	}
	for _, sch := range []string{"", schema} {
		cps, ok, err := db.(dialect.DMSCheckpointReader).DMSCheckpoints(ctx, sch)
		if !ok || err != nil || len(cps) != 4 {
			t.Fatalf("schema %q: %d rows, ok %t, %v", sch, len(cps), ok, err)
		}
		if c := cps[1]; c.Task != "TASKA" || c.Server != "ip-10-0-2-33.eu-west-1.compute.internal" || c.Checkpoint != mysqlCP ||
			c.Time.Format("2006-01-02 15:04:05.00") != "2026-12-07 11:30:05.25" || c.Err != nil || c.Position.String() != "mysql-bin-changelog.157832:2002" {
			t.Errorf("schema %q: row %+v", sch, c)
		}
		if c := cps[3]; c.Task != "TASKC" || !errors.Is(c.Err, dialect.ErrDMSCheckpoint) {
			t.Errorf("schema %q: malformed row %+v", sch, c)
		}
	}
	for task, want := range map[string]string{
		"TASKA": "mysql-bin-changelog.157832:2002",
		"arn:aws:dms:eu-west-1:123456789012:task:TASKA": "mysql-bin-changelog.157832:2002",
		"TASKB": "132/F000E48",
	} {
		pos, ok, err := dialect.DMSApplied(ctx, db, "", task)
		if !ok || err != nil || pos.String() != want {
			t.Errorf("task %s: %v, ok %t, %v; want %s", task, pos, ok, err, want)
		}
		if pos, ok, err := dialect.DMSApplied(ctx, db, schema, task); !ok || err != nil || pos.String() != want {
			t.Errorf("task %s in %s: %v, ok %t, %v; want %s", task, schema, pos, ok, err, want)
		}
	}
	if _, ok, err := dialect.DMSApplied(ctx, db, "", "TASKC"); ok || !errors.Is(err, dialect.ErrDMSCheckpoint) || !strings.Contains(err.Error(), `task TASKC: `) || !strings.Contains(err.Error(), `version "V7", not V1`) {
		t.Errorf("malformed: ok %t, %v", ok, err)
	}
	if _, ok, err := dialect.DMSApplied(ctx, db, "", "TASKZ"); ok || err != nil {
		t.Errorf("a task without a row: ok %t, %v; want unknown", ok, err)
	}
	if _, ok, err := dialect.DMSApplied(ctx, db, "", ""); ok || err == nil || !strings.Contains(err.Error(), "3 tasks (TASKA, TASKB, TASKC): name the task") {
		t.Errorf("no task named among several: ok %t, %v", ok, err)
	}
	if _, ok, err := dialect.DMSApplied(ctx, db, "no_such_schema", "TASKA"); ok || !errors.Is(err, dialect.ErrDMSNotEnabled) {
		t.Errorf("another schema: ok %t, %v; want ErrDMSNotEnabled", ok, err)
	}
}
