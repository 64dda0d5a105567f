package dbcheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/preflight"
)

// slots lists the source's replication slots with the WAL each retains (progress), and warns
// of those that hold WAL for nobody: an inactive slot (a task stopped or gone) keeps every
// byte written since, until the disk is full and the source stops taking writes; a lost one
// cannot be resumed from. It reads only.
func (c *checker) slots(ctx context.Context, db dialect.SlotReporter) {
	slots, err := db.ReplicationSlots(ctx)
	if err != nil {
		c.unchecked("replication slots' retained WAL", err)
		return
	}
	for _, s := range slots {
		c.opt.Progress(s.String())
		what := "replication slot " + s.Name
		drop := fmt.Sprintf("SELECT pg_drop_replication_slot('%s')", strings.ReplaceAll(s.Name, "'", "''"))
		switch {
		case s.WALStatus == "lost":
			c.add(preflight.Warning, what, "has lost WAL it needed (wal_status lost, past max_slot_wal_keep_size): whatever consumed it cannot resume from it",
				"if no task uses it, drop it: "+drop+"; a task that did must start again with a full load")
		case !s.Active && s.RetainedWAL >= 0:
			c.add(preflight.Warning, what, fmt.Sprintf("is inactive and retains %s of WAL: nothing consumes it, so the WAL written from now on stays on the source's disk too, until it is full and the source stops taking writes", dialect.SizeText(s.RetainedWAL)),
				"resume the task or subscriber that uses it, or, if none will, drop it: "+drop)
		}
	}
}
