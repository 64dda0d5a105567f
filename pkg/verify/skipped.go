package verify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SkippedColumn is a column a compare left out because no side can compare it (a type with no
// canonical form the other engine's column shares: a MySQL SET against a PostgreSQL enum array,
// POINT against point). Its rows are compared on their other columns only, and the report says
// so; Options.Strict refuses such a column instead.
type SkippedColumn struct {
	Column string `json:"column"` // the source's name
	Reason string `json:"reason"`
}

// reconcileColumns lines up how each compared column pair is compared (see reconcile) and
// leaves out those no side can compare, unless they are key columns, columns the caller asked
// for by name (only), or the options are strict.
func (j *job) reconcileColumns(only []string) error {
	sameEngine := j.src.DB.Engine() == j.tgt.DB.Engine()
	st, tt := j.st, j.tt
	n := 0
	for i := range j.scols {
		sc, tc := &st.Columns[j.scols[i]], &tt.Columns[j.tcols[i]]
		err := reconcile(sc, tc, sameEngine)
		if err == nil {
			j.scols[n], j.tcols[n], j.names[n] = j.scols[i], j.tcols[i], j.names[i]
			n++
			continue
		}
		err = fmt.Errorf("table %s: %w", j.src.tableName(st), err)
		var ue *unsupportedError
		switch {
		case !errors.As(err, &ue) || slices.Contains(st.Key, j.scols[i]):
			return invalid(err) // a key column identifies rows: it must be compared
		case j.opt.Strict:
			return optionError("Strict", invalid(err))
		case findColumnIn(only, sc.Name) >= 0:
			return optionError("Columns", invalid(err))
		}
		j.skipped = append(j.skipped, SkippedColumn{Column: sc.Name, Reason: ue.reason()})
	}
	j.scols, j.tcols, j.names = j.scols[:n], j.tcols[:n], j.names[:n]
	return nil
}

// warnSkipped logs the columns left out: once per compare, and once in all in a watch.
func (j *job) warnSkipped() {
	for _, s := range j.skipped {
		if w := j.opt.warned; w != nil {
			if _, told := w.LoadOrStore(j.rep.Source+"\x00"+s.Column, true); told {
				continue
			}
		}
		j.opt.Logger.Warn(fmt.Sprintf("table %s: column %s not compared: %s", j.rep.Source, s.Column, s.Reason))
	}
}

// skippedText is the report's line on a table's columns that were not compared, "" for none.
func (t *TableReport) skippedText() string {
	if len(t.Skipped) == 0 {
		return ""
	}
	parts := make([]string, len(t.Skipped))
	for i, s := range t.Skipped {
		parts[i] = s.Column + " (" + s.Reason + ")"
	}
	return fmt.Sprintf("%s: not compared, no side can compare %s: %s", t.Source, columnCount(len(t.Skipped)), strings.Join(parts, "; "))
}

// skippedSummary is what the summary line adds about columns not compared, "" for none.
func (r *Report) skippedSummary() string {
	var cols []string
	for _, t := range r.Tables {
		for _, s := range t.Skipped {
			cols = append(cols, t.Source+"."+s.Column)
		}
	}
	if len(cols) == 0 {
		return ""
	}
	return fmt.Sprintf("; %s not compared: %s", columnCount(len(cols)), strings.Join(cols, ", "))
}

// columnCount is "1 column" or "2 columns".
func columnCount(n int) string {
	if n == 1 {
		return "1 column"
	}
	return fmt.Sprintf("%d columns", n)
}
