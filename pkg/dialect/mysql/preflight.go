package mysql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// The queries of the replication preflight checks (see package preflight/dbcheck).
const (
	// globalVariables reads server variables by name. SHOW rather than a SELECT of @@GLOBAL.x,
	// which fails for a variable the server does not have (binlog_expire_logs_seconds before
	// MariaDB 10.6 and MySQL 8.0): a missing one is simply not listed. The %s is one ? per name.
	globalVariables = "SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s)"
	// rdsConfiguration is Amazon RDS's own settings (binlog retention hours, ...); the procedure
	// exists only on RDS and Aurora MySQL, and only reads.
	rdsConfiguration = "CALL mysql.rds_show_configuration"
	// maxLengths measures the longest value of columns in bytes: one scan of the table. The
	// first %s is one MAX(LENGTH(col)) per column.
	maxLengths = "SELECT %s FROM %s"
)

var _ dialect.LOBReader = (*DB)(nil)

// GlobalVariables reads the named global server variables; a variable the server does not
// have is absent from the map. Values are as the server prints them (ON, ROW, 0, ...).
func (d *DB) GlobalVariables(ctx context.Context, names ...string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	q := fmt.Sprintf(globalVariables, strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", "))
	rows, err := d.read(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("mysql: server variables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, fmt.Errorf("mysql: server variables: %w", err)
		}
		out[strings.ToLower(name)] = value
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("mysql: server variables: %w", err)
	}
	return out, nil
}

// RDSConfiguration reads Amazon RDS's settings (name -> value, e.g. "binlog retention hours"
// -> "24", or "" for NULL) with mysql.rds_show_configuration. ok is false on a server that is
// not RDS or Aurora (the procedure does not exist there).
func (d *DB) RDSConfiguration(ctx context.Context) (map[string]string, bool, error) {
	rows, err := d.read(ctx, rdsConfiguration)
	var me *driver.MySQLError
	if errors.As(err, &me) && me.Number == 1305 { // ER_SP_DOES_NOT_EXIST
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", rdsConfiguration, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", rdsConfiguration, err)
	}
	if len(cols) < 2 {
		return nil, false, fmt.Errorf("mysql: %s: %d columns, want name and value", rdsConfiguration, len(cols))
	}
	vals := make([]*string, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	out := map[string]string{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, false, fmt.Errorf("mysql: %s: %w", rdsConfiguration, err)
		}
		if vals[0] == nil {
			continue
		}
		v := ""
		if vals[1] != nil {
			v = *vals[1]
		}
		out[strings.ToLower(*vals[0])] = v
	}
	if err := rows.Close(); err != nil {
		return nil, false, fmt.Errorf("mysql: %s: %w", rdsConfiguration, err)
	}
	return out, true, nil
}

// lobTypes are the column types AWS DMS migrates from MySQL as LOBs (its MySQL source data
// types: TEXT, MEDIUMTEXT, LONGTEXT become NCLOB, BLOB, MEDIUMBLOB, LONGBLOB become BLOB, JSON
// becomes NCLOB). TINYTEXT and TINYBLOB hold at most 255 bytes and are not LOBs. MariaDB's
// JSON is a LONGTEXT.
var lobTypes = map[string]bool{"text": true, "mediumtext": true, "longtext": true,
	"blob": true, "mediumblob": true, "longblob": true, "json": true}

// LOBColumns implements dialect.LOBReader.
func (d *DB) LOBColumns(t *dialect.Table) []int {
	var out []int
	for i, c := range t.Columns {
		base, _, _ := strings.Cut(strings.ToLower(c.Type), "(")
		if lobTypes[strings.TrimSpace(base)] {
			out = append(out, i)
		}
	}
	return out
}

// MaxLengths implements dialect.LOBReader. LENGTH counts bytes (CHAR_LENGTH would count
// characters), which is what a LOB limit in kilobytes bounds.
func (d *DB) MaxLengths(ctx context.Context, t *dialect.Table, cols []int) ([]int64, error) {
	if len(cols) == 0 {
		return nil, nil
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "MAX(LENGTH(" + quote(t.Columns[c].Name) + "))"
	}
	rows, err := d.read(ctx, fmt.Sprintf(maxLengths, strings.Join(parts, ", "), quoteTable(t)))
	if err != nil {
		return nil, fmt.Errorf("mysql: longest values of %s: %w", t, err)
	}
	defer rows.Close()
	out, err := sqlkit.ScanLengths("mysql", t, cols, rows)
	if err != nil {
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("mysql: longest values of %s: %w", t, err)
	}
	return out, nil
}
