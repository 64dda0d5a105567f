package verify

import (
	"cmp"
	"context"
	"math/big"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// defaultGroupRows is how many rows a key group aims to hold when both sides push down and a chunk
// differs: each side digests the chunk by groups of key values in one query (one row per group
// crosses), and only the rows of the groups that differ are listed. With a change every 10,000
// rows, 256-row groups list 2.5% of the rows where listing whole chunks lists them all. A
// variable for tests.
const defaultGroupRows = 256

// canGroup reports whether differing chunks are digested by key group: both sides push down and
// the key is one integer column on both.
func (j *job) canGroup() bool {
	if !j.push[0] || !j.push[1] || len(j.st.Key) != 1 || len(j.tt.Key) != 1 {
		return false
	}
	for _, t := range []*dialect.Table{j.st, j.tt} {
		switch t.Columns[t.Key[0]].Class {
		case dialect.ClassInt, dialect.ClassUint:
		default:
			return false
		}
	}
	return true
}

// groupWidth is the span of key values of one group, the same for both sides and every chunk:
// the source's key span over its row count, times the group size (at least 2). It is worked out once,
// on first use: the first chunk that differs, so that a compare of equal tables never walks the
// key for it.
func (j *job) groupWidth(ctx context.Context) int64 {
	j.widthOnce.Do(func() {
		j.width = int64(max(2, j.opt.tune.groupSize()))
		first, last, ok, err := j.on(j.src).KeyBounds(ctx, dialect.Query{Table: j.st, Where: j.srcWhere})
		if err != nil || !ok || j.rows <= 0 {
			return
		}
		a, ok1 := new(big.Float).SetString(string(first[0]))
		b, ok2 := new(big.Float).SetString(string(last[0]))
		if !ok1 || !ok2 {
			return
		}
		span, _ := new(big.Float).Sub(b, a).Float64()
		w := (span + 1) / float64(j.rows) * float64(j.opt.tune.groupSize())
		j.width = int64(min(max(w, 2), 1<<62))
	})
	return j.width
}

// groupDigests digests a range on both sides by key group, at once; sd and td are the sums of
// each side's groups.
func (j *job) groupDigests(ctx context.Context, r dialect.Range, width int64) (sd, td checksum.Digest, groups [2][]dialect.GroupDigest, err error) {
	g, gctx := errgroup.WithContext(ctx)
	for side := range 2 {
		g.Go(func() error {
			e, t, cols := j.side(side)
			q := dialect.Query{Table: t, Columns: cols, Range: r, Where: j.whereFor(e)}
			gs, err := j.on(e).GroupDigests(gctx, q, j.layout, width)
			if err != nil {
				return e.tableError(t, err)
			}
			groups[side] = gs
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return sd, td, groups, err
	}
	for _, gd := range groups[0] {
		sd.Merge(gd.Digest)
	}
	for _, gd := range groups[1] {
		td.Merge(gd.Digest)
	}
	return sd, td, groups, nil
}

// groupRun is a run of differing groups, lo..hi, next to each other among both sides' groups.
type groupRun struct {
	lo, hi      int64
	rows        [2]int64 // each side's rows in the run
	first, last bool     // the run holds the lowest, the highest group of the range
}

// differingRuns pairs two sides' groups and returns the runs of those that differ, each run
// holding at most maxRows rows a side unless one group alone holds more.
func differingRuns(groups [2][]dialect.GroupDigest, maxRows int64) []groupRun {
	for _, gs := range groups {
		slices.SortFunc(gs, func(a, b dialect.GroupDigest) int { return cmp.Compare(a.Group, b.Group) })
	}
	s, t := groups[0], groups[1]
	var runs []groupRun
	open := false // the last group seen differs and its run may grow
	first := true
	for len(s) > 0 || len(t) > 0 {
		var g int64
		var d [2]checksum.Digest
		switch {
		case len(t) == 0 || len(s) > 0 && s[0].Group < t[0].Group:
			g, d[0], s = s[0].Group, s[0].Digest, s[1:]
		case len(s) == 0 || t[0].Group < s[0].Group:
			g, d[1], t = t[0].Group, t[0].Digest, t[1:]
		default:
			g, d[0], d[1], s, t = s[0].Group, s[0].Digest, t[0].Digest, s[1:], t[1:]
		}
		if d[0] == d[1] {
			open, first = false, false
			continue
		}
		if n := len(runs) - 1; open && max(runs[n].rows[0]+d[0].Rows, runs[n].rows[1]+d[1].Rows) <= maxRows {
			runs[n].hi = g
			runs[n].rows[0] += d[0].Rows
			runs[n].rows[1] += d[1].Rows
		} else {
			runs = append(runs, groupRun{lo: g, hi: g, rows: [2]int64{d[0].Rows, d[1].Rows}, first: first})
		}
		open, first = true, false
	}
	if n := len(runs) - 1; n >= 0 && open {
		runs[n].last = true
	}
	return runs
}

// groupBounds returns the first and last key values of group g: those k with trunc(k/w) = g.
func groupBounds(g, w int64) (first, last *big.Int) {
	bw := big.NewInt(w)
	first = new(big.Int).Mul(big.NewInt(g), bw)
	last = new(big.Int).Set(first)
	wm1 := new(big.Int).Sub(bw, big.NewInt(1))
	switch {
	case g > 0:
		last.Add(last, wm1)
	case g < 0:
		first.Sub(first, wm1)
	default:
		first.Neg(wm1)
		last.Set(wm1)
	}
	return first, last
}

// runRange is the key range of a run's rows within the chunk range r. An end is left open only
// where r's is and the run holds the range's outermost group; any other end lies between keys
// that exist, so it is a value of the key's type.
func runRange(r dialect.Range, run groupRun, w int64) dialect.Range {
	first, _ := groupBounds(run.lo, w)
	_, last := groupBounds(run.hi, w)
	out := r
	if !(run.first && r.Lo == nil) {
		lo := first.Sub(first, big.NewInt(1)) // Lo is exclusive
		if r.Lo == nil || keyInt(r.Lo).Cmp(lo) < 0 {
			out.Lo = dialect.Key{lo.Append(nil, 10)}
		}
	}
	if !(run.last && r.Hi == nil) {
		if r.Hi == nil || keyInt(r.Hi).Cmp(last) > 0 {
			out.Hi = dialect.Key{last.Append(nil, 10)}
		}
	}
	return out
}

// keyInt reads a one-column integer key.
func keyInt(k dialect.Key) *big.Int {
	n, ok := new(big.Int).SetString(string(k[0]), 10)
	if !ok {
		return new(big.Int) // cannot happen: integer keys are read in decimal
	}
	return n
}

// diffGroups finds the differing rows of a chunk from both sides' group digests: the rows of
// each run of differing groups are listed on both sides (their keys and hashes, computed in
// SQL) and matched; a run too large to keep is narrowed instead.
func (j *job) diffGroups(ctx context.Context, r dialect.Range, groups [2][]dialect.GroupDigest, w int64, kept [2]*keptRows) error {
	var missing, extra []rowEntry
	var changed [][2]rowEntry
	runs := differingRuns(groups, int64(j.opt.tune.keptRows()))
	j.opt.Logger.Debug("differing key groups", "table", j.st.String(), "range", r.String(), "width", w, "runs", len(runs))
	for _, run := range runs {
		rr := runRange(r, run, w)
		if max(run.rows[0], run.rows[1]) <= int64(j.opt.tune.keptRows()) {
			err := j.again(ctx, "the row hashes"+rangeText(dialect.Query{Table: j.st, Range: rr}), func() error {
				g, gctx := errgroup.WithContext(ctx)
				for side := range 2 {
					g.Go(func() error { return j.listHashes(gctx, side, rr, kept[side]) })
				}
				return g.Wait()
			})
			if err != nil {
				return err
			}
			if kept[0].complete() && kept[1].complete() {
				m, x, c := matchKept(kept[0], kept[1])
				missing, extra, changed = append(missing, m...), append(extra, x...), append(changed, c...)
				continue
			}
		}
		// More rows than kept (or than listed a moment ago): narrow the run by digests.
		if err := j.narrow(ctx, rr, run.rows[0], run.rows[1], 0); err != nil {
			return err
		}
	}
	return j.settleMatched(ctx, missing, extra, changed)
}
