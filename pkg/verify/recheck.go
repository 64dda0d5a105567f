package verify

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// RecheckResult says, for each row a report listed, whether it still differs.
type RecheckResult struct {
	Source   EndpointInfo     `json:"source"`
	Target   EndpointInfo     `json:"target"`
	Started  time.Time        `json:"started"`
	Duration time.Duration    `json:"duration_ns"`
	Tables   []*RecheckTable  `json:"tables"`
	Resolved int              `json:"resolved"` // rows that no longer differ, in all tables
	Differ   int              `json:"differ"`   // rows that still differ
	Report   *ReportReference `json:"report"`   // the report rechecked
}

// ReportReference is what a recheck says of the report it worked from.
type ReportReference struct {
	Started   time.Time `json:"started"`
	Identical bool      `json:"identical"`
}

// RecheckTable is the recheck of one table's listed rows.
type RecheckTable struct {
	Source      string   `json:"source"`
	Target      string   `json:"target"`
	Key         []string `json:"key"`
	Differences int64    `json:"differences"` // the differing rows the report counted
	Listed      int      `json:"listed"`      // of them, those it listed: the rows rechecked
	// Partial says the report listed only some of the table's differing rows (it was
	// truncated, or the table has no key): only the listed rows were rechecked, and the others
	// may still differ. Note says why.
	Partial  bool          `json:"partial"`
	Note     string        `json:"note,omitempty"`
	Resolved int           `json:"resolved"`
	Differ   int           `json:"differ"`
	Rows     []RecheckRow  `json:"rows"` // each listed row's verdict, in key order
	Duration time.Duration `json:"duration_ns"`
}

// RecheckRow is one listed row, read again.
type RecheckRow struct {
	Was RowDiff  `json:"was"` // as the report listed it
	Now *RowDiff `json:"now"` // how it differs now, with values read now; nil when resolved
}

// Resolved reports whether the row no longer differs.
func (r RecheckRow) Resolved() bool { return r.Now == nil }

// Clean reports whether no rechecked row still differs and every differing row was rechecked.
func (r *RecheckResult) Clean() bool {
	for _, t := range r.Tables {
		if t.Differ > 0 || t.Partial {
			return false
		}
	}
	return true
}

// Recheck reads again, by key and on both sides, only the rows rep lists (a report from Compare
// or ReadReport), and says of each whether it still differs (and how, with the values read
// now) or is resolved: a fast confirmation after a repair or once replication has caught up.
// A table whose report lists only some of its differences is rechecked for those and marked
// Partial. Rows are read as the compare read them: the report's columns, row filters and
// tolerances; opt gives the rest (workers, timeouts, retries, the logger).
//
// It refuses a report whose source or target is another engine or database than src's or
// tgt's, and a table whose key on the live database is not the report's.
func Recheck(ctx context.Context, src, tgt *Endpoint, rep *Report, opt Options) (*RecheckResult, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := sameEndpoints(src, tgt, rep); err != nil {
		return nil, err
	}
	res := &RecheckResult{Source: src.info(), Target: tgt.info(), Started: time.Now(), Tables: []*RecheckTable{},
		Report: &ReportReference{Started: rep.Started, Identical: rep.Identical()}}
	for _, tr := range rep.Tables {
		if tr.Identical() {
			continue
		}
		rt, err := recheckTable(ctx, src, tgt, tr, opt)
		if err != nil {
			return nil, err
		}
		res.Tables = append(res.Tables, rt)
		res.Resolved += rt.Resolved
		res.Differ += rt.Differ
	}
	res.Duration = time.Since(res.Started)
	return res, nil
}

// sameEndpoints checks that src and tgt are of the engines and schemas the report names.
func sameEndpoints(src, tgt *Endpoint, rep *Report) error {
	for _, s := range []struct {
		side string
		e    *Endpoint
		info EndpointInfo
	}{{"source", src, rep.Source}, {"target", tgt, rep.Target}} {
		now := s.e.info()
		differ := func(a, b string) bool { return a != "" && b != "" && a != b }
		if differ(s.info.Engine, now.Engine) || differ(s.info.Database, now.Database) || differ(s.info.Schema, now.Schema) {
			return invalid(fmt.Errorf("the report's %s is %s database %s schema %s (%s), the %s given is %s database %s schema %s: give the databases the report compared",
				s.side, s.info.Engine, s.info.Database, s.info.Schema, s.info.DSN, s.side, now.Engine, now.Database, now.Schema))
		}
	}
	return nil
}

// recheckBatch is how many listed rows Recheck reads again at a time.
const recheckBatch = 1000

