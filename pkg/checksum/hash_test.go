package checksum

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
)

// row is shorthand for a row of canonical columns; a nil entry is NULL.
func row(cols ...[]byte) [][]byte { return cols }

func bs(s string) []byte { return []byte(s) }

func TestAppendRowFraming(t *testing.T) {
	for _, tc := range []struct {
		name string
		cols [][]byte
		want []byte
	}{
		{"no columns", row(), nil},
		{"NULL", row(nil), []byte{0}},
		{"empty", row([]byte{}), []byte{1}},
		{"one byte", row(bs("a")), []byte{2, 'a'}},
		{"two columns", row(bs("a"), bs("bc")), []byte{2, 'a', 3, 'b', 'c'}},
		{"NULL between", row(bs("a"), nil, bs("")), []byte{2, 'a', 0, 1}},
		{"127 bytes", row(bytes.Repeat(bs("x"), 126)), append([]byte{127}, bytes.Repeat(bs("x"), 126)...)},
		{"two-byte length", row(bytes.Repeat(bs("x"), 127)), append([]byte{0x80, 0x01}, bytes.Repeat(bs("x"), 127)...)},
	} {
		if got := AppendRow(nil, tc.cols); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: AppendRow = %x, want %x", tc.name, got, tc.want)
		}
		if got := AppendRow(bs("pre"), tc.cols); !bytes.Equal(got, append(bs("pre"), tc.want...)) {
			t.Errorf("%s: AppendRow after a prefix = %x", tc.name, got)
		}
	}
}

// distinctRows are pairwise different rows that naive framings confuse.
var distinctRows = [][][]byte{
	row(),
	row(nil),
	row([]byte{}),
	row(nil, nil),
	row(nil, []byte{}),
	row([]byte{}, nil),
	row([]byte{}, []byte{}),
	row(bs("a"), bs("bc")),
	row(bs("ab"), bs("c")),
	row(bs("abc")),
	row(bs("abc"), nil),
	row(nil, bs("abc")),
	row(bs("abc"), []byte{}),
	row([]byte{0}),
	row([]byte{0}, []byte{0}),
	row([]byte{0, 0}),
	row([]byte{1}),
	row([]byte{1, 'a'}),  // the framing of "a" as a value
	row(bs("a"), bs("")), // frames as 02 61 01
	row([]byte{'a', 1}),  // its payload looks like a frame tail
	row(bs("null")),      // no value stands for NULL
	row(bs("NULL")),
	row(bs("\\N")), // MySQL's NULL in text dumps
	row(bs(" "), bs(" ")),
	row(bs("  ")),
	row(bs("1"), bs("23")), // digits shift between columns
	row(bs("12"), bs("3")),
}

func TestNullDiffersFromEmpty(t *testing.T) {
	h := NewHasher(Layout{})
	ns, nx := h.Row(row(nil))
	es, ex := h.Row(row([]byte{}))
	if ns == es || nx == ex {
		t.Fatalf("NULL and empty string hash alike: %x/%x vs %x/%x", ns, nx, es, ex)
	}
	if Column(nil) == Column([]byte{}) {
		t.Fatal("Column: NULL and empty string hash alike")
	}
	if Column(nil) != Column(nil) || Column(bs("x")) != Column(bs("x")) {
		t.Fatal("Column is not deterministic")
	}
	if Column(bs("a")) == Column(bs("b")) {
		t.Fatal("Column: a and b hash alike")
	}
}

