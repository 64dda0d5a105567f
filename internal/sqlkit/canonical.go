package sqlkit

import (
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// AppendCanonical appends the canonical form of one non-NULL value given in the usual text form
// of its class: what both engines print for decimals, floats, booleans, times, timestamps, JSON
// and UUIDs. Values already canonical as text (integers, dates, text, enums, binary) are copied;
// fixed-width CHAR values lose their pad. An engine handles its own wire forms (MySQL's BIT
// bytes, PostgreSQL's hex bytea, ...) and passes everything else here.
func AppendCanonical(dst, raw []byte, c dialect.Column) ([]byte, error) {
	switch c.Class {
	case dialect.ClassDecimal:
		return checksum.AppendDecimal(dst, raw)
	case dialect.ClassFloat:
		return checksum.AppendFloat(dst, raw, 32)
	case dialect.ClassDouble:
		return checksum.AppendFloat(dst, raw, 64)
	case dialect.ClassBool:
		return checksum.AppendBool(dst, raw)
	case dialect.ClassTime:
		return checksum.AppendTime(dst, raw)
	case dialect.ClassTimestamp:
		return checksum.AppendTimestamp(dst, raw)
	case dialect.ClassJSON:
		return checksum.AppendJSON(dst, raw)
	case dialect.ClassUUID:
		return checksum.AppendUUID(dst, raw)
	case dialect.ClassString:
		if c.PadChar {
			raw = checksum.TrimPad(raw)
		}
	}
	return append(dst, raw...), nil
}
