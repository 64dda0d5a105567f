package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Pushdown = (*DB)(nil)

const (
	// probePushdown reads what pushdown needs: bit_xor (PostgreSQL 14+) and a UTF-8 database,
	// whose text bytes are those the client reads.
	probePushdown = "SELECT current_setting('server_version_num')::int, current_setting('server_encoding')"

	// The hash text is built once per row in a subquery that OFFSET 0 keeps from being
	// flattened (which would build it once per hash), then hashed: PG64 with two seeds, MD5 once
	// and read as two int8 halves. count(s) counts the rows hashed: a NULL hash text (which the
	// framing's coalesce rules out) would otherwise be skipped by sum and bit_xor unseen.
	digestPG64 = `SELECT count(*), count(s), sum(hashtextextended(s, 0)), bit_xor(hashtextextended(s, 1))
FROM (SELECT %[1]s AS s FROM %[2]s WHERE %[3]s OFFSET 0) AS d`
	digestMD5 = `SELECT count(*), count(m), sum(('x' || left(m, 16))::bit(64)::int8), bit_xor(('x' || right(m, 16))::bit(64)::int8)
FROM (SELECT md5(%[1]s) AS m FROM %[2]s WHERE %[3]s OFFSET 0) AS d`
	rowHashesPG64 = `SELECT %[1]s, hashtextextended(s, 0), hashtextextended(s, 1)
FROM (SELECT %[1]s, %[2]s AS s FROM %[3]s WHERE %[4]s OFFSET 0) AS d`
	rowHashesMD5 = "SELECT %[1]s, md5(%[2]s) FROM %[3]s WHERE %[4]s"
	// The digests by key group: the key divided by the width (integer division truncates).
	groupPG64 = `SELECT g, count(*), count(s), sum(hashtextextended(s, 0)), bit_xor(hashtextextended(s, 1))
FROM (SELECT %[1]s::int8 / %[2]d AS g, %[3]s AS s FROM %[4]s WHERE %[5]s OFFSET 0) AS d GROUP BY g`
	groupMD5 = `SELECT g, count(*), count(m), sum(('x' || left(m, 16))::bit(64)::int8), bit_xor(('x' || right(m, 16))::bit(64)::int8)
FROM (SELECT %[1]s::int8 / %[2]d AS g, md5(%[3]s) AS m FROM %[4]s WHERE %[5]s OFFSET 0) AS d GROUP BY g`
)

func (d *DB) probePushdown(ctx context.Context) {
	var version int
	var encoding string
	if err := d.readRow(ctx, probePushdown).Scan(&version, &encoding); err != nil {
		return
	}
	d.trimScale = version >= 130000
	if version >= 140000 && encoding == "UTF8" {
		d.families = []checksum.Family{checksum.PG64, checksum.MD5}
	}
}

// tooLarge tells an error of a hash query that the server could not build a row's hash text:
// SQLSTATE 54000, program_limit_exceeded ("result of encoding conversion is too large" for a
// bytea past 512 MiB in hex, a text past 1 GiB). Such a range is read and hashed in Go instead.
func tooLarge(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "54000"
}

// hashError wraps a hash query's error, with dialect.ErrUnhashed when the server could not
// build a hash text.
func hashError(what string, t *dialect.Table, err error) error {
	if tooLarge(err) {
		return fmt.Errorf("postgres: %s %s: %w: %w", what, t, dialect.ErrUnhashed, err)
	}
	return fmt.Errorf("postgres: %s %s: %w", what, t, err)
}

// HashFamilies implements dialect.Pushdown.
func (d *DB) HashFamilies() []checksum.Family { return d.families }

// CanHash implements dialect.Pushdown.
func (d *DB) CanHash(c dialect.Column, f checksum.Form) bool {
	_, ok := d.hashExpr(c, f)
	return ok
}

// hashExpr is the SQL writing column c's canonical value in form f as text, without the
// framing; ok is false when PostgreSQL cannot write it exactly as Go does.
func (d *DB) hashExpr(c dialect.Column, f checksum.Form) (string, bool) {
	q := quote(c.Name)
	switch f.Kind {
	case checksum.FormText:
		switch c.Class {
		case dialect.ClassString, dialect.ClassEnum:
			if c.Coerced {
				return "", false
			}
			return q + "::text", true // a bpchar loses its pad as text
		case dialect.ClassUUID:
			return q + "::text", !c.Coerced
		}
	case checksum.FormHex:
		if c.Class == dialect.ClassBytes {
			return "encode(" + q + ", 'hex')", true
		}
	case checksum.FormPlain:
		switch c.Class {
		case dialect.ClassInt, dialect.ClassUint, dialect.ClassDate:
			return q + "::text", true
		case dialect.ClassBool:
			return q + "::int::text", true
		}
	case checksum.FormDecimal:
		if c.Class != dialect.ClassDecimal {
			return "", false
		}
		s, ok := c.DecimalScale()
		switch {
		case f.Scale < 0 && d.trimScale:
			return "trim_scale(" + q + ")::text", true
		case !ok || f.Scale < s:
			return "", false
		case f.Scale == s:
			return q + "::text", true
		default:
			return fmt.Sprintf("round(%s, %d)::text", q, f.Scale), true // only pads: the scale grows
		}
	case checksum.FormTime:
		if !f.TrimFrac {
			return "", false // six digits always would need to_char, slower than streaming
		}
		switch {
		case c.Class == dialect.ClassTimestamp && strings.Contains(c.Type, "with time zone"):
			return "(" + q + " AT TIME ZONE 'UTC')::text", true
		case c.Class == dialect.ClassTimestamp, c.Class == dialect.ClassTime: // time only: timetz and interval are of class other
			return q + "::text", true
		}
	}
	return "", false
}

