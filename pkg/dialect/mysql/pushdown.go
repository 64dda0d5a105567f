package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Pushdown = (*DB)(nil)

// The pushed-down digests. A row's hash text is built once, into the session variable
// @dbv_s (or @dbv_m for its MD5), and read again by the second hash: building the string is
// most of the cost, and SQL has no other way to share it between two aggregates. That relies on
// the server evaluating a select list and its aggregates left to right, which
// probeVariableOrder checks when the pool opens; without it each hash builds its own copy.
const (
	digestQuery    = "SELECT COUNT(*), SUM(%s), BIT_XOR(%s) FROM %s WHERE %s"
	rowHashesQuery = "SELECT %s, %s FROM %s WHERE %s"
	// groupQuery digests a range by key group; ORDER BY NULL spares the sort of the groups.
	groupQuery = "SELECT %s DIV %d, COUNT(*), SUM(%s), BIT_XOR(%s) FROM %s WHERE %s GROUP BY 1 ORDER BY NULL"
	// probeOrder holds three rows; each row's second column equals its third only if the
	// first was evaluated first, and so for the aggregates.
	probeOrder = `SELECT SUM(CRC32(@dbv_s := x)), BIT_XOR(CRC32C(@dbv_s)), BIT_XOR(CRC32C(x)),
  SUM(CAST(CONV(LEFT(@dbv_m := MD5(x), 16), 16, 10) AS UNSIGNED)), BIT_XOR(CAST(CONV(RIGHT(@dbv_m, 16), 16, 10) AS UNSIGNED)), BIT_XOR(CAST(CONV(RIGHT(MD5(x), 16), 16, 10) AS UNSIGNED))
FROM (SELECT 'a' AS x UNION ALL SELECT 'bb' UNION ALL SELECT 'ccc') AS t`
	// probeGroupOrder is probeOrder's check for aggregates computed by group, through the
	// temporary table of a GROUP BY.
	probeGroupOrder = `SELECT LENGTH(x) > 1, SUM(CRC32(@dbv_s := x)), BIT_XOR(CRC32C(@dbv_s)), BIT_XOR(CRC32C(x)),
  SUM(CAST(CONV(LEFT(@dbv_m := MD5(x), 16), 16, 10) AS UNSIGNED)), BIT_XOR(CAST(CONV(RIGHT(@dbv_m, 16), 16, 10) AS UNSIGNED)), BIT_XOR(CAST(CONV(RIGHT(MD5(x), 16), 16, 10) AS UNSIGNED))
FROM (SELECT 'a' AS x UNION ALL SELECT 'bb' UNION ALL SELECT 'ccc' UNION ALL SELECT 'dddd') AS t GROUP BY 1 ORDER BY NULL`
)

// probePushdown learns which families this server computes: CRC32C needs MariaDB 10.8+;
// MD5 everyone has. It also checks the evaluation order the shared-variable form relies on.
func (d *DB) probePushdown(ctx context.Context) {
	crc := d.mariadb && !versionBefore(d.version, 10, 8, 0)
	if crc {
		d.families = []checksum.Family{checksum.CRC32C, checksum.MD5}
	} else {
		d.families = []checksum.Family{checksum.MD5}
	}
	if !crc {
		return // the probe uses CRC32C; MySQL builds each hash's string itself
	}
	var a, b, c, e, f, g sql.NullString
	err := d.readRow(ctx, probeOrder).Scan(&a, &b, &c, &e, &f, &g)
	d.sharedVar = err == nil && b == c && f == g
	d.groupSharedVar = d.sharedVar && probeGroups(ctx, d)
}

// probeGroups runs probeGroupOrder: true when every group's shared-variable hashes equal the
// ones built directly.
func probeGroups(ctx context.Context, d *DB) bool {
	rows, err := d.read(ctx, probeGroupOrder)
	if err != nil {
		return false
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var a, b, c, e, f, g, h sql.NullString
		if rows.Scan(&a, &b, &c, &e, &f, &g, &h) != nil || c != e || g != h {
			return false
		}
		n++
	}
	return rows.Err() == nil && n == 2
}

