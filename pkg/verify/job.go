package verify

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/mapping"
)

// job is the compare of one table.
type job struct {
	src, tgt *Endpoint
	st, tt   *dialect.Table // tt's key is the source key's columns, on the target
	scols    []int          // compared columns, source indexes
	tcols    []int          // the same columns, target indexes
	names    []string       // their names (source spelling)
	keyPos   []int          // where the key's columns sit among the compared columns
	textKey  bool           // the key has a text column: collations may order it differently
	tol      *tolerance     // opt-in tolerances; nil for exact
	where    string         // the user's row filter of this table: its own, else Options.Where
	srcWhere string         // the source's row filter: the user's and the mapping's (DMS filters)
	opt      Options
	rep      *TableReport
	waits    waits           // the bounds of every request to the servers
	layout   checksum.Layout // how rows are hashed, in Go and in SQL
	push     [2]bool         // whether the source, the target hash rows in SQL (pushdown)
	hashers  sync.Pool       // *checksum.Hasher under layout, one per worker at a time
	grouped  bool            // differing chunks are digested by key group (see canGroup)
	rows     int64           // the source's row count, estimated on large tables

	skipped []SkippedColumn // columns left out because no side can compare them

	widthOnce sync.Once
	width     int64 // the key span of a group (see groupWidth)

	mu                       sync.Mutex
	sd, td                   checksum.Digest
	chunksDone, chunksDiffer int    // chunks hashed so far, and of them those that differed
	unhashedRanges           [2]int // ranges a side's server could not hash in SQL, streamed instead
	list                     diffList
	retried                  atomic.Int64  // reads tried again after a transient failure
	throttled                time.Duration // paused by the throttle (the planner's pauses: one at a time)
	resumed                  int           // chunks taken from a checkpoint
	shardChunks              []cpChunk     // the chunks this shard compared
}

func compareTable(ctx context.Context, src, tgt *Endpoint, p tablePair, opt Options) (*TableReport, error) {
	started := time.Now()
	j, err := newJob(ctx, src, tgt, p, opt)
	if err != nil {
		return nil, err
	}
	if err := j.run(ctx); err != nil {
		j.list.close()
		return nil, err
	}
	if err := j.finish(); err != nil {
		j.list.close()
		return nil, err
	}
	j.rep.Duration, j.rep.pair = time.Since(started), p
	j.warnSkipped()
	return j.rep, nil
}

// newJob introspects both sides and lines their columns up.
func newJob(ctx context.Context, src, tgt *Endpoint, p tablePair, opt Options) (*job, error) {
	j := &job{src: src, tgt: tgt, opt: opt, waits: opt.waits()}
	j.waits.retried = &j.retried
	// Both sides at once, neither cancelling the other: when both fail (a table missing on
	// both), the error names the source, whichever answered first.
	var wg sync.WaitGroup
	var serr, terr error
	wg.Go(func() {
		if j.st, serr = j.on(src).Table(ctx, p.src); serr != nil {
			serr = src.errorf(p.src, serr)
		}
	})
	wg.Go(func() {
		if j.tt, terr = j.on(tgt).Table(ctx, p.tgt); terr != nil {
			terr = tgt.errorf(p.tgt, withNameHint(ctx, j.on(tgt), p.tgt, terr))
		}
	})
	wg.Wait()
	if serr != nil {
		return nil, serr
	}
	if terr != nil {
		return nil, terr
	}
	if err := j.alignColumns(); err != nil {
		return nil, err
	}
	where, err := j.tableWhere()
	if err != nil {
		return nil, err
	}
	j.where = where
	j.srcWhere = j.where
	if q, ok := src.DB.(mapping.Quoter); ok {
		j.srcWhere = and(j.where, opt.Mapping.Where(j.st.Schema, j.st.Name, q))
	}
	if opt.sourceWhere != nil { // a saved report's
		j.srcWhere = *opt.sourceWhere
	}
	if err := j.prepareWhere(ctx); err != nil {
		return nil, err
	}
	st := j.st
	j.rep = &TableReport{Source: j.src.tableName(st), Target: j.tgt.tableName(j.tt), KeyKind: string(st.KeyKind),
		Key: st.KeyNames(), Columns: len(j.scols), Skipped: j.skipped}
	j.describe()
	j.list.cols, j.list.memory, j.list.names = st.KeyColumns(), opt.tune.memory(), j.rep.Key
	j.tol = j.newTolerance()
	fam, err := hashFamily(src.DB, tgt.DB, opt.Hash)
	if err != nil {
		return nil, err
	}
	j.layout = j.layoutFor(fam)
	j.hashers.New = func() any { return checksum.NewHasher(j.layout) }
	if err := j.choosePush(); err != nil {
		return nil, err
	}
	j.grouped = j.canGroup()
	if st.KeyKind == dialect.KeyNone {
		j.rep.Note = and2("no primary key and no unique index on NOT NULL columns: compared as one whole-table digest, whose differing rows cannot be listed", j.rep.Note)
	}
	return j, nil
}

