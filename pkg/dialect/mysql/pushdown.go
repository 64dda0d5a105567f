package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Pushdown = (*DB)(nil)

// The pushed-down digests. A row's hash text is built once, into the session variable
// @dbv_s, and read again by the second CRC; the hashes built from it are carried in @dbv_p and
// @dbv_b (CRCMix) or @dbv_m (MD5) from the expression that builds them to those that read
// them: building the string is most of the cost, and SQL has no other way to share a value
// between two expressions of a row. That relies on the server evaluating a select list, its
// aggregates and each expression's operands left to right, which probeShared checks when the
// pool opens; without it each expression builds its own copy.
//
// Each query also counts the rows whose mark is not NULL (see hashSet): a row whose hash text
// the server cannot build (past max_allowed_packet) has a NULL mark, and SUM and BIT_XOR would
// skip it.
const (
	digestQuery    = "SELECT COUNT(*), COUNT(%s), SUM(%s), BIT_XOR(%s) FROM %s WHERE %s"
	rowHashesQuery = "SELECT %s, %s, %s, %s FROM %s WHERE %s"
	// groupQuery digests a range by key group; ORDER BY NULL spares the sort of the groups.
	groupQuery = "SELECT %s DIV %d, COUNT(*), COUNT(%s), SUM(%s), BIT_XOR(%s) FROM %s WHERE %s GROUP BY 1 ORDER BY NULL"
	// probeRows are what probeShared hashes: values of several lengths, and a NULL hash text
	// between two others (whose variables must not leak into it).
	probeRows = "(SELECT 'a' AS x UNION ALL SELECT 'bb' UNION ALL SELECT NULL UNION ALL SELECT 'ccc' UNION ALL SELECT 'dddd') AS t"
	// maxPacketQuery reads the largest string a function may return in this session.
	maxPacketQuery = "SELECT @@max_allowed_packet"
)

// probePushdown learns which families this server computes: CRCMix needs CRC32C, MariaDB
// 10.8+; MD5 everyone has. It also checks the evaluation order the shared-variable form relies
// on, and reads max_allowed_packet.
func (d *DB) probePushdown(ctx context.Context) {
	if d.mariadb && !versionBefore(d.version, 10, 8, 0) {
		d.families = []checksum.Family{checksum.CRCMix, checksum.MD5}
	} else {
		d.families = []checksum.Family{checksum.MD5}
	}
	if err := d.readRow(ctx, maxPacketQuery).Scan(&d.maxPacket); err != nil {
		d.maxPacket = 0 // unknown: count hashed rows always
	}
	d.sharedVar, d.groupSharedVar = true, true
	for _, fam := range d.families {
		d.sharedVar = d.sharedVar && d.probeShared(ctx, fam, false)
		d.groupSharedVar = d.groupSharedVar && d.probeShared(ctx, fam, true)
	}
	d.groupSharedVar = d.groupSharedVar && d.sharedVar
}

