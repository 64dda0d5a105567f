package chunker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// fakeKeys is a KeyReader over an in-memory sorted list of keys, compared as the engines do:
// integer columns by value, others by bytes.
type fakeKeys struct {
	t     *dialect.Table
	keys  []dialect.Key                     // sorted, distinct
	where map[string]func(dialect.Key) bool // the filters the fake understands
	err   error                             // returned by every call when set

	mu                 sync.Mutex
	boundsN, afterN    int
	lastWhere, badCall string
}

func newFake(t *dialect.Table, keys []dialect.Key) *fakeKeys {
	f := &fakeKeys{t: t, keys: keys}
	slices.SortFunc(f.keys, f.cmp)
	return f
}

func (f *fakeKeys) cmp(a, b dialect.Key) int {
	for i, c := range f.t.KeyColumns() {
		var d int
		switch c.Class {
		case dialect.ClassInt, dialect.ClassUint:
			if x, err := strconv.ParseInt(string(a[i]), 10, 64); err == nil {
				if y, err := strconv.ParseInt(string(b[i]), 10, 64); err == nil {
					d = cmpInt(x, y)
					break
				}
			}
			if x, err := strconv.ParseUint(string(a[i]), 10, 64); err == nil {
				if y, err := strconv.ParseUint(string(b[i]), 10, 64); err == nil {
					d = cmpInt(int64(x>>1), int64(y>>1)) // halves fit int64; ties broken by the low bit
					if d == 0 {
						d = cmpInt(int64(x&1), int64(y&1))
					}
					break
				}
			}
			x, ok1 := new(big.Int).SetString(string(a[i]), 10)
			y, ok2 := new(big.Int).SetString(string(b[i]), 10)
			if !ok1 || !ok2 {
				panic(fmt.Sprintf("fake: not integers: %q, %q", a[i], b[i]))
			}
			d = x.Cmp(y)
		default:
			d = bytes.Compare(a[i], b[i])
		}
		if d != 0 {
			return d
		}
	}
	return 0
}

func fmtKey(k dialect.Key) string { return fmt.Sprintf("%q", [][]byte(k)) }

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// in reports whether k lies in r: Lo < k <= Hi.
func (f *fakeKeys) in(k dialect.Key, r dialect.Range) bool {
	return (r.Lo == nil || f.cmp(k, r.Lo) > 0) && (r.Hi == nil || f.cmp(k, r.Hi) <= 0)
}

// selected returns the keys q selects, in order.
func (f *fakeKeys) selected(q dialect.Query) []dialect.Key {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q.Table != f.t {
		f.badCall = fmt.Sprintf("query on table %v, want %v", q.Table, f.t)
	}
	if !slices.Equal(q.Columns, f.t.Key) {
		f.badCall = fmt.Sprintf("query of columns %v, want the key %v", q.Columns, f.t.Key)
	}
	f.lastWhere = q.Where
	var filter func(dialect.Key) bool
	if q.Where != "" {
		if filter = f.where[q.Where]; filter == nil {
			f.badCall = fmt.Sprintf("unknown filter %q", q.Where)
		}
	}
	var out []dialect.Key
	for _, k := range f.keys {
		if f.in(k, q.Range) && (filter == nil || filter(k)) {
			out = append(out, k)
		}
	}
	return out
}

func (f *fakeKeys) KeyBounds(_ context.Context, q dialect.Query) (lo, hi dialect.Key, ok bool, err error) {
	f.mu.Lock()
	f.boundsN++
	f.mu.Unlock()
	if f.err != nil {
		return nil, nil, false, f.err
	}
	ks := f.selected(q)
	if len(ks) == 0 {
		return nil, nil, false, nil
	}
	return dialect.CloneKey(ks[0]), dialect.CloneKey(ks[len(ks)-1]), true, nil
}

func (f *fakeKeys) KeyAfter(_ context.Context, q dialect.Query, skip int) (dialect.Key, bool, error) {
	f.mu.Lock()
	f.afterN++
	f.mu.Unlock()
	if f.err != nil {
		return nil, false, f.err
	}
	if skip < 1 {
		f.mu.Lock()
		f.badCall = fmt.Sprintf("KeyAfter(skip %d)", skip)
		f.mu.Unlock()
		return nil, false, errors.New("skip < 1")
	}
	ks := f.selected(q)
	if len(ks) < skip {
		return nil, false, nil
	}
	return dialect.CloneKey(ks[skip-1]), true, nil
}

