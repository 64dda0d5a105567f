package verify

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// RepairResult counts what Repair wrote.
type RepairResult struct {
	Statements int // INSERT, UPDATE and DELETE statements written
	// Skipped says what was left out and why, a line each (a table whose differences the
	// report does not list in full, a row whose source has gone since): the file says it too.
	Skipped []string
}

// Repair writes to w the SQL that makes the target's rows match the source's, for each
// difference rep lists (a report from Compare with the same endpoints and opt, or one read by
// ReadReport, whose own columns, row filters and tolerances then apply), in the target's dialect,
// in one transaction: first the DELETEs of rows extra on the target (every table's), then the
// UPDATEs of the differing columns of changed rows, then the INSERTs of missing rows. The
// values are the source's, read again by key now. Repair only reads: the SQL is for a person
// to review and run on the target.
//
// A table whose report lists only some of its differences (Truncated: raise MaxDiffs), that
// has no key, or whose target has no unique index on the key (a statement could touch several
// rows) is left out, as is a row whose source row has gone since the compare or holds a value
// the target's column cannot; each is named in a comment and in Skipped.
func Repair(ctx context.Context, src, tgt *Endpoint, rep *Report, opt Options, w io.Writer) (*RepairResult, error) {
	r, ok := tgt.DB.(dialect.Repairer)
	if !ok {
		return nil, fmt.Errorf("%s: %s cannot write repair SQL", tgt.Side, tgt.DB.Engine())
	}
	if err := sameEndpoints(src, tgt, rep); err != nil {
		return nil, err
	}
	res := &RepairResult{}
	var tables []*tableRepair
	var notes []string
	for _, tr := range rep.Tables {
		if tr.Identical() {
			continue
		}
		t, err := repairTable(ctx, src, tgt, r, tr, opt)
		if err != nil {
			for _, t := range tables {
				t.close()
			}
			return res, err
		}
		tables = append(tables, t)
		for _, line := range t.skipped {
			res.Skipped = append(res.Skipped, line)
			notes = append(notes, r.Comment("SKIPPED "+line))
		}
	}
	// Parents before children for updates and inserts, children before parents for deletes,
	// so that foreign keys hold at every statement (PostgreSQL checks a non-deferrable one
	// there, not at the commit).
	tables = parentsFirst(tables)
	defer func() {
		for _, t := range tables {
			t.close()
		}
	}()
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, r.Comment("dbverify repair SQL, written "+time.Now().UTC().Format(time.RFC3339)+"."))
	fmt.Fprintln(bw, r.Comment("Run it on the target only: "+tgt.DSN()))
	fmt.Fprintln(bw, r.Comment("It makes the target's rows match the source's ("+src.DSN()+") as read when it was written."))
	fmt.Fprintln(bw, r.Comment("Review it first; dbverify has not run it. With psql, stop at the first error: psql -v ON_ERROR_STOP=1 -f FILE."))
	for _, n := range notes {
		fmt.Fprintln(bw, n)
	}
	fmt.Fprintln(bw, "START TRANSACTION;")
	for _, h := range r.RepairHeader() { // in the transaction: PostgreSQL defers constraints only there
		fmt.Fprintln(bw, h)
	}
	// Deletes go children first (the tables in reverse), updates and inserts parents first.
	for i, title := range []string{"Rows extra on the target", "Changed rows", "Rows missing on the target"} {
		n := 0
		for _, t := range tables {
			n += t.phases[i].statements
		}
		if n == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n-- %s (%d)\n", title, n)
		for k := range tables {
			t := tables[k]
			if i == 0 {
				t = tables[len(tables)-1-k]
			}
			if err := t.phases[i].writeTo(bw); err != nil {
				return res, fmt.Errorf("write repair SQL: %w", err)
			}
		}
		res.Statements += n
	}
	fmt.Fprintln(bw, "\nCOMMIT;")
	fmt.Fprintf(bw, "-- %d statements.\n", res.Statements)
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("write repair SQL: %w", err)
	}
	return res, nil
}

// tableRepair is one table's share of a repair script.
type tableRepair struct {
	name    string      // the target table, as Table.String() names it
	refs    []string    // the tables its foreign keys point at, by the same names
	phases  [3]sqlLines // deletes, updates, inserts; comments included
	skipped []string
}

func (t *tableRepair) close() {
	for i := range t.phases {
		t.phases[i].close()
	}
}

// parentsFirst orders tables so that each comes after the tables it references, keeping the
// report's order otherwise (and within a cycle of references).
func parentsFirst(tables []*tableRepair) []*tableRepair {
	byName := map[string]*tableRepair{}
	for _, t := range tables {
		byName[t.name] = t
	}
	seen := map[*tableRepair]bool{}
	out := make([]*tableRepair, 0, len(tables))
	var visit func(t *tableRepair)
	visit = func(t *tableRepair) {
		if seen[t] {
			return
		}
		seen[t] = true
		for _, ref := range t.refs {
			if p := byName[ref]; p != nil {
				visit(p)
			}
		}
		out = append(out, t)
	}
	for _, t := range tables {
		visit(t)
	}
	return out
}

