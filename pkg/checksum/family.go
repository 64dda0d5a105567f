package checksum

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strconv"
)

// Family is a row hash that Go and the databases of an engine pair can both compute: the same
// rows give the same digest whether they were hashed in Go (stream mode) or in SQL (pushdown).
// Each family hashes a row's hash text (see Layout) into two 64-bit values, the first summed and
// the second xored into the digest.
type Family uint8

// The families, in no order of preference (the verifier picks per engine pair).
const (
	// MD5 takes the first and second halves of the MD5 of the hash text: 128 independent bits.
	// Every engine has MD5(), but it is the slowest family everywhere: PostgreSQL's md5() costs
	// about three times its own digest, MariaDB's half again its CRC32, Go's five times CRCMix.
	MD5 Family = iota
	// CRCMix reads two 32-bit CRCs of the hash text, a = CRC32 (IEEE) and b = CRC32C
	// (Castagnoli), and mixes them with two rounds of 32x32-bit multiplication into the two
	// hashes (see Mix). MariaDB 10.8+ computes it in SQL for little more than its own
	// CRC32 checksum (the mix is integer arithmetic), and Go at several GB/s, so it is also the
	// family of sides that stream. The CRCs are linear, which is why they are mixed before they
	// are added up: a CRC of a row edited by e differs from the CRC of the original by a value
	// that depends on e alone, so the same edit on two rows would cancel out in a sum or xor of
	// raw CRCs. See the README for the collision bound.
	CRCMix
	// PG64 sums PostgreSQL's hashtextextended(text, 0) and xors hashtextextended(text, 1):
	// 128 bits from a non-linear 64-bit hash that PostgreSQL computes about as fast as its own
	// hashtext.
	PG64
)

var familyNames = [...]string{MD5: "md5", CRCMix: "crcmix", PG64: "pg64"}

func (f Family) String() string {
	if int(f) < len(familyNames) {
		return familyNames[f]
	}
	return fmt.Sprintf("family(%d)", int(f))
}

// FormKind says how a column's canonical value is written into the hash text.
type FormKind uint8

// The forms. Text and binary can hold any byte, so they are length-framed; every other form has
// a fixed alphabet without ',' and ends with one. NULL is "N" (text) or "N," (the others), which
// no value's form begins with. Knowing each column's form, the hash text parses back into the
// row: it is injective.
const (
	FormText    FormKind = iota // decimal byte length, ':', the bytes
	FormPlain                   // the canonical text, ','
	FormDecimal                 // the decimal with Scale fractional digits (Scale < 0: canonical), ','
	FormTime                    // a date-time or time with six fractional digits (trailing zeros trimmed when TrimFrac), ','
	FormHex                     // binary as lower-case hex (PostgreSQL's text cannot hold raw bytes), ','
)

// Form is how one column enters the hash text.
type Form struct {
	Kind FormKind
	// Scale is the number of fractional digits a FormDecimal value is written with, padding with
	// zeros; negative for the canonical form (no trailing zeros).
	Scale int
	// TrimFrac writes a FormTime value without trailing fractional zeros (and without the point
	// when all six are zero), as PostgreSQL prints it.
	TrimFrac bool
}

// Layout is how a row's columns make its hash text, and the family that hashes it.
type Layout struct {
	Family Family
	Forms  []Form // one per column; a missing form is FormText
}

// AppendHashText appends a row's hash text: each canonical column value (nil for NULL) in its
// form. The databases build the same bytes in SQL.
func (l Layout) AppendHashText(dst []byte, cols [][]byte) []byte {
	for i, c := range cols {
		f := Form{}
		if i < len(l.Forms) {
			f = l.Forms[i]
		}
		dst = f.append(dst, c)
	}
	return dst
}

func (f Form) append(dst, c []byte) []byte {
	if f.Kind == FormText {
		if c == nil {
			return append(dst, 'N')
		}
		dst = strconv.AppendInt(dst, int64(len(c)), 10)
		dst = append(dst, ':')
		return append(dst, c...)
	}
	if c == nil {
		return append(dst, 'N', ',')
	}
	switch f.Kind {
	case FormDecimal:
		dst = appendScaled(dst, c, f.Scale)
	case FormTime:
		dst = appendFrac(dst, c, f.TrimFrac)
	case FormHex:
		dst = hex.AppendEncode(dst, c)
	default:
		dst = append(dst, c...)
	}
	return append(dst, ',')
}