// table returns a table keyed on columns of the given classes (none: no key).
func table(classes ...dialect.Class) *dialect.Table {
	t := &dialect.Table{Schema: "s", Name: "t", KeyKind: dialect.KeyNone}
	for i, c := range classes {
		t.Columns = append(t.Columns, dialect.Column{Name: fmt.Sprintf("k%d", i), Class: c})
		t.Key = append(t.Key, i)
	}
	t.Columns = append(t.Columns, dialect.Column{Name: "v", Class: dialect.ClassString})
	if len(classes) > 0 {
		t.KeyKind = dialect.KeyPrimary
	}
	return t
}

func intKeys(vals ...int64) []dialect.Key {
	ks := make([]dialect.Key, len(vals))
	for i, v := range vals {
		ks[i] = dialect.Key{[]byte(strconv.FormatInt(v, 10))}
	}
	return ks
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func strKeys(vals ...string) []dialect.Key {
	ks := make([]dialect.Key, len(vals))
	for i, v := range vals {
		ks[i] = dialect.Key{[]byte(v)}
	}
	return ks
}

// drain reads every chunk, failing the test past max.
func drain(t *testing.T, c Chunker, max int) []Chunk {
	t.Helper()
	var out []Chunk
	for {
		ch, err := c.Next(t.Context())
		if errors.Is(err, ErrDone) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, ch)
		if len(out) > max {
			t.Fatalf("more than %d chunks: %v ...", max, out[:5])
		}
	}
	for range 2 {
		if _, err := c.Next(t.Context()); !errors.Is(err, ErrDone) {
			t.Fatalf("Next after ErrDone: %v", err)
		}
	}
	return out
}

func fmtChunks(cs []Chunk) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Range.String()
	}
	return strings.Join(parts, " ")
}

// checkCover checks chunks are in order, open at both ends, share their boundaries, and hold
// every key of f exactly once (and, if rows > 0, at most rows keys each).
func checkCover(t *testing.T, f *fakeKeys, cs []Chunk, rows int) {
	t.Helper()
	if len(cs) == 0 {
		t.Fatal("no chunks")
	}
	if cs[0].Range.Lo != nil || cs[len(cs)-1].Range.Hi != nil {
		t.Errorf("chunks %s are not open at both ends", fmtChunks(cs))
	}
	for i, c := range cs {
		if c.Seq != i {
			t.Errorf("chunk %d has Seq %d", i, c.Seq)
		}
		if i > 0 && !slices.EqualFunc(c.Range.Lo, cs[i-1].Range.Hi, bytes.Equal) {
			t.Errorf("chunk %d starts at %s, chunk %d ends at %s", i, c.Range, i-1, cs[i-1].Range)
		}
		if i > 0 && c.Range.Lo == nil || i < len(cs)-1 && c.Range.Hi == nil {
			t.Errorf("chunk %d of %d %s is open inside the key space", i, len(cs), c.Range)
		}
		if c.Range.Lo != nil && c.Range.Hi != nil && f.cmp(c.Range.Lo, c.Range.Hi) >= 0 {
			t.Errorf("chunk %d %s is empty by its bounds", i, c.Range)
		}
	}
	// Each key is in the first chunk whose upper bound is not below it, and in no other: not in
	// its neighbours, and (the chunks being in order) so in none further away.
	for _, k := range f.keys {
		i, _ := slices.BinarySearchFunc(cs, k, func(c Chunk, k dialect.Key) int {
			if c.Range.Hi == nil {
				return 1
			}
			return f.cmp(c.Range.Hi, k)
		})
		if i == len(cs) || !f.in(k, cs[i].Range) || i > 0 && f.in(k, cs[i-1].Range) || i+1 < len(cs) && f.in(k, cs[i+1].Range) {
			t.Fatalf("key %s is not in exactly one chunk of %s", fmtKey(k), fmtChunks(cs))
		}
	}
	if rows > 0 {
		// past is the index of the first key above b: keys[:past(b)] are those <= b.
		past := func(b dialect.Key) int {
			return sort.Search(len(f.keys), func(i int) bool { return f.cmp(f.keys[i], b) > 0 })
		}
		for _, c := range cs {
			lo, hi := 0, len(f.keys)
			if c.Range.Lo != nil {
				lo = past(c.Range.Lo)
			}
			if c.Range.Hi != nil {
				hi = past(c.Range.Hi)
			}
			if n := hi - lo; n > rows {
				t.Errorf("chunk %s holds %d keys, more than %d", c.Range, n, rows)
			}
		}
	}
	if f.badCall != "" {
		t.Errorf("bad call to the KeyReader: %s", f.badCall)
	}
}