// repairTable returns one table's statements by phase (deletes, updates, inserts), and what it
// left out.
func repairTable(ctx context.Context, src, tgt *Endpoint, r dialect.Repairer, tr *TableReport, opt Options) (*tableRepair, error) {
	name := tr.Source + " -> " + tr.Target
	t := &tableRepair{name: tr.Target}
	for i := range t.phases {
		t.phases[i].memory = opt.tune.memory()
	}
	switch {
	case tr.KeyKind == string(dialect.KeyNone):
		t.skipped = []string{name + ": no key: rows cannot be told apart, so no statement can target one"}
		return t, nil
	case tr.Truncated:
		t.skipped = []string{fmt.Sprintf("%s: the report lists %d of its %d differing rows: compare again listing at least %d rows (MaxDiffs)", name, tr.Listed(), tr.Differences(), tr.Differences())}
		return t, nil
	}
	j, err := tr.job(ctx, src, tgt, opt)
	if err != nil {
		return nil, fmt.Errorf("repair: %w", err)
	}
	if j.tt.KeyName == "" {
		t.skipped = []string{name + ": the target has no unique index on the key (" + strings.Join(tr.Key, ", ") + "): a statement could touch several rows"}
		return t, nil
	}
	t.name = j.tt.String()
	if ref, ok := tgt.DB.(dialect.Referencer); ok {
		if t.refs, err = j.on(tgt).References(ctx, ref, j.tt); err != nil {
			return nil, tgt.tableError(j.tt, err)
		}
	}
	if len(j.tcols) < len(j.tt.Columns) {
		t.phases[2].add(r.Comment(fmt.Sprintf("%s: only the %d compared columns are written; inserted rows get the others' defaults", name, len(j.tcols)))) // in memory: the first line
	}

	// The source's values now, of every row to insert or update, read a batch at a time.
	inserted := false
	err = tr.eachBatch(lookupBatch, func(batch []RowDiff) error {
		ins, err := t.repairRows(ctx, j, src, r, tr, name, batch)
		inserted = inserted || ins
		return err
	})
	if err != nil {
		t.close()
		return nil, err
	}
	if inserted {
		for _, line := range r.AfterInserts(j.tt) {
			if err := t.phases[2].add(line); err != nil {
				t.close()
				return nil, err
			}
		}
	}
	return t, nil
}

// repairRows writes the statements of a batch of a table's differing rows, with the source's
// values read again now, and reports whether it inserted any.
func (t *tableRepair) repairRows(ctx context.Context, j *job, src *Endpoint, r dialect.Repairer, tr *TableReport, name string, diffs []RowDiff) (bool, error) {
	var keys []dialect.Key
	for _, d := range diffs {
		if d.Kind != Extra {
			keys = append(keys, d.key)
		}
	}
	now := map[string][][]byte{}
	if len(keys) > 0 {
		rows, err := j.on(src).Lookup(ctx, dialect.Query{Table: j.st, Columns: j.scols, Where: j.whereFor(src)}, keys)
		if err != nil {
			return false, src.tableError(j.st, err)
		}
		for rows.Next() {
			vals := dialect.CloneKey(rows.Values())
			now[string(checksum.AppendRow(nil, j.keyOf(vals)))] = vals
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return false, src.tableError(j.st, err)
		}
	}
	inserted := false
	for _, d := range diffs {
		var stmt string
		var err error
		kind := d.Kind
		if kind == Changed && slices.ContainsFunc(d.Columns, func(c ColumnDiff) bool { return c.Target.Gone }) {
			kind = Missing // the target's row went away while the compare read it
		}
		phase := map[DiffKind]int{Extra: 0, Changed: 1, Missing: 2}[kind]
		vals, found := now[string(checksum.AppendRow(nil, d.key))]
		switch {
		case kind == Extra:
			stmt, err = r.Delete(j.tt, d.key)
		case !found:
			t.skipped = append(t.skipped, fmt.Sprintf("%s: %s row %s: the source row has gone since the compare", name, d.Kind, keyText(tr.Key, d.Key)))
			continue
		case kind == Missing:
			var cols []int
			var colVals [][]byte
			for i, c := range j.tcols {
				if !j.tt.Columns[c].Generated { // the server computes it
					cols, colVals = append(cols, c), append(colVals, vals[i])
				}
			}
			stmt, err = r.Insert(j.tt, cols, colVals)
		default:
			var set []int
			var setVals [][]byte
			for _, c := range d.Columns {
				if i := slices.Index(j.names, c.Column); i >= 0 && !j.tt.Columns[j.tcols[i]].Generated && !slices.Contains(j.keyPos, i) {
					set, setVals = append(set, j.tcols[i]), append(setVals, vals[i])
				}
			}
			if len(set) == 0 {
				continue
			}
			stmt, err = r.Update(j.tt, set, setVals, d.key)
		}
		if err != nil {
			t.skipped = append(t.skipped, fmt.Sprintf("%s: %s row %s: %v", name, d.Kind, keyText(tr.Key, d.Key), err))
			continue
		}
		if err := t.phases[phase].add(stmt); err != nil {
			return inserted, err
		}
		inserted = inserted || kind == Missing
	}
	return inserted, nil
}
