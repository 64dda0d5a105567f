package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestWatchDMSApplied: a target that is no replica, as one an AWS DMS task writes, tells how far
// it applied the source by the task's recovery checkpoint table (WatchOptions.Applied,
// dialect.DMSTask): a row that differs is drift by position as soon as the checkpoint is past
// the source position read with the row, with no settle wait; while the checkpoint trails, the
// row stays in flight until the pending limit, then is drift (replication stopped).
func TestWatchDMSApplied(t *testing.T) {
	for _, c := range []struct {
		name, lsn string
		rule      verify.Rule
	}{
		{"applied", "FFFFFFFF/FFFFFFFF", verify.RulePosition},
		{"behind", "00000000/00000001", verify.RulePendingLimit},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, tgt := testdb.Postgres(t), testdb.Postgres(t)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)", "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g")
			}
			tgt.Exec(t, "UPDATE t SET v = 'changed on the target' WHERE id = 7",
				`CREATE TABLE public.awsdms_txn_state ("SERVER_NAME" varchar(128) NOT NULL, "TASK_NAME" varchar(128) NOT NULL, "STATE_TIME" timestamp NOT NULL, "CHECKPOINT" varchar(1024) NOT NULL)`,
				`INSERT INTO public.awsdms_txn_state VALUES ('ip-10-0-0-1', 'ABCDEFGHIJKLMNOP', now(), 'checkpoint:V1#34#`+c.lsn+`#0#0#*#0#121')`)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			s, d, closeBoth := openPair(t, ctx, src, tgt)
			defer closeBoth()
			var ev events
			opt := verify.WatchOptions{Options: verify.Options{Tables: []string{"t"}}, UntilClean: true, Interval: 100 * time.Millisecond,
				Settle: time.Hour, PendingLimit: 3 * time.Second, Applied: dialect.DMSTask{DB: d.DB, Task: "ABCDEFGHIJKLMNOP"}, Events: ev.add}
			start := time.Now()
			res, err := verify.Watch(ctx, s, d, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Close()
			took := time.Since(start)
			if len(res.Drift) != 1 || res.Drift[0].Rule != c.rule || res.Drift[0].Row.Kind != verify.Changed {
				t.Fatalf("drift %+v; want id 7 changed, by %s", res.Drift, c.rule)
			}
			if c.rule == verify.RulePosition && (res.Drift[0].Positions == nil || !res.Drift[0].Positions.Reached || took > 2*time.Second) {
				t.Fatalf("by position after %s: positions %+v; want reached, well before the pending limit", took, res.Drift[0].Positions)
			}
			if c.rule == verify.RulePendingLimit && took < 3*time.Second {
				t.Fatalf("drift after %s, before the pending limit, while the checkpoint trails", took)
			}
			t.Logf("%s: drift by %s after %s", c.name, c.rule, took.Round(time.Millisecond))
		})
	}
}
