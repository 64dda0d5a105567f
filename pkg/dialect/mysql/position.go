package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var (
	_ dialect.SourcePositioner  = (*DB)(nil)
	_ dialect.AppliedPositioner = (*DB)(nil)
)

// The replication position queries. MariaDB keeps a GTID position per replication domain: on a
// primary gtid_binlog_pos is the last GTID written to its binary log, on a replica
// gtid_slave_pos the last one its SQL thread applied (updated whether or not the replica
// connects with MASTER_USE_GTID). MySQL with gtid_mode=ON keeps gtid_executed, the set of
// transactions committed, on a source and on a replica alike. A row's transaction is in the
// binary log before its change is visible (the commit writes the binary log first), so a
// position read after the row is at or past the row's version.
const (
	// mariadbSourceGTID is empty when nothing was written to the binary log since RESET MASTER.
	mariadbSourceGTID  = "SELECT @@global.log_bin, @@global.gtid_binlog_pos, @@global.server_id"
	mariadbAppliedGTID = "SELECT @@global.gtid_slave_pos"
	// mysqlGTID is NULL unless every transaction gets a GTID (gtid_mode ON); MySQL 8 is not
	// installed where the tests run: this path is untested here.
	mysqlGTID        = "SELECT @@global.log_bin, IF(@@global.gtid_mode = 'ON', @@global.gtid_executed, NULL), @@global.server_id"
	mysqlAppliedGTID = "SELECT IF(@@global.gtid_mode = 'ON', @@global.gtid_executed, NULL)"
	// binlogStatus is the binary log file and offset being written; MySQL 8.4 calls it SHOW
	// BINARY LOG STATUS and refuses the old name.
	binlogStatus    = "SHOW MASTER STATUS"
	binlogStatus84  = "SHOW BINARY LOG STATUS"
	replicaStatus   = "SHOW REPLICA STATUS"
	replicaStatusMa = "SHOW SLAVE STATUS" // MySQL before 8.0.22, MariaDB before 10.5.1
)

// SourcePosition reads the server's GTID position (MariaDB gtid_binlog_pos; MySQL
// gtid_executed when gtid_mode is ON), else the binary log file and offset being written
// (SHOW MASTER STATUS: the REPLICATION CLIENT privilege, on MariaDB 10.5+ BINLOG MONITOR). A
// server without a binary log has no position: ok is false.
func (d *DB) SourcePosition(ctx context.Context) (dialect.Position, bool, error) {
	q := mysqlGTID
	if d.mariadb {
		q = mariadbSourceGTID
	}
	var logBin int
	var gtid sql.NullString
	var server uint64
	if err := d.readRow(ctx, q).Scan(&logBin, &gtid, &server); err != nil {
		return dialect.Position{}, false, fmt.Errorf("mysql: source position: %w", err)
	}
	if logBin == 0 {
		return dialect.Position{}, false, nil
	}
	if gtid.Valid {
		g, err := d.parseGTID(gtid.String)
		if err != nil {
			return dialect.Position{}, false, fmt.Errorf("mysql: source position: %w", err)
		}
		// The binary log coordinate too, when the user may read it, for a target that tells
		// only a coordinate (an AWS DMS task's checkpoint).
		p := dialect.Position{GTID: g}
		if st, ok, err := d.statusRows(ctx, binlogStatus, binlogStatus84); err == nil && ok && len(st) == 1 {
			if c, ok, err := coordinate(st[0], "File", "Position"); err == nil && ok {
				p.File, p.Offset, p.ServerID = c.File, c.Offset, server
			}
		}
		return p, true, nil
	}
	st, ok, err := d.statusRows(ctx, binlogStatus, binlogStatus84)
	if err != nil || !ok || len(st) != 1 {
		if err != nil {
			err = fmt.Errorf("mysql: source position: %w", err)
		}
		return dialect.Position{}, false, err
	}
	p, ok, err := coordinate(st[0], "File", "Position")
	p.ServerID = server
	return p, ok, err
}

