// Package checksum turns rows into digests. It is pure: no SQL, no driver, no I/O.
//
// A row arrives as canonical column bytes (see the Append* encoders: the same value gives the
// same bytes on every engine). The row is framed with length prefixes, so that NULL differs from
// every value including the empty string and no two rows frame alike, and hashed twice with
// xxhash64 under two seeds. A Digest folds the row hashes of a set of rows into
// {rows, sum mod 2^64, xor}: sum and xor come from the two independent hashes, so duplicate rows
// do not cancel out and a single 64-bit collision is not enough to hide a difference. Digests
// combine associatively and commutatively, so a table's digest, its fingerprint, does not depend
// on how it was chunked or in which order the chunks were hashed.
package checksum
