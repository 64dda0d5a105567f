package dialect

import "github.com/dbverify/dbverify/pkg/checksum"

// AppendCanonical appends the canonical form of one non-NULL value given in the usual text form
// of its class: what both engines print for decimals, floats, booleans, times, timestamps, JSON
// and UUIDs. Values already canonical as text (integers, dates, text, enums, binary) are copied;
// fixed-width CHAR values lose their pad. An engine handles its own wire forms (MySQL's BIT
// bytes, PostgreSQL's hex bytea, ...) and passes everything else here.
func AppendCanonical(dst, raw []byte, c Column) ([]byte, error) {
	switch c.Class {
	case ClassDecimal:
		return checksum.AppendDecimal(dst, raw)
	case ClassFloat:
		return checksum.AppendFloat(dst, raw, 32)
	case ClassDouble:
		return checksum.AppendFloat(dst, raw, 64)
	case ClassBool:
		return checksum.AppendBool(dst, raw)
	case ClassTime:
		return checksum.AppendTime(dst, raw)
	case ClassTimestamp:
		return checksum.AppendTimestamp(dst, raw)
	case ClassJSON:
		return checksum.AppendJSON(dst, raw)
	case ClassUUID:
		return checksum.AppendUUID(dst, raw)
	case ClassString:
		if c.PadChar {
			raw = checksum.TrimPad(raw)
		}
	}
	return append(dst, raw...), nil
}