func TestDistinctRowsFrameAndHashDifferently(t *testing.T) {
	frames := map[string]int{}
	texts := map[string]int{}
	for i, r := range distinctRows {
		f := string(AppendRow(nil, r))
		if j, ok := frames[f]; ok {
			t.Errorf("rows %d %q and %d %q frame alike: %x", j, distinctRows[j], i, r, f)
		}
		frames[f] = i
		// Rows of different column counts may share a hash text (a layout is per table); those
		// of one count may not.
		tx := fmt.Sprintf("%d/%s", len(r), Layout{}.AppendHashText(nil, r))
		if j, ok := texts[tx]; ok {
			t.Errorf("rows %d %q and %d %q have the same hash text %q", j, distinctRows[j], i, r, tx)
		}
		texts[tx] = i
	}
	for _, fam := range []Family{MD5, CRCMix, PG64} {
		h := NewHasher(Layout{Family: fam})
		sums := map[uint64]int{}
		xors := map[uint64]int{}
		for i, r := range distinctRows {
			s, x := h.Row(r)
			if j, ok := sums[s]; ok && len(distinctRows[j]) == len(r) {
				t.Errorf("%s: rows %d and %d have the same sum hash", fam, j, i)
			}
			if j, ok := xors[x]; ok && len(distinctRows[j]) == len(r) {
				t.Errorf("%s: rows %d and %d have the same xor hash", fam, j, i)
			}
			sums[s], xors[x] = i, i
			if s == x {
				t.Errorf("%s: row %d: the two hashes are equal", fam, i)
			}
		}
	}
	// ["a","bc"] vs ["ab","c"], spelled out.
	if bytes.Equal(AppendRow(nil, row(bs("a"), bs("bc"))), AppendRow(nil, row(bs("ab"), bs("c")))) {
		t.Fatal(`["a","bc"] and ["ab","c"] frame alike`)
	}
}

func TestHasherRowIsStable(t *testing.T) {
	r := row(bs("42"), nil, bs("hello"), []byte{})
	for _, fam := range []Family{MD5, CRCMix, PG64} {
		l := Layout{Family: fam}
		h1, h2 := NewHasher(l), NewHasher(l)
		s1, x1 := h1.Row(r)
		h1.Row(row(bytes.Repeat(bs("z"), 4096))) // a longer row in between must not leak into the next
		s2, x2 := h1.Row(r)
		s3, x3 := h2.Row(r)
		if s1 != s2 || x1 != x2 || s1 != s3 || x1 != x3 {
			t.Fatalf("%s: same row, different hashes: %x/%x %x/%x %x/%x", fam, s1, x1, s2, x2, s3, x3)
		}
		// The hash text is what is hashed.
		if s, x := fam.Hash(l.AppendHashText(nil, r)); s != s1 || x != x1 {
			t.Fatalf("%s: Row and hashing the hash text differ", fam)
		}
	}
}

// TestHasherGolden pins the digests of a few rows in each family. The families and the hash
// text are part of every fingerprint ever printed, and the databases compute the same in SQL:
// if this test breaks, old reports no longer compare with new ones.
func TestHasherGolden(t *testing.T) {
	rows := [][][]byte{row(), row(nil), row([]byte{}), row(bs("1"), bs("abc"), nil)}
	for fam, want := range goldenFingerprints {
		h := NewHasher(Layout{Family: fam})
		var d Digest
		for _, r := range rows {
			d.Add(h.Row(r))
		}
		if got := d.String(); got != "4 rows, "+want {
			t.Errorf("%s: golden digest = %q, want %q (did a family or the hash text change?)", fam, got, "4 rows, "+want)
		}
	}
}

func TestHashText(t *testing.T) {
	l := Layout{Forms: []Form{
		{Kind: FormPlain}, {Kind: FormText}, {Kind: FormDecimal, Scale: 2}, {Kind: FormDecimal, Scale: -1},
		{Kind: FormTime}, {Kind: FormTime, TrimFrac: true}, {Kind: FormDecimal, Scale: 3}, {Kind: FormTime, TrimFrac: true},
		{Kind: FormHex},
	}}
	got := string(l.AppendHashText(nil, row(bs("-12"), bs("héllo"), bs("1.5"), bs("1.5"),
		bs("2024-01-01 00:00:01.000000"), bs("2024-01-01 00:00:01.120000"), bs("-7"), bs("infinity"), []byte{0xde, 0xad, 0x00})))
	want := "-12,6:héllo1.50,1.5,2024-01-01 00:00:01.000000,2024-01-01 00:00:01.12,-7.000,infinity,dead00,"
	if got != want {
		t.Fatalf("hash text = %q, want %q", got, want)
	}
	nulls := string(l.AppendHashText(nil, make([][]byte, 9)))
	if want := "N,NN,N,N,N,N,N,N,"; nulls != want {
		t.Fatalf("NULLs = %q, want %q", nulls, want)
	}
	if got := string(Layout{Forms: []Form{{Kind: FormTime, TrimFrac: true}}}.AppendHashText(nil, row(bs("12:00:00.000000")))); got != "12:00:00," {
		t.Fatalf("trimmed whole second = %q", got)
	}
}