// HashFamilies implements dialect.Pushdown.
func (d *DB) HashFamilies() []checksum.Family { return d.families }

// CanHash implements dialect.Pushdown.
func (d *DB) CanHash(c dialect.Column, f checksum.Form) bool {
	_, ok := hashExpr(c, f)
	return ok
}

// hashExpr is the SQL writing column c's canonical value in form f, without the framing; ok is
// false when MySQL cannot write it exactly as Go does.
func hashExpr(c dialect.Column, f checksum.Form) (string, bool) {
	q := quote(c.Name)
	switch f.Kind {
	case checksum.FormText:
		switch c.Class {
		case dialect.ClassString, dialect.ClassEnum:
			if c.Coerced {
				return "", false
			}
			if !utf8Collation(c.Collation) {
				// The client reads text converted to utf8mb4; SQL must hash the same bytes.
				return "CONVERT(" + q + " USING utf8mb4)", true
			}
			return q, true
		}
	case checksum.FormHex:
		if c.Class == dialect.ClassBytes {
			return "LOWER(HEX(" + q + "))", true
		}
	case checksum.FormPlain:
		switch c.Class {
		case dialect.ClassInt, dialect.ClassUint, dialect.ClassDate, dialect.ClassYear, dialect.ClassBool:
			return q, true
		}
	case checksum.FormDecimal:
		if c.Class != dialect.ClassDecimal {
			return "", false
		}
		s, ok := dialect.DecimalScale(c)
		switch {
		case !ok:
			return "", false
		case f.Scale < 0 && s == 0, f.Scale == s:
			return q, true
		case f.Scale < 0:
			return "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM " + q + "))", true
		case f.Scale > s && s == 0:
			return "CONCAT(" + q + ", '." + strings.Repeat("0", f.Scale) + "')", true
		case f.Scale > s:
			return "CONCAT(" + q + ", '" + strings.Repeat("0", f.Scale-s) + "')", true
		}
	case checksum.FormTime:
		if c.Class != dialect.ClassTimestamp && c.Class != dialect.ClassTime {
			return "", false
		}
		p := dialect.TimePrecision(c, 0)
		switch {
		case f.TrimFrac && p == 0, !f.TrimFrac && p == 6:
			return q, true
		case f.TrimFrac:
			return "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM " + q + "))", true
		case p == 0:
			return "CONCAT(" + q + ", '.000000')", true
		default:
			return "CONCAT(" + q + ", '" + strings.Repeat("0", 6-p) + "')", true
		}
	}
	return "", false
}

// utf8Collation reports whether a collation's character set is UTF-8 (or ASCII), whose bytes
// the client receives unchanged.
func utf8Collation(coll string) bool {
	for _, cs := range []string{"utf8mb4_", "utf8mb3_", "utf8_", "ascii_"} {
		if strings.HasPrefix(coll, cs) {
			return true
		}
	}
	return false
}

// hashSQL is how MySQL builds a row's hash text.
var hashSQL = dialect.HashSQL{
	Expr:   hashExpr,
	Length: func(e string) string { return "LENGTH(" + e + ")" },
	IfNull: func(e, alt string) string { return "IFNULL(" + e + ", " + alt + ")" },
	Concat: func(parts []string) string { return "CONCAT(" + strings.Join(parts, ", ") + ")" },
}

// hashText is the SQL building the hash text of q's columns under l.
func hashText(q dialect.Query, l checksum.Layout) (string, error) {
	text, err := hashSQL.HashText(q, l)
	if err != nil {
		return "", fmt.Errorf("mysql: %w", err)
	}
	return text, nil
}

