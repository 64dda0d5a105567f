// Package chunker splits a table's key space into ranges (chunks) that both sides of a compare
// read with the same boundaries. It plans from one side's keys and knows no SQL: it asks a
// KeyReader for keys and does integer arithmetic on canonical key bytes.
//
// Three strategies, picked by New:
//   - range: a single integer key whose values are dense; boundaries are computed, no queries.
//   - keyset: any other key (composite, text, UUID, binary, sparse integers); each boundary is
//     one index seek past the previous one, issued as the caller asks for the next chunk, so
//     planning runs alongside the hashing.
//   - whole-table: no usable key; the table is one chunk.
//
// The first chunk is open below and the last open above, so rows outside the planning side's
// key span (rows that only the other side has) still fall into a chunk.
//
// Chunk size is fixed (Config.Rows) or follows a time target: workers report how long each
// chunk took (Feedback) and later chunks are sized to take about Config.Time.
package chunker

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// ErrDone is returned by Next when there are no more chunks.
var ErrDone = errors.New("chunker: no more chunks")

// KeyReader is all the chunker needs from a database.
type KeyReader interface {
	KeyBounds(ctx context.Context, q dialect.Query) (lo, hi dialect.Key, ok bool, err error)
	KeyAfter(ctx context.Context, q dialect.Query, skip int) (dialect.Key, bool, error)
}

// DefaultMaxRows is the largest chunk a time target plans unless Config.MaxRows says otherwise.
const DefaultMaxRows = 200_000

// Strategy names how a table is split.
type Strategy string

// The strategies.
const (
	StrategyRange  Strategy = "range"
	StrategyKeyset Strategy = "keyset"
	StrategyWhole  Strategy = "whole-table"
)

// Config says how big chunks are. Zero values mean the defaults.
type Config struct {
	Rows     int           // fixed rows per chunk; 0 sizes chunks by Time
	Time     time.Duration // target time per chunk when Rows is 0; 0 means 500ms
	MinRows  int           // smallest time-sized chunk; 0 means 100
	MaxRows  int           // largest time-sized chunk; 0 means DefaultMaxRows
	Where    string        // the user's row filter, applied when walking keys
	RowsHint int64         // the table's row count (or estimate); 0 if unknown
	// Range restricts the chunks to the keys after Range.Lo and up to Range.Hi (a resumed
	// compare's unfinished stretch): the first chunk starts at Lo, the last ends at Hi. The
	// zero Range is the whole table, open at both ends.
	Range dialect.Range
}

const initialRows = 2000

// Chunk is one key range of a table.
type Chunk struct {
	Seq   int           // 0, 1, 2, ... in key order
	Range dialect.Range // the keys it covers
}

// Chunker hands out chunks in key order. Next is called by one goroutine; Feedback by any.
type Chunker interface {
	Strategy() Strategy
	Next(ctx context.Context) (Chunk, error)
	// Feedback reports that a chunk of rows rows took took to hash, to size later chunks.
	Feedback(rows int64, took time.Duration)
}

// New picks the strategy for t and returns its chunker.
func New(ctx context.Context, kr KeyReader, t *dialect.Table, cfg Config) (Chunker, error) {
	s := newSizer(cfg)
	if t.KeyKind == dialect.KeyNone || len(t.Key) == 0 {
		return &whole{sizer: s, r: cfg.Range}, nil
	}
	if len(t.Key) == 1 && cfg.RowsHint > 0 {
		c := t.Columns[t.Key[0]]
		if c.Class == dialect.ClassInt || c.Class == dialect.ClassUint {
			lo, hi, ok, err := kr.KeyBounds(ctx, dialect.Query{Table: t, Columns: t.Key, Where: cfg.Where, Range: cfg.Range})
			if err != nil {
				return nil, fmt.Errorf("chunker: key bounds of %s: %w", t, err)
			}
			if !ok {
				return &whole{sizer: s, r: cfg.Range}, nil // empty: one chunk catches whatever the other side has
			}
			r, err := newRanges(lo[0], hi[0], cfg.RowsHint, s)
			if err != nil {
				return nil, fmt.Errorf("chunker: %s: %w", t, err)
			}
			if r != nil {
				r.from, r.to = cfg.Range.Lo, cfg.Range.Hi
				return r, nil
			}
		}
	}
	return &keyset{kr: kr, t: t, where: cfg.Where, sizer: s, after: cfg.Range.Lo, to: cfg.Range.Hi}, nil
}

// sizer holds the current chunk size and adapts it to the time target.
type sizer struct {
	mu       sync.Mutex
	rows     int
	fixed    bool
	target   time.Duration
	min, max int
}

