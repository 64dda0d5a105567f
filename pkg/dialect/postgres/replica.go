package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Lagger = (*DB)(nil)

// replicaLag is, on a standby, how long ago the last replayed transaction committed (0 once
// everything received is replayed); on a primary or logical-replication publisher, the
// largest replay_lag of its streaming WAL senders (NULL once they have caught up and are idle,
// counted as 0). NULL for the whole when nothing replicates.
const replicaLag = `SELECT CASE
  WHEN pg_is_in_recovery() THEN
    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
      ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END
  ELSE (SELECT EXTRACT(EPOCH FROM COALESCE(max(replay_lag), interval '0'))::float8
    FROM pg_stat_replication WHERE state = 'streaming' HAVING count(*) > 0)
END`

// ReplicaLag reads the replication lag this server sees (see replicaLag). Without the
// pg_monitor role another user's WAL senders hide their state and lag: ok is false then.
func (d *DB) ReplicaLag(ctx context.Context) (time.Duration, bool, error) {
	var secs *float64
	if err := d.readRow(ctx, replicaLag).Scan(&secs); err != nil {
		return 0, false, fmt.Errorf("replication lag: %w", err)
	}
	if secs == nil {
		return 0, false, nil
	}
	return time.Duration(*secs * float64(time.Second)), true, nil
}
