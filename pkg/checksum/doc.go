// Package checksum turns rows into digests. It is pure: no SQL, no driver, no I/O.
//
// A row arrives as canonical column bytes (see the Append* encoders: the same value gives the
// same bytes on every engine). A Layout writes the row's columns into its hash text, each in a
// form chosen by its class, so that NULL differs from every value including the empty string
// and the text parses back into the row; a Family (MD5, CRCMix or PG64, chosen per engine pair
// because the databases must compute it in SQL too) hashes that text into two 64-bit values. A
// Digest folds the row hashes of a set of rows into {rows, sum mod 2^64, xor}: sum and xor come
// from the two hashes, so duplicate rows do not cancel out and a single 64-bit collision is not
// enough to hide a difference. Digests combine associatively and commutatively, so a table's
// digest, its fingerprint, does not depend on how it was chunked or in which order the chunks
// were hashed.
//
// AppendRow frames a row with length prefixes (the verifier's keys), and Column hashes one
// value with xxhash64 to tell which columns of a changed row differ; neither enters a digest.
package checksum
