package checksum

import (
	"encoding/binary"
	"math/bits"
)

// PGHashExtended returns what PostgreSQL's hashtextextended(t, seed) returns for a text t whose
// bytes are b under a deterministic collation (the server's hash_bytes_extended / hash_any_extended),
// as the uint64 with the same bits as PostgreSQL's int8 result.
//
// The function is Bob Jenkins' lookup3 (public domain) in the form PostgreSQL gives it: the state
// starts from the golden-ratio constant plus the length plus PostgreSQL's own offset 3923095, a
// non-zero seed is folded in as one extra block, every full 12-byte block is mixed (a final exact
// block too, unlike lookup3's hashlittle), the 0..11 trailing bytes are added with the third word
// shifted up one byte, and the final mix always runs, even for an empty input. The result is b in
// the high half and c in the low half. Keys are read little-endian, as PostgreSQL does on x86_64
// and arm64; a big-endian server hashes differently.
//
// It does not allocate.
func PGHashExtended(b []byte, seed uint64) uint64 {
	x := 0x9e3779b9 + uint32(len(b)) + 3923095
	y, z := x, x

	if seed != 0 {
		x += uint32(seed >> 32)
		y += uint32(seed)
		x, y, z = pgMix(x, y, z)
	}

	for len(b) >= 12 {
		x += binary.LittleEndian.Uint32(b[0:4])
		y += binary.LittleEndian.Uint32(b[4:8])
		z += binary.LittleEndian.Uint32(b[8:12])
		x, y, z = pgMix(x, y, z)
		b = b[12:]
	}

	// Tail of 0..11 bytes: bytes 0-3 go to x and 4-7 to y as little-endian words; bytes 8-10 go
	// to z one byte up (byte 8 in bits 8-15), leaving z's low byte alone.
	switch n := len(b); {
	case n >= 8:
		x += binary.LittleEndian.Uint32(b[0:4])
		y += binary.LittleEndian.Uint32(b[4:8])
		z += pgTail(b[8:]) << 8
	case n >= 4:
		x += binary.LittleEndian.Uint32(b[0:4])
		y += pgTail(b[4:])
	default:
		x += pgTail(b)
	}

	x, y, z = pgFinal(x, y, z)
	return uint64(y)<<32 | uint64(z)
}

// pgTail reads up to 3 bytes as a little-endian word (missing bytes are zero).
func pgTail(t []byte) uint32 {
	var w uint32
	switch len(t) {
	case 3:
		w = uint32(t[2]) << 16
		fallthrough
	case 2:
		w |= uint32(t[1]) << 8
		fallthrough
	case 1:
		w |= uint32(t[0])
	}
	return w
}

// pgMix is lookup3's reversible mixing step for one block.
func pgMix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}

// pgFinal is lookup3's final avalanche of the three state words.
func pgFinal(a, b, c uint32) (uint32, uint32, uint32) {
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return a, b, c
}