// whereFor is the row filter of one side: the user's on both, DMS's selection filters on the
// source only (the target holds only the rows they let through).
func (j *job) whereFor(e *Endpoint) string {
	if e == j.src {
		return j.srcWhere
	}
	return j.where
}

// and joins two conditions; either may be empty.
func and(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") AND (" + b + ")"
}

// run plans chunks on the source and hashes them on both sides in a bounded pool.
func (j *job) run(ctx context.Context) error {
	rows, err := j.rowsHint(ctx)
	if err != nil {
		return err
	}
	j.rows = rows
	if j.opt.Progress != nil {
		j.opt.Progress.Table(j.rep.Source, rows)
	}
	if j.keyOrderDiffers() {
		// Not checkpointed: a resumed run does the table again. Sharded: one shard does it all.
		sh := j.opt.Shard
		if !sh.on() {
			return j.runBuckets(ctx)
		}
		if !sh.owns(j.rep.Source, 0) {
			return nil
		}
		l := &chunkLog{}
		if err := j.runBuckets(context.WithValue(ctx, chunkLogKey{}, l)); err != nil {
			return err
		}
		rec := l.rec
		rec.Table, rec.Def, rec.Source, rec.Target = j.rep.Source, j.definition(), j.sd, j.td
		j.shardChunks = append(j.shardChunks, rec)
		return nil
	}
	gaps, err := j.resume()
	if err != nil {
		return err
	}
	j.rep.Chunks, j.rep.Strategy = j.resumed, "resumed"
	fn := j.checkpointed(j.chunk)
	for _, g := range gaps {
		strategy, n, err := j.eachChunk(ctx, j.src, j.st, rows, g, fn)
		j.rep.Strategy, j.rep.Chunks = string(strategy), j.rep.Chunks+n
		if err != nil {
			return err
		}
	}
	return nil
}

// finish fills in the table's totals and hands the listed rows to the report.
func (j *job) finish() error {
	for side, n := range j.unhashedRanges {
		if n > 0 {
			ranges := "1 range"
			if n > 1 {
				ranges = fmt.Sprintf("%d ranges", n)
			}
			j.rep.Note = and2(j.rep.Note, fmt.Sprintf("%s streamed %s: rows too large for the server to hash in SQL (max_allowed_packet)",
				[]string{"source", "target"}[side], ranges))
		}
	}
	if j.throttled > 0 {
		j.rep.Throttled = j.throttled
		j.rep.Note = and2(j.rep.Note, fmt.Sprintf("paused %s in all by the throttle", j.throttled.Round(time.Millisecond)))
	}
	if n := j.retried.Load(); n > 0 {
		j.rep.Retries = n
		j.rep.Note = and2(j.rep.Note, fmt.Sprintf("%d reads tried again after a transient failure (a connection lost or killed, a deadlock); each retried step was read again in full", n))
	}
	j.rep.SourceRows, j.rep.TargetRows = j.sd.Rows, j.td.Rows
	j.rep.SourcePrint, j.rep.TargetPrint = j.sd.Fingerprint(), j.td.Fingerprint()
	if sh := j.opt.Shard; sh.on() {
		part := &ShardPart{Index: sh.Index, Count: sh.Count, MaxDiffs: j.opt.MaxDiffs, Chunks: j.shardChunks}
		for _, c := range j.st.KeyColumns() {
			part.KeyClasses = append(part.KeyClasses, c.Class)
		}
		j.rep.Shard, j.rep.Chunks = part, len(j.shardChunks)
	}
	inMemory, err := j.list.done()
	if err != nil {
		return err
	}
	if inMemory {
		j.rep.Diffs = j.list.mem
	} else {
		j.rep.list = &j.list
	}
	return nil
}