// hashPair is the SQL of a row's two hashes under family fam, for a select list or aggregates;
// shared says the hash text may be built once and carried from the first hash to the second.
func (d *DB) hashPair(text string, fam checksum.Family, shared bool) (string, string, error) {
	switch {
	case fam == checksum.CRC32C && shared:
		return "CRC32(@dbv_s := " + text + ")", "CRC32C(@dbv_s)", nil
	case fam == checksum.CRC32C && slices.Contains(d.families, checksum.CRC32C):
		return "CRC32(" + text + ")", "CRC32C(" + text + ")", nil
	case fam == checksum.MD5 && shared:
		return "CAST(CONV(LEFT(@dbv_m := MD5(" + text + "), 16), 16, 10) AS UNSIGNED)",
			"CAST(CONV(RIGHT(@dbv_m, 16), 16, 10) AS UNSIGNED)", nil
	case fam == checksum.MD5:
		return "CAST(CONV(LEFT(MD5(" + text + "), 16), 16, 10) AS UNSIGNED)",
			"CAST(CONV(RIGHT(MD5(" + text + "), 16), 16, 10) AS UNSIGNED)", nil
	}
	return "", "", fmt.Errorf("mysql: hash family %s is not computed by %s", fam, d.version)
}

// Digest implements dialect.Pushdown.
func (d *DB) Digest(ctx context.Context, q dialect.Query, l checksum.Layout) (checksum.Digest, error) {
	text, err := hashText(q, l)
	if err != nil {
		return checksum.Digest{}, err
	}
	h1, h2, err := d.hashPair(text, l.Family, d.sharedVar)
	if err != nil {
		return checksum.Digest{}, err
	}
	pred, args := rangePredicate(q)
	query := fmt.Sprintf(digestQuery, h1, h2, quoteTable(q.Table), pred)
	var count, sum, xor sql.RawBytes
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return checksum.Digest{}, fmt.Errorf("mysql: digest %s: %w", q.Table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return checksum.Digest{}, fmt.Errorf("mysql: digest %s: no result: %v", q.Table, rows.Err())
	}
	if err := rows.Scan(&count, &sum, &xor); err != nil {
		return checksum.Digest{}, fmt.Errorf("mysql: digest %s: %w", q.Table, err)
	}
	dg, err := dialect.ParseDigest(count, sum, xor)
	if err != nil {
		return dg, fmt.Errorf("mysql: digest %s: %w", q.Table, err)
	}
	return dg, rows.Close()
}

// RowHashes implements dialect.Pushdown.
func (d *DB) RowHashes(ctx context.Context, q dialect.Query, l checksum.Layout) (dialect.HashRows, error) {
	text, err := hashText(q, l)
	if err != nil {
		return nil, err
	}
	h1, h2, err := d.hashPair(text, l.Family, d.sharedVar)
	if err != nil {
		return nil, err
	}
	pred, args := rangePredicate(q)
	t, idx := dialect.WithHashColumns(q.Table, 2)
	query := fmt.Sprintf(rowHashesQuery, selectList(q.Table, q.Table.Key), h1+", "+h2, quoteTable(q.Table), pred)
	rows, err := d.query(ctx, t, idx, query, args)
	if err != nil {
		return nil, err
	}
	return &dialect.HashedRows{Rows: rows}, nil
}

// GroupDigests implements dialect.Pushdown.
func (d *DB) GroupDigests(ctx context.Context, q dialect.Query, l checksum.Layout, width int64) ([]dialect.GroupDigest, error) {
	key, err := dialect.GroupKey(q, width)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	text, err := hashText(q, l)
	if err != nil {
		return nil, err
	}
	h1, h2, err := d.hashPair(text, l.Family, d.groupSharedVar)
	if err != nil {
		return nil, err
	}
	pred, args := rangePredicate(q)
	query := fmt.Sprintf(groupQuery, quote(key.Name), width, h1, h2, quoteTable(q.Table), pred)
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("mysql: group digests %s: %w", q.Table, err)
	}
	defer rows.Close()
	var out []dialect.GroupDigest
	var group, count, sum, xor sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&group, &count, &sum, &xor); err != nil {
			return nil, fmt.Errorf("mysql: group digests %s: %w", q.Table, err)
		}
		gd, err := dialect.ParseGroupDigest(group, count, sum, xor)
		if err != nil {
			return nil, fmt.Errorf("mysql: group digests %s: %w", q.Table, err)
		}
		out = append(out, gd)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql: group digests %s: %w", q.Table, err)
	}
	return out, nil
}