func newSizer(cfg Config) *sizer {
	s := &sizer{rows: cfg.Rows, fixed: cfg.Rows > 0, target: cfg.Time, min: cfg.MinRows, max: cfg.MaxRows}
	if s.target <= 0 {
		s.target = 500 * time.Millisecond
	}
	if s.min <= 0 {
		s.min = 100
	}
	if s.max <= 0 {
		s.max = DefaultMaxRows
	}
	if s.max < s.min {
		s.max = s.min
	}
	if !s.fixed {
		s.rows = max(s.min, min(initialRows, s.max))
	}
	return s
}

func (s *sizer) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows
}

// Feedback moves the size halfway toward what would have taken the target time, never more than
// doubling or halving at once, so one slow or fast chunk does not swing it.
func (s *sizer) Feedback(rows int64, took time.Duration) {
	if s.fixed || rows <= 0 {
		return
	}
	took = max(took, time.Millisecond)
	ideal := float64(rows) * float64(s.target) / float64(took)
	s.mu.Lock()
	defer s.mu.Unlock()
	next := (float64(s.rows) + ideal) / 2
	next = min(next, 2*float64(s.rows))
	next = max(next, float64(s.rows)/2)
	s.rows = max(s.min, min(s.max, int(next)))
}

// whole is the single chunk of a table without a usable key (or an empty one).
type whole struct {
	*sizer
	r    dialect.Range
	done bool
}

func (w *whole) Strategy() Strategy { return StrategyWhole }

func (w *whole) Next(context.Context) (Chunk, error) {
	if w.done {
		return Chunk{}, ErrDone
	}
	w.done = true
	return Chunk{Range: w.r}, nil
}

// ranges computes boundaries of a dense integer key.
type ranges struct {
	*sizer
	next, hi *big.Int
	from, to dialect.Key // the ends of the first and last chunks: nil for open
	seq      int
	done     bool
}

// newRanges returns a range chunker, or nil when the keys are too sparse for arithmetic to pay:
// empty ranges would outnumber full ones.
func newRanges(lo, hi []byte, rows int64, s *sizer) (*ranges, error) {
	l, ok1 := new(big.Int).SetString(string(lo), 10)
	h, ok2 := new(big.Int).SetString(string(hi), 10)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("integer key bounds %q, %q", lo, hi)
	}
	span := new(big.Int).Sub(h, l)
	if span.Cmp(big.NewInt(2*rows)) > 0 {
		return nil, nil
	}
	return &ranges{sizer: s, next: l, hi: h}, nil
}

func (r *ranges) Strategy() Strategy { return StrategyRange }

func (r *ranges) Next(context.Context) (Chunk, error) {
	if r.done {
		return Chunk{}, ErrDone
	}
	c := Chunk{Seq: r.seq, Range: dialect.Range{Lo: r.from}}
	r.seq++
	if c.Seq > 0 {
		c.Range.Lo = dialect.Key{[]byte(r.next.String())}
	}
	// Upper bound: the lower bound plus the size (the first chunk covers lo itself too).
	end := new(big.Int).Add(r.next, big.NewInt(int64(r.size())))
	if c.Seq == 0 {
		end.Sub(end, big.NewInt(1))
	}
	if end.Cmp(r.hi) >= 0 {
		r.done = true // the last chunk is open above, or ends where the range does
		c.Range.Hi = r.to
		return c, nil
	}
	c.Range.Hi = dialect.Key{[]byte(end.String())}
	r.next = end
	return c, nil
}

// keyset walks the key index: each boundary is the key `size` rows past the previous one.
type keyset struct {
	*sizer
	kr    KeyReader
	t     *dialect.Table
	where string
	after dialect.Key
	to    dialect.Key // where the last chunk ends: nil for open
	seq   int
	done  bool
}

func (k *keyset) Strategy() Strategy { return StrategyKeyset }

func (k *keyset) Next(ctx context.Context) (Chunk, error) {
	if k.done {
		return Chunk{}, ErrDone
	}
	c := Chunk{Seq: k.seq, Range: dialect.Range{Lo: k.after}}
	k.seq++
	q := dialect.Query{Table: k.t, Columns: k.t.Key, Range: dialect.Range{Lo: k.after, Hi: k.to}, Where: k.where}
	hi, ok, err := k.kr.KeyAfter(ctx, q, k.size())
	if err != nil {
		return Chunk{}, fmt.Errorf("chunker: next boundary of %s after %s: %w", k.t, q.Range, err)
	}
	if !ok {
		k.done = true // the last chunk is open above, or ends where the range does
		c.Range.Hi = k.to
		return c, nil
	}
	c.Range.Hi = hi
	k.after = hi
	return c, nil
}
