package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// alignColumns picks the compared columns and finds each on the target by name (exactly, else
// ignoring case, as PostgreSQL folds unquoted names to lower case).
func (j *job) alignColumns() error {
	st, tt := j.st, j.tt
	only := j.columnsHere(j.opt.Columns) // the columns to compare, if the options name any here
	for _, c := range only {
		if findColumn(st, c) < 0 {
			return j.src.tableError(st, optionError("Columns", invalid(fmt.Errorf("no column %q among the columns to compare", c))))
		}
	}
	isKey := func(i int) bool { return slices.Contains(st.Key, i) }
	// An ignored column may be named as on either side (ignoring case): a source column is left
	// out with its target counterpart, a target-only column is left out alone.
	used := make([]bool, len(tt.Columns))
	ignored := make([]bool, len(st.Columns))
	for _, c := range j.columnsHere(j.opt.IgnoreColumns) {
		si, ti := findColumn(st, c), findColumn(tt, c)
		if si < 0 && ti < 0 {
			return j.src.tableError(st, optionError("IgnoreColumns", invalid(fmt.Errorf("no column %q to leave out on either side", c))))
		}
		if si >= 0 {
			if isKey(si) {
				return invalid(fmt.Errorf("table %s: column %s is part of the key and cannot be ignored", st, c))
			}
			ignored[si] = true
			name, _ := j.opt.Mapping.Column(st.Schema, st.Name, st.Columns[si].Name)
			if mi := findColumn(tt, name); mi >= 0 {
				used[mi] = true
			}
		}
		if ti >= 0 {
			used[ti] = true
		}
	}
	var missing []string
	for i, c := range st.Columns {
		if ignored[i] || len(only) > 0 && findColumnIn(only, c.Name) < 0 && !isKey(i) {
			continue
		}
		name, include := j.opt.Mapping.Column(st.Schema, st.Name, c.Name)
		if n, ok := j.opt.columnNames[c.Name]; ok { // a saved report's
			name, include = n, true
		}
		if !include {
			if isKey(i) {
				return invalid(fmt.Errorf("table %s: the mapping removes key column %s", st, c.Name))
			}
			continue
		}
		ti := findColumn(tt, name)
		if ti < 0 {
			missing = append(missing, name)
			continue
		}
		used[ti] = true
		j.scols, j.tcols, j.names = append(j.scols, i), append(j.tcols, ti), append(j.names, c.Name)
	}
	if len(missing) > 0 {
		return j.tgt.tableError(tt, remedy("IgnoreColumns", fmt.Errorf("column set differs: the target lacks %s (present on the source)", strings.Join(missing, ", "))))
	}
	if len(only) == 0 {
		var extra []string
		for ti, c := range tt.Columns {
			if !used[ti] {
				extra = append(extra, c.Name)
			}
		}
		if len(extra) > 0 {
			return j.tgt.tableError(tt, remedy("IgnoreColumns", fmt.Errorf("column set differs: the target has %s, which the source lacks", strings.Join(extra, ", "))))
		}
	}
	if err := j.reconcileColumns(only); err != nil {
		return err
	}
	// The target is read with the source's key, whatever its own indexes are.
	keyed := *tt
	keyed.Key = nil
	for _, k := range st.Key {
		keyed.Key = append(keyed.Key, j.tcols[slices.Index(j.scols, k)])
		j.keyPos = append(j.keyPos, slices.Index(j.scols, k))
		j.textKey = j.textKey || st.Columns[k].Class == dialect.ClassString || st.Columns[k].Class == dialect.ClassEnum
	}
	if !slices.Equal(keyed.Key, tt.Key) {
		keyed.KeyName = "" // not an index of the target's: no index hint
	}
	keyed.KeyKind = st.KeyKind
	j.tt = &keyed
	return nil
}

// findColumnIn finds name in names, exactly, else ignoring case.
func findColumnIn(names []string, name string) int {
	if i := slices.Index(names, name); i >= 0 {
		return i
	}
	return slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
}

func findColumn(t *dialect.Table, name string) int {
	if i := t.Column(name); i >= 0 {
		return i
	}
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}