// probeShared runs the digest of probeRows, by group when grouped, and the list of its rows'
// hashes, with the hash text and the hashes shared through variables and without: true when
// the two forms agree.
func (d *DB) probeShared(ctx context.Context, fam checksum.Family, grouped bool) bool {
	run := func(shared bool) ([]string, bool) {
		h, err := d.hashSet("x", fam, shared, true)
		if err != nil {
			return nil, false
		}
		// A mark's value differs between the forms; only whether it is NULL counts.
		queries := []string{fmt.Sprintf(digestQuery, h.mark, h.sum, h.xor, probeRows, "1"),
			fmt.Sprintf(rowHashesQuery, "x", "("+h.mark+") IS NULL", h.sum, h.xor, probeRows, "1")}
		if grouped {
			queries = []string{fmt.Sprintf(groupQuery, "LENGTH(x)", 2, h.mark, h.sum, h.xor, probeRows, "1")}
		}
		var out []string
		for _, q := range queries {
			rows, err := d.read(ctx, q)
			if err != nil {
				return nil, false
			}
			cols, _ := rows.Columns()
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if rows.Scan(ptrs...) != nil {
					rows.Close()
					return nil, false
				}
				out = append(out, fmt.Sprint(vals))
			}
			if rows.Close() != nil || rows.Err() != nil {
				return nil, false
			}
		}
		slices.Sort(out) // groups come in no order
		return out, true
	}
	shared, ok1 := run(true)
	direct, ok2 := run(false)
	return ok1 && ok2 && slices.Equal(shared, direct)
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
		s, ok := c.DecimalScale()
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
		p := c.TimePrecision(0)
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
var hashSQL = sqlkit.HashSQL{
	Expr:   hashExpr,
	Length: func(e string) string { return "LENGTH(" + e + ")" },
	IfNull: func(c dialect.Column, e, alt string) string {
		return "IF(" + quote(c.Name) + " IS NULL, " + alt + ", " + e + ")"
	},
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

// hashSet is the SQL of a row's hashes in a digest or a list: mark is NULL exactly for a row
// the server could not hash (its hash text is NULL) and sets the variables the hashes read when
// they are shared; sum and xor are the two hashes.
type hashSet struct{ mark, sum, xor string }

// hashSet builds the hashes of a row with hash text text under family fam; shared says the hash
// text and the values the hashes share may be carried in session variables (see probeShared);
// overflow says the text may exceed max_allowed_packet, so that a mark is needed even without
// shared variables (a constant mark costs nothing; a real one builds the text once more).
func (d *DB) hashSet(text string, fam checksum.Family, shared, overflow bool) (hashSet, error) {
	mark := "1"
	switch {
	case fam == checksum.CRCMix && shared:
		p := "@dbv_p := ((CRC32(@dbv_s := " + text + ") ^ " + k(checksum.MixK0) + ") * ((@dbv_b := CRC32C(@dbv_s)) ^ " + k(checksum.MixK1) + "))"
		return hashSet{mark: p, sum: mixSum("@dbv_q := "+mixQ("@dbv_p"), "@dbv_p"), xor: "(@dbv_q ^ @dbv_b)"}, nil
	case fam == checksum.CRCMix && slices.Contains(d.families, checksum.CRCMix):
		b := "CRC32C(" + text + ")"
		p := "((CRC32(" + text + ") ^ " + k(checksum.MixK0) + ") * (" + b + " ^ " + k(checksum.MixK1) + "))"
		if overflow {
			mark = b
		}
		return hashSet{mark: mark, sum: mixSum(mixQ(p), p), xor: "(" + mixQ(p) + " ^ " + b + ")"}, nil
	case fam == checksum.MD5 && shared:
		return hashSet{mark: "@dbv_m := MD5(" + text + ")",
			sum: "CAST(CONV(LEFT(@dbv_m, 16), 16, 10) AS UNSIGNED)",
			xor: "CAST(CONV(RIGHT(@dbv_m, 16), 16, 10) AS UNSIGNED)"}, nil
	case fam == checksum.MD5:
		if overflow {
			mark = "MD5(" + text + ")"
		}
		return hashSet{mark: mark,
			sum: "CAST(CONV(LEFT(MD5(" + text + "), 16), 16, 10) AS UNSIGNED)",
			xor: "CAST(CONV(RIGHT(MD5(" + text + "), 16), 16, 10) AS UNSIGNED)"}, nil
	}
	return hashSet{}, fmt.Errorf("mysql: hash family %s is not computed by %s", fam, d.version)
}

// mixQ and mixSum are checksum.Mix's q and sum in SQL, of a row's product p (an expression read
// twice by mixQ, once by mixSum) and its q. Every operator is parenthesized: MySQL's ^ binds
// tighter than * and &.
func mixQ(p string) string {
	return "((((" + p + ") & 4294967295) ^ " + k(checksum.MixK2) + ") * (((" + p + ") >> 32) ^ " + k(checksum.MixK3) + "))"
}

func mixSum(q, p string) string {
	return "((" + q + ") ^ (((" + p + ") & 4294967295) * 4294967297))"
}

// k writes a mix constant in decimal.
func k(c uint32) string { return strconv.FormatUint(uint64(c), 10) }

// hashes is the hash set of q's rows under l, the text shared through variables when shared.
func (d *DB) hashes(q dialect.Query, l checksum.Layout, shared bool) (hashSet, error) {
	text, err := hashText(q, l)
	if err != nil {
		return hashSet{}, err
	}
	return d.hashSet(text, l.Family, shared, d.mayOverflow(q, l))
}

// mayOverflow says whether a row's hash text under l could exceed max_allowed_packet, judged by
// the declared sizes of q's columns (a VARCHAR(n) holds up to 4n bytes, a LONGTEXT 4 GiB; hex
// doubles binary), with room for the framing.
func (d *DB) mayOverflow(q dialect.Query, l checksum.Layout) bool {
	if d.maxPacket <= 0 {
		return true
	}
	var total int64
	for i, ci := range q.Columns {
		n := maxBytes(q.Table.Columns[ci])
		if i < len(l.Forms) && l.Forms[i].Kind == checksum.FormHex {
			n *= 2
		}
		total += n + 24 // length prefix, ':' or ',', a decimal's padding
		if total >= d.maxPacket {
			return true
		}
	}
	return false
}

// maxBytes is the most bytes a column of c's type writes in its canonical text form.
func maxBytes(c dialect.Column) int64 {
	t := strings.ToLower(c.Type)
	base, _, _ := strings.Cut(t, "(")
	if f := strings.Fields(base); len(f) > 0 {
		base = f[0] // "int unsigned"
	}
	switch base {
	case "tinytext", "tinyblob":
		return 255 * 4 // bytes, up to four times as many once converted to utf8mb4
	case "text", "blob":
		return 65535 * 4
	case "mediumtext", "mediumblob":
		return (16 << 20) * 4
	case "longtext", "longblob", "json", "geometry", "point", "linestring", "polygon":
		return 4 << 30
	case "char", "varchar", "binary", "varbinary", "enum", "set":
		if n := typeLength(t); n > 0 && base != "enum" && base != "set" {
			return n * 4
		}
		return 65535 * 4
	}
	return 128 // numbers, dates, times, bits, years, uuids
}

// typeLength reads n of "varchar(n)", or 0.
func typeLength(t string) int64 {
	_, mods, ok := strings.Cut(t, "(")
	if !ok {
		return 0
	}
	mods, _, _ = strings.Cut(mods, ")")
	n, _ := strconv.ParseInt(strings.TrimSpace(mods), 10, 64)
	return n
}

// Digest implements dialect.Pushdown.
func (d *DB) Digest(ctx context.Context, q dialect.Query, l checksum.Layout) (checksum.Digest, error) {
	h, err := d.hashes(q, l, d.sharedVar)
	if err != nil {
		return checksum.Digest{}, err
	}
	pred, args := rangePredicate(q)
	query := fmt.Sprintf(digestQuery, h.mark, h.sum, h.xor, quoteTable(q.Table), pred)
	var count, hashed, sum, xor sql.RawBytes
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return checksum.Digest{}, fmt.Errorf("mysql: digest %s: %w", q.Table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return checksum.Digest{}, fmt.Errorf("mysql: digest %s: no result: %v", q.Table, rows.Err())
	}
	if err := rows.Scan(&count, &hashed, &sum, &xor); err != nil {
		return checksum.Digest{}, fmt.Errorf("mysql: digest %s: %w", q.Table, err)
	}
	dg, err := sqlkit.ParseDigest(count, hashed, sum, xor)
	if err != nil {
		return dg, fmt.Errorf("mysql: digest %s: %w", q.Table, err)
	}
	return dg, rows.Close()
}

// RowHashes implements dialect.Pushdown.
func (d *DB) RowHashes(ctx context.Context, q dialect.Query, l checksum.Layout) (dialect.HashRows, error) {
	h, err := d.hashes(q, l, d.sharedVar)
	if err != nil {
		return nil, err
	}
	pred, args := rangePredicate(q)
	t, idx := sqlkit.WithHashColumns(q.Table, 3)
	query := fmt.Sprintf(rowHashesQuery, selectList(q.Table, q.Table.Key), h.mark, h.sum, h.xor, quoteTable(q.Table), pred)
	rows, err := d.query(ctx, t, idx, query, args)
	if err != nil {
		return nil, err
	}
	return &sqlkit.HashedRows{Rows: rows, Marked: true}, nil
}

// GroupDigests implements dialect.Pushdown.
func (d *DB) GroupDigests(ctx context.Context, q dialect.Query, l checksum.Layout, width int64) ([]dialect.GroupDigest, error) {
	key, err := sqlkit.GroupKey(q, width)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	h, err := d.hashes(q, l, d.groupSharedVar)
	if err != nil {
		return nil, err
	}
	pred, args := rangePredicate(q)
	query := fmt.Sprintf(groupQuery, quote(key.Name), width, h.mark, h.sum, h.xor, quoteTable(q.Table), pred)
	rows, err := d.read(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("mysql: group digests %s: %w", q.Table, err)
	}
	defer rows.Close()
	var out []dialect.GroupDigest
	var group, count, hashed, sum, xor sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&group, &count, &hashed, &sum, &xor); err != nil {
			return nil, fmt.Errorf("mysql: group digests %s: %w", q.Table, err)
		}
		gd, err := sqlkit.ParseGroupDigest(group, count, hashed, sum, xor)
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
