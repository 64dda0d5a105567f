package sqlkit

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// GroupKey checks that q's table is keyed by one integer column and returns it, for
// GroupDigests.
func GroupKey(q dialect.Query, width int64) (dialect.Column, error) {
	if len(q.Table.Key) != 1 {
		return dialect.Column{}, fmt.Errorf("group digests of %s: the key is not one column", q.Table)
	}
	c := q.Table.Columns[q.Table.Key[0]]
	if c.Class != dialect.ClassInt && c.Class != dialect.ClassUint {
		return dialect.Column{}, fmt.Errorf("group digests of %s: key %s (%s) is not an integer", q.Table, c.Name, c.Type)
	}
	if width < 2 {
		return dialect.Column{}, fmt.Errorf("group digests of %s: width %d is below 2", q.Table, width)
	}
	return c, nil
}

// ParseGroupDigest reads one group's row as a server wrote it: the group number, then the
// digest's count, hashed count, sum and xor in decimal (see ParseDigest).
func ParseGroupDigest(group, count, hashed, sum, xor []byte) (dialect.GroupDigest, error) {
	g, err := strconv.ParseInt(string(group), 10, 64)
	if err != nil {
		return dialect.GroupDigest{}, fmt.Errorf("key group: not an integer: %q", group)
	}
	d, err := ParseDigest(count, hashed, sum, xor)
	return dialect.GroupDigest{Group: g, Digest: d}, err
}

// unhashed is the error for a digest of rows rows of which only hashed were hashed.
func unhashed(rows, hashed int64) error {
	return fmt.Errorf("%w: %d of %d rows not hashed (a value too large for the server to build the row's hash text)", dialect.ErrUnhashed, rows-hashed, rows)
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
	Rows   dialect.Rows
	MD5    bool
	Marked bool
	// TooLarge, when set, tells a server's error that it could not build a hash text (a value
	// past a limit of its own): Err then wraps ErrUnhashed too.
	TooLarge func(error) bool
	key      dialect.Key
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
			r.err = fmt.Errorf("key %s: %w", v[:k], dialect.ErrUnhashed)
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
func (r *HashedRows) Key() dialect.Key { return r.key }

// Hashes implements HashRows.
func (r *HashedRows) Hashes() (uint64, uint64) { return r.h1, r.h2 }

// Err implements HashRows.
func (r *HashedRows) Err() error {
	if r.err != nil {
		return r.err
	}
	err := r.Rows.Err()
	if err != nil && r.TooLarge != nil && r.TooLarge(err) {
		return fmt.Errorf("%w: %w", dialect.ErrUnhashed, err)
	}
	return err
}

// Close implements HashRows.
func (r *HashedRows) Close() { r.Rows.Close() }

// WithHashColumns returns a copy of t with n extra columns of class other appended, to stand for
// hash expressions in a select list, and the column indexes that read t's key and then them.
func WithHashColumns(t *dialect.Table, n int) (*dialect.Table, []int) {
	c := *t
	c.Columns = append(append([]dialect.Column(nil), t.Columns...), make([]dialect.Column, n)...)
	idx := append([]int(nil), t.Key...)
	for i := 0; i < n; i++ {
		c.Columns[len(t.Columns)+i] = dialect.Column{Name: fmt.Sprintf("h%d", i+1), Class: dialect.ClassOther}
		idx = append(idx, len(t.Columns)+i)
	}
	return &c, idx
}

// HashSQL is what an engine spells to build a row's hash text in SQL: the value of a column in
// a form, a value's byte length, a NULL test and a concatenation. HashText frames the values the
// way checksum.Layout.AppendHashText does, so every engine frames alike.
type HashSQL struct {
	Expr   func(c dialect.Column, f checksum.Form) (string, bool) // the value; ok=false when not exact
	Length func(e string) string                                  // e's byte length, as text
	// IfNull is alt where column c is NULL, else e (c's value in its form). It must test the
	// column, not e: a function of a non-NULL value may return NULL too (MySQL's HEX or CONCAT
	// past max_allowed_packet), and such a row must stay unhashed, not hash as a NULL.
	IfNull func(c dialect.Column, e, alt string) string
	Concat func(parts []string) string // the parts joined
}

// HashText is the SQL of the hash text of q's columns under l: text length-framed ("N" for
// NULL), every other form followed by ',' ("N," for NULL).
func (h HashSQL) HashText(q dialect.Query, l checksum.Layout) (string, error) {
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
