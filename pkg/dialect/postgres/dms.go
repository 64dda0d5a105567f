package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.DMSCheckpointReader = (*DB)(nil)

// dmsControlSchema is where AWS DMS puts its control tables on a PostgreSQL target when the
// task's ControlSchema is not set (the user guide, control table task settings: "PostgreSQL,
// Public").
const dmsControlSchema = "public"

// The queries of the AWS DMS recovery table reader.
const (
	// dmsFindTable finds awsdms_txn_state in one of two schemas, the first preferred.
	dmsFindTable = `SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = $1 AND c.relkind IN ('r', 'p', 'v', 'f') AND n.nspname IN ($2, COALESCE($3, current_schema()))
ORDER BY n.nspname = $2 DESC LIMIT 1`
	// dmsColumns lists a table's columns as the catalog spells them.
	dmsColumns = `SELECT a.attname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`
	// dmsRead reads every task's checkpoint: SERVER_NAME, TASK_NAME, STATE_TIME, CHECKPOINT
	// (the %s are the columns, then the table); the session's ISO DateStyle prints the time.
	dmsRead = "SELECT %s::text, %s::text, %s::text, %s::text FROM %s ORDER BY 2, 1"
)

// DMSCheckpoints implements dialect.DMSCheckpointReader. Without a schema it looks in public,
// then in the current schema.
func (d *DB) DMSCheckpoints(ctx context.Context, schema string) ([]dialect.DMSCheckpoint, bool, error) {
	first, second := schema, &schema
	if schema == "" {
		first, second = dmsControlSchema, nil
	}
	var found string
	err := d.readRow(ctx, dmsFindTable, dialect.DMSTxnStateTable, first, second).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", dialect.DMSTxnStateTable, err)
	}
	where := quote(found) + "." + quote(dialect.DMSTxnStateTable)
	rows, err := d.read(ctx, dmsColumns, found, dialect.DMSTxnStateTable)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: columns of %s: %w", where, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("postgres: columns of %s: %w", where, err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("postgres: columns of %s: %w", where, err)
	}
	cols, err := sqlkit.DMSColumns(names)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", where, err)
	}
	rows, err = d.read(ctx, fmt.Sprintf(dmsRead, quote(cols[0]), quote(cols[1]), quote(cols[2]), quote(cols[3]), where))
	if err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", where, err)
	}
	defer rows.Close()
	var out []dialect.DMSCheckpoint
	for rows.Next() {
		var v [4]*string
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
			return nil, false, fmt.Errorf("postgres: %s: %w", where, err)
		}
		s := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		out = append(out, dialect.NewDMSCheckpoint(s(v[0]), s(v[1]), s(v[2]), s(v[3])))
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("postgres: %s: %w", where, err)
	}
	return out, true, nil
}
