package mysql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.WriteProbe = (*DB)(nil)

// readOnlyVars reads the settings that make a server refuse writes. MariaDB has no
// super_read_only; it is then simply not among the rows.
const readOnlyVars = "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('read_only', 'super_read_only', 'innodb_read_only')"

// writeCounters reads the server's write counters: the statements that write (Com_*, counted
// whether or not they changed a row) and the rows InnoDB wrote. A SELECT, a SHOW and the
// SET and START TRANSACTION of dbverify's own read-only sessions move none of them.
const writeCounters = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert', 'Com_insert_select', 'Com_update', 'Com_update_multi', " +
	"'Com_delete', 'Com_delete_multi', 'Com_replace', 'Com_replace_select', 'Com_load', 'Com_truncate', " +
	"'Innodb_rows_inserted', 'Innodb_rows_updated', 'Innodb_rows_deleted')"

// ReadOnly reports super_read_only or innodb_read_only (no account can write), or read_only
// (only accounts with SUPER, on MariaDB READ_ONLY ADMIN, can write; RDS gives its users
// neither, so there it stops every application write). It applies at once to every session.
func (d *DB) ReadOnly(ctx context.Context) (bool, string, error) {
	vars, err := d.showPairs(ctx, readOnlyVars)
	if err != nil {
		return false, "", fmt.Errorf("read-only settings: %w", err)
	}
	on := func(name string) bool { return strings.EqualFold(vars[name], "ON") || vars[name] == "1" }
	switch {
	case on("super_read_only"):
		return true, "super_read_only=ON", nil
	case on("innodb_read_only"):
		return true, "innodb_read_only=ON", nil
	case on("read_only"):
		return true, "read_only=ON (accounts with SUPER or READ_ONLY ADMIN could still write; RDS grants neither)", nil
	}
	return false, "", nil
}

// WriteCount sums the server's write counters. They count writes to every database of the
// server, not only the migrated one, and writes made by the server's own agents (RDS's
// heartbeat table among them): a moving count may be one of those.
func (d *DB) WriteCount(ctx context.Context) (uint64, string, error) {
	vals, err := d.showPairs(ctx, writeCounters)
	if err != nil {
		return 0, "", fmt.Errorf("write counters: %w", err)
	}
	var n uint64
	for name, v := range vals {
		x, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, "", fmt.Errorf("write counters: %s %q: %v", name, v, err)
		}
		n += x
	}
	return n, "the server's write statements and rows (global status Com_insert, Com_update, Com_delete, Com_replace, ... and Innodb_rows_inserted/updated/deleted)", nil
}

// showPairs runs a SHOW ... WHERE Variable_name IN (...) and returns its name/value rows.
func (d *DB) showPairs(ctx context.Context, query string) (map[string]string, error) {
	rs, err := d.read(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := map[string]string{}
	for rs.Next() {
		var k, v string
		if err := rs.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[strings.ToLower(k)] = v
	}
	return out, rs.Err()
}