// goldenFingerprints were computed by this package when the families were introduced.
var goldenFingerprints = map[Family]string{
	MD5:    "bc1bc972fa8e4d357596de5350da4861",
	CRCMix: "f9815aa44787b1e43098be348bb933b9", // issue 13: the CRCs are mixed (was crc32c, linear)
	PG64:   "e5598475356f94a5bcb9f193642caea8",
}

// testRows returns n distinct rows of mixed shapes.
func testRows(n int) [][][]byte {
	rows := make([][][]byte, n)
	for i := range rows {
		var note []byte
		if i%3 != 0 {
			note = fmt.Appendf(nil, "note %d", i*7)
		}
		rows[i] = row(fmt.Appendf(nil, "%d", i), note, fmt.Appendf(nil, "2024-01-%02d 00:00:00.000000", i%28+1), []byte{})
	}
	return rows
}

func digestOf(rows [][][]byte) Digest {
	h := NewHasher(Layout{})
	var d Digest
	for _, r := range rows {
		d.Add(h.Row(r))
	}
	return d
}

func TestDigestOrderIndependent(t *testing.T) {
	rows := testRows(500)
	want := digestOf(rows)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := append([][][]byte(nil), rows...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := digestOf(shuffled); got != want {
			t.Fatalf("shuffled rows: %v, want %v", got, want)
		}
	}
	reversed := make([][][]byte, len(rows))
	for i, r := range rows {
		reversed[len(rows)-1-i] = r
	}
	if got := digestOf(reversed); got != want {
		t.Fatalf("reversed rows: %v, want %v", got, want)
	}
}

func TestDigestMergeLaws(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func() Digest {
		return Digest{Rows: rng.Int64N(1 << 40), Sum: rng.Uint64(), Xor: rng.Uint64()}
	}
	merge := func(a, b Digest) Digest { a.Merge(b); return a }
	for range 1000 {
		a, b, c := rnd(), rnd(), rnd()
		if merge(merge(a, b), c) != merge(a, merge(b, c)) {
			t.Fatalf("Merge is not associative for %v %v %v", a, b, c)
		}
		if merge(a, b) != merge(b, a) {
			t.Fatalf("Merge is not commutative for %v %v", a, b)
		}
		if merge(a, Digest{}) != a || merge(Digest{}, a) != a {
			t.Fatalf("the zero Digest is not the identity for %v", a)
		}
	}
	// Sum wraps mod 2^64.
	d := Digest{Sum: ^uint64(0)}
	d.Add(2, 0)
	if d.Sum != 1 || d.Rows != 1 {
		t.Fatalf("Sum did not wrap: %v", d)
	}
}

func TestDigestChunkingIndependent(t *testing.T) {
	rows := testRows(1000)
	want := digestOf(rows)
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 50 {
		// Cut the rows at random points, digest each chunk on its own, merge the chunk
		// digests in a random order.
		var chunks []Digest
		for lo := 0; lo < len(rows); {
			hi := min(len(rows), lo+rng.IntN(120))
			chunks = append(chunks, digestOf(rows[lo:hi])) // empty chunks too
			lo = hi
		}
		rng.Shuffle(len(chunks), func(i, j int) { chunks[i], chunks[j] = chunks[j], chunks[i] })
		var got Digest
		if trial%2 == 0 {
			for _, c := range chunks {
				got.Merge(c)
			}
		} else {
			got = mergeTree(chunks) // a different association
		}
		if got != want {
			t.Fatalf("trial %d, %d chunks: %v, want %v", trial, len(chunks), got, want)
		}
		if got.Fingerprint() != want.Fingerprint() {
			t.Fatalf("trial %d: fingerprints differ", trial)
		}
	}
}

