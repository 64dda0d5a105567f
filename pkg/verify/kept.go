package verify

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// keptRows is the compact record of one side of a chunk: each row's framed key and its two
// hashes, in flat slices reused from chunk to chunk.
type keptRows struct {
	keys     []byte
	ends     []int32 // where each row's key ends in keys
	hashes   [][2]uint64
	filled   bool // a whole read of the side's rows went into it
	overflow bool // more than limit rows: the record is incomplete
	limit    int  // the most rows kept
}

var keptPool = sync.Pool{New: func() any { return new(keptRows) }}

func getKept(limit int) *keptRows {
	k := keptPool.Get().(*keptRows)
	k.limit = limit
	return k
}

func putKept(k *keptRows) {
	k.reset()
	keptPool.Put(k)
}

func (k *keptRows) reset() {
	k.keys, k.ends, k.hashes, k.filled, k.overflow = k.keys[:0], k.ends[:0], k.hashes[:0], false, false
}

// done marks the end of a whole read of the side's rows.
func (k *keptRows) done() { k.filled = true }

// room reports whether another row may be kept, and marks the record incomplete if not.
func (k *keptRows) room() bool {
	if len(k.ends) < k.limit {
		return true
	}
	k.overflow = true
	return false
}

func (k *keptRows) add(framedKey []byte, s, x uint64) {
	k.keys = append(k.keys, framedKey...)
	k.ends = append(k.ends, int32(len(k.keys)))
	k.hashes = append(k.hashes, [2]uint64{s, x})
}

// complete reports whether the record holds every row of the side's range (a nil record does not).
func (k *keptRows) complete() bool { return k != nil && k.filled && !k.overflow }

// digest is the digest of the kept rows.
func (k *keptRows) digest() checksum.Digest {
	var d checksum.Digest
	for _, h := range k.hashes {
		d.Add(h[0], h[1])
	}
	return d
}

// key is the framed key of row i.
func (k *keptRows) key(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = k.ends[i-1]
	}
	return k.keys[start:k.ends[i]]
}

// entry is row i as the row diff's entry.
func (k *keptRows) entry(i int) rowEntry {
	key, err := unframe(k.key(i))
	if err != nil {
		key = nil // cannot happen: the bytes were framed here
	}
	h := k.hashes[i] // a copy: the record is reused for the next range
	return rowEntry{key: key, cols: h[:]}
}

// entriesFrom turns rows from..end of the record into the row diff's entries, by framed key.
func (k *keptRows) entriesFrom(from int) entries {
	out := make(entries, len(k.ends)-from)
	for i := from; i < len(k.ends); i++ {
		out.add(string(k.key(i)), k.entry(i))
	}
	return out
}

// matchKept matches two sides' records of a range. Both sides usually list the range in key
// order, so rows are first paired by position while their keys agree, which costs a comparison
// a row; from the first row where the keys part (a row missing or extra, or another order), the
// rest is matched by key.
func matchKept(s, t *keptRows) (missing, extra []rowEntry, changed [][2]rowEntry) {
	n := min(len(s.ends), len(t.ends))
	i := 0
	for ; i < n; i++ {
		if !bytes.Equal(s.key(i), t.key(i)) {
			break
		}
		if s.hashes[i] != t.hashes[i] {
			changed = append(changed, [2]rowEntry{s.entry(i), t.entry(i)})
		}
	}
	if i == len(s.ends) && i == len(t.ends) {
		return nil, nil, changed
	}
	m, x, c := matchEntries(s.entriesFrom(i), t.entriesFrom(i))
	return m, x, append(changed, c...)
}

// listHashes reads one side's keys and row hashes of a range, computed in SQL, into kept.
func (j *job) listHashes(ctx context.Context, side int, r dialect.Range, kept *keptRows) error {
	e, t, cols := j.side(side)
	kept.reset()
	err := j.readHashes(ctx, j.on(e), dialect.Query{Table: t, Columns: cols, Range: r, Where: j.whereFor(e)}, kept)
	if errors.Is(err, dialect.ErrUnhashed) {
		// A row too large to hash in SQL: read the range here instead, keeping the same record.
		j.unhashed(side, err)
		kept.reset()
		_, err = j.digest(ctx, side, r, kept, true)
		return err
	}
	if err != nil {
		return e.tableError(t, err)
	}
	return nil
}

// readHashes reads q's keys and row hashes, computed in SQL, into kept.
func (j *job) readHashes(ctx context.Context, p bounded, q dialect.Query, kept *keptRows) error {
	rows, err := p.RowHashes(ctx, q, j.layout)
	if err != nil {
		return err
	}
	defer rows.Close()
	var key []byte
	for rows.Next() {
		if !kept.room() {
			return nil // more rows than kept: the caller digests or narrows instead
		}
		key = checksum.AppendRow(key[:0], rows.Key())
		s, x := rows.Hashes()
		kept.add(key, s, x)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	kept.done()
	return nil
}
