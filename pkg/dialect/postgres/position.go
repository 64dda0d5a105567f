package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var (
	_ dialect.SourcePositioner  = (*DB)(nil)
	_ dialect.AppliedPositioner = (*DB)(nil)
)

// sourceLSN is, on a primary, the WAL insert location: every record inserted so far, so every
// committed transaction, lies before it (the write location, pg_current_wal_lsn, may still
// trail a transaction committed with synchronous_commit off); NULL on a standby. The WAL block
// and segment sizes tell where a page header follows a record that ends at a page boundary.
const sourceLSN = `SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_insert_lsn()::text END,
  current_setting('wal_block_size')::bigint,
  (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')`

// standbyLSN is, on a standby (physical replication), the WAL location replayed.
const standbyLSN = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text"

// subscriptions are the logical replication subscriptions of this database, each with the
// latest WAL location of its publisher that its apply worker reported back after applying
// everything before it (latest_end_lsn, NULL while no worker runs: disabled, or restarting),
// and whether a table of it is still in its initial copy (its changes until then are the
// copy's, not the apply worker's).
const subscriptions = `SELECT s.oid::text, s.subname,
  (SELECT max(w.latest_end_lsn) FROM pg_stat_subscription w WHERE w.subid = s.oid AND w.relid IS NULL)::text,
  EXISTS (SELECT 1 FROM pg_subscription_rel r WHERE r.srsubid = s.oid AND r.srsubstate NOT IN ('r', 's'))
FROM pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY s.oid`

// originProgress is the publisher's WAL location of the end of the last transaction a
// subscription applied; its replication origin is named pg_ and the subscription's oid. It
// outlives the worker (a disabled subscription keeps it); superuser only, unless granted.
const originProgress = "SELECT pg_replication_origin_progress('pg_' || $1, false)::text"

// SourcePosition reads the WAL insert location of a primary (see sourceLSN). A standby gives
// ok=false.
func (d *DB) SourcePosition(ctx context.Context) (dialect.Position, bool, error) {
	var lsn *string
	var block, segment int64
	if err := d.readRow(ctx, sourceLSN).Scan(&lsn, &block, &segment); err != nil {
		return dialect.Position{}, false, fmt.Errorf("postgres: source position: %w", err)
	}
	if lsn == nil {
		return dialect.Position{}, false, nil
	}
	n, err := dialect.ParseLSN(*lsn)
	if err != nil {
		return dialect.Position{}, false, fmt.Errorf("postgres: source position: %w", err)
	}
	return dialect.Position{WAL: true, LSN: recordEnd(n, block, segment)}, true, nil
}

// recordEnd turns an insert location just past a page header into the page boundary before
// it: the insert location of a record that would follow one ending at a boundary counts the
// header the next record will need, while a subscriber and a standby report the boundary (the
// end of the last record), which is the same point of the stream.
func recordEnd(lsn uint64, block, segment int64) uint64 {
	const short, long = 24, 40 // SizeOfXLogShortPHD, SizeOfXLogLongPHD
	switch {
	case segment > 0 && lsn%uint64(segment) == long:
		return lsn - long
	case block > 0 && lsn%uint64(block) == short && (segment <= 0 || lsn%uint64(segment) != short):
		return lsn - short
	}
	return lsn
}

// AppliedPosition reads, on a standby, the WAL location replayed; on a logical replication
// subscriber, the publisher's WAL location its subscriptions in this database applied: for each
// the later of its worker's latest_end_lsn and its replication origin's progress (when the
// user may read it), and the earliest over the subscriptions. A subscription that has nothing to
// tell (disabled, with the origin out of the user's sight), or a table of which is still in its
// initial copy, counts as having applied nothing.
// A server that neither replays nor subscribes gives ok=false.
func (d *DB) AppliedPosition(ctx context.Context) (dialect.Position, bool, error) {
	var standby bool
	var replay *string
	if err := d.readRow(ctx, standbyLSN).Scan(&standby, &replay); err != nil {
		return dialect.Position{}, false, fmt.Errorf("postgres: applied position: %w", err)
	}
	if standby {
		if replay == nil {
			return dialect.Position{}, false, nil
		}
		n, err := dialect.ParseLSN(*replay)
		if err != nil {
			return dialect.Position{}, false, fmt.Errorf("postgres: applied position: %w", err)
		}
		return dialect.Position{WAL: true, LSN: n}, true, nil
	}
	rows, err := d.read(ctx, subscriptions)
	if err != nil {
		return dialect.Position{}, false, fmt.Errorf("postgres: applied position: %w", err)
	}
	type sub struct {
		oid, name string
		lsn       *string
		copying   bool
	}
	var subs []sub
	for rows.Next() {
		var s sub
		if err := rows.Scan(&s.oid, &s.name, &s.lsn, &s.copying); err != nil {
			rows.Close()
			return dialect.Position{}, false, fmt.Errorf("postgres: applied position: %w", err)
		}
		subs = append(subs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return dialect.Position{}, false, fmt.Errorf("postgres: applied position: %w", err)
	}
	if len(subs) == 0 {
		return dialect.Position{}, false, nil
	}
	least := ^uint64(0)
	for _, s := range subs {
		if s.copying { // nothing is known applied to a table still being copied
			least = 0
			continue
		}
		var applied uint64
		if s.lsn != nil {
			if applied, err = dialect.ParseLSN(*s.lsn); err != nil {
				return dialect.Position{}, false, fmt.Errorf("postgres: applied position of subscription %s: %w", s.name, err)
			}
		}
		var origin *string
		err := d.readRow(ctx, originProgress, s.oid).Scan(&origin)
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe) && (pe.Code == "42501" || pe.Code == "42704"): // no privilege, no origin
		case err != nil:
			return dialect.Position{}, false, fmt.Errorf("postgres: applied position of subscription %s: %w", s.name, err)
		case origin != nil:
			n, err := dialect.ParseLSN(*origin)
			if err != nil {
				return dialect.Position{}, false, fmt.Errorf("postgres: applied position of subscription %s: %w", s.name, err)
			}
			applied = max(applied, n)
		}
		least = min(least, applied)
	}
	return dialect.Position{WAL: true, LSN: least}, true, nil
}