func TestStrategy(t *testing.T) {
	many := intKeys(seq(1, 1000)...)
	sparse := intKeys(1, 10, 100, 1000, 10_000, 100_000)
	tests := []struct {
		name   string
		t      *dialect.Table
		keys   []dialect.Key
		hint   int64
		want   Strategy
		bounds bool // whether New asks for the key bounds
	}{
		{"no key", table(), nil, 1000, StrategyWhole, false},
		{"unique index without columns", &dialect.Table{Name: "t", KeyKind: dialect.KeyUnique}, nil, 1000, StrategyWhole, false},
		{"dense int", table(dialect.ClassInt), many, 1000, StrategyRange, true},
		{"dense int, stale low hint", table(dialect.ClassInt), many, 500, StrategyRange, true},
		{"dense uint", table(dialect.ClassUint), many, 1000, StrategyRange, true},
		{"int without a row count", table(dialect.ClassInt), many, 0, StrategyKeyset, false},
		{"sparse int", table(dialect.ClassInt), sparse, int64(len(sparse)), StrategyKeyset, true},
		{"half-empty int span", table(dialect.ClassInt), many, 499, StrategyKeyset, true},
		{"empty int", table(dialect.ClassInt), nil, 1000, StrategyWhole, true},
		{"composite", table(dialect.ClassInt, dialect.ClassInt), nil, 1000, StrategyKeyset, false},
		{"text", table(dialect.ClassString), strKeys("a", "b"), 2, StrategyKeyset, false},
		{"uuid", table(dialect.ClassUUID), nil, 1000, StrategyKeyset, false},
		{"decimal", table(dialect.ClassDecimal), nil, 1000, StrategyKeyset, false},
		{"bytes", table(dialect.ClassBytes), nil, 1000, StrategyKeyset, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(tt.t, tt.keys)
			c, err := New(t.Context(), f, tt.t, Config{RowsHint: tt.hint})
			if err != nil {
				t.Fatal(err)
			}
			if c.Strategy() != tt.want {
				t.Errorf("strategy %s, want %s", c.Strategy(), tt.want)
			}
			if got := f.boundsN > 0; got != tt.bounds {
				t.Errorf("asked for key bounds: %v, want %v", got, tt.bounds)
			}
			if f.afterN != 0 {
				t.Errorf("New walked the index (%d seeks)", f.afterN)
			}
			if len(tt.t.Key) > 0 {
				checkCover(t, f, drain(t, c, 10_000), 0)
			} else if cs := drain(t, c, 1); len(cs) != 1 || cs[0].Range.Lo != nil || cs[0].Range.Hi != nil {
				t.Errorf("whole-table chunks %s", fmtChunks(cs))
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	type keyset struct {
		name string
		t    *dialect.Table
		keys []dialect.Key
	}
	var comp []dialect.Key
	for a := int64(-3); a <= 3; a++ {
		for _, b := range []string{"", "a", "b", "ba", "\xff"} {
			comp = append(comp, dialect.Key{[]byte(strconv.FormatInt(a, 10)), []byte(b)})
		}
	}
	var gappy []int64
	for i := int64(0); i < 300; i++ {
		if i%7 != 3 && i%11 != 5 {
			gappy = append(gappy, i-150)
		}
	}
	sets := []keyset{
		{"dense int", table(dialect.ClassInt), intKeys(seq(1, 100)...)},
		{"dense negative int", table(dialect.ClassInt), intKeys(seq(-250, -1)...)},
		{"int with gaps", table(dialect.ClassInt), intKeys(gappy...)},
		{"one int", table(dialect.ClassInt), intKeys(42)},
		{"two ints", table(dialect.ClassInt), intKeys(-1, 1)},
		{"sparse int", table(dialect.ClassInt), intKeys(-1_000_000, -5, 0, 1, 2, 3, 1_000_000, math.MaxInt64)},
		{"text", table(dialect.ClassString), strKeys("", "A", "B", "a", "aa", "ab", "b", "é", "\xff")},
		{"composite", table(dialect.ClassInt, dialect.ClassString), comp},
		{"empty", table(dialect.ClassInt), nil},
	}
	for _, s := range sets {
		for _, rows := range []int{1, 2, 3, 7, 64, 1000} {
			for _, hint := range []int64{0, int64(len(s.keys))} {
				t.Run(fmt.Sprintf("%s/rows=%d/hint=%d", s.name, rows, hint), func(t *testing.T) {
					f := newFake(s.t, s.keys)
					c, err := New(t.Context(), f, s.t, Config{Rows: rows, RowsHint: hint})
					if err != nil {
						t.Fatal(err)
					}
					cs := drain(t, c, 2*len(s.keys)+2)
					checkCover(t, f, cs, rows)
					if c.Strategy() == StrategyKeyset {
						// Keyset chunks hold exactly rows keys, but the last.
						for _, ch := range cs[:len(cs)-1] {
							if n := len(f.selected(dialect.Query{Table: s.t, Columns: s.t.Key, Range: ch.Range})); n != rows {
								t.Errorf("keyset chunk %s holds %d keys, want %d", ch.Range, n, rows)
							}
						}
						if want := len(s.keys)/rows + 1; len(cs) != want {
							t.Errorf("%d keyset chunks, want %d", len(cs), want)
						}
					}
					if c.Strategy() == StrategyRange {
						if f.afterN != 0 {
							t.Errorf("range chunks made %d seeks", f.afterN)
						}
						// Dense arithmetic ranges are rows wide, the first counting its low key.
						for _, ch := range cs[1:max(1, len(cs)-1)] {
							lo, _ := new(big.Int).SetString(string(ch.Range.Lo[0]), 10)
							hi, _ := new(big.Int).SetString(string(ch.Range.Hi[0]), 10)
							if w := new(big.Int).Sub(hi, lo); w.Cmp(big.NewInt(int64(rows))) != 0 {
								t.Errorf("range chunk %s is %s wide, want %d", ch.Range, w, rows)
							}
						}
					}
				})
			}
		}
	}
}

func TestWhere(t *testing.T) {
	tb := table(dialect.ClassInt)
	f := newFake(tb, intKeys(seq(1, 100)...))
	f.where = map[string]func(dialect.Key) bool{
		"v > 50": func(k dialect.Key) bool { n, _ := strconv.Atoi(string(k[0])); return n > 50 },
	}
	for _, hint := range []int64{0, 50} {
		f.boundsN, f.afterN = 0, 0
		c, err := New(t.Context(), f, tb, Config{Rows: 10, Where: "v > 50", RowsHint: hint})
		if err != nil {
			t.Fatal(err)
		}
		cs := drain(t, c, 20)
		if f.lastWhere != "v > 50" || f.boundsN+f.afterN == 0 {
			t.Errorf("hint %d: the filter did not reach the KeyReader (last %q)", hint, f.lastWhere)
		}
		checkCover(t, f, cs, 0)
		for _, ch := range cs {
			if n := len(f.selected(dialect.Query{Table: tb, Columns: tb.Key, Range: ch.Range, Where: "v > 50"})); n > 10 {
				t.Errorf("hint %d: chunk %s holds %d filtered keys, more than 10", hint, ch.Range, n)
			}
		}
		// The filtered keys (51..100) are planned over, not the whole table's: 5 chunks of 10,
		// and the keyset walk's empty last chunk, open above.
		want := 5
		if c.Strategy() == StrategyKeyset {
			want = 6
		}
		if len(cs) != want {
			t.Errorf("hint %d (%s): %d chunks %s, want %d", hint, c.Strategy(), len(cs), fmtChunks(cs), want)
		}
	}
}

func TestErrors(t *testing.T) {
	boom := errors.New("boom")
	tb := table(dialect.ClassInt)
	f := newFake(tb, intKeys(1, 2, 3))
	f.err = boom
	if _, err := New(t.Context(), f, tb, Config{RowsHint: 3}); !errors.Is(err, boom) || !strings.Contains(err.Error(), "s.t") {
		t.Errorf("New with failing KeyBounds: %v", err)
	}
	c, err := New(t.Context(), f, tb, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(t.Context()); !errors.Is(err, boom) || !strings.Contains(err.Error(), "s.t") || errors.Is(err, ErrDone) {
		t.Errorf("Next with failing KeyAfter: %v", err)
	}

	// Integer bounds that are not integers are an error, not a panic.
	if _, err := New(t.Context(), badBounds{}, tb, Config{RowsHint: 10}); err == nil || !strings.Contains(err.Error(), "s.t") {
		t.Errorf("New with non-integer bounds: %v", err)
	}
}

type badBounds struct{}

func (badBounds) KeyBounds(context.Context, dialect.Query) (lo, hi dialect.Key, ok bool, err error) {
	return dialect.Key{[]byte("1.5")}, dialect.Key{[]byte("x")}, true, nil
}

func (badBounds) KeyAfter(context.Context, dialect.Query, int) (dialect.Key, bool, error) {
	return nil, false, errors.New("not called")
}

func TestBigKeys(t *testing.T) {
	const maxU = uint64(math.MaxUint64)
	var uvals []dialect.Key
	for v := maxU - 999; ; v++ {
		uvals = append(uvals, dialect.Key{[]byte(strconv.FormatUint(v, 10))})
		if v == maxU {
			break
		}
	}
	tests := []struct {
		name  string
		class dialect.Class
		keys  []dialect.Key
	}{
		{"uint64 top", dialect.ClassUint, uvals},
		{"int64 bottom", dialect.ClassInt, intKeys(seq(math.MinInt64, math.MinInt64+999)...)},
		{"int64 top", dialect.ClassInt, intKeys(seq(math.MaxInt64-999, math.MaxInt64-1)...)},
		{"around zero", dialect.ClassInt, intKeys(seq(-500, 499)...)},
	}
	// seq's loop cannot reach MaxInt64 without overflowing.
	tests[2].keys = append(tests[2].keys, intKeys(math.MaxInt64)...)
	for _, tt := range tests {
		for _, rows := range []int{1, 100, 333, 999, 1000, 5000} {
			tb := table(tt.class)
			f := newFake(tb, tt.keys)
			c, err := New(t.Context(), f, tb, Config{Rows: rows, RowsHint: int64(len(tt.keys))})
			if err != nil {
				t.Fatal(err)
			}
			if c.Strategy() != StrategyRange {
				t.Fatalf("%s: strategy %s", tt.name, c.Strategy())
			}
			cs := drain(t, c, 1001)
			checkCover(t, f, cs, rows)
			if want := (len(tt.keys) + rows - 1) / rows; len(cs) != want {
				t.Errorf("%s rows=%d: %d chunks, want %d", tt.name, rows, len(cs), want)
			}
			for _, ch := range cs {
				for _, b := range []dialect.Key{ch.Range.Lo, ch.Range.Hi} {
					if b == nil {
						continue
					}
					// Every boundary is a key of the table's own type.
					if tt.class == dialect.ClassUint {
						if _, err := strconv.ParseUint(string(b[0]), 10, 64); err != nil {
							t.Errorf("%s: boundary %s: %v", tt.name, b[0], err)
						}
					} else if _, err := strconv.ParseInt(string(b[0]), 10, 64); err != nil {
						t.Errorf("%s: boundary %s: %v", tt.name, b[0], err)
					}
				}
			}
		}
	}
}

func TestSizerDefaults(t *testing.T) {
	tests := []struct {
		cfg            Config
		rows, min, max int
		target         time.Duration
		fixed          bool
	}{
		{Config{}, initialRows, 100, 200_000, 500 * time.Millisecond, false},
		{Config{Time: time.Second, MinRows: 10, MaxRows: 500}, 500, 10, 500, time.Second, false},
		{Config{MinRows: 5000}, 5000, 5000, 200_000, 500 * time.Millisecond, false},
		{Config{MinRows: 300, MaxRows: 200}, 300, 300, 300, 500 * time.Millisecond, false},
		{Config{Rows: 7}, 7, 100, 200_000, 500 * time.Millisecond, true},
		{Config{Rows: 1_000_000, MaxRows: 10}, 1_000_000, 100, 100, 500 * time.Millisecond, true},
		{Config{Time: -time.Second, MinRows: -1, MaxRows: -1, Rows: -1}, initialRows, 100, 200_000, 500 * time.Millisecond, false},
	}
	for _, tt := range tests {
		s := newSizer(tt.cfg)
		if s.size() != tt.rows || s.min != tt.min || s.max != tt.max || s.target != tt.target || s.fixed != tt.fixed {
			t.Errorf("newSizer(%+v) = rows %d min %d max %d target %v fixed %v; want %d %d %d %v %v",
				tt.cfg, s.size(), s.min, s.max, s.target, s.fixed, tt.rows, tt.min, tt.max, tt.target, tt.fixed)
		}
	}
}

func TestFeedback(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		start int
		rows  int64
		took  time.Duration
		want  int
	}{
		{"on target", 2000, 2000, 100 * ms, 2000},
		{"twice as fast: halfway to double", 2000, 2000, 50 * ms, 3000},
		{"far too fast: at most double", 2000, 2000, ms, 4000},
		{"no time at all: at most double", 2000, 2000, 0, 4000},
		{"twice as slow: halfway to half", 2000, 2000, 200 * ms, 1500},
		{"far too slow: at most half", 2000, 2000, time.Hour, 1000},
		{"small chunk, on target rate", 2000, 20, ms, 2000},
		{"capped by MaxRows", 8000, 8000, ms, 10_000},
		{"floored by MinRows", 150, 150, time.Hour, 100},
		{"no rows: ignored", 2000, 0, time.Hour, 2000},
		{"negative rows: ignored", 2000, -5, time.Hour, 2000},
	}
	for _, tt := range tests {
		s := newSizer(Config{Time: 100 * ms, MinRows: 100, MaxRows: 10_000})
		s.rows = tt.start
		s.Feedback(tt.rows, tt.took)
		if got := s.size(); got != tt.want {
			t.Errorf("%s: from %d, Feedback(%d, %v) -> %d, want %d", tt.name, tt.start, tt.rows, tt.took, got, tt.want)
		}
	}

	// Fixed sizes ignore feedback.
	s := newSizer(Config{Rows: 50, Time: 100 * ms})
	s.Feedback(50, time.Hour)
	s.Feedback(50, 0)
	if s.size() != 50 {
		t.Errorf("fixed size moved to %d", s.size())
	}
}

// TestFeedbackConverges drives the size with a simulated database that hashes a row in 20µs:
// chunks approach the 100ms target (5,000 rows) without ever more than doubling or halving.
func TestFeedbackConverges(t *testing.T) {
	for _, start := range []int{100, 2000, 200_000} {
		s := newSizer(Config{Time: 100 * time.Millisecond, MinRows: 100, MaxRows: 200_000})
		s.rows = start
		prev := start
		for range 30 {
			n := s.size()
			s.Feedback(int64(n), time.Duration(n)*20*time.Microsecond)
			next := s.size()
			if next > 2*prev || 2*next < prev {
				t.Fatalf("from %d: size jumped %d -> %d", start, prev, next)
			}
			prev = next
		}
		if prev < 4900 || prev > 5100 {
			t.Errorf("from %d: size settled at %d, want about 5000", start, prev)
		}
	}
}

// TestFeedbackThroughChunks checks range chunks follow the size feedback sets, and that
// Feedback from many goroutines while Next runs is safe (run with -race).
func TestFeedbackThroughChunks(t *testing.T) {
	tb := table(dialect.ClassInt)
	f := newFake(tb, intKeys(seq(1, 100_000)...))
	c, err := New(t.Context(), f, tb, Config{Time: 100 * time.Millisecond, MinRows: 100, MaxRows: 10_000, RowsHint: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	width := func(ch Chunk) int64 {
		hi, _ := strconv.ParseInt(string(ch.Range.Hi[0]), 10, 64)
		if ch.Range.Lo == nil {
			return hi // the first chunk starts at key 1
		}
		lo, _ := strconv.ParseInt(string(ch.Range.Lo[0]), 10, 64)
		return hi - lo
	}
	first, err := c.Next(t.Context())
	if err != nil || width(first) != initialRows {
		t.Fatalf("first chunk %s, %v; want %d keys", first.Range, err, initialRows)
	}
	c.Feedback(2000, 50*time.Millisecond) // twice as fast as the target: 3,000 next
	second, err := c.Next(t.Context())
	if err != nil || width(second) != 3000 {
		t.Fatalf("second chunk %s, %v; want 3000 keys", second.Range, err)
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					c.Feedback(int64(1000*(i+1)), time.Duration(i+1)*10*time.Millisecond)
				}
			}
		})
	}
	cs := append([]Chunk{first, second}, drain(t, c, 1000)...)
	close(stop)
	wg.Wait()
	checkCover(t, f, cs, 10_000)
}

// FuzzRangeCoverage checks arithmetic ranges over any dense span of int64 or uint64 keys cover
// it exactly: open ends, shared boundaries, each chunk rows wide (the first counting its low key).
func FuzzRangeCoverage(f *testing.F) {
	f.Add(uint64(0), uint32(0), uint16(1), true)
	f.Add(uint64(1), uint32(99), uint16(10), true)
	f.Add(uint64(1<<63), uint32(1000), uint16(7), true)              // from MinInt64
	f.Add(uint64(1<<63-1), uint32(5), uint16(2), true)               // MaxInt64: the span is cut short
	f.Add(uint64(math.MaxUint64-500), uint32(500), uint16(3), false) // to MaxUint64
	f.Add(uint64(math.MaxUint64-100_000), uint32(99_999), uint16(65535), false)
	f.Fuzz(func(t *testing.T, lo uint64, span uint32, size uint16, signed bool) {
		if size == 0 {
			size = 1
		}
		l, h := new(big.Int), new(big.Int)
		class := dialect.ClassUint
		limit := new(big.Int).SetUint64(math.MaxUint64)
		if signed {
			class = dialect.ClassInt
			l.SetInt64(int64(lo))
			limit.SetInt64(math.MaxInt64)
		} else {
			l.SetUint64(lo)
		}
		h.Add(l, big.NewInt(int64(span)))
		if h.Cmp(limit) > 0 {
			h.Set(limit)
		}
		keys := new(big.Int).Sub(h, l)
		keys.Add(keys, big.NewInt(1))
		if new(big.Int).Div(keys, big.NewInt(int64(size))).Int64() > 20_000 {
			t.Skip("too many chunks for a fuzz iteration")
		}
		tb := table(class)
		kr := spanKeys{lo: dialect.Key{[]byte(l.String())}, hi: dialect.Key{[]byte(h.String())}}
		c, err := New(t.Context(), kr, tb, Config{Rows: int(size), RowsHint: keys.Int64()})
		if err != nil {
			t.Fatal(err)
		}
		if c.Strategy() != StrategyRange {
			t.Fatalf("strategy %s", c.Strategy())
		}
		var prevHi *big.Int
		n := 0
		for {
			ch, err := c.Next(t.Context())
			if errors.Is(err, ErrDone) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch.Seq != n {
				t.Fatalf("chunk %d has Seq %d", n, ch.Seq)
			}
			n++
			// Lo: nil first, else the previous Hi.
			if prevHi == nil {
				if ch.Range.Lo != nil {
					t.Fatalf("first chunk %s is not open below", ch.Range)
				}
			} else if ch.Range.Lo == nil || string(ch.Range.Lo[0]) != prevHi.String() {
				t.Fatalf("chunk %s does not start where the previous ended (%s)", ch.Range, prevHi)
			}
			if ch.Range.Hi == nil {
				// The last chunk: it must hold at most size keys of the span, and at least one.
				from := l
				if prevHi != nil {
					from = new(big.Int).Add(prevHi, big.NewInt(1))
				}
				left := new(big.Int).Sub(h, from)
				left.Add(left, big.NewInt(1))
				if left.Sign() <= 0 || left.Cmp(big.NewInt(int64(size))) > 0 {
					t.Fatalf("last chunk %s holds %s keys of [%s, %s], want 1..%d", ch.Range, left, l, h, size)
				}
				continue
			}
			hi, ok := new(big.Int).SetString(string(ch.Range.Hi[0]), 10)
			if !ok || hi.Cmp(l) < 0 || hi.Cmp(h) >= 0 {
				t.Fatalf("chunk %s ends outside [%s, %s)", ch.Range, l, h)
			}
			from := l
			if prevHi != nil {
				from = new(big.Int).Add(prevHi, big.NewInt(1))
			}
			if w := new(big.Int).Sub(hi, from); w.Int64() != int64(size)-1 {
				t.Fatalf("chunk %s holds %d keys, want %d", ch.Range, w.Int64()+1, size)
			}
			prevHi = hi
		}
		if n == 0 {
			t.Fatal("no chunks")
		}
	})
}

// spanKeys is a KeyReader that knows only a span's bounds: range chunks must not seek.
type spanKeys struct{ lo, hi dialect.Key }

func (s spanKeys) KeyBounds(context.Context, dialect.Query) (lo, hi dialect.Key, ok bool, err error) {
	return s.lo, s.hi, true, nil
}

func (s spanKeys) KeyAfter(context.Context, dialect.Query, int) (dialect.Key, bool, error) {
	return nil, false, errors.New("range chunks must not seek")
}
