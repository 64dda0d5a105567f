package mysql

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var (
	_ dialect.Repairer   = (*DB)(nil)
	_ dialect.Referencer = (*DB)(nil)
	_ sqlkit.Writer      = (*DB)(nil)
)

// References implements dialect.Referencer.
func (d *DB) References(ctx context.Context, t *dialect.Table) ([]string, error) {
	rows, err := d.read(ctx, `SELECT DISTINCT REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL`, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("mysql: foreign keys of %s: %w", t, err)
	}
	defer rows.Close()
	names, err := sqlkit.ScanTableNames(rows)
	if err != nil {
		return nil, fmt.Errorf("mysql: foreign keys of %s: %w", t, err)
	}
	return names, nil
}

// QuoteTable implements sqlkit.Writer.
func (d *DB) QuoteTable(t *dialect.Table) string { return quoteTable(t) }

// RepairHeader implements dialect.Repairer: the literals are UTF-8 (the mysql client's own
// default may be utf8mb3 or latin1) and canonical TIMESTAMP values are in UTC; foreign keys
// are not checked while rows of several tables are put right in no particular order.
func (d *DB) RepairHeader() []string {
	return []string{"SET NAMES utf8mb4;", "SET time_zone = '+00:00';", "SET FOREIGN_KEY_CHECKS = 0;",
		// MySQL 8 refuses the zero dates a MySQL source may hold, by default.
		"SET SESSION sql_mode = REPLACE(REPLACE(@@sql_mode, 'NO_ZERO_IN_DATE', ''), 'NO_ZERO_DATE', '');"}
}

// AfterInserts implements dialect.Repairer: an AUTO_INCREMENT counter moves past explicit
// values by itself.
func (d *DB) AfterInserts(*dialect.Table) []string { return nil }

// Literal implements sqlkit.Writer. Numbers are written bare (a DECIMAL literal is exact),
// binary data in hex, everything else as a string MySQL converts to the column's type.
func (d *DB) Literal(c dialect.Column, v []byte) (string, bool) {
	if v == nil {
		return "NULL", true
	}
	switch c.Class {
	case dialect.ClassFloat:
		// The shortest float32 text read as a double can exceed FLT_MAX (3.4028235e+38): write
		// the float32's exact double instead.
		f, err := strconv.ParseFloat(string(v), 32)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", false
		}
		return strconv.FormatFloat(f, 'g', -1, 64), true
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassDouble,
		dialect.ClassBool, dialect.ClassBit, dialect.ClassYear:
		// NaN and infinities (from a PostgreSQL source) have no MySQL value.
		return string(v), sqlkit.IsPlainNumber(v)
	case dialect.ClassBytes:
		return "X'" + hex.EncodeToString(v) + "'", true
	case dialect.ClassUUID:
		h, ok := uuidHex(v)
		switch {
		case !ok:
			return "", false
		case strings.Contains(strings.ToLower(c.Type), "binary"): // BINARY(16) holding a UUID
			return "X'" + h + "'", true
		case sqlkit.TextWidth(c.Type) == 32: // CHAR(32): the hex digits alone
			return "'" + h + "'", true
		}
	case dialect.ClassDate, dialect.ClassTimestamp:
		// PostgreSQL's infinity and BC dates have no MySQL value; a MySQL zero date stays. A
		// TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07.999999 UTC only.
		if !sqlkit.IsCalendarDate(v) && !bytes.HasPrefix(v, []byte("0000-")) {
			return "", false
		}
		if strings.HasPrefix(strings.ToLower(c.Type), "timestamp") && !bytes.HasPrefix(v, []byte("0000-")) &&
			(string(v) < "1970-01-01 00:00:01" || string(v) > "2038-01-19 03:14:07.999999") {
			return "", false
		}
	case dialect.ClassOther:
		return "", false // the engine's own text form (spatial types, say) does not read back
	}
	return d.QuoteString(string(v)), true
}

// KeyEquals implements sqlkit.Writer. Under a case- or accent-insensitive collation "a" =
// "A": a text key also compares as binary, in the column's character set, so that a
// statement touches its row only. A UUID in text compares lower-cased (the canonical form).
func (d *DB) KeyEquals(c dialect.Column, lit string) string {
	q := quote(c.Name)
	switch c.Class {
	case dialect.ClassString, dialect.ClassEnum:
		if cs, _, ok := strings.Cut(c.Collation, "_"); ok && lit != "NULL" {
			return q + " = " + lit + " AND BINARY " + q + " = BINARY CONVERT(" + lit + " USING " + cs + ")"
		}
	case dialect.ClassUUID:
		if !strings.Contains(strings.ToLower(c.Type), "binary") {
			return q + " = " + lit + " AND LOWER(" + q + ") = " + lit
		}
	}
	// A FLOAT's literal is the float's exact double, which the column widened to a double equals.
	return q + " = " + lit
}

// uuidHex is a canonical UUID's 32 hex digits.
func uuidHex(v []byte) (string, bool) {
	h := strings.ReplaceAll(string(v), "-", "")
	if _, err := hex.DecodeString(h); err != nil || len(h) != 32 {
		return "", false
	}
	return strings.ToLower(h), true
}
