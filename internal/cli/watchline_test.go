package cli

import (
	"testing"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestEventLineRule: each verdict line names the rule that told it and, under the position
// rule, the positions and their distance; rereads show how far the target trails.
func TestEventLineRule(t *testing.T) {
	g, err := dialect.ParseMariaDBGTIDPos("0-1-42")
	if err != nil {
		t.Fatal(err)
	}
	h, err := dialect.ParseMariaDBGTIDPos("0-1-40")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	lag := 2 * time.Second
	row := &verify.RowDiff{Kind: verify.Missing}
	for _, c := range []struct {
		ev   verify.Event
		want string
	}{
		{verify.Event{Kind: "drift", Table: "t", Row: row, Since: since, Lag: &lag, Rule: verify.RulePosition,
			Positions: &verify.Positions{Source: dialect.Position{GTID: h}, Applied: dialect.Position{GTID: g}, Reached: true, Unit: "transactions"}},
			"DRIFT      t missing (differing since 2026-12-07T18:00:00Z, replication lag 2s; by position: source 0-1-40, target applied 0-1-42, reached)"},
		{verify.Event{Kind: "drift", Table: "t", Row: row, Since: since, Rule: verify.RuleTime},
			"DRIFT      t missing (differing since 2026-12-07T18:00:00Z; by time rule (no replication position))"},
		{verify.Event{Kind: "drift", Table: "t", Row: row, Since: since, Rule: verify.RulePendingLimit,
			Positions: &verify.Positions{Source: dialect.Position{WAL: true, LSN: 0x300}, Applied: dialect.Position{WAL: true, LSN: 0x100}, Distance: 0x200, Unit: "bytes"}},
			"DRIFT      t missing (differing since 2026-12-07T18:00:00Z; by the pending limit, the target not caught up: source 0/300, target applied 0/100, 512 bytes behind)"},
		{verify.Event{Kind: "recheck", Rows: 3, Pending: 3, Rule: verify.RulePosition,
			Positions: &verify.Positions{Source: dialect.Position{File: "binlog.000003", Offset: 10}, Applied: dialect.Position{File: "binlog.000002", Offset: 99}}},
			"reread 3 rows: 3 still pending; positions: source binlog.000003:10, target applied binlog.000002:99, behind (in an earlier binary log)"},
		{verify.Event{Kind: "recheck", Rows: 1, Pending: 1, Rule: verify.RuleTime}, "reread 1 row: 1 still pending"},
		{verify.Event{Kind: "resolved", Table: "t", Row: row, Since: since.Add(-time.Second), Time: since, Rule: verify.RulePosition,
			Positions: &verify.Positions{Source: dialect.Position{GTID: g}, Applied: dialect.Position{GTID: h}, Distance: 2, Unit: "transactions"}},
			"resolved   t missing (was in flight 1s; positions: source 0-1-42, target applied 0-1-40, 2 transactions behind)"},
		{verify.Event{Kind: "clean", Pass: 2, Rule: verify.RulePosition,
			Positions: &verify.Positions{Source: dialect.Position{WAL: true, LSN: 0x100}, Applied: dialect.Position{WAL: true, LSN: 0x180}, Reached: true, Unit: "bytes"}},
			"clean: pass 2 found no difference; by position: source 0/100, target applied 0/180, reached"},
		{verify.Event{Kind: "clean", Pass: 2, Rule: verify.RuleTime}, "clean: pass 2 found no difference"},
	} {
		if got := eventLine(c.ev, time.Hour); got != c.want {
			t.Errorf("%s event:\n got %q\nwant %q", c.ev.Kind, got, c.want)
		}
	}
}
