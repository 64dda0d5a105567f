package verify

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/chunker"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// Hash buckets: the strategy for keys that may order differently on the two sides (text under
// another collation or engine, enums, engine-specific UUID types). Range predicates cannot cut such keys alike on both
// sides while using their indexes: 'a' < 'B' under a case-insensitive collation and 'B' < 'a' in
// binary, and a binary comparison cannot use a case-insensitive index. So each side is read in
// parallel along its own index order, and every row is put in a bucket by a hash of its
// canonical key, which is the same on both sides whatever the collations. Bucket digests are
// compared; a second pass reads only the rows of differing buckets and matches them by key.

// bucketCount is how many buckets a table is hashed into.
const bucketCount = 4096

// maxHeldRows bounds the rows of differing buckets held at once per side in the second pass;
// more differing buckets take more passes.
const maxHeldRows = 100_000

// orderSafe reports whether keys of a class order the same way on every engine and under every
// collation: numbers, dates and times by value, binary strings by bytes.
func orderSafe(c dialect.Class) bool {
	switch c {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassYear,
		dialect.ClassDate, dialect.ClassTime, dialect.ClassTimestamp, dialect.ClassBytes:
		return true
	}
	return false
}

// keyOrderDiffers reports whether key ranges cannot select the same rows on both sides: the
// target's key columns are not a unique NOT NULL index there, or the key may order differently
// on each side: another engine
// with a key column whose order is engine-defined (text under a collation, enums in declaration
// order, MariaDB's UUID in its storage order), or text columns whose collations differ.
func (j *job) keyOrderDiffers() bool {
	if j.st.KeyKind == dialect.KeyNone {
		return false // no key: one whole-table digest
	}
	if j.tt.KeyName == "" {
		// The target has no unique index on NOT NULL columns matching the source's key: it may
		// hold duplicate keys, or NULL keys that no key range selects. Read it whole.
		return true
	}
	sameEngine := j.src.DB.Engine() == j.tgt.DB.Engine()
	for i, k := range j.st.Key {
		sc, tc := j.st.Columns[k], j.tt.Columns[j.tt.Key[i]]
		if !sameEngine && (!orderSafe(sc.Class) || !orderSafe(tc.Class)) {
			return true
		}
		if sc.Collation != tc.Collation || sc.Class == dialect.ClassEnum && sc.Type != tc.Type {
			return true // another collation, or enums with other members (they sort by position)
		}
	}
	return false
}

func bucketOf(framedKey []byte) int {
	return int(checksum.Column(framedKey) % bucketCount)
}

// runBuckets compares a table by hash buckets.
func (j *job) runBuckets(ctx context.Context) error {
	j.rep.Strategy = "hash-buckets"
	var sb, tb [bucketCount]checksum.Digest
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		n, err := j.scanSide(gctx, j.src, j.st, j.scols, j.bucketVisitor(&sb, true))
		j.rep.Chunks = n
		return err
	})
	g.Go(func() error {
		_, err := j.scanSide(gctx, j.tgt, j.tt, j.tcols, j.bucketVisitor(&tb, false))
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	var differ []int
	for b := range sb {
		j.sd.Merge(sb[b])
		j.td.Merge(tb[b])
		if sb[b] != tb[b] {
			differ = append(differ, b)
		}
	}
	if len(differ) == 0 {
		return nil
	}
	perBucket := max(j.sd.Rows, j.td.Rows)/bucketCount + 1
	batch := int(max(1, maxHeldRows/perBucket))
	for len(differ) > 0 {
		n := min(batch, len(differ))
		if err := j.diffBuckets(ctx, differ[:n]); err != nil {
			return err
		}
		differ = differ[n:]
	}
	return nil
}

// bucketVisitor hashes a chunk's rows into per-chunk buckets, then merges them into all.
func (j *job) bucketVisitor(all *[bucketCount]checksum.Digest, source bool) func(dialect.Rows) (int64, error) {
	var mu sync.Mutex
	return func(rows dialect.Rows) (int64, error) {
		var local [bucketCount]checksum.Digest
		h := hashers.Get().(*checksum.Hasher)
		defer hashers.Put(h)
		var key []byte
		var n int64
		for rows.Next() {
			vals := rows.Values()
			key = j.frameKey(key[:0], vals)
			local[bucketOf(key)].Add(h.Row(vals))
			n++
		}
		mu.Lock()
		for b := range local {
			all[b].Merge(local[b])
		}
		mu.Unlock()
		if source && j.opt.Progress != nil {
			j.opt.Progress.Rows(n)
		}
		return n, rows.Err()
	}
}

// diffBuckets reads the rows of some differing buckets on both sides and matches them by key.
func (j *job) diffBuckets(ctx context.Context, buckets []int) error {
	want := make(map[int]bool, len(buckets))
	for _, b := range buckets {
		want[b] = true
	}
	collect := func(into entries) func(dialect.Rows) (int64, error) {
		var mu sync.Mutex
		return func(rows dialect.Rows) (int64, error) {
			var key []byte
			var n int64
			for rows.Next() {
				n++
				vals := rows.Values()
				key = j.frameKey(key[:0], vals)
				if !want[bucketOf(key)] {
					continue
				}
				e := rowEntry{key: dialect.CloneKey(j.keyOf(vals)), cols: columnHashes(vals)}
				mu.Lock()
				into.add(string(key), e)
				mu.Unlock()
			}
			return n, rows.Err()
		}
	}
	src, tgt := entries{}, entries{}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { _, err := j.scanSide(gctx, j.src, j.st, j.scols, collect(src)); return err })
	g.Go(func() error { _, err := j.scanSide(gctx, j.tgt, j.tt, j.tcols, collect(tgt)); return err })
	if err := g.Wait(); err != nil {
		return err
	}
	missing, extra, changed := matchEntries(src, tgt)
	return j.record(ctx, missing, extra, changed)
}

// scanSide reads all of one side's rows in parallel chunks along that side's own key order
// (one whole-table chunk where the key is not an index there) and hands each chunk's rows to
// visit, which may run concurrently. It returns the number of chunks.
func (j *job) scanSide(ctx context.Context, e *Endpoint, t *dialect.Table, cols []int, visit func(dialect.Rows) (int64, error)) (int, error) {
	plan := t
	if t.KeyName == "" {
		whole := *t
		whole.KeyKind, whole.Key = dialect.KeyNone, nil
		plan = &whole
	}
	chunks, err := chunker.New(ctx, e.DB, plan, chunker.Config{Rows: j.opt.ChunkRows, Time: j.opt.ChunkTime, Where: j.whereFor(e)})
	if err != nil {
		return 0, e.tableError(t, err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(j.opt.Workers)
	n := 0
	for {
		c, err := chunks.Next(gctx)
		if errors.Is(err, chunker.ErrDone) {
			break
		}
		if err != nil {
			if werr := g.Wait(); werr != nil {
				return n, werr
			}
			return n, e.tableError(t, err)
		}
		n++
		g.Go(func() error {
			start := time.Now()
			rows, err := j.scan(gctx, e, dialect.Query{Table: t, Columns: cols, Range: c.Range, Where: j.whereFor(e)})
			if err != nil {
				return err
			}
			defer rows.Close()
			count, err := visit(rows)
			if err != nil {
				return e.tableError(t, err)
			}
			chunks.Feedback(count, time.Since(start))
			return nil
		})
	}
	return n, g.Wait()
}
