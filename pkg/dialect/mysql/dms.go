package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.DMSCheckpointReader = (*DB)(nil)

// dmsControlSchema is where AWS DMS puts its control tables on a MySQL or MariaDB target when
// the task's ControlSchema is not set (the user guide, control table task settings: "MySQL,
// awsdms_control", "MariaDB, awsdms_control").
const dmsControlSchema = "awsdms_control"

// The queries of the AWS DMS recovery table reader.
const (
	// dmsFindTable finds awsdms_txn_state in one of two schemas, the first preferred.
	dmsFindTable = `SELECT table_schema FROM information_schema.tables WHERE table_name = ? AND table_schema IN (?, ?)
ORDER BY table_schema = ? DESC LIMIT 1`
	// dmsColumns lists a table's columns as the catalog spells them.
	dmsColumns = "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position"
	// dmsRead reads every task's checkpoint: SERVER_NAME, TASK_NAME, STATE_TIME, CHECKPOINT
	// (the %s are the columns, then the table).
	dmsRead = "SELECT %s, %s, CAST(%s AS CHAR), %s FROM %s ORDER BY 2, 1"
)

// DMSCheckpoints implements dialect.DMSCheckpointReader. Without a schema it looks in
// awsdms_control, then in the current database.
func (d *DB) DMSCheckpoints(ctx context.Context, schema string) ([]dialect.DMSCheckpoint, bool, error) {
	first, second := schema, schema
	if schema == "" {
		first = dmsControlSchema
		var cur sql.NullString
		if err := d.readRow(ctx, currentDatabase).Scan(&cur); err != nil {
			return nil, false, fmt.Errorf("mysql: %s: %w", dialect.DMSTxnStateTable, err)
		}
		second = cur.String
	}
	var found string
	err := d.readRow(ctx, dmsFindTable, dialect.DMSTxnStateTable, first, second, first).Scan(&found)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", dialect.DMSTxnStateTable, err)
	}
	where := quote(found) + "." + quote(dialect.DMSTxnStateTable)
	rows, err := d.read(ctx, dmsColumns, found, dialect.DMSTxnStateTable)
	if err != nil {
		return nil, false, fmt.Errorf("mysql: columns of %s: %w", where, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("mysql: columns of %s: %w", where, err)
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		return nil, false, fmt.Errorf("mysql: columns of %s: %w", where, err)
	}
	cols, err := sqlkit.DMSColumns(names)
	if err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", where, err)
	}
	rows, err = d.read(ctx, fmt.Sprintf(dmsRead, quote(cols[0]), quote(cols[1]), quote(cols[2]), quote(cols[3]), where))
	if err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", where, err)
	}
	var out []dialect.DMSCheckpoint
	for rows.Next() {
		var v [4]sql.NullString
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("mysql: %s: %w", where, err)
		}
		out = append(out, dialect.NewDMSCheckpoint(v[0].String, v[1].String, v[2].String, v[3].String))
	}
	if err := rows.Close(); err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", where, err)
	}
	return out, true, nil
}
