package verify

import (
	"fmt"
	"slices"
	"strings"
)

// Options.TableWhere scopes a row filter to one table: the table's own condition replaces
// Options.Where on it, and Where applies to every table without one. Each condition is checked
// as Where is (checkWhere, prepareWhere): one expression, prepared by each server first.

// checkTableWhere checks, once the tables are resolved, that each scoped condition's table is
// one of them: a condition for a table that is not compared is a mistake, not a no-op.
func checkTableWhere(src, tgt *Endpoint, pairs []tablePair, opt Options) error {
	var names []string
	for _, p := range pairs {
		names = append(names, pairNames(src, tgt, p)...)
	}
	keys := make([]string, 0, len(opt.TableWhere))
	for k := range opt.TableWhere {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !nameIn(k, names) {
			return optionError("TableWhere", invalid(fmt.Errorf("a row filter is scoped to table %q, which is not among the tables compared", k)))
		}
	}
	return nil
}

// pairNames are the names a table pair goes by, as in tableNames, and as resolved.
func pairNames(src, tgt *Endpoint, p tablePair) []string {
	ss, sn := src.DB.Schema(), p.src
	if s, n, ok := strings.Cut(p.src, "."); ok {
		ss, sn = s, n
	}
	ts, tn := tgt.DB.Schema(), p.tgt
	if s, n, ok := strings.Cut(p.tgt, "."); ok {
		ts, tn = s, n
	}
	return append(tableNames(ss, sn, ts, tn), p.src, p.tgt) // a table whose own name holds a dot
}

// tableWhere is the row filter the options give the job's table: its own, else Options.Where.
// Names match ignoring case; two conditions for one table are refused.
func (j *job) tableWhere() (string, error) {
	names := tableNames(j.st.Schema, j.st.Name, j.tt.Schema, j.tt.Name)
	var found []string
	for k := range j.opt.TableWhere {
		if nameIn(k, names) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return j.opt.Where, nil
	case 1:
		return j.opt.TableWhere[found[0]], nil
	}
	slices.Sort(found)
	return "", j.src.tableError(j.st, optionError("TableWhere", invalid(fmt.Errorf("two row filters for one table, as %s", strings.Join(found, " and ")))))
}
