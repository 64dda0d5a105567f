package checksum

import (
	"encoding/binary"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// AppendRow appends the framing of a row's canonical columns to dst (the verifier frames keys
// with it; rows are hashed in their hash text, see Layout): each column as
// uvarint(len+1) and its bytes, NULL (a nil slice) as uvarint(0). The framing is injective:
// two rows frame alike only if they have the same columns with the same values.
func AppendRow(dst []byte, cols [][]byte) []byte {
	for _, c := range cols {
		if c == nil {
			dst = append(dst, 0)
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(c))+1)
		dst = append(dst, c...)
	}
	return dst
}

// Column returns a 64-bit hash of one canonical column value, NULL distinct from every value.
// The row diff uses it to tell which columns of a changed row differ.
func Column(c []byte) uint64 {
	if c == nil {
		return 0x6e756c6c // "null"; a real value hashing to it is a 2^-64 event
	}
	return xxhash.Sum64(c)
}

// Digest is the order-independent digest of a set of rows.
type Digest struct {
	Rows int64  // how many rows
	Sum  uint64 // sum of the rows' first hashes, mod 2^64
	Xor  uint64 // xor of the rows' second hashes
}

// Add folds one row's hashes into d.
func (d *Digest) Add(hsum, hxor uint64) {
	d.Rows++
	d.Sum += hsum
	d.Xor ^= hxor
}

// Merge folds another digest into d. Merging is associative and commutative.
func (d *Digest) Merge(o Digest) {
	d.Rows += o.Rows
	d.Sum += o.Sum
	d.Xor ^= o.Xor
}

// Fingerprint is the digest as 32 hex digits (sum then xor), the form printed in reports.
func (d Digest) Fingerprint() string {
	return fmt.Sprintf("%016x%016x", d.Sum, d.Xor)
}

func (d Digest) String() string {
	return fmt.Sprintf("%d rows, %s", d.Rows, d.Fingerprint())
}
