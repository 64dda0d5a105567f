package dialect

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

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

// GroupKey checks that q's table is keyed by one integer column and returns it, for
// GroupDigests.
func GroupKey(q Query, width int64) (Column, error) {
	if len(q.Table.Key) != 1 {
		return Column{}, fmt.Errorf("group digests of %s: the key is not one column", q.Table)
	}
	c := q.Table.Columns[q.Table.Key[0]]
	if c.Class != ClassInt && c.Class != ClassUint {
		return Column{}, fmt.Errorf("group digests of %s: key %s (%s) is not an integer", q.Table, c.Name, c.Type)
	}
	if width < 2 {
		return Column{}, fmt.Errorf("group digests of %s: width %d is below 2", q.Table, width)
	}
	return c, nil
}

// ParseGroupDigest reads one group's row as a server wrote it: the group number, then the
// digest's count, hashed count, sum and xor in decimal (see ParseDigest).
func ParseGroupDigest(group, count, hashed, sum, xor []byte) (GroupDigest, error) {
	g, err := strconv.ParseInt(string(group), 10, 64)
	if err != nil {
		return GroupDigest{}, fmt.Errorf("key group: not an integer: %q", group)
	}
	d, err := ParseDigest(count, hashed, sum, xor)
	return GroupDigest{Group: g, Digest: d}, err
}

// ErrUnhashed is wrapped by a pushdown's error when the server could not compute the hashes of
// some rows in SQL: MySQL and MariaDB return NULL for a string past max_allowed_packet (CONCAT,
// HEX, CONVERT: warning 1301), and SUM and BIT_XOR skip a NULL while COUNT(*) counts its row.
// Those rows must be read and hashed in Go instead; a digest that left them out would let two
// tables that differ only in a large value compare identical.
var ErrUnhashed = errors.New("the server could not hash every row in SQL")

// unhashed is the error for a digest of rows rows of which only hashed were hashed.
func unhashed(rows, hashed int64) error {
	return fmt.Errorf("%w: %d of %d rows not hashed (a value too large for the server to build the row's hash text)", ErrUnhashed, rows-hashed, rows)
}

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

// DecimalScale returns the declared scale of a decimal column from its type, "decimal(12,2)"
// or "numeric(12, 2)": 0 for "decimal(12)", ok=false when the type declares none.
func DecimalScale(c Column) (int, bool) {
	_, mods, ok := strings.Cut(c.Type, "(")
	if !ok {
		return 0, false
	}
	mods, _, _ = strings.Cut(mods, ")")
	_, s, ok := strings.Cut(mods, ",")
	if !ok {
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// TimePrecision returns the fractional-second digits of a time or timestamp type, "datetime(3)"
// or "timestamp(3) without time zone"; def when the type declares none.
func TimePrecision(c Column, def int) int {
	_, mods, ok := strings.Cut(c.Type, "(")
	if !ok {
		return def
	}
	mods, _, _ = strings.Cut(mods, ")")
	n, err := strconv.Atoi(strings.TrimSpace(mods))
	if err != nil {
		return def
	}
	return n
}

var mask64 = new(big.Int).SetUint64(^uint64(0))

// ParseUint64 reads an integer in decimal, of any size and sign (a SUM of hashes, an int8
// hash), as the 64 bits of its two's complement: the sum mod 2^64.
func ParseUint64(b []byte) (uint64, error) {
	if n, err := strconv.ParseUint(string(b), 10, 64); err == nil {
		return n, nil
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return uint64(n), nil
	}
	s := string(b)
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i] // a DECIMAL sum printed with a scale of zeros
	}
	var n big.Int
	if _, ok := n.SetString(s, 10); !ok {
		return 0, fmt.Errorf("not an integer: %q", b)
	}
	return n.And(&n, mask64).Uint64(), nil
}

// ParseDigest reads a digest a server computed: its row count, the count of rows it hashed, the
// sum of the first hashes and the xor of the second, each in decimal (a NULL sum or xor, of no
// rows, is zero). Fewer hashed rows than rows is an error wrapping ErrUnhashed: the digest
// would leave rows out.
func ParseDigest(count, hashed, sum, xor []byte) (checksum.Digest, error) {
	var d checksum.Digest
	n, err := strconv.ParseInt(string(count), 10, 64)
	if err != nil {
		return d, fmt.Errorf("digest row count: not an integer: %q", count)
	}
	h, err := strconv.ParseInt(string(hashed), 10, 64)
	if err != nil {
		return d, fmt.Errorf("digest hashed row count: not an integer: %q", hashed)
	}
	if h != n {
		return d, unhashed(n, h)
	}
	d.Rows = n
	if sum != nil {
		if d.Sum, err = ParseUint64(sum); err != nil {
			return d, fmt.Errorf("digest sum: %w", err)
		}
	}
	if xor != nil {
		if d.Xor, err = ParseUint64(xor); err != nil {
			return d, fmt.Errorf("digest xor: %w", err)
		}
	}
	return d, nil
}