// hashText is the SQL building the hash text of q's columns under l, in the C collation. It
// joins text with ||, not concat(), which looks each argument's output function up on every row.
func (d *DB) hashText(q dialect.Query, l checksum.Layout) (string, error) {
	h := sqlkit.HashSQL{
		Expr:   d.hashExpr,
		Length: func(e string) string { return "octet_length(" + e + ")::text" },
		// PostgreSQL's functions return NULL only for a NULL argument (a value too large is an
		// error), so e is NULL only where the column is.
		IfNull: func(_ dialect.Column, e, alt string) string { return "coalesce(" + e + ", " + alt + ")" },
		Concat: func(parts []string) string { return "(" + strings.Join(parts, " || ") + ")" },
	}
	text, err := h.HashText(q, l)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	return "(" + text + "::text COLLATE \"C\")", nil
}

// Digest implements dialect.Pushdown.
func (d *DB) Digest(ctx context.Context, q dialect.Query, l checksum.Layout) (checksum.Digest, error) {
	text, err := d.hashText(q, l)
	if err != nil {
		return checksum.Digest{}, err
	}
	tmpl := digestMD5
	switch l.Family {
	case checksum.PG64:
		tmpl = digestPG64
	case checksum.MD5:
	default:
		return checksum.Digest{}, fmt.Errorf("postgres: hash family %s is not computed in SQL", l.Family)
	}
	pred, args := rangePredicate(q)
	query := fmt.Sprintf(tmpl, text, fromTable(q.Table), pred)
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return checksum.Digest{}, hashError("digest", q.Table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		err := rows.Err()
		if err == nil {
			err = errors.New("no result")
		}
		return checksum.Digest{}, hashError("digest", q.Table, err)
	}
	v := rows.RawValues()
	dg, err := sqlkit.ParseDigest(v[0], v[1], v[2], v[3])
	if err != nil {
		return dg, fmt.Errorf("postgres: digest %s: %w", q.Table, err)
	}
	rows.Close()
	return dg, rows.Err()
}

// RowHashes implements dialect.Pushdown.
func (d *DB) RowHashes(ctx context.Context, q dialect.Query, l checksum.Layout) (dialect.HashRows, error) {
	text, err := d.hashText(q, l)
	if err != nil {
		return nil, err
	}
	tmpl, n := rowHashesMD5, 1
	switch l.Family {
	case checksum.PG64:
		tmpl, n = rowHashesPG64, 2
	case checksum.MD5:
	default:
		return nil, fmt.Errorf("postgres: hash family %s is not computed in SQL", l.Family)
	}
	pred, args := rangePredicate(q)
	t, idx := sqlkit.WithHashColumns(q.Table, n)
	query := fmt.Sprintf(tmpl, quoteList(q.Table, q.Table.Key, ""), text, fromTable(q.Table), pred)
	rows, err := d.query(ctx, t, idx, query, args)
	if err != nil {
		return nil, err
	}
	return &sqlkit.HashedRows{Rows: rows, MD5: n == 1, TooLarge: tooLarge}, nil
}

// GroupDigests implements dialect.Pushdown.
func (d *DB) GroupDigests(ctx context.Context, q dialect.Query, l checksum.Layout, width int64) ([]dialect.GroupDigest, error) {
	key, err := sqlkit.GroupKey(q, width)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	text, err := d.hashText(q, l)
	if err != nil {
		return nil, err
	}
	tmpl := groupMD5
	switch l.Family {
	case checksum.PG64:
		tmpl = groupPG64
	case checksum.MD5:
	default:
		return nil, fmt.Errorf("postgres: hash family %s is not computed in SQL", l.Family)
	}
	pred, args := rangePredicate(q)
	query := fmt.Sprintf(tmpl, quote(key.Name), width, text, fromTable(q.Table), pred)
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return nil, hashError("group digests", q.Table, err)
	}
	defer rows.Close()
	var out []dialect.GroupDigest
	for rows.Next() {
		v := rows.RawValues()
		gd, err := sqlkit.ParseGroupDigest(v[0], v[1], v[2], v[3], v[4])
		if err != nil {
			return nil, fmt.Errorf("postgres: group digests %s: %w", q.Table, err)
		}
		out = append(out, gd)
	}
	if err := rows.Err(); err != nil {
		return nil, hashError("group digests", q.Table, err)
	}
	return out, nil
}

// TrimsTimeFractions implements dialect.FractionTrimmer: PostgreSQL's text of a time drops the
// trailing zeros of its fraction of a second.
func (d *DB) TrimsTimeFractions() bool { return true }
