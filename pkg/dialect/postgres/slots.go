package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.SlotReporter = (*DB)(nil)

// listSlots reads every replication slot of the cluster with the WAL it retains, measured from
// the server's current WAL position (on a standby, the last one replayed). wal_status exists
// from PostgreSQL 13: read through to_jsonb, it is NULL before. The differences are numeric:
// sent as text, they are parsed here.
const listSlots = `WITH cur AS (SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn)
SELECT s.slot_name::text, s.slot_type, COALESCE(s.plugin::text, ''), COALESCE(s.database::text, ''), s.active,
  pg_wal_lsn_diff(cur.lsn, s.restart_lsn)::text,
  pg_wal_lsn_diff(cur.lsn, s.confirmed_flush_lsn)::text,
  COALESCE(to_jsonb(s)->>'wal_status', '')
FROM pg_catalog.pg_replication_slots s, cur
ORDER BY s.slot_name`

// ReplicationSlots implements dialect.SlotReporter. pg_replication_slots is readable by every
// role, so no privilege is needed.
func (d *DB) ReplicationSlots(ctx context.Context) ([]dialect.Slot, error) {
	rows, err := d.read(ctx, listSlots)
	if err != nil {
		return nil, fmt.Errorf("postgres: replication slots: %w", err)
	}
	defer rows.Close()
	var out []dialect.Slot
	for rows.Next() {
		var s dialect.Slot
		var retained, lag *string
		if err := rows.Scan(&s.Name, &s.Type, &s.Plugin, &s.Database, &s.Active, &retained, &lag, &s.WALStatus); err != nil {
			return nil, fmt.Errorf("postgres: replication slots: %w", err)
		}
		if s.RetainedWAL, err = walBytes(retained); err == nil {
			s.FlushLag, err = walBytes(lag)
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: replication slot %s: %w", s.Name, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: replication slots: %w", err)
	}
	return out, nil
}

// walBytes parses a pg_wal_lsn_diff result: a whole number of bytes, -1 for NULL. A slot whose
// consumer confirmed past the position the difference is taken at (a standby's replay lagging
// its primary's slot) is 0 behind, not negative.
func walBytes(s *string) (int64, error) {
	if s == nil {
		return -1, nil
	}
	n, err := strconv.ParseFloat(*s, 64) // numeric: "123" (no fraction in practice)
	if err != nil {
		return 0, fmt.Errorf("WAL difference %q is not a number", *s)
	}
	return max(0, int64(n)), nil
}