// MD5Halves reads the 32 hex digits of an MD5 as the MD5 family's two hashes.
func MD5Halves(h []byte) (uint64, uint64, error) {
	var raw [16]byte
	if len(h) != 32 {
		return 0, 0, fmt.Errorf("not an MD5: %q", h)
	}
	if _, err := hex.Decode(raw[:], h); err != nil {
		return 0, 0, fmt.Errorf("not an MD5: %q", h)
	}
	var a, b uint64
	for i := 0; i < 8; i++ {
		a = a<<8 | uint64(raw[i])
		b = b<<8 | uint64(raw[8+i])
	}
	return a, b, nil
}

// HashedRows adapts a Rows whose last columns are a row's hashes as the server wrote them (two
// decimal integers, or one MD5 in hex when md5 is set), after a mark column when Marked is set,
// and whose other columns are its key. A NULL mark or hash is a row the server could not hash:
// the stream ends with an error wrapping ErrUnhashed.
type HashedRows struct {
	Rows   Rows
	MD5    bool
	Marked bool
	// TooLarge, when set, tells a server's error that it could not build a hash text (a value
	// past a limit of its own): Err then wraps ErrUnhashed too.
	TooLarge func(error) bool
	key      Key
	h1       uint64
	h2       uint64
	err      error
}

// Next implements HashRows.
func (r *HashedRows) Next() bool {
	if r.err != nil || !r.Rows.Next() {
		return false
	}
	v := r.Rows.Values()
	n := len(v) - 2
	if r.MD5 {
		n = len(v) - 1
	}
	k := n
	if r.Marked {
		k--
	}
	for _, h := range v[k:] {
		if h == nil {
			r.err = fmt.Errorf("key %s: %w", v[:k], ErrUnhashed)
			return false
		}
	}
	if r.MD5 {
		r.h1, r.h2, r.err = MD5Halves(v[n])
	} else if r.h1, r.err = ParseUint64(v[n]); r.err == nil {
		r.h2, r.err = ParseUint64(v[n+1])
	}
	r.key = v[:k]
	return r.err == nil
}

// Key implements HashRows.
func (r *HashedRows) Key() Key { return r.key }

// Hashes implements HashRows.
func (r *HashedRows) Hashes() (uint64, uint64) { return r.h1, r.h2 }

// Err implements HashRows.
func (r *HashedRows) Err() error {
	if r.err != nil {
		return r.err
	}
	err := r.Rows.Err()
	if err != nil && r.TooLarge != nil && r.TooLarge(err) {
		return fmt.Errorf("%w: %w", ErrUnhashed, err)
	}
	return err
}

// Close implements HashRows.
func (r *HashedRows) Close() { r.Rows.Close() }

// WithHashColumns returns a copy of t with n extra columns of class other appended, to stand for
// hash expressions in a select list, and the column indexes that read t's key and then them.
func WithHashColumns(t *Table, n int) (*Table, []int) {
	c := *t
	c.Columns = append(append([]Column(nil), t.Columns...), make([]Column, n)...)
	idx := append([]int(nil), t.Key...)
	for i := 0; i < n; i++ {
		c.Columns[len(t.Columns)+i] = Column{Name: fmt.Sprintf("h%d", i+1), Class: ClassOther}
		idx = append(idx, len(t.Columns)+i)
	}
	return &c, idx
}

// HashSQL is what an engine spells to build a row's hash text in SQL: the value of a column in
// a form, a value's byte length, a NULL test and a concatenation. HashText frames the values the
// way checksum.Layout.AppendHashText does, so every engine frames alike.
type HashSQL struct {
	Expr   func(c Column, f checksum.Form) (string, bool) // the value; ok=false when not exact
	Length func(e string) string                          // e's byte length, as text
	// IfNull is alt where column c is NULL, else e (c's value in its form). It must test the
	// column, not e: a function of a non-NULL value may return NULL too (MySQL's HEX or CONCAT
	// past max_allowed_packet), and such a row must stay unhashed, not hash as a NULL.
	IfNull func(c Column, e, alt string) string
	Concat func(parts []string) string // the parts joined
}

// HashText is the SQL of the hash text of q's columns under l: text length-framed ("N" for
// NULL), every other form followed by ',' ("N," for NULL).
func (h HashSQL) HashText(q Query, l checksum.Layout) (string, error) {
	var parts []string
	for i, ci := range q.Columns {
		c := q.Table.Columns[ci]
		f := checksum.Form{}
		if i < len(l.Forms) {
			f = l.Forms[i]
		}
		e, ok := h.Expr(c, f)
		if !ok {
			return "", fmt.Errorf("column %s (%s) has no SQL hash form", c.Name, c.Type)
		}
		switch {
		case f.Kind == checksum.FormText && c.Nullable:
			parts = append(parts, h.IfNull(c, h.Concat([]string{h.Length(e), "':'", e}), "'N'"))
		case f.Kind == checksum.FormText:
			parts = append(parts, h.Length(e), "':'", e)
		case c.Nullable:
			parts = append(parts, h.IfNull(c, e, "'N'"), "','")
		default:
			parts = append(parts, e, "','")
		}
	}
	if len(parts) == 0 {
		return "''", nil
	}
	return h.Concat(parts), nil
}
