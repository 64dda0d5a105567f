package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// The queries of the replication preflight checks (see package preflight/dbcheck).
const (
	// settings reads server settings by name, with their unit (max_slot_wal_keep_size is in MB).
	// A setting the server does not have (max_slot_wal_keep_size before 13, RDS's own
	// rds.logical_replication elsewhere) is simply not listed.
	settings = `SELECT name, setting, COALESCE(unit, '') FROM pg_catalog.pg_settings WHERE name = ANY($1)`
	// replicationUse counts the replication slots that exist and the WAL senders running: a
	// new logical replication (an AWS DMS task) needs one more of each.
	replicationUse = `SELECT (SELECT count(*) FROM pg_catalog.pg_replication_slots),
  (SELECT count(*) FROM pg_catalog.pg_stat_replication)`
	// maxLengths measures the longest value of columns in bytes: one scan of the table. The
	// first %s is one max(octet_length(col)) per column.
	maxLengths = "SELECT %s FROM %s"
)

var _ dialect.LOBReader = (*DB)(nil)

// Setting is a server setting as pg_settings shows it.
type Setting struct {
	Value string // e.g. "logical", "10", "-1"
	Unit  string // e.g. "MB"; "" when it has none
}

// Settings reads the named server settings; a setting the server does not have is absent.
func (d *DB) Settings(ctx context.Context, names ...string) (map[string]Setting, error) {
	rows, err := d.read(ctx, settings, names)
	if err != nil {
		return nil, fmt.Errorf("postgres: server settings: %w", err)
	}
	defer rows.Close()
	out := map[string]Setting{}
	for rows.Next() {
		var name string
		var s Setting
		if err := rows.Scan(&name, &s.Value, &s.Unit); err != nil {
			return nil, fmt.Errorf("postgres: server settings: %w", err)
		}
		out[name] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: server settings: %w", err)
	}
	return out, nil
}

// ReplicationUse counts the replication slots that exist and the WAL senders that run.
func (d *DB) ReplicationUse(ctx context.Context) (slots, senders int, err error) {
	var a, b string
	if err := d.readRow(ctx, replicationUse).Scan(&a, &b); err != nil {
		return 0, 0, fmt.Errorf("postgres: replication slots and senders: %w", err)
	}
	s, err1 := strconv.Atoi(a)
	w, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("postgres: replication slots and senders: %q, %q are not counts", a, b)
	}
	return s, w, nil
}

// lobTypes are the column types AWS DMS migrates from PostgreSQL as LOBs (its PostgreSQL
// source data types: TEXT, BYTEA, JSON, JSONB, XML, and VARCHAR without a length).
var lobTypes = map[string]bool{"text": true, "bytea": true, "json": true, "jsonb": true, "xml": true}

// LOBColumns implements dialect.LOBReader. A domain counts as its base type.
func (d *DB) LOBColumns(t *dialect.Table) []int {
	var out []int
	for i, c := range t.Columns {
		base := c.BaseType
		if base == "" {
			base = c.Type
		}
		if lobTypes[base] || base == "character varying" && !strings.Contains(c.Type, "(") {
			out = append(out, i)
		}
	}
	return out
}

// MaxLengths implements dialect.LOBReader. octet_length counts bytes (length would count
// characters); json, jsonb and xml are measured in their text form, which is what is moved.
func (d *DB) MaxLengths(ctx context.Context, t *dialect.Table, cols []int) ([]int64, error) {
	if len(cols) == 0 {
		return nil, nil
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		col := quote(t.Columns[c].Name)
		switch base := t.Columns[c].BaseType; base {
		case "text", "bytea", "character varying":
		default: // json, jsonb, xml
			col += "::text"
		}
		parts[i] = "max(octet_length(" + col + "))::text"
	}
	rows, err := d.read(ctx, fmt.Sprintf(maxLengths, strings.Join(parts, ", "), fromTable(t)))
	if err != nil {
		return nil, fmt.Errorf("postgres: longest values of %s: %w", t, err)
	}
	defer rows.Close()
	return sqlkit.ScanLengths("postgres", t, cols, rows)
}
