package awsmig_test

import (
	"encoding/json"
	"testing"

	"github.com/dbverify/dbverify/pkg/awsmig"
)

// TestTaskRecoveryTable: whatever the spec's LOB mode, validation and parallel load, the task
// migrate creates has TargetMetadata.TaskRecoveryTableEnabled on, so that DMS keeps
// awsdms_txn_state on the target (the applied source position dialect.DMSApplied reads); a
// task modified to match a changed spec keeps it on.
func TestTaskRecoveryTable(t *testing.T) {
	recovery := func(t *testing.T, settings string) any {
		t.Helper()
		var got map[string]map[string]any
		if err := json.Unmarshal([]byte(settings), &got); err != nil {
			t.Fatal(err)
		}
		return got["TargetMetadata"]["TaskRecoveryTableEnabled"]
	}
	for _, extra := range []string{"", "  lob: {mode: full}", "  lob: {mode: inline, max_size_kb: 16}",
		"  lob: {mode: limited, max_size_kb: 64}\n  validation: true\n  parallel_load_threads: 8"} {
		f := newFixture(t)
		f.vars["DMSExtra"] = extra
		if _, err := f.apply(t, f.spec(t), awsmig.Options{Until: awsmig.StepTask}); err != nil {
			t.Fatal(err)
		}
		if got := recovery(t, f.cloud.Task("dbv-orders-enc").Settings); got != true {
			t.Errorf("%q: TaskRecoveryTableEnabled %v, want true", extra, got)
		}
	}
	f := newFixture(t)
	if _, err := f.apply(t, f.spec(t), awsmig.Options{Until: awsmig.StepTask}); err != nil {
		t.Fatal(err)
	}
	f.cloud.StopTask("dbv-orders-enc", "Stop Reason STOPPED_BY_USER")
	f.vars["DMSExtra"] = "  lob: {mode: full}"
	if _, err := f.apply(t, f.spec(t), awsmig.Options{Until: awsmig.StepTask}); err != nil {
		t.Fatal(err)
	}
	if task := f.cloud.Task("dbv-orders-enc"); task.Modifies != 1 || recovery(t, task.Settings) != true {
		t.Errorf("modified task: %d modifies, TaskRecoveryTableEnabled %v", task.Modifies, recovery(t, task.Settings))
	}
}
