package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/chunker"
	"github.com/dbverify/dbverify/pkg/dialect"
	"golang.org/x/sync/errgroup"
)

// eachChunk plans chunks of t (read on e) and runs fn on each in a pool of Workers; it returns
// the strategy and the number of chunks. g.Go blocks while all workers are busy, which is the
// back-pressure on the planning of further chunks.
func (j *job) eachChunk(ctx context.Context, e *Endpoint, t *dialect.Table, rowsHint int64, r dialect.Range,
	fn func(context.Context, chunker.Chunk, chunker.Chunker) error) (chunker.Strategy, int, error) {
	chunks, err := chunker.New(ctx, j.on(e), t, chunker.Config{Rows: j.opt.ChunkRows, Time: j.opt.ChunkTime,
		Where: j.whereFor(e), RowsHint: rowsHint, Range: r})
	if err != nil {
		return "", 0, e.tableError(t, err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(j.opt.Workers)
	n := 0
	for {
		if stopped(j.opt.Stop) {
			// The chunks under way finish; none starts.
			if err := g.Wait(); err != nil {
				return chunks.Strategy(), n, err
			}
			return chunks.Strategy(), n, ErrStopped
		}
		c, err := chunks.Next(gctx)
		if errors.Is(err, chunker.ErrDone) {
			break
		}
		if err != nil {
			if werr := g.Wait(); werr != nil {
				return chunks.Strategy(), n, werr // the worker's error is the cause; the chunker saw the cancellation
			}
			return chunks.Strategy(), n, e.tableError(t, err)
		}
		paused, err := j.opt.throttler.wait(gctx, j.rep.Source)
		j.mu.Lock()
		j.throttled += paused
		j.mu.Unlock()
		if err != nil {
			if werr := g.Wait(); werr != nil {
				return chunks.Strategy(), n, werr
			}
			return chunks.Strategy(), n, e.tableError(t, err)
		}
		n++
		g.Go(func() error { return fn(gctx, c, chunks) })
	}
	return chunks.Strategy(), n, g.Wait()
}

// rowsHint counts the source's rows (estimates them on tables past 100,000 rows, where an
// exact count would cost a scan of its own: a third of a pushed-down compare of a 1M-row
// MariaDB table), for chunk planning and progress.
func (j *job) rowsHint(ctx context.Context) (int64, error) {
	est, err := j.on(j.src).EstimateRows(ctx, j.st)
	if err != nil {
		return 0, j.src.tableError(j.st, err)
	}
	if est > 100_000 && !j.opt.Shard.on() { // shards plan alike only on an exact count
		return est, nil
	}
	n, err := j.on(j.src).CountRows(ctx, dialect.Query{Table: j.st, Where: j.srcWhere})
	if err != nil {
		return 0, j.src.tableError(j.st, err)
	}
	return n, nil
}

// chunk hashes one chunk on both sides and finds its differing rows if the digests differ. A
// streamed side keeps each row's key and hashes from its first read (up to the keep bound), so that a
// differing chunk is matched without reading it again. Where both sides push down, a differing
// chunk is digested again by key group and only the differing groups' rows are listed; where one
// side does, it lists its keys and hashes, computed in SQL. Once most chunks differ, the second
// pass is the only one: chunks are digested by group (or listed) at once. Chunks too large to
// keep are narrowed instead.
func (j *job) chunk(ctx context.Context, c chunker.Chunk, fb chunker.Chunker) error {
	return j.chunkPart(ctx, c, fb, time.Now())
}

// chunkPart is chunk for c, a chunk or a part of one cut at the chunk limit; since is when the
// whole chunk's hashing began.
func (j *job) chunkPart(ctx context.Context, c chunker.Chunk, fb chunker.Chunker, since time.Time) error {
	start := time.Now()
	var kept [2]*keptRows
	if j.st.KeyKind != dialect.KeyNone {
		kept = [2]*keptRows{getKept(j.opt.tune.keptRows()), getKept(j.opt.tune.keptRows())}
		defer putKept(kept[0])
		defer putKept(kept[1])
	}
	manyDiffer := kept[0] != nil && j.manyDiffer()
	byGroup := j.grouped && manyDiffer
	var width int64
	if byGroup {
		width = j.groupWidth(ctx)
	}
	var sd, td checksum.Digest
	var groups [2][]dialect.GroupDigest
	grouped := j.grouped
	hash := func(ctx context.Context) (err error) {
		if byGroup {
			sd, td, groups, err = j.groupDigests(ctx, c.Range, width)
			if !errors.Is(err, dialect.ErrUnhashed) {
				return err
			}
			// A row too large to hash in SQL: this chunk is read on that side instead.
			byGroup, grouped = false, false
			for _, k := range kept {
				k.reset()
			}
		}
		sd, td, err = j.digests(ctx, c.Range, kept, manyDiffer)
		return err
	}
	// Hashed again on both sides after a transient failure, the kept rows forgotten.
	hashAgain := func(ctx context.Context) error {
		return j.again(ctx, "the chunk's digests"+rangeText(dialect.Query{Table: j.st, Range: c.Range}), func() error {
			for _, k := range kept {
				if k != nil {
					k.reset()
				}
			}
			return hash(ctx)
		})
	}
	lctx, cancel := context.WithTimeoutCause(ctx, j.opt.ChunkLimit, errChunkLimit)
	err := hashAgain(lctx)
	cancel()
	var stall *StallError
	if err != nil && ctx.Err() == nil && !errors.As(err, &stall) && errors.Is(context.Cause(lctx), errChunkLimit) {
		// The chunk ran past the limit: a dense stretch of a sparse key, a busy server, or a
		// server that stopped answering. Both must answer a ping before the chunk is cut in
		// two, so that no query runs long on a production server and a stopped one stops the
		// run; and the parts of one chunk get the query timeout in all, so that a server that
		// answers pings but not queries on this table (a lock) cannot keep them halving.
		if err := j.alive(ctx, c.Range); err != nil {
			return err
		}
		if parts, ok := j.halve(ctx, c.Range); ok {
			if time.Since(since) > j.waits.limit {
				return j.src.tableError(j.st, remedy("ChunkLimit", fmt.Errorf("the chunk%s is still not hashed after %s: its queries ran past the chunk limit %s again and again; stopped",
					rangeText(dialect.Query{Table: j.st, Range: c.Range}), j.waits.limit, j.opt.ChunkLimit)))
			}
			j.opt.Logger.Debug("chunk ran past the limit: split", "table", j.st.String(), "range", c.Range.String(), "limit", j.opt.ChunkLimit)
			for _, p := range parts {
				if err := j.chunkPart(ctx, chunker.Chunk{Seq: c.Seq, Range: p}, fb, since); err != nil {
					return err
				}
			}
			return nil
		}
		err = hashAgain(ctx) // cannot be cut: hash it whole, under the query timeout
	}
	if err != nil {
		return err
	}
	fb.Feedback(max(sd.Rows, td.Rows), time.Since(start))
	logOf(ctx).digests(sd, td)
	j.mu.Lock()
	j.sd.Merge(sd)
	j.td.Merge(td)
	j.chunksDone++
	if sd != td {
		j.chunksDiffer++
	}
	j.mu.Unlock()
	j.opt.throttler.hashed(sd.Rows)
	if j.opt.Progress != nil {
		j.opt.Progress.Rows(sd.Rows)
	}
	if sd == td || j.st.KeyKind == dialect.KeyNone {
		return nil
	}
	j.opt.Logger.Debug("chunk differs", "table", j.st.String(), "range", c.Range.String(), "source", sd, "target", td)
	if grouped && !byGroup {
		width = j.groupWidth(ctx) // worked out on the first chunk that differs
		_, _, groups, err = j.groupDigests(ctx, c.Range, width)
		if errors.Is(err, dialect.ErrUnhashed) {
			grouped = false // matched by listing the chunk's rows, below
		} else if err != nil {
			return err
		}
	}
	if grouped {
		return j.diffGroups(ctx, c.Range, groups, width, kept)
	}
	if max(sd.Rows, td.Rows) <= int64(j.opt.tune.keptRows()) {
		err := j.again(ctx, "the chunk's row hashes"+rangeText(dialect.Query{Table: j.st, Range: c.Range}), func() error {
			g, gctx := errgroup.WithContext(ctx)
			for side := range 2 {
				if j.push[side] && !kept[side].complete() {
					g.Go(func() error { return j.listHashes(gctx, side, c.Range, kept[side]) })
				}
			}
			return g.Wait()
		})
		if err != nil {
			return err
		}
	}
	if kept[0].complete() && kept[1].complete() {
		missing, extra, changed := matchKept(kept[0], kept[1])
		return j.settleMatched(ctx, missing, extra, changed)
	}
	return j.narrow(ctx, c.Range, sd.Rows, td.Rows, 0)
}

// alive pings both servers after a chunk ran past the limit; a server that does not answer
// stops the run, naming what it did not answer first.
func (j *job) alive(ctx context.Context, r dialect.Range) error {
	var errs [2]error
	var wg sync.WaitGroup
	for side := range 2 {
		wg.Go(func() {
			e, t, _ := j.side(side)
			var stall *StallError
			if err := j.on(e).Ping(ctx); errors.As(err, &stall) {
				what := "the chunk's rows query"
				if j.push[side] {
					what = "the chunk digest query"
				}
				errs[side] = e.tableError(t, &StallError{Waited: j.opt.ChunkLimit,
					What: what + rangeText(dialect.Query{Table: t, Range: r}), Ping: stall.Waited})
			} else if err != nil {
				errs[side] = e.tableError(t, err)
			}
		})
	}
	wg.Wait()
	return cmp.Or(errs[0], errs[1])
}

// halve cuts a range of a one-column integer key in two at the middle key value; an open end
// is closed at the source's first or last key in the range. ok is false when the key is of
// another kind or the range is too narrow to cut.
func (j *job) halve(ctx context.Context, r dialect.Range) ([2]dialect.Range, bool) {
	if len(j.st.Key) != 1 {
		return [2]dialect.Range{}, false
	}
	switch j.st.Columns[j.st.Key[0]].Class {
	case dialect.ClassInt, dialect.ClassUint:
	default:
		return [2]dialect.Range{}, false
	}
	lo, hi := r.Lo, r.Hi
	if lo == nil || hi == nil {
		first, last, ok, err := j.on(j.src).KeyBounds(ctx, dialect.Query{Table: j.st, Range: r, Where: j.srcWhere})
		if err != nil || !ok {
			return [2]dialect.Range{}, false
		}
		if hi == nil {
			hi = last
		}
		if lo == nil {
			lo = first // the first half keeps its open end: lo only places the middle
		}
	}
	a, ok1 := new(big.Int).SetString(string(lo[0]), 10)
	b, ok2 := new(big.Int).SetString(string(hi[0]), 10)
	if !ok1 || !ok2 || new(big.Int).Sub(b, a).Cmp(big.NewInt(2)) < 0 {
		return [2]dialect.Range{}, false
	}
	mid := dialect.Key{new(big.Int).Rsh(new(big.Int).Add(a, b), 1).Append(nil, 10)}
	return [2]dialect.Range{{Lo: r.Lo, Hi: mid}, {Lo: mid, Hi: r.Hi}}, true
}

// manyDiffer says whether so many chunks have differed (a quarter, after eight) that a
// pushed-down side had better go to the second pass at once than digest each chunk and then
// read it again: digest it by key group where both sides push down (see canGroup), else stream
// it, keeping its rows' keys and hashes.
func (j *job) manyDiffer() bool {
	if !j.push[0] && !j.push[1] {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.chunksDone >= 8 && j.chunksDiffer*4 > j.chunksDone
}

// side returns one side's endpoint, table and compared columns: 0 the source, 1 the target.
func (j *job) side(side int) (*Endpoint, *dialect.Table, []int) {
	if side == 0 {
		return j.src, j.st, j.scols
	}
	return j.tgt, j.tt, j.tcols
}

// digests hashes a range on both sides at once, keeping the rows' keys and hashes in kept when
// it is not nil (see digest).
func (j *job) digests(ctx context.Context, r dialect.Range, kept [2]*keptRows, list bool) (sd, td checksum.Digest, err error) {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { sd, err = j.digest(gctx, 0, r, kept[0], list); return err })
	g.Go(func() (err error) { td, err = j.digest(gctx, 1, r, kept[1], list); return err })
	err = g.Wait()
	return sd, td, err
}

// digest hashes the rows of a range on one side. A pushed-down side computes it in SQL unless
// list is set; a streamed side (or a pushed-down one with list set) reads the rows, hashes them
// in Go and keeps their keys and hashes in kept if it is not nil.
func (j *job) digest(ctx context.Context, side int, r dialect.Range, kept *keptRows, list bool) (checksum.Digest, error) {
	e, t, cols := j.side(side)
	q := dialect.Query{Table: t, Columns: cols, Range: r, Where: j.whereFor(e)}
	// Once most chunks differ, a pushed-down side streams too: its rows must cross anyway to be
	// matched, and streaming them costs less than listing keys and hashes computed in SQL
	// (10M rows with 1,000 scattered changes: 8.4 s against 11.1 s on PostgreSQL, 14.7 s
	// against 15.4 s on MariaDB). The hashes are the same either way.
	if j.push[side] && !(list && kept != nil) {
		d, err := j.on(e).Digest(ctx, q, j.layout)
		if !errors.Is(err, dialect.ErrUnhashed) {
			if err != nil {
				return d, e.tableError(t, err)
			}
			return d, nil
		}
		j.unhashed(side, err) // the range's rows are read and hashed here instead
	}
	var d checksum.Digest
	rows, err := j.scan(ctx, e, q)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	h := j.hashers.Get().(*checksum.Hasher)
	defer j.hashers.Put(h)
	var key []byte
	for rows.Next() {
		vals := rows.Values()
		s, x := h.Row(vals)
		d.Add(s, x)
		if kept != nil && kept.room() {
			key = j.frameKey(key[:0], vals)
			kept.add(key, s, x)
		}
	}
	if err := rows.Err(); err != nil {
		return d, e.tableError(t, err)
	}
	if kept != nil {
		kept.done()
	}
	return d, nil
}

// scan reads a query's rows on one side, under the job's tolerances.
func (j *job) scan(ctx context.Context, e *Endpoint, q dialect.Query) (dialect.Rows, error) {
	rows, err := j.on(e).Scan(ctx, q)
	if err != nil {
		return nil, e.tableError(q.Table, err)
	}
	return j.wrap(rows), nil
}

// unhashed records that a side's server could not hash some rows of a range in SQL (err wraps
// dialect.ErrUnhashed), which are then read and hashed in Go; the report says so.
func (j *job) unhashed(side int, err error) {
	j.opt.Logger.Debug("rows not hashed in SQL: streamed", "table", j.st.String(), "side", []string{"source", "target"}[side], "cause", err)
	j.mu.Lock()
	j.unhashedRanges[side]++
	j.mu.Unlock()
}
