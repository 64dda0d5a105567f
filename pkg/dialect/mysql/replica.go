package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Lagger = (*DB)(nil)

// ReplicaLag reads Seconds_Behind_Source (Seconds_Behind_Master before MySQL 8.0.22 and on
// MariaDB) from the replica status: the largest over all channels, plus one second, since the
// server counts whole seconds. A server that is no replica,
// a channel whose replication is stopped (NULL), and a user without the REPLICATION CLIENT
// privilege (MariaDB 10.5+: SLAVE MONITOR) give ok=false. Aurora MySQL and RDS report binlog
// replicas the same way; AWS DMS is not seen here.
func (d *DB) ReplicaLag(ctx context.Context) (time.Duration, bool, error) {
	rows, err := d.read(ctx, "SHOW REPLICA STATUS")
	var me *driver.MySQLError
	if errors.As(err, &me) && me.Number == 1064 { // MySQL before 8.0.22, MariaDB before 10.5.1
		rows, err = d.read(ctx, "SHOW SLAVE STATUS")
	}
	if errors.As(err, &me) && (me.Number == 1227 || me.Number == 1142) { // no privilege
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("replica status: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, false, fmt.Errorf("replica status: %w", err)
	}
	at := -1
	for i, c := range cols {
		if strings.EqualFold(c, "Seconds_Behind_Source") || strings.EqualFold(c, "Seconds_Behind_Master") {
			at = i
		}
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var lag time.Duration
	ok := false
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, false, fmt.Errorf("replica status: %w", err)
		}
		if at < 0 || vals[at] == nil {
			return 0, false, nil // a channel that does not replicate: its lag is unknown
		}
		s, err := strconv.ParseInt(string(vals[at]), 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("replica status: %s %q: %v", cols[at], vals[at], err)
		}
		// Whole seconds, truncated: the true lag may be up to a second more, and an upper
		// bound is what keeps a change in flight from being taken for drift.
		lag, ok = max(lag, time.Duration(s+1)*time.Second), true
	}
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("replica status: %w", err)
	}
	return lag, ok, nil
}
