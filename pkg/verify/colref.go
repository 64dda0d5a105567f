package verify

import (
	"fmt"
	"strings"
)

// Columns are named in the options (Columns, IgnoreColumns, ColumnFloatDigits,
// ColumnTimePrecision) as "column", for every table that has it, or as "table.column" or
// "schema.table.column", for one table: the table named as on either side (ignoring case), with
// or without its schema. A column whose own name holds a dot is named as it is, or qualified.

// tableNames are the names a table pair goes by: the source's and the target's, each alone and
// with its schema.
func tableNames(srcSchema, srcName, tgtSchema, tgtName string) []string {
	return []string{srcName, srcSchema + "." + srcName, tgtName, tgtSchema + "." + tgtName}
}

// columnRef reads ref for the job's table: the column it names and how many names qualify it
// (0 for a bare column, 1 for table.column, 2 for schema.table.column). ok is false when ref is
// qualified with another table's name.
func (j *job) columnRef(ref string) (col string, qual int, ok bool) {
	if !strings.Contains(ref, ".") || findColumn(j.st, ref) >= 0 || findColumn(j.tt, ref) >= 0 {
		return ref, 0, true
	}
	names := tableNames(j.st.Schema, j.st.Name, j.tt.Schema, j.tt.Name)
	found := false
	for i := 0; i < len(ref); i++ {
		if ref[i] != '.' || !nameIn(ref[:i], names) {
			continue
		}
		c := ref[i+1:]
		if !found || findColumn(j.st, c) >= 0 || findColumn(j.tt, c) >= 0 {
			col, qual, found = c, strings.Count(ref[:i], ".")+1, true
		}
	}
	return col, qual, found
}

// columnsHere are the columns of refs that name a column of the job's table.
func (j *job) columnsHere(refs []string) []string {
	var out []string
	for _, r := range refs {
		if c, _, ok := j.columnRef(r); ok {
			out = append(out, c)
		}
	}
	return out
}

// columnSetting is a column's own setting in m: the most qualified key that names it, else def.
func columnSetting[V any](j *job, m map[string]V, column string, def V) V {
	v, best := def, -1
	for k, kv := range m {
		if c, qual, ok := j.columnRef(k); ok && qual > best && (c == column || strings.EqualFold(c, column)) {
			v, best = kv, qual
		}
	}
	return v
}

// nameIn reports whether name is one of names, ignoring case.
func nameIn(name string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// checkColumnRefs checks, before any table is compared, that each qualified column the options
// name is qualified with the name of a table being compared: a misspelt table name is an error,
// not a setting that silently applies nowhere.
func checkColumnRefs(src, tgt *Endpoint, pairs []tablePair, opt Options) error {
	var names []string
	for _, p := range pairs {
		names = append(names, pairNames(src, tgt, p)...)
	}
	fields := map[string][]string{"Columns": opt.Columns, "IgnoreColumns": opt.IgnoreColumns}
	for k := range opt.ColumnFloatDigits {
		fields["ColumnFloatDigits"] = append(fields["ColumnFloatDigits"], k)
	}
	for k := range opt.ColumnTimePrecision {
		fields["ColumnTimePrecision"] = append(fields["ColumnTimePrecision"], k)
	}
	for _, field := range []string{"Columns", "IgnoreColumns", "ColumnFloatDigits", "ColumnTimePrecision"} {
	refs:
		for _, ref := range fields[field] {
			if !strings.Contains(ref, ".") {
				continue
			}
			for i := 0; i < len(ref); i++ {
				if ref[i] == '.' && nameIn(ref[:i], names) {
					continue refs
				}
			}
			table := ref[:strings.LastIndexByte(ref, '.')]
			return optionError(field, invalid(fmt.Errorf("column %q: no table %s is being compared (name a column as COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN)", ref, table)))
		}
	}
	return nil
}