func recheckTable(ctx context.Context, src, tgt *Endpoint, tr *TableReport, opt Options) (*RecheckTable, error) {
	started := time.Now()
	rt := &RecheckTable{Source: tr.Source, Target: tr.Target, Key: nonNil(tr.Key), Differences: tr.Differences(), Listed: tr.Listed(), Rows: []RecheckRow{}}
	switch {
	case len(tr.Key) == 0:
		rt.Partial, rt.Note = true, "no key: rows cannot be read again one by one; compare again"
		return rt, nil
	case tr.Truncated || int64(tr.Listed()) < tr.Differences():
		rt.Partial = true
		rt.Note = fmt.Sprintf("the report lists %d of its %d differing rows: only those were rechecked (compare again, listing more rows (MaxDiffs), for the others)", tr.Listed(), tr.Differences())
	}
	if tr.Listed() == 0 {
		return rt, nil
	}
	j, err := tr.job(ctx, src, tgt, opt)
	if err != nil {
		return nil, err
	}
	err = tr.eachBatch(recheckBatch, func(batch []RowDiff) error {
		rows, err := j.recheckRows(ctx, batch)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Resolved() {
				rt.Resolved++
			} else {
				rt.Differ++
			}
		}
		rt.Rows = append(rt.Rows, rows...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rt.Duration = time.Since(started)
	return rt, nil
}

// recheckRows reads a batch of listed rows again on both sides, as Watch's rechecks do.
func (j *job) recheckRows(ctx context.Context, diffs []RowDiff) ([]RecheckRow, error) {
	keys := make([]dialect.Key, len(diffs))
	for i, d := range diffs {
		keys[i] = d.key
	}
	var got [2]entries
	err := j.again(ctx, "the listed rows", func() (err error) {
		got, err = j.readBoth(ctx, keys)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]RecheckRow, len(diffs))
	for i, d := range diffs {
		out[i].Was = d
		k := string(checksum.AppendRow(nil, d.key))
		missing, extra, changed := matchEntries(entries{k: got[0][k]}, entries{k: got[1][k]})
		if len(missing)+len(extra)+len(changed) == 0 {
			continue
		}
		now, err := j.currentDiff(ctx, missing, extra, changed)
		if err != nil {
			return nil, err
		}
		if now.Kind == "" { // the row changed again between the reads: say it differs as listed
			now = d
		}
		out[i].Now = &now
	}
	return out, nil
}

// job is the job that reads the table as the compare that made the report did: from Compare's
// own report, with opt; from a saved one, with its columns, row filters and tolerances. The
// live table must still have the report's key.
func (tr *TableReport) job(ctx context.Context, src, tgt *Endpoint, opt Options) (*job, error) {
	if tr.pair == (tablePair{}) {
		return nil, errors.New("the report does not come from Compare or ReadReport")
	}
	if tr.saved != nil {
		s := tr.saved
		opt.Tables, opt.Exclude, opt.Mapping, opt.IgnoreColumns = nil, nil, nil, nil
		opt.Mode, opt.Hash = s.Mode, s.Hash
		opt.FloatDigits, opt.TimePrecision = s.FloatDigits, s.TimePrecision
		opt.ColumnFloatDigits, opt.ColumnTimePrecision = s.ColumnFloatDigits, s.ColumnTimePrecision
		opt.Checkpoint, opt.Shard = nil, Shard{}
		opt.Where, opt.sourceWhere = tr.Where.Target, &tr.Where.Source
		opt.Columns, opt.columnNames = nil, map[string]string{}
		for _, c := range tr.Compared {
			opt.Columns = append(opt.Columns, c.Name)
			opt.columnNames[c.Name] = c.Target
		}
		if len(opt.Columns) == 0 {
			return nil, invalid(fmt.Errorf("table %s: the report names no compared column", tr.Source))
		}
		var err error
		if opt, err = opt.withDefaults(); err != nil {
			return nil, invalid(fmt.Errorf("table %s: %w", tr.Source, err))
		}
		for _, w := range []struct {
			e     *Endpoint
			where string
		}{{src, tr.Where.Source}, {tgt, tr.Where.Target}} {
			if w.where == "" {
				continue
			}
			wc, ok := w.e.DB.(dialect.WhereChecker)
			if !ok {
				return nil, w.e.errorf(tr.Source, invalid(fmt.Errorf("the report's row filter: the %s dialect cannot check a condition before it runs", w.e.DB.Engine())))
			}
			if err := wc.CheckWhere(w.where); err != nil {
				return nil, w.e.errorf(tr.Source, invalid(fmt.Errorf("the report's row filter: %w", err)))
			}
		}
	}
	j, err := newJob(ctx, src, tgt, tr.pair, opt)
	if err != nil {
		return nil, err
	}
	if got := j.st.KeyNames(); !slices.Equal(got, tr.Key) {
		return nil, invalid(fmt.Errorf("table %s: the report's key is (%s), the source's is now (%s): compare again",
			tr.Source, strings.Join(tr.Key, ", "), strings.Join(got, ", ")))
	}
	for i, c := range tr.KeyColumns {
		if class := j.st.Columns[j.st.Key[i]].Class.String(); c.Class != "" && class != c.Class {
			return nil, invalid(fmt.Errorf("table %s: the report's key column %s holds %s values, the source's now %s: compare again",
				tr.Source, c.Name, c.Class, class))
		}
		if got := j.tt.Columns[j.tt.Key[i]].Name; c.Target != "" && got != c.Target {
			return nil, invalid(fmt.Errorf("table %s: the report's key column %s is %s on the target, now %s: compare again",
				tr.Target, c.Name, c.Target, got))
		}
	}
	return j, nil
}

// recheckRowJSON is a rechecked row on the wire: its key named by column, as in the report.
type recheckRowJSON struct {
	Key      keyJSON      `json:"key"`
	Resolved bool         `json:"resolved"`
	Was      rowDiffJSON  `json:"was"`
	Now      *rowDiffJSON `json:"now"` // null when resolved
}

type rowDiffJSON struct {
	Kind    DiffKind     `json:"kind"`
	Columns []ColumnDiff `json:"columns"`
}

// WriteJSON writes the recheck as one JSON document: each table's verdicts, each row's key
// named by column (as in the report), how it differed and how it differs now (null when
// resolved).
func (r *RecheckResult) WriteJSON(w io.Writer) error {
	type tableJSON struct {
		*RecheckTable
		Rows []recheckRowJSON `json:"rows"`
	}
	out := struct {
		*RecheckResult
		Tables []tableJSON `json:"tables"`
		Clean  bool        `json:"clean"`
	}{RecheckResult: r, Tables: []tableJSON{}, Clean: r.Clean()}
	for _, t := range r.Tables {
		tj := tableJSON{RecheckTable: t, Rows: make([]recheckRowJSON, len(t.Rows))}
		for i, row := range t.Rows {
			rj := recheckRowJSON{Key: keyJSON{names: t.Key, vals: row.Was.Key}, Resolved: row.Resolved(),
				Was: rowDiffJSON{Kind: row.Was.Kind, Columns: nonNil(row.Was.Columns)}}
			if row.Now != nil {
				rj.Now = &rowDiffJSON{Kind: row.Now.Kind, Columns: nonNil(row.Now.Columns)}
			}
			tj.Rows[i] = rj
		}
		out.Tables = append(out.Tables, tj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteText writes the recheck for people: per table the counts, then each row's verdict.
func (r *RecheckResult) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "source  %s  (%s %s)\n", r.Source.DSN, r.Source.Engine, r.Source.Version)
	fmt.Fprintf(b, "target  %s  (%s %s)\n", r.Target.DSN, r.Target.Engine, r.Target.Version)
	if r.Report != nil {
		fmt.Fprintf(b, "report  of %s\n", r.Report.Started.UTC().Format(time.RFC3339))
	}
	partial := 0
	for _, t := range r.Tables {
		name := t.Source
		if t.Target != t.Source {
			name += " -> " + t.Target
		}
		fmt.Fprintf(b, "\n%s: %d listed of %d differing: %d resolved, %d still differ\n", name, t.Listed, t.Differences, t.Resolved, t.Differ)
		if t.Partial {
			partial++
			fmt.Fprintf(b, "  note: %s\n", t.Note)
		}
		for _, row := range t.Rows {
			if row.Resolved() {
				fmt.Fprintf(b, "  resolved  %-8s %s\n", row.Was.Kind, keyText(t.Key, row.Was.Key))
				continue
			}
			fmt.Fprintf(b, "  differs   %-8s %s", row.Now.Kind, keyText(t.Key, row.Was.Key))
			for i, c := range row.Now.Columns {
				sep := "  "
				if i > 0 {
					sep = ", "
				}
				fmt.Fprintf(b, "%s%s: %s -> %s", sep, c.Column, c.Source, c.Target)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	switch {
	case r.Differ > 0:
		fmt.Fprintf(b, "STILL DIFFERENT: %d of %d rechecked rows still differ, %d resolved", r.Differ, r.Differ+r.Resolved, r.Resolved)
	case partial > 0:
		fmt.Fprintf(b, "RESOLVED IN PART: all %d rechecked rows resolved, but the report listed only some differing rows of %d tables: compare again", r.Resolved, partial)
	default:
		fmt.Fprintf(b, "RESOLVED: all %d rechecked rows resolved", r.Resolved)
	}
	fmt.Fprintf(b, " (%s)\n", r.Duration.Round(time.Millisecond))
	return b.Flush()
}
