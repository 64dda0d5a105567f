package verify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
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
// difference rep (from Compare with the same endpoints and opt) lists: a DELETE for a row extra
// on the target, an UPDATE of the differing columns for a changed row, an INSERT for a missing
// one, in the target's dialect, in one transaction. The values are the source's, read again by
// key now. Repair only reads: the SQL is for a person to review and run on the target.
//
// A table whose report lists only some of its differences (Truncated: raise MaxDiffs) or that
// has no key is left out, as is a row whose source row has gone since the compare; each is
// named in a comment and in Skipped.
func Repair(ctx context.Context, src, tgt *Endpoint, rep *Report, opt Options, w io.Writer) (*RepairResult, error) {
	r, ok := tgt.DB.(dialect.Repairer)
	if !ok {
		return nil, fmt.Errorf("%s: %s cannot write repair SQL", tgt.Side, tgt.DB.Engine())
	}
	bw := bufio.NewWriter(w)
	res := &RepairResult{}
	fmt.Fprintf(bw, "-- dbverify repair SQL, written %s.\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(bw, "-- Run it on the target only: %s\n", tgt.DSN())
	fmt.Fprintf(bw, "-- It makes the target's rows match the source's (%s) as read when it was written.\n", src.DSN())
	fmt.Fprintf(bw, "-- Review it first; dbverify has not run it.\n")
	for _, h := range r.RepairHeader() {
		fmt.Fprintln(bw, h)
	}
	fmt.Fprintln(bw, "START TRANSACTION;")
	for _, tr := range rep.Tables {
		if tr.Identical() {
			continue
		}
		if err := repairTable(ctx, src, tgt, r, tr, opt, bw, res); err != nil {
			return res, err
		}
	}
	fmt.Fprintln(bw, "COMMIT;")
	fmt.Fprintf(bw, "-- %d statements.\n", res.Statements)
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("write repair SQL: %w", err)
	}
	return res, nil
}

// repairTable writes one table's statements.
func repairTable(ctx context.Context, src, tgt *Endpoint, r dialect.Repairer, tr *TableReport, opt Options, w io.Writer, res *RepairResult) error {
	skip := func(why string) {
		line := fmt.Sprintf("%s -> %s: %s", tr.Source, tr.Target, why)
		res.Skipped = append(res.Skipped, line)
		fmt.Fprintf(w, "-- SKIPPED %s\n", line)
	}
	switch {
	case tr.pair == (tablePair{}):
		return errors.New("repair: the report does not come from Compare on these endpoints")
	case tr.KeyKind == string(dialect.KeyNone):
		skip("no key: rows cannot be told apart, so no statement can target one")
		return nil
	case tr.Truncated:
		skip(fmt.Sprintf("the report lists %d of its %d differing rows: compare again with a --max-diffs of at least %d", len(tr.Diffs), tr.Differences(), tr.Differences()))
		return nil
	}
	j, err := newJob(ctx, src, tgt, tr.pair, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n-- %s -> %s: %d missing on target, %d extra on target, %d changed\n", tr.Source, tr.Target, tr.Missing, tr.Extra, tr.Changed)
	if len(j.tcols) < len(j.tt.Columns) {
		fmt.Fprintf(w, "-- Only the %d compared columns are written: inserted rows get the others' defaults.\n", len(j.tcols))
	}

	// The source's values now, of every row to insert or update.
	var keys []dialect.Key
	for _, d := range tr.Diffs {
		if d.Kind != Extra {
			keys = append(keys, d.key)
		}
	}
	now := map[string][][]byte{}
	for len(keys) > 0 {
		batch := keys[:min(len(keys), lookupBatch)]
		keys = keys[len(batch):]
		rows, err := src.DB.Lookup(ctx, dialect.Query{Table: j.st, Columns: j.scols, Where: j.whereFor(src)}, batch)
		if err != nil {
			return src.tableError(j.st, err)
		}
		for rows.Next() {
			vals := dialect.CloneKey(rows.Values())
			now[string(checksum.AppendRow(nil, j.keyOf(vals)))] = vals
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return src.tableError(j.st, err)
		}
	}

	// Deletes first, so that an insert never meets a unique value an extra row still holds.
	order := []DiffKind{Extra, Changed, Missing}
	for _, kind := range order {
		for _, d := range tr.Diffs {
			if d.Kind != kind {
				continue
			}
			var stmt string
			var err error
			vals, found := now[string(checksum.AppendRow(nil, d.key))]
			switch {
			case kind == Extra:
				stmt, err = dialect.DeleteSQL(r, j.tt, d.key)
			case !found:
				skip(fmt.Sprintf("%s row %s: the source row has gone since the compare", kind, keyText(tr.Key, d.Key)))
				continue
			case kind == Missing:
				var cols []int
				var colVals [][]byte
				for i, c := range j.tcols {
					if !j.tt.Columns[c].Generated { // the server computes it
						cols, colVals = append(cols, c), append(colVals, vals[i])
					}
				}
				stmt, err = dialect.InsertSQL(r, j.tt, cols, colVals)
			default:
				var set []int
				var setVals [][]byte
				for _, c := range d.Columns {
					if i := slices.Index(j.names, c.Column); i >= 0 && !j.tt.Columns[j.tcols[i]].Generated {
						set, setVals = append(set, j.tcols[i]), append(setVals, vals[i])
					}
				}
				if len(set) == 0 {
					continue
				}
				stmt, err = dialect.UpdateSQL(r, j.tt, set, setVals, d.key)
			}
			if err != nil {
				skip(fmt.Sprintf("%s row %s: %v", kind, keyText(tr.Key, d.Key), err))
				continue
			}
			fmt.Fprintln(w, stmt)
			res.Statements++
		}
	}
	return nil
}
