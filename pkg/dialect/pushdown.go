package dialect

import (
	"context"
	"errors"

	"github.com/dbverify/dbverify/pkg/checksum"
)

// Pushdown is implemented by a DB that computes row hashes in SQL, so that a chunk's digest
// crosses the network as one row. The hashes are those Go computes for the same canonical values
// under the same checksum.Layout: a chunk hashed in SQL on one side and in Go on the other
// compares correctly, and a table's fingerprint does not depend on the mode.
type Pushdown interface {
	// HashFamilies lists the row-hash families the server computes in SQL, best first; none
	// when it cannot push digests down at all.
	HashFamilies() []checksum.Family
	// CanHash reports whether the server can write column c in form f exactly as Go does.
	CanHash(c Column, f checksum.Form) bool
	// Digest computes the digest of q's rows (their columns q.Columns, laid out by l) in SQL.
	Digest(ctx context.Context, q Query, l checksum.Layout) (checksum.Digest, error)
	// RowHashes streams each of q's rows as its key and its two hashes under l, computed in SQL.
	RowHashes(ctx context.Context, q Query, l checksum.Layout) (HashRows, error)
	// GroupDigests computes, in one query, the digests of q's rows grouped by their key divided
	// by width (truncated toward zero, as SQL's integer division does), one per group that has
	// rows, in no particular order. The key must be one integer column; width is at least 2.
	GroupDigests(ctx context.Context, q Query, l checksum.Layout, width int64) ([]GroupDigest, error)
}

// GroupDigest is the digest of the rows of one key group: those whose key k has
// trunc(k / width) = Group.
type GroupDigest struct {
	Group  int64
	Digest checksum.Digest
}

// ErrUnhashed is wrapped by a pushdown's error when the server could not compute the hashes of
// some rows in SQL: MySQL and MariaDB return NULL for a string past max_allowed_packet (CONCAT,
// HEX, CONVERT: warning 1301), and SUM and BIT_XOR skip a NULL while COUNT(*) counts its row.
// Those rows must be read and hashed in Go instead; a digest that left them out would let two
// tables that differ only in a large value compare identical.
var ErrUnhashed = errors.New("the server could not hash every row in SQL")

// HashRows is a stream of rows' keys and hashes.
type HashRows interface {
	Next() bool
	// Key is the current row's key, canonical; valid until the next call to Next.
	Key() Key
	// Hashes are the current row's two hashes.
	Hashes() (uint64, uint64)
	Err() error
	Close()
}

// FractionTrimmer is implemented by a DB whose SQL writes a time's fraction of a second without
// trailing zeros ("12:00:00.5", as PostgreSQL's text form does): a hash layout shared with such
// a side trims them on both sides, so that the text hashed in SQL and in Go is the same.
type FractionTrimmer interface {
	TrimsTimeFractions() bool
}
