package verify

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// defaultMaxHeldRows bounds the rows of differing buckets held in memory at once per side in the
// second pass; more go to shard files on disk. A variable for tests.
const defaultMaxHeldRows int64 = 100_000

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
	// One more pass over each side reads the rows of the differing buckets; when they would not
	// fit in memory they go to shard files on disk, each shard small enough to match in memory.
	perBucket := max(j.sd.Rows, j.td.Rows)/bucketCount + 1
	held := j.opt.tune.heldRows()
	shards := int(min(int64(len(differ)), (int64(len(differ))*perBucket+held-1)/held))
	return j.diffBuckets(ctx, differ, max(1, shards))
}

// bucketVisitor hashes a chunk's rows into per-chunk buckets, then merges them into all.
func (j *job) bucketVisitor(all *[bucketCount]checksum.Digest, source bool) func(dialect.Rows) (int64, error) {
	var mu sync.Mutex
	return func(rows dialect.Rows) (int64, error) {
		var local [bucketCount]checksum.Digest
		h := j.hashers.Get().(*checksum.Hasher)
		defer j.hashers.Put(h)
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

// diffBuckets reads the rows of the differing buckets on both sides, in one pass per side, and
// matches them by key. With more than one shard, rows are spilled to temporary files by shard
// and each shard is matched in turn.
func (j *job) diffBuckets(ctx context.Context, buckets []int, shards int) error {
	shardOf := make(map[int]int, len(buckets))
	for i, b := range buckets {
		shardOf[b] = i % shards
	}
	if shards == 1 {
		sides := [2]entries{{}, {}}
		err := j.collectBuckets(ctx, shardOf, func(side, _ int, key []byte, e rowEntry) error {
			sides[side].add(string(key), e)
			return nil
		})
		if err != nil {
			return err
		}
		missing, extra, changed := matchEntries(sides[0], sides[1])
		return j.record(ctx, missing, extra, changed)
	}
	dir, err := os.MkdirTemp("", "dbverify-buckets-")
	if err != nil {
		return fmt.Errorf("verify: spill directory: %w", err)
	}
	defer os.RemoveAll(dir)
	files := make([][]*spill, 2)
	for side := range files {
		for s := 0; s < shards; s++ {
			f, err := newSpill(filepath.Join(dir, fmt.Sprintf("%d-%d", side, s)))
			if err != nil {
				return err
			}
			defer f.close()
			files[side] = append(files[side], f)
		}
	}
	err = j.collectBuckets(ctx, shardOf, func(side, shard int, key []byte, e rowEntry) error {
		return files[side][shard].write(key, e.cols)
	})
	if err != nil {
		return err
	}
	for s := 0; s < shards; s++ {
		var sides [2]entries
		for side := range sides {
			if sides[side], err = files[side][s].readAll(2); err != nil {
				return err
			}
		}
		missing, extra, changed := matchEntries(sides[0], sides[1])
		if err := j.record(ctx, missing, extra, changed); err != nil {
			return err
		}
	}
	return nil
}

// collectBuckets reads both sides once and hands each row of a wanted bucket to keep, with its
// side (0 source, 1 target), shard and framed key. keep may be called concurrently per side.
func (j *job) collectBuckets(ctx context.Context, shardOf map[int]int, keep func(side, shard int, key []byte, e rowEntry) error) error {
	visit := func(side int) func(dialect.Rows) (int64, error) {
		var mu sync.Mutex
		return func(rows dialect.Rows) (int64, error) {
			var key []byte
			var n int64
			h := j.hashers.Get().(*checksum.Hasher)
			defer j.hashers.Put(h)
			for rows.Next() {
				n++
				vals := rows.Values()
				key = j.frameKey(key[:0], vals)
				shard, ok := shardOf[bucketOf(key)]
				if !ok {
					continue
				}
				e := j.entry(h, vals)
				mu.Lock()
				err := keep(side, shard, key, e)
				mu.Unlock()
				if err != nil {
					return n, err
				}
			}
			return n, rows.Err()
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { _, err := j.scanSide(gctx, j.src, j.st, j.scols, visit(0)); return err })
	g.Go(func() error { _, err := j.scanSide(gctx, j.tgt, j.tt, j.tcols, visit(1)); return err })
	return g.Wait()
}

// spill is one shard file of one side: records of a framed key and its row's hashes.
type spill struct {
	f *os.File
	w *bufio.Writer
}

func newSpill(name string) (*spill, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("verify: spill file: %w", err)
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *spill) write(key []byte, cols []uint64) error {
	s.w.Write(binary.AppendUvarint(nil, uint64(len(key))))
	s.w.Write(key)
	var b [8]byte
	for _, c := range cols {
		binary.LittleEndian.PutUint64(b[:], c)
		if _, err := s.w.Write(b[:]); err != nil {
			return fmt.Errorf("verify: spill file: %w", err)
		}
	}
	return nil
}

// readAll reads the shard back as entries of rows with ncols hashes.
func (s *spill) readAll(ncols int) (entries, error) {
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("verify: spill file: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("verify: spill file: %w", err)
	}
	r := bufio.NewReader(s.f)
	out := entries{}
	for {
		n, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return out, nil
		}
		key := make([]byte, n)
		cols := make([]uint64, ncols)
		buf := make([]byte, 8*ncols)
		if err == nil {
			_, err = io.ReadFull(r, key)
		}
		if err == nil {
			_, err = io.ReadFull(r, buf)
		}
		if err != nil {
			return nil, fmt.Errorf("verify: spill file: %w", err)
		}
		for i := range cols {
			cols[i] = binary.LittleEndian.Uint64(buf[8*i:])
		}
		k, err := unframe(key)
		if err != nil {
			return nil, err
		}
		out.add(string(key), rowEntry{key: k, cols: cols})
	}
}

func (s *spill) close() { s.f.Close() }

// unframe splits a framed key (checksum.AppendRow) back into its values.
func unframe(b []byte) (dialect.Key, error) {
	var k dialect.Key
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < max(n, 1)-1 {
			return nil, fmt.Errorf("verify: spill file: bad key framing")
		}
		b = b[w:]
		if n == 0 {
			k = append(k, nil)
			continue
		}
		k = append(k, append([]byte{}, b[:n-1]...))
		b = b[n-1:]
	}
	return k, nil
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
	_, n, err := j.eachChunk(ctx, e, plan, 0, dialect.Range{}, func(ctx context.Context, c chunker.Chunk, fb chunker.Chunker) error {
		start := time.Now()
		rows, err := j.scan(ctx, e, dialect.Query{Table: t, Columns: cols, Range: c.Range, Where: j.whereFor(e)})
		if err != nil {
			return err
		}
		defer rows.Close()
		count, err := visit(rows)
		if err != nil {
			return e.tableError(t, err)
		}
		fb.Feedback(count, time.Since(start))
		return nil
	})
	return n, err
}