func mergeTree(ds []Digest) Digest {
	switch len(ds) {
	case 0:
		return Digest{}
	case 1:
		return ds[0]
	}
	l, r := mergeTree(ds[:len(ds)/2]), mergeTree(ds[len(ds)/2:])
	l.Merge(r)
	return l
}

func TestDigestDuplicatesDoNotCancel(t *testing.T) {
	rows := testRows(10)
	base := digestOf(rows)
	dup := digestOf(append(append([][][]byte(nil), rows...), rows[3]))
	if dup.Rows != base.Rows+1 {
		t.Fatalf("Rows with a duplicate = %d, want %d", dup.Rows, base.Rows+1)
	}
	if dup.Sum == base.Sum {
		t.Fatal("a duplicate row left Sum unchanged")
	}
	if dup.Fingerprint() == base.Fingerprint() {
		t.Fatal("a duplicate row left the fingerprint unchanged")
	}
	// A row added twice toggles Xor back, but Sum still moves: this is why the digest has both.
	h := NewHasher(Layout{})
	s, x := h.Row(rows[3])
	var once, twice Digest
	once.Add(s, x)
	twice.Add(s, x)
	twice.Add(s, x)
	if twice.Xor != 0 {
		t.Fatalf("xor of a pair = %x, want 0", twice.Xor)
	}
	if twice.Sum == once.Sum || twice.Sum == 0 || twice.Rows != 2 {
		t.Fatalf("twice = %v, once = %v", twice, once)
	}
	// Swapping one row for another is seen even though Rows stays.
	swapped := append([][][]byte(nil), rows...)
	swapped[3] = row(bs("something else"))
	if d := digestOf(swapped); d.Rows != base.Rows || d.Sum == base.Sum || d.Xor == base.Xor {
		t.Fatalf("swapping a row: %v vs %v", d, base)
	}
	// One NULL becoming an empty string is seen too.
	nulled := append([][][]byte(nil), rows...)
	nulled[1] = append([][]byte(nil), rows[1]...)
	nulled[1][1] = nil
	if rows[1][1] == nil {
		t.Fatal("test rows changed: row 1 should have a non-NULL note")
	}
	if d := digestOf(nulled); d == base {
		t.Fatal("a value becoming NULL left the digest unchanged")
	}
}

func TestHasherRowAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("instrumented builds allocate")
	}
	h := NewHasher(Layout{})
	r := row(bs("1234567"), bs("Alice Example"), nil, bs("2024-02-29 23:59:59.000000"), bs("12.34"), bytes.Repeat(bs("x"), 300))
	h.Row(r) // warm: the buffer grows once
	var sink uint64
	if n := testing.AllocsPerRun(1000, func() {
		s, x := h.Row(r)
		sink += s ^ x
	}); n != 0 {
		t.Fatalf("Hasher.Row allocates %v times per call once warm, want 0", n)
	}
	_ = sink
	// Nor do Digest.Add and Column.
	var d Digest
	if n := testing.AllocsPerRun(1000, func() {
		d.Add(h.Row(r))
		sink += Column(r[1])
	}); n != 0 {
		t.Fatalf("Add/Column allocate %v times per call, want 0", n)
	}
}

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestFingerprint(t *testing.T) {
	for _, d := range []Digest{
		{},
		{Rows: 1, Sum: 1, Xor: 2},
		{Rows: 7, Sum: ^uint64(0), Xor: ^uint64(0)},
		{Rows: 3, Sum: 0xdeadbeef, Xor: 0x0123456789abcdef},
		digestOf(testRows(100)),
	} {
		fp := d.Fingerprint()
		if !fingerprintRE.MatchString(fp) {
			t.Errorf("Fingerprint(%+v) = %q, want 32 lower-case hex digits", d, fp)
		}
		if want := fmt.Sprintf("%016x%016x", d.Sum, d.Xor); fp != want {
			t.Errorf("Fingerprint(%+v) = %q, want sum then xor %q", d, fp, want)
		}
		if s := d.String(); s != fmt.Sprintf("%d rows, %s", d.Rows, fp) {
			t.Errorf("String(%+v) = %q", d, s)
		}
	}
	if (Digest{}).Fingerprint() != "00000000000000000000000000000000" {
		t.Error("the empty digest's fingerprint is not all zeros")
	}
}
