package mysql

import (
	"encoding/hex"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Repairer = (*DB)(nil)

// QuoteTable implements dialect.Repairer.
func (d *DB) QuoteTable(t *dialect.Table) string { return quoteTable(t) }

// RepairHeader implements dialect.Repairer: canonical TIMESTAMP values are in UTC.
func (d *DB) RepairHeader() []string { return []string{"SET time_zone = '+00:00';"} }

// Literal implements dialect.Repairer. Numbers are written bare (a DECIMAL literal is exact),
// binary data in hex, everything else as a string MySQL converts to the column's type.
func (d *DB) Literal(c dialect.Column, v []byte) (string, bool) {
	if v == nil {
		return "NULL", true
	}
	switch c.Class {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble,
		dialect.ClassBool, dialect.ClassBit, dialect.ClassYear:
		// NaN and infinities (from a PostgreSQL source) have no MySQL value.
		return string(v), dialect.IsPlainNumber(v)
	case dialect.ClassBytes:
		return "X'" + hex.EncodeToString(v) + "'", true
	case dialect.ClassUUID:
		if strings.Contains(strings.ToLower(c.Type), "binary") { // BINARY(16) holding a UUID
			h := strings.ReplaceAll(string(v), "-", "")
			if _, err := hex.DecodeString(h); err != nil || len(h) != 32 {
				return "", false
			}
			return "X'" + h + "'", true
		}
	case dialect.ClassDate, dialect.ClassTimestamp:
		// PostgreSQL's infinity and BC dates have no MySQL value.
		if len(v) == 0 || v[0] < '0' || v[0] > '9' {
			return "", false
		}
	case dialect.ClassOther:
		return "", false // the engine's own text form (spatial types, say) does not read back
	}
	return d.QuoteString(string(v)), true
}

// KeyEquals implements dialect.Repairer. Under a case- or accent-insensitive collation "a" =
// "A": a text key also compares as binary, so that a statement touches its row only.
func (d *DB) KeyEquals(c dialect.Column, lit string) string {
	q := quote(c.Name)
	switch c.Class {
	case dialect.ClassString, dialect.ClassEnum, dialect.ClassJSON, dialect.ClassUUID:
		return q + " = " + lit + " AND BINARY " + q + " = BINARY " + lit
	}
	return q + " = " + lit
}
