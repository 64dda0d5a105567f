package mapping

import (
	"fmt"
	"slices"
	"strings"
)

// Options say how source names become target names. The zero value maps every name to itself
// and compares every table and column.
type Options struct {
	// Case converts every target name (schema, table, column) after the DMS rules.
	Case Case
	// Tables renames tables: source "table" or "schema.table" -> target table name. It beats
	// the DMS rules and Case; a schema-qualified key beats a bare one.
	Tables map[string]string
	// Columns renames columns: source "table.column" or "schema.table.column" -> target column
	// name. It beats the DMS rules and Case; a schema-qualified key beats a bare one.
	Columns map[string]string
	// Schema is the target schema (PostgreSQL) or database (MySQL) of every table. It beats
	// everything. "" means the schema DMS wrote to when DMS is set, else the target
	// connection's default.
	Schema string
	// DMS is a parsed AWS DMS table-mappings file: its selection rules decide which tables are
	// compared, its transformation rules name the targets. nil compares every table.
	DMS *DMS
	// IgnoreCase matches DMS object-locators and the keys of Tables and Columns to source names
	// without regard to letter case. DMS matches case-sensitively unless the source endpoint
	// itself is case-insensitive; set this for such a source (MySQL with
	// lower_case_table_names=1 or 2, SQL Server's default collations).
	IgnoreCase bool
}

// Mapper maps source names to target names and decides what is compared. It is read-only
// after New and safe for concurrent use. A nil *Mapper maps every name to itself.
type Mapper struct {
	o       Options
	tables  []rename // Options.Tables, parsed
	columns []rename // Options.Columns, parsed
}

type rename struct {
	schema, table, column string // source; schema "" matches any schema
	target                string
}

// New checks o and returns its Mapper.
func New(o Options) (*Mapper, error) {
	if int(o.Case) >= len(caseNames) {
		return nil, fmt.Errorf("mapping: unknown case %d", o.Case)
	}
	m := &Mapper{o: o}
	for k, v := range o.Tables {
		parts := strings.Split(k, ".")
		if len(parts) > 2 || v == "" || slices.Contains(parts, "") {
			return nil, fmt.Errorf("mapping: table rename %q -> %q: want \"table\" or \"schema.table\" -> a new table name", k, v)
		}
		r := rename{table: parts[len(parts)-1], target: v}
		if len(parts) == 2 {
			r.schema = parts[0]
		}
		m.tables = append(m.tables, r)
	}
	for k, v := range o.Columns {
		parts := strings.Split(k, ".")
		if len(parts) < 2 || len(parts) > 3 || v == "" || slices.Contains(parts, "") {
			return nil, fmt.Errorf("mapping: column rename %q -> %q: want \"table.column\" or \"schema.table.column\" -> a new column name", k, v)
		}
		r := rename{table: parts[len(parts)-2], column: parts[len(parts)-1], target: v}
		if len(parts) == 3 {
			r.schema = parts[0]
		}
		m.columns = append(m.columns, r)
	}
	for _, rs := range [][]rename{m.tables, m.columns} {
		for i := range rs {
			for j := range i {
				if m.eq(rs[i].schema, rs[j].schema) && m.eq(rs[i].table, rs[j].table) && m.eq(rs[i].column, rs[j].column) {
					return nil, fmt.Errorf("mapping: renames of %s and %s differ only in letter case", rs[j].key(), rs[i].key())
				}
			}
		}
	}
	return m, nil
}

func (r rename) key() string {
	parts := slices.DeleteFunc([]string{r.schema, r.table, r.column}, func(p string) bool { return p == "" })
	return fmt.Sprintf("%q", strings.Join(parts, "."))
}

func (m *Mapper) eq(a, b string) bool {
	if m.o.IgnoreCase {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// explicit finds the explicit rename of an object: a schema-qualified key first.
func (m *Mapper) explicit(rs []rename, schema, table, column string) (string, bool) {
	bare, ok := "", false
	for _, r := range rs {
		if !m.eq(r.table, table) || !m.eq(r.column, column) {
			continue
		}
		if r.schema == "" {
			bare, ok = r.target, true
		} else if m.eq(r.schema, schema) {
			return r.target, true
		}
	}
	return bare, ok
}

// Table returns the target schema and table name of the source table schema.table, and whether
// the table is compared. Without DMS every table is compared; with DMS a table is compared when
// an include or explicit selection rule matches it and no exclude rule does. targetSchema ""
// means the target connection's default schema. The names are computed for tables not
// compared as well, for messages.
func (m *Mapper) Table(schema, table string) (targetSchema, targetTable string, include bool) {
	if m == nil {
		return "", table, true
	}
	include = true
	targetTable = table
	if d := m.o.DMS; d != nil {
		include, _ = d.selected(schema, table, m.o.IgnoreCase)
		targetSchema = schema
		if t := d.rename(schemaLevel, schema, table, "", m.o.IgnoreCase); t != nil {
			targetSchema = t.apply(schema)
		}
		if t := d.rename(tableLevel, schema, table, "", m.o.IgnoreCase); t != nil {
			targetTable = t.apply(table)
		}
	}
	targetSchema, targetTable = m.o.Case.Apply(targetSchema), m.o.Case.Apply(targetTable)
	if v, ok := m.explicit(m.tables, schema, table, ""); ok {
		targetTable = v
	}
	if m.o.Schema != "" {
		targetSchema = m.o.Schema
	}
	return targetSchema, targetTable, include
}

// Column returns the target name of a column of the source table schema.table, and whether it
// is compared: not when DMS removes it (remove-column, or a table with include-column rules
// that do not name it) or masks its values (data-masking-*). A column not compared still gets
// a name, for messages. Column does not look at whether the table itself is compared.
func (m *Mapper) Column(schema, table, column string) (target string, include bool) {
	if m == nil {
		return column, true
	}
	target, include = column, true
	if d := m.o.DMS; d != nil {
		var t *transform
		t, include = d.column(schema, table, column, m.o.IgnoreCase)
		if t != nil {
			target = t.apply(column)
		}
	}
	target = m.o.Case.Apply(target)
	if v, ok := m.explicit(m.columns, schema, table, column); ok {
		target = v
	}
	return target, include
}
