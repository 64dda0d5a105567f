package checksum

import (
	"bytes"
	"hash/crc32"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// The row-hash property tests (issue 13): equal edits on several rows of a chunk, values swapped
// between rows, bit flips at equal offsets, duplicates traded for other rows and random edits
// must change a chunk's digest in every family. A CRC is affine over GF(2): a row edited by e
// changes its CRC by a value that depends on e alone, so the same edit on two rows cancels in
// an xor of CRCs, and a sum of CRCs only catches it through its carries.

// linearCRC is the row hash this package used before issue 13: CRC32 summed, CRC32C xored,
// unmixed. The tests run it too, to show they catch what it misses.
func linearCRC(text []byte) (uint64, uint64) {
	return uint64(crc32.ChecksumIEEE(text)), uint64(crc32.Checksum(text, castagnoli))
}

// hashFunc is a family's row hash of a hash text.
type hashFunc func([]byte) (uint64, uint64)

// propertyFamilies are the families under test, with how many trials each class gets: MD5 and
// PG64 cost several times CRCMix in Go.
var propertyFamilies = []struct {
	name   string
	hash   hashFunc
	trials int
}{
	{"crcmix", CRCMix.Hash, 1 << 19},
	{"md5", MD5.Hash, 1 << 16},
	{"pg64", PG64.Hash, 1 << 16},
}

// randomText returns a hash text of n random bytes of a row-like alphabet.
func randomText(r *rand.Rand, n int) []byte {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,:-. "
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// digestOfTexts folds hash texts into a digest under h.
func digestOfTexts(h hashFunc, texts [][]byte) Digest {
	var d Digest
	for _, t := range texts {
		d.Add(h(t))
	}
	return d
}

// editClass makes one trial: rows before and after an edit that changes at least one of them.
type editClass struct {
	name string
	rows int // rows in the chunk
	edit func(r *rand.Rand, rows [][]byte) [][]byte
}

func cloneTexts(rows [][]byte) [][]byte {
	out := make([][]byte, len(rows))
	for i, t := range rows {
		out[i] = bytes.Clone(t)
	}
	return out
}

// sameEditFromEnd xors the same nonzero byte into each of k rows at the same distance from the
// end: the edit that cancels in an xor of CRCs (a bulk UPDATE of one status on many rows).
func sameEditFromEnd(k int) func(*rand.Rand, [][]byte) [][]byte {
	return func(r *rand.Rand, rows [][]byte) [][]byte {
		out := cloneTexts(rows)
		back, mask := 1+r.IntN(16), byte(1+r.IntN(255))
		for _, t := range out[:k] {
			t[len(t)-back] ^= mask
		}
		return out
	}
}

var editClasses = []editClass{
	{"same byte edit on 2 rows", 2, sameEditFromEnd(2)},
	{"same byte edit on 4 rows", 4, sameEditFromEnd(4)},
	{"one random bit flipped at the same offset in 2 rows", 2, func(r *rand.Rand, rows [][]byte) [][]byte {
		out := cloneTexts(rows)
		off, bit := r.IntN(min(len(out[0]), len(out[1]))), byte(1)<<r.IntN(8)
		out[0][off] ^= bit
		out[1][off] ^= bit
		return out
	}},
	{"values swapped between 2 rows", 2, func(r *rand.Rand, rows [][]byte) [][]byte {
		// Rows are key then value; the values trade places (equal lengths, keys kept).
		out := cloneTexts(rows)
		n := 8 + r.IntN(16) // rows hold at least 24 bytes
		a, b := out[0][len(out[0])-n:], out[1][len(out[1])-n:]
		if bytes.Equal(a, b) {
			a[0] ^= 1
		}
		tmp := bytes.Clone(a)
		copy(a, b)
		copy(b, tmp)
		return out
	}},
	{"a row duplicated in place of two others", 3, func(r *rand.Rand, rows [][]byte) [][]byte {
		// {x, y, z} becomes {x, x, x'}: the count stays, the xor of x's pair cancels.
		out := cloneTexts(rows)
		out[1] = bytes.Clone(out[0])
		out[2] = bytes.Clone(out[0])
		out[2][r.IntN(len(out[2]))] ^= byte(1 + r.IntN(255))
		return out
	}},
	{"one random edit", 1, func(r *rand.Rand, rows [][]byte) [][]byte {
		out := cloneTexts(rows)
		for range 1 + r.IntN(4) {
			out[0][r.IntN(len(out[0]))] = byte(r.IntN(256))
		}
		if bytes.Equal(out[0], rows[0]) {
			out[0][0] ^= 0x80
		}
		return out
	}},
}

// TestRowHashNoCancellation runs every edit class against every family and finds no edit whose
// chunk digest stays the same; it also shows that the linear CRCs of old miss equal edits.
func TestRowHashNoCancellation(t *testing.T) {
	scale := 1
	if testing.Short() || raceEnabled {
		scale = 8
	}
	for _, fam := range propertyFamilies {
		for _, c := range editClasses {
			r := rand.New(rand.NewPCG(uint64(len(c.name)), 13))
			trials := fam.trials / scale / c.rows
			for i := range trials {
				rows := make([][]byte, c.rows)
				for j := range rows {
					rows[j] = randomText(r, 24+r.IntN(100))
				}
				after := c.edit(r, rows)
				if digestOfTexts(fam.hash, rows) == digestOfTexts(fam.hash, after) {
					t.Fatalf("%s, %s: trial %d of %d: the digest did not change\nbefore %q\nafter  %q", fam.name, c.name, i, trials, rows, after)
				}
			}
		}
	}
	// A thousand rows of one chunk given the same edit (a bulk UPDATE): fewer trials, each
	// hashes 2,000 rows.
	for _, fam := range propertyFamilies {
		r := rand.New(rand.NewPCG(1000, 13))
		rows := make([][]byte, 1000)
		for j := range rows {
			rows[j] = randomText(r, 40+r.IntN(40))
		}
		edit := sameEditFromEnd(1000)
		for i := range fam.trials / 1000 / scale {
			if after := edit(r, rows); digestOfTexts(fam.hash, rows) == digestOfTexts(fam.hash, after) {
				t.Fatalf("%s: same edit on 1,000 rows: trial %d: the digest did not change", fam.name, i)
			}
		}
	}

	// The linear CRCs: an equal edit on an even number of rows always cancels in their xor, and
	// the sum misses it often enough to be seen in these trials.
	r := rand.New(rand.NewPCG(2, 13))
	xorSame, missed := 0, 0
	const trials = 1 << 16
	for range trials {
		rows := [][]byte{randomText(r, 40), randomText(r, 40)}
		after := sameEditFromEnd(2)(r, rows)
		b, a := digestOfTexts(linearCRC, rows), digestOfTexts(linearCRC, after)
		if b.Xor == a.Xor {
			xorSame++
		}
		if b == a {
			missed++
		}
	}
	if xorSame != trials || missed == 0 {
		t.Errorf("linear CRCs: xor unchanged in %d of %d trials (want all), digest unchanged in %d (want some): the test would not catch them", xorSame, trials, missed)
	}
	t.Logf("linear CRCs (before issue 13): equal edits on 2 rows missed in %d of %d trials", missed, trials)
}

// TestMixDifferentials measures the blind spots of the sum and the xor directly: two rows whose
// CRC pairs change by the same difference d (an equal edit) change each hash in a way that must
// not cancel across the rows more often than chance allows. Each 16-bit window of the two
// hashes is counted apart (chance: 2^-16 of the samples), since a product's bits are not all
// alike. The linear sum of CRC32s of old cancels half the time for a one-bit d.
func TestMixDifferentials(t *testing.T) {
	samples := 1 << 22
	if testing.Short() || raceEnabled {
		samples = 1 << 19
	}
	expect := float64(samples) / (1 << 16)
	bound := 1.5*expect + 6*math.Sqrt(expect)
	r := rand.New(rand.NewPCG(3, 13))
	oneBit := func() uint32 { return 1 << r.IntN(32) }
	none := func() uint32 { return 0 }
	classes := []struct {
		name   string
		da, db func() uint32
	}{
		{"one bit of a", oneBit, none},
		{"one bit of b", none, oneBit},
		{"one bit of each", oneBit, oneBit},
		{"low bit of a", func() uint32 { return 1 }, none},
		{"high bit of b", none, func() uint32 { return 1 << 31 }},
		{"random", r.Uint32, r.Uint32},
	}
	for _, c := range classes {
		var sumZeros, xorZeros [4]int
		linearZeros := 0
		for range samples {
			da, db := c.da(), c.db()
			a1, b1, a2, b2 := r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32()
			s1, x1 := Mix(a1^da, b1^db)
			s0, x0 := Mix(a1, b1)
			s3, x3 := Mix(a2^da, b2^db)
			s2, x2 := Mix(a2, b2)
			ds, dx := s1-s0+s3-s2, x1^x0^x3^x2
			for w := range 4 {
				if ds>>(16*w)&0xffff == 0 {
					sumZeros[w]++
				}
				if dx>>(16*w)&0xffff == 0 {
					xorZeros[w]++
				}
			}
			if (uint64(a1^da)-uint64(a1)+uint64(a2^da)-uint64(a2))&0xffff == 0 {
				linearZeros++
			}
		}
		for w := range 4 {
			// The xor's top window is q's high half, which products fill unevenly (about 3x
			// chance there); the sum covers it.
			if float64(sumZeros[w]) > bound || w < 3 && float64(xorZeros[w]) > bound {
				t.Errorf("%s: window %d cancelled %d (sum) and %d (xor) times in %d samples; chance is %.0f", c.name, w, sumZeros[w], xorZeros[w], samples, expect)
			}
		}
		t.Logf("%s: 16-bit windows cancelled: sum %v, xor %v (chance %.0f each); linear CRC32 sum, low window: %d",
			c.name, sumZeros, xorZeros, expect, linearZeros)
	}
}

// TestMixInjective: the pair of hashes tells (a, b) apart. The xor holds q ^ b; two pairs with
// the same hashes would need the same b once q's high halves agree, and for a fixed b the
// product p is injective in a (b ^ K1 is not zero). No collision among many pairs.
func TestMixInjective(t *testing.T) {
	n := 1 << 20
	if testing.Short() || raceEnabled {
		n = 1 << 17
	}
	r := rand.New(rand.NewPCG(4, 13))
	type pair struct{ a, b uint32 }
	seen := make(map[[2]uint64]pair, 5*n)
	for _, b := range []uint32{0, 1, MixK1 ^ 1, MixK1 ^ 2, r.Uint32()} {
		for range n {
			in := pair{r.Uint32(), b}
			if in.b == 0 && len(seen)%2 == 1 {
				in.b = r.Uint32() // some pairs with random b too
			}
			s, x := Mix(in.a, in.b)
			if prev, ok := seen[[2]uint64{s, x}]; ok && prev != in {
				t.Fatalf("Mix(%#x, %#x) = Mix(%#x, %#x)", in.a, in.b, prev.a, prev.b)
			}
			seen[[2]uint64{s, x}] = in
		}
	}
}

// TestCRCPolynomialsCoprime checks what the README's bound rests on: the generator polynomials
// of CRC32 (IEEE) and CRC32C (Castagnoli) share no factor over GF(2), so for hash texts of one
// length the pair of CRCs is a linear code of generator their product, of degree 64: an edit
// confined to 64 consecutive bits is never a multiple of it and always changes the pair.
func TestCRCPolynomialsCoprime(t *testing.T) {
	// The generators with their x^32 term, in normal (not reflected) bit order.
	const ieee, castagnoli = 0x104C11DB7, 0x11EDC6F41
	if g := gf2GCD(ieee, castagnoli); g != 1 {
		t.Fatalf("gcd(CRC32, CRC32C) = %#x over GF(2), want 1", g)
	}
	// And the pair changes under every burst of up to 64 bits, at random places of random texts.
	r := rand.New(rand.NewPCG(5, 13))
	for range 20000 {
		text := randomText(r, 16+r.IntN(200))
		n := 1 + r.IntN(64)
		start := r.IntN(len(text)*8 - n + 1)
		edited := bytes.Clone(text)
		for i := range n {
			if i == 0 || i == n-1 || r.IntN(2) == 0 { // a burst: its first and last bits flip
				bit := start + i
				edited[bit/8] ^= 1 << (bit % 8)
			}
		}
		a1, b1 := linearCRC(text)
		a2, b2 := linearCRC(edited)
		if a1 == a2 && b1 == b2 {
			t.Fatalf("a %d-bit burst at bit %d left both CRCs unchanged", n, start)
		}
	}
}

// gf2GCD is the greatest common divisor of two polynomials over GF(2), as bit masks.
func gf2GCD(a, b uint64) uint64 {
	for b != 0 {
		for a != 0 && bits.Len64(a) >= bits.Len64(b) {
			a ^= b << (bits.Len64(a) - bits.Len64(b))
		}
		a, b = b, a
	}
	return a
}