// appendScaled appends a canonical decimal with exactly scale fractional digits (as is when scale
// is negative or the value already has more).
func appendScaled(dst, c []byte, scale int) []byte {
	dst = append(dst, c...)
	if scale <= 0 {
		return dst
	}
	frac := 0
	if i := bytes.IndexByte(c, '.'); i >= 0 {
		frac = len(c) - i - 1
	} else if allDigits(bytes.TrimPrefix(c, []byte{'-'})) {
		dst = append(dst, '.')
	} else {
		return dst // NaN and the infinities
	}
	for ; frac < scale; frac++ {
		dst = append(dst, '0')
	}
	return dst
}

// appendFrac appends a canonical time or timestamp (six fractional digits), trimming the
// fraction's trailing zeros when trim is set. Values without a six-digit fraction (PostgreSQL's
// infinity and years BC) are appended as they are.
func appendFrac(dst, c []byte, trim bool) []byte {
	n := len(c)
	if !trim || n < 7 || c[n-7] != '.' {
		return append(dst, c...)
	}
	end := n
	for end > n-6 && c[end-1] == '0' {
		end--
	}
	if end == n-6 {
		end-- // the point too
	}
	return append(dst, c[:end]...)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// The mix's constants: the 32-bit primes of xxHash32, odd and with their bits spread.
const (
	MixK0 = 0x9E3779B1
	MixK1 = 0x85EBCA77
	MixK2 = 0xC2B2AE3D
	MixK3 = 0x27D4EB2F
)

// Mix is CRCMix's two hashes of a row whose hash text has CRC32 a and CRC32C b:
//
//	p = (a ^ K0) * (b ^ K1)                  a 64-bit product of two 32-bit values
//	q = (lo32(p) ^ K2) * (hi32(p) ^ K3)      again, of p's halves
//	sum = q ^ lo32(p) * (2^32 + 1)           q with p's low half xored into both of its halves
//	xor = q ^ b
//
// Every step is exact in 64-bit unsigned arithmetic (no product exceeds 2^64-1), so SQL
// computes the same bits without overflow (MariaDB refuses an unsigned BIGINT that overflows).
// A product of two halves depends non-linearly on every bit of both. When an edit changes only
// a few bits of a or b, p's high half moves by a small amount while its low half moves by an
// unpredictable one; q carries the small move into a product, and xoring p's low half into both
// of q's halves covers what is left structured, so that the changes equal edits make to two
// rows' sums do not cancel more often than chance (TestMixDifferentials). The xor carries b,
// which makes the pair of hashes injective in (a, b) (see the README's collision bound).
func Mix(a, b uint32) (sum, xor uint64) {
	p := uint64(a^MixK0) * uint64(b^MixK1)
	q := uint64(uint32(p)^MixK2) * uint64(uint32(p>>32)^MixK3)
	return q ^ uint64(uint32(p))*(1<<32+1), q ^ uint64(b)
}

// Hasher hashes rows under a layout. It reuses its buffer, so it allocates nothing per row once
// warm; it is not safe for concurrent use (give each worker its own).
type Hasher struct {
	l   Layout
	buf []byte
}

// NewHasher returns a Hasher for rows laid out by l.
func NewHasher(l Layout) *Hasher { return &Hasher{l: l} }

// Row returns the two 64-bit hashes of a row's canonical columns: the first is summed into a
// digest, the second xored.
func (h *Hasher) Row(cols [][]byte) (uint64, uint64) {
	h.buf = h.l.AppendHashText(h.buf[:0], cols)
	return h.l.Family.Hash(h.buf)
}

// Hash returns the family's two hashes of a hash text.
func (f Family) Hash(text []byte) (uint64, uint64) {
	switch f {
	case CRCMix:
		return Mix(crc32.ChecksumIEEE(text), crc32.Checksum(text, castagnoli))
	case PG64:
		return PGHashExtended(text, 0), PGHashExtended(text, 1)
	default:
		s := md5.Sum(text)
		return binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:])
	}
}