// AppliedPosition reads, on a replica (a server with a row in SHOW REPLICA STATUS, whether its
// threads run or not), the GTID position its SQL thread applied (MariaDB gtid_slave_pos;
// MySQL gtid_executed when gtid_mode is ON) and, with one replication channel, the source's
// binary log coordinate of the last event it executed (Relay_Master_Log_File,
// Exec_Master_Log_Pos). A server that is no replica, or a user without the privilege to see
// its status, gives ok=false. MASTER_GTID_WAIT and WAIT_FOR_EXECUTED_GTID_SET would block a
// connection until a position is applied; Watch rereads its rows every interval instead.
func (d *DB) AppliedPosition(ctx context.Context) (dialect.Position, bool, error) {
	st, ok, err := d.statusRows(ctx, replicaStatus, replicaStatusMa)
	if err != nil {
		return dialect.Position{}, false, fmt.Errorf("mysql: applied position: %w", err)
	}
	if !ok || len(st) == 0 {
		return dialect.Position{}, false, nil
	}
	var p dialect.Position
	if len(st) == 1 {
		file, offset := "Relay_Master_Log_File", "Exec_Master_Log_Pos"
		if _, ok := st[0]["Relay_Source_Log_File"]; ok {
			file, offset = "Relay_Source_Log_File", "Exec_Source_Log_Pos"
		}
		if p, _, err = coordinate(st[0], file, offset); err != nil {
			return dialect.Position{}, false, fmt.Errorf("mysql: applied position: %w", err)
		}
		id := st[0]["Master_Server_Id"]
		if v, ok := st[0]["Source_Server_Id"]; ok {
			id = v
		}
		if p.File != "" {
			p.ServerID, _ = strconv.ParseUint(id, 10, 64) // 0, not known, before the first connection
		}
	}
	q := mysqlAppliedGTID
	if d.mariadb {
		q = mariadbAppliedGTID
	}
	var gtid sql.NullString
	if err := d.readRow(ctx, q).Scan(&gtid); err != nil {
		return dialect.Position{}, false, fmt.Errorf("mysql: applied position: %w", err)
	}
	if gtid.Valid {
		if p.GTID, err = d.parseGTID(gtid.String); err != nil {
			return dialect.Position{}, false, fmt.Errorf("mysql: applied position: %w", err)
		}
	}
	return p, !p.IsZero(), nil
}

func (d *DB) parseGTID(s string) (*dialect.GTIDSet, error) {
	if d.mariadb {
		return dialect.ParseMariaDBGTIDPos(s)
	}
	return dialect.ParseMySQLGTIDSet(s)
}

// coordinate is the binary log coordinate in a status row's columns file and offset; ok is
// false when the file is empty (a replica that has not executed anything yet).
func coordinate(row map[string]string, file, offset string) (dialect.Position, bool, error) {
	f := row[file]
	if f == "" {
		return dialect.Position{}, false, nil
	}
	n, err := strconv.ParseUint(row[offset], 10, 64)
	if err != nil {
		return dialect.Position{}, false, fmt.Errorf("%s %q: %v", offset, row[offset], err)
	}
	return dialect.Position{File: f, Offset: n}, true, nil
}

// statusRows runs a SHOW statement (older is the name older servers know it by, tried on a
// syntax error) and returns its rows by column name, NULL as "". ok is false when the user
// lacks the privilege to run it.
func (d *DB) statusRows(ctx context.Context, query, older string) ([]map[string]string, bool, error) {
	rows, err := d.read(ctx, query)
	var me *driver.MySQLError
	if errors.As(err, &me) && me.Number == 1064 {
		rows, err = d.read(ctx, older)
	}
	if errors.As(err, &me) && (me.Number == 1227 || me.Number == 1142) { // no privilege
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, false, err
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var out []map[string]string
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, false, err
		}
		m := make(map[string]string, len(cols))
		for i, c := range cols {
			m[c] = string(vals[i])
		}
		out = append(out, m)
	}
	return out, true, rows.Err()
}
