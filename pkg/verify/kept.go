package verify

import (
	"context"
	"sync"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
	"golang.org/x/sync/errgroup"
)

// keepRows is the most rows of one side of a chunk whose keys and hashes are kept for matching
// (about 30 bytes a row for an integer key: a few MiB per worker). Larger differing chunks are
// narrowed by digests of sub-ranges instead. A variable for tests.
var keepRows = 100_000

// keptRows is the compact record of one side of a chunk: each row's framed key and its two
// hashes, in flat slices reused from chunk to chunk.
type keptRows struct {
	keys     []byte
	ends     []int
	hashes   [][2]uint64
	overflow bool // more than keepRows rows: the record is incomplete
}

var keptPool = sync.Pool{New: func() any { return new(keptRows) }}

func getKept() *keptRows { return keptPool.Get().(*keptRows) }

func putKept(k *keptRows) {
	k.keys, k.ends, k.hashes, k.overflow = k.keys[:0], k.ends[:0], k.hashes[:0], false
	keptPool.Put(k)
}

// room reports whether another row may be kept, and marks the record incomplete if not.
func (k *keptRows) room() bool {
	if len(k.ends) < keepRows {
		return true
	}
	k.overflow = true
	return false
}

func (k *keptRows) add(framedKey []byte, s, x uint64) {
	k.keys = append(k.keys, framedKey...)
	k.ends = append(k.ends, len(k.keys))
	k.hashes = append(k.hashes, [2]uint64{s, x})
}

func (k *keptRows) complete() bool { return !k.overflow }

// digest is the digest of the kept rows.
func (k *keptRows) digest() checksum.Digest {
	var d checksum.Digest
	for _, h := range k.hashes {
		d.Add(h[0], h[1])
	}
	return d
}

// entries turns the record into the row diff's entries.
func (k *keptRows) entries() entries {
	out := make(entries, len(k.ends))
	start := 0
	for i, end := range k.ends {
		framed := k.keys[start:end]
		start = end
		key, err := unframe(framed)
		if err != nil {
			continue // cannot happen: the bytes were framed here
		}
		out.add(string(framed), rowEntry{key: key, cols: k.hashes[i][:]})
	}
	return out
}

// listHashes reads a range's keys and row hashes on both sides, computed in SQL.
func (j *job) listHashes(ctx context.Context, r dialect.Range, kept [2]*keptRows) error {
	g, gctx := errgroup.WithContext(ctx)
	for side, e := range []*Endpoint{j.src, j.tgt} {
		t, cols := j.st, j.scols
		if side == 1 {
			t, cols = j.tt, j.tcols
		}
		g.Go(func() error {
			rows, err := e.DB.(dialect.Pushdown).RowHashes(gctx, dialect.Query{Table: t, Columns: cols, Range: r, Where: j.whereFor(e)}, j.layout)
			if err != nil {
				return e.tableError(t, err)
			}
			defer rows.Close()
			var key []byte
			for rows.Next() {
				if !kept[side].room() {
					return nil // rows arrived meanwhile: the caller narrows instead
				}
				key = checksum.AppendRow(key[:0], rows.Key())
				s, x := rows.Hashes()
				kept[side].add(key, s, x)
			}
			if err := rows.Err(); err != nil {
				return e.tableError(t, err)
			}
			return nil
		})
	}
	return g.Wait()
}
