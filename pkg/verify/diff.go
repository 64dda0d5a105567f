package verify

import (
	"bytes"
	"context"
	"math/big"

	"golang.org/x/sync/errgroup"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// splitParts is how many sub-ranges a differing range is cut into per step.
const splitParts = 8

// lookupBatch is how many keys one point-lookup query asks for.
const lookupBatch = 200

// narrow finds the differing rows of a range whose digests differ. A range small enough is
// matched row by row; a larger one is cut into sub-ranges along the keys of the side with more
// rows, and only the sub-ranges whose digests differ are narrowed further. No more than
// DiffRows rows per side are ever held in memory.
func (j *job) narrow(ctx context.Context, r dialect.Range, srows, trows int64, depth int) error {
	// Each level cuts a range into splitParts: maxDepth levels reach single rows in any table;
	// deeper means the cuts made no progress (rows changing meanwhile): match what is there.
	const maxDepth = 24
	if max(srows, trows) <= int64(j.opt.DiffRows) || depth >= maxDepth {
		return j.rowDiff(ctx, r)
	}
	e, t, rows := j.src, j.st, srows
	if trows > srows {
		e, t, rows = j.tgt, j.tt, trows
	}
	step := int(max(1, rows/splitParts))
	var parts []dialect.Range
	lo := r.Lo
	for len(parts) < splitParts-1 {
		k, ok, err := j.on(e).KeyAfter(ctx, dialect.Query{Table: t, Columns: t.Key, Range: dialect.Range{Lo: lo, Hi: r.Hi}, Where: j.whereFor(e)}, step)
		if err != nil {
			return e.tableError(t, err)
		}
		if !ok {
			break
		}
		parts = append(parts, dialect.Range{Lo: lo, Hi: k})
		lo = k
	}
	parts = append(parts, dialect.Range{Lo: lo, Hi: r.Hi})
	if len(parts) == 1 {
		return j.rowDiff(ctx, r) // cannot cut further (the rows changed meanwhile): match as is
	}
	for _, p := range parts {
		var sd, td checksum.Digest
		err := j.again(ctx, "the digests"+rangeText(dialect.Query{Table: j.st, Range: p}), func() (err error) {
			sd, td, err = j.digests(ctx, p, [2]*keptRows{}, false)
			return err
		})
		if err != nil {
			return err
		}
		if sd == td {
			continue
		}
		if err := j.narrow(ctx, p, sd.Rows, td.Rows, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// rowEntry is what the row diff keeps of a row: its key and its two row hashes.
type rowEntry struct {
	key  dialect.Key
	cols []uint64 // the row's hashes under the job's layout
}

// rowDiff matches the rows of a small range by key.
func (j *job) rowDiff(ctx context.Context, r dialect.Range) error {
	var src, tgt entries
	err := j.again(ctx, "the rows"+rangeText(dialect.Query{Table: j.st, Range: r}), func() error {
		src, tgt = entries{}, entries{}
		if err := j.scanEntries(ctx, j.src, j.st, j.scols, r, src.add); err != nil {
			return err
		}
		return j.scanEntries(ctx, j.tgt, j.tt, j.tcols, r, tgt.add)
	})
	if err != nil {
		return err
	}
	return j.settle(ctx, src, tgt)
}

// settle matches a range's rows of both sides by key and records the differences.
func (j *job) settle(ctx context.Context, src, tgt entries) error {
	missing, extra, changed := matchEntries(src, tgt)
	return j.settleMatched(ctx, missing, extra, changed)
}

// settleMatched confirms a range's unmatched rows where collations may have put them in
// another range, and records the differences.
func (j *job) settleMatched(ctx context.Context, missing, extra []rowEntry, changed [][2]rowEntry) error {
	if j.textKey {
		// Collations may put a text key in another range on the other side: look such rows up
		// by key before calling them missing or extra.
		var stillMissing, stillExtra []rowEntry
		var more, more2 [][2]rowEntry
		err := j.again(ctx, "the lookup of unmatched rows by key", func() (err error) {
			if stillMissing, more, err = j.confirm(ctx, missing, j.tgt, j.tt, j.tcols, false); err != nil {
				return err
			}
			stillExtra, more2, err = j.confirm(ctx, extra, j.src, j.st, j.scols, true)
			return err
		})
		if err != nil {
			return err
		}
		missing, extra = stillMissing, stillExtra
		changed = append(append(changed, more...), more2...)
	}
	return j.record(ctx, missing, extra, changed)
}

// entries holds rows by framed key. A key holds one row on a side with a unique key, and may hold
// several on a target without one.
type entries map[string][]rowEntry

func (m entries) add(k string, e rowEntry) { m[k] = append(m[k], e) }

// matchEntries pairs rows by their framed key: rows only the source has, rows only the target
// has, and pairs {source, target} whose values differ. Among rows sharing a key, equal rows pair
// first; surplus copies are missing or extra.
func matchEntries(src, tgt entries) (missing, extra []rowEntry, changed [][2]rowEntry) {
	for k, ts := range tgt {
		ss := src[k]
		var leftS, leftT []rowEntry
		used := make([]bool, len(ts))
		for _, se := range ss {
			paired := false
			for i, te := range ts {
				if !used[i] && equalHashes(se.cols, te.cols) {
					used[i], paired = true, true
					break
				}
			}
			if !paired {
				leftS = append(leftS, se)
			}
		}
		for i, te := range ts {
			if !used[i] {
				leftT = append(leftT, te)
			}
		}
		n := min(len(leftS), len(leftT))
		for i := 0; i < n; i++ {
			changed = append(changed, [2]rowEntry{leftS[i], leftT[i]})
		}
		missing = append(missing, leftS[n:]...)
		extra = append(extra, leftT[n:]...)
	}
	for k, ss := range src {
		if _, ok := tgt[k]; !ok {
			missing = append(missing, ss...)
		}
	}
	return missing, extra, changed
}

// scanEntries reads a range's rows on one side and hands each to fn keyed by its framed key.
func (j *job) scanEntries(ctx context.Context, e *Endpoint, t *dialect.Table, cols []int, r dialect.Range, fn func(string, rowEntry)) error {
	rows, err := j.scan(ctx, e, dialect.Query{Table: t, Columns: cols, Range: r, Where: j.whereFor(e)})
	if err != nil {
		return err
	}
	defer rows.Close()
	var buf []byte
	h := j.hashers.Get().(*checksum.Hasher)
	defer j.hashers.Put(h)
	for rows.Next() {
		vals := rows.Values()
		buf = j.frameKey(buf[:0], vals)
		fn(string(buf), j.entry(h, vals))
	}
	if err := rows.Err(); err != nil {
		return e.tableError(t, err)
	}
	return nil
}

// frameKey appends the framing of a row's key columns: the identity rows are matched by.
func (j *job) frameKey(dst []byte, vals [][]byte) []byte {
	for _, p := range j.keyPos {
		dst = checksum.AppendRow(dst, vals[p:p+1])
	}
	return dst
}

// entry is what the row diff keeps of a row read in full: its key and row hashes.
func (j *job) entry(h *checksum.Hasher, vals [][]byte) rowEntry {
	s, x := h.Row(vals)
	return rowEntry{key: dialect.CloneKey(j.keyOf(vals)), cols: []uint64{s, x}}
}

func equalHashes(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// confirm looks rows up by exact key on the other side. Rows found there were only placed in
// another range by a collation: they are dropped if equal, or become changed rows. The rest
// stay unmatched. sourceSide says the other side is the source (so pairs are {found, given}).
func (j *job) confirm(ctx context.Context, rows []rowEntry, e *Endpoint, t *dialect.Table, cols []int, sourceSide bool) ([]rowEntry, [][2]rowEntry, error) {
	if len(rows) == 0 {
		return rows, nil, nil
	}
	found := map[string]rowEntry{}
	h := j.hashers.Get().(*checksum.Hasher)
	defer j.hashers.Put(h)
	if err := j.lookup(ctx, e, t, cols, keysOf(rows), func(k string, vals [][]byte) {
		found[k] = j.entry(h, vals)
	}); err != nil {
		return nil, nil, err
	}
	var left []rowEntry
	var changed [][2]rowEntry
	for _, r := range rows {
		other, ok := found[string(checksum.AppendRow(nil, r.key))] // framed as frameKey frames
		switch {
		case !ok:
			left = append(left, r)
		case sourceSide:
			// The source holds this row in exactly one range, whose own row diff compares it
			// with the target's copy: reporting it here too would count it twice.
		case !equalHashes(r.cols, other.cols):
			changed = append(changed, [2]rowEntry{r, other})
		}
	}
	return left, changed, nil
}

func keysOf(rows []rowEntry) []dialect.Key {
	keys := make([]dialect.Key, len(rows))
	for i, r := range rows {
		keys[i] = r.key
	}
	return keys
}

func (j *job) keyOf(vals [][]byte) dialect.Key {
	k := make(dialect.Key, len(j.keyPos))
	for i, p := range j.keyPos {
		k[i] = vals[p]
	}
	return k
}

// lookup reads rows by key in batches and hands each to fn with its framed key. Rows that only
// match under a collation come back too; fn's callers match on the exact framed key.
func (j *job) lookup(ctx context.Context, e *Endpoint, t *dialect.Table, cols []int, keys []dialect.Key, fn func(string, [][]byte)) error {
	for len(keys) > 0 {
		batch := keys[:min(len(keys), lookupBatch)]
		keys = keys[len(batch):]
		raw, err := j.on(e).Lookup(ctx, dialect.Query{Table: t, Columns: cols, Where: j.whereFor(e)}, batch)
		if err != nil {
			return e.tableError(t, err)
		}
		rows := j.wrap(raw)
		for rows.Next() {
			vals := rows.Values()
			fn(string(checksum.AppendRow(nil, j.keyOf(vals))), vals)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return e.tableError(t, err)
		}
	}
	return nil
}

// record counts a range's differences and lists them, with values, in the report, up to
// MaxDiffs. Changed rows are read again a batch at a time, so that a range where every row
// differs holds one batch's values, not the range's.
func (j *job) record(ctx context.Context, missing, extra []rowEntry, changed [][2]rowEntry) error {
	j.mu.Lock()
	j.rep.Missing += int64(len(missing))
	j.rep.Extra += int64(len(extra))
	j.rep.Changed += int64(len(changed))
	room := j.opt.MaxDiffs - j.list.n
	truncated := len(missing)+len(extra)+len(changed) > room
	j.rep.Truncated = j.rep.Truncated || truncated
	j.mu.Unlock()
	log := logOf(ctx)
	log.counts(int64(len(missing)), int64(len(extra)), int64(len(changed)), truncated)
	// list adds what still fits: other ranges list theirs meanwhile.
	list := func(diffs []RowDiff) (bool, error) {
		j.mu.Lock()
		defer j.mu.Unlock()
		room := max(0, j.opt.MaxDiffs-j.list.n)
		n := min(len(diffs), room)
		if n < len(diffs) {
			log.counts(0, 0, 0, true)
		}
		log.listed(diffs[:n])
		return len(diffs) < room, j.list.add(diffs[:n])
	}
	var diffs []RowDiff
	for _, m := range missing[:min(len(missing), max(0, room))] {
		diffs = append(diffs, j.newDiff(Missing, m.key))
	}
	for _, x := range extra[:min(len(extra), max(0, room-len(diffs)))] {
		diffs = append(diffs, j.newDiff(Extra, x.key))
	}
	if len(diffs) > 0 {
		if more, err := list(diffs); !more || err != nil {
			return err
		}
	}
	changed = changed[:min(len(changed), max(0, room-len(diffs)))]
	for len(changed) > 0 {
		batch := changed[:min(len(changed), changedBatch)]
		changed = changed[len(batch):]
		var diffs []RowDiff
		err := j.again(ctx, "the values of changed rows", func() (err error) {
			diffs, err = j.changedDiffs(ctx, batch)
			return err
		})
		if err != nil {
			return err
		}
		if more, err := list(diffs); !more || err != nil {
			return err
		}
	}
	return nil
}

// changedBatch is how many changed rows record reads again at a time.
const changedBatch = 1000

func (j *job) newDiff(kind DiffKind, key dialect.Key) RowDiff {
	d := RowDiff{Kind: kind, key: key, Key: make([]Value, len(key)), names: j.rep.Key}
	for i, v := range key {
		d.Key[i] = newKeyValue(v, j.st.Columns[j.st.Key[i]].Class)
	}
	return d
}

// changedDiffs reads both sides' values of changed rows, for the report.
func (j *job) changedDiffs(ctx context.Context, changed [][2]rowEntry) ([]RowDiff, error) {
	keys := make([]dialect.Key, len(changed))
	for i, c := range changed {
		keys[i] = c[0].key
	}
	vals := [2]map[string][][]byte{{}, {}}
	g, gctx := errgroup.WithContext(ctx)
	for side := range 2 {
		e, t, cols := j.side(side)
		g.Go(func() error {
			return j.lookup(gctx, e, t, cols, keys, func(k string, v [][]byte) { vals[side][k] = dialect.CloneKey(v) })
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	diffs := make([]RowDiff, 0, len(changed))
	for _, c := range changed {
		d := j.newDiff(Changed, c[0].key)
		k := string(checksum.AppendRow(nil, c[0].key))
		sv, tv := vals[0][k], vals[1][k]
		for i := range j.names {
			if sv != nil && tv != nil && bytes.Equal(sv[i], tv[i]) && (sv[i] == nil) == (tv[i] == nil) {
				continue
			}
			cd := ColumnDiff{Column: j.names[i], Source: Value{Gone: true}, Target: Value{Gone: true}}
			class := j.st.Columns[j.scols[i]].Class
			if sv != nil {
				cd.Source = newValue(sv[i], class)
			}
			if tv != nil {
				cd.Target = newValue(tv[i], class)
			}
			if sv != nil && tv != nil {
				cd.Cause = likelyCause(class, sv[i], tv[i], decimalScale(j.tt.Columns[j.tcols[i]]))
				cd.locate(sv[i], tv[i])
			}
			d.Columns = append(d.Columns, cd)
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}

// compareKeys orders keys for reports: numerically for numeric columns, else by bytes.
func compareKeys(cols []dialect.Column, a, b dialect.Key) int {
	for i := range min(len(a), len(b), len(cols)) {
		if c := compareValue(cols[i].Class, a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

func compareValue(class dialect.Class, a, b []byte) int {
	switch class {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassYear, dialect.ClassBit:
		x, ok1 := new(big.Rat).SetString(string(a))
		y, ok2 := new(big.Rat).SetString(string(b))
		if ok1 && ok2 {
			return x.Cmp(y)
		}
	}
	return bytes.Compare(a, b)
}
