package postgres

import (
	"context"
	"fmt"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.WriteProbe = (*DB)(nil)

// inRecovery reads whether the server is a standby, which takes no writes at all.
const inRecovery = "SELECT pg_is_in_recovery()"

// tuplesWritten is the rows inserted, updated and deleted in this database's user tables, from
// the cumulative statistics. Reads move none of them (pg_stat_database's xact_commit would:
// every read-only transaction commits), and neither do the server's own catalog writes
// (autovacuum's ANALYZE updates pg_statistic). Each read runs in a transaction of its own, so
// the statistics snapshot (stats_fetch_consistency) is fresh each time.
const tuplesWritten = "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables"

// ReadOnly reports a standby (pg_is_in_recovery). default_transaction_read_only is not taken
// as read-only: it is a default each session may turn off, and sessions opened before it was
// set (a connection pool's) keep their old one, so only the write counter can tell.
func (d *DB) ReadOnly(ctx context.Context) (bool, string, error) {
	var standby bool
	if err := d.readRow(ctx, inRecovery).Scan(&standby); err != nil {
		return false, "", fmt.Errorf("recovery state: %w", err)
	}
	if standby {
		return true, "the server is a standby (pg_is_in_recovery)", nil
	}
	return false, "", nil
}

// WriteCount is the rows written to the database's user tables. A backend reports its
// counts when a transaction ends, at most once a second, and an idle one within about ten
// seconds (PostgreSQL 15+): watch it for longer than that.
func (d *DB) WriteCount(ctx context.Context) (uint64, string, error) {
	var n int64
	if err := d.readRow(ctx, tuplesWritten).Scan(&n); err != nil {
		return 0, "", fmt.Errorf("write counters: %w", err)
	}
	return uint64(n), "the database's rows written (pg_stat_user_tables n_tup_ins + n_tup_upd + n_tup_del)", nil
}
