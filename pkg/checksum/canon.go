package checksum

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"time"
)

// The canonical encoding: the bytes every engine must produce for the same value, so that equal
// data hashes alike across engines. Each encoder takes an engine's text form of a value and
// appends the canonical form to dst. Values arrive non-NULL; NULL is framed by AppendRow.
//
//	integers      decimal, no leading zeros or plus sign
//	decimals      decimal, no trailing fractional zeros, no trailing point; -0 is 0
//	floats        shortest text that round-trips at the type's own width (32 or 64 bits); -0 is 0
//	booleans      1 or 0
//	bit strings   the unsigned integer in decimal
//	dates         YYYY-MM-DD
//	times         [-]HH:MM:SS.ffffff
//	timestamps    YYYY-MM-DD HH:MM:SS.ffffff in UTC
//	JSON          sorted keys, no insignificant space, no HTML escaping
//	UUIDs         lower case with hyphens
//	text          UTF-8 as stored (fixed-width pad spaces trimmed by the caller's choice)
//	binary        the bytes themselves

// AppendDecimal appends the canonical form of an exact decimal such as "-012.3400".
func AppendDecimal(dst, src []byte) ([]byte, error) {
	s := src
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasPoint := bytes.Cut(s, []byte{'.'})
	if len(intPart) == 0 && len(frac) == 0 || !allDigits(intPart) || !allDigits(frac) {
		return dst, fmt.Errorf("checksum: not a decimal: %q", src)
	}
	if hasPoint {
		frac = bytes.TrimRight(frac, "0")
	}
	intPart = bytes.TrimLeft(intPart, "0")
	if len(intPart) == 0 && len(frac) == 0 {
		return append(dst, '0'), nil
	}
	if neg {
		dst = append(dst, '-')
	}
	if len(intPart) == 0 {
		dst = append(dst, '0')
	}
	dst = append(dst, intPart...)
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return dst, nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// AppendInt appends the canonical form of an integer's text, e.g. "+007" -> "7".
func AppendInt(dst, src []byte) ([]byte, error) {
	if len(src) > 0 && len(src) < 19 && allDigits(src) && (src[0] != '0' || len(src) == 1) {
		return append(dst, src...), nil // the common case: already canonical
	}
	var n big.Int
	if _, ok := n.SetString(string(src), 10); !ok {
		return dst, fmt.Errorf("checksum: not an integer: %q", src)
	}
	return n.Append(dst, 10), nil
}

// AppendFloat appends the shortest text that round-trips the float at its width (bits 32 or
// 64). NaN is "NaN" and infinities "Infinity" and "-Infinity", whatever the engine spelled.
func AppendFloat(dst, src []byte, bits int) ([]byte, error) {
	v, err := strconv.ParseFloat(string(src), bits)
	if err != nil {
		return dst, fmt.Errorf("checksum: not a float: %q", src)
	}
	return AppendFloatValue(dst, v, bits), nil
}

// AppendFloatValue is AppendFloat for a value already parsed.
func AppendFloatValue(dst []byte, v float64, bits int) []byte {
	switch {
	case v != v:
		return append(dst, "NaN"...)
	case v > 0 && v*0.5 == v:
		return append(dst, "Infinity"...)
	case v < 0 && v*0.5 == v:
		return append(dst, "-Infinity"...)
	case v == 0:
		// Negative zero is zero: MySQL stores -0.0 as 0 while PostgreSQL keeps the sign, and
		// the two compare equal as numbers.
		return append(dst, '0')
	}
	return strconv.AppendFloat(dst, v, 'g', -1, bits)
}

// AppendBool appends 1 or 0 for the text forms engines use for booleans.
func AppendBool(dst, src []byte) ([]byte, error) {
	switch string(src) {
	case "1", "t", "true", "TRUE", "y", "yes", "on":
		return append(dst, '1'), nil
	case "0", "f", "false", "FALSE", "n", "no", "off":
		return append(dst, '0'), nil
	}
	return dst, fmt.Errorf("checksum: not a boolean: %q", src)
}

// AppendBitString appends a string of '0' and '1' as its unsigned value in decimal.
func AppendBitString(dst, src []byte) ([]byte, error) {
	var n big.Int
	if len(src) == 0 {
		return append(dst, '0'), nil
	}
	// big.Int would also take a sign; a bit string has none.
	for _, c := range src {
		if c != '0' && c != '1' {
			return dst, fmt.Errorf("checksum: not a bit string: %q", src)
		}
	}
	n.SetString(string(src), 2)
	return n.Append(dst, 10), nil
}

// AppendBitBytes appends big-endian bytes (MySQL's BIT on the wire) as an unsigned decimal.
func AppendBitBytes(dst, src []byte) []byte {
	var n big.Int
	n.SetBytes(src)
	return n.Append(dst, 10)
}

// AppendTime appends a time of day or interval "[-]H+:MM:SS[.f]" as "[-]HH:MM:SS.ffffff": the
// hours without leading zeros beyond two digits, and six fractional digits.
func AppendTime(dst, src []byte) ([]byte, error) {
	whole, frac, _ := bytes.Cut(src, []byte{'.'})
	neg := len(whole) > 0 && whole[0] == '-'
	if neg {
		whole = whole[1:]
	}
	n := len(whole)
	if n < 7 || whole[n-3] != ':' || whole[n-6] != ':' || !allDigits(whole[:n-6]) ||
		!allDigits(whole[n-5:n-3]) || !allDigits(whole[n-2:]) || len(frac) > 6 || !allDigits(frac) {
		return dst, fmt.Errorf("checksum: not a time: %q", src)
	}
	hours := whole[:n-6]
	for len(hours) > 2 && hours[0] == '0' {
		hours = hours[1:]
	}
	if neg {
		dst = append(dst, '-')
	}
	if len(hours) == 1 {
		dst = append(dst, '0')
	}
	dst = append(dst, hours...)
	dst = append(dst, whole[n-6:]...)
	return appendMicros(dst, frac), nil
}

func appendMicros(dst, frac []byte) []byte {
	dst = append(dst, '.')
	dst = append(dst, frac...)
	for i := len(frac); i < 6; i++ {
		dst = append(dst, '0')
	}
	return dst
}

// AppendTimestamp appends "YYYY-MM-DD HH:MM:SS.ffffff" in UTC. The source may carry a
// fraction of up to six digits and a zone offset (+HH, +HH:MM or +HH:MM:SS, or a 'T' between
// date and time); an offset is applied to bring the value to UTC. Values outside what a
// calendar holds, such as MySQL's zero date or PostgreSQL's infinity, are kept as they are.
func AppendTimestamp(dst, src []byte) ([]byte, error) {
	if bytes.Equal(src, []byte("infinity")) || bytes.Equal(src, []byte("-infinity")) {
		return append(dst, src...), nil
	}
	if bytes.HasSuffix(src, []byte(" BC")) {
		// PostgreSQL's years before 1 AD, e.g. "0044-03-15 12:00:00+00 BC": no time.Time
		// arithmetic for them, so they stay as the engine wrote them.
		ad := src[:len(src)-3]
		if !isTimestampPrefix(ad) || bytes.HasSuffix(ad, []byte(" BC")) {
			return dst, fmt.Errorf("checksum: not a timestamp: %q", src)
		}
		if _, err := AppendTimestamp(nil, ad); err != nil {
			return dst, fmt.Errorf("checksum: not a timestamp: %q", src)
		}
		return append(dst, src...), nil
	}
	if !isTimestampPrefix(src) {
		return dst, fmt.Errorf("checksum: not a timestamp: %q", src)
	}
	rest := src[19:]
	var frac []byte
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		frac, rest = rest[1:i], rest[i:]
		if len(frac) > 6 {
			return dst, fmt.Errorf("checksum: timestamp finer than microseconds: %q", src)
		}
	}
	if len(rest) == 0 || isZeroOffset(rest) {
		dst = append(dst, src[:10]...)
		dst = append(dst, ' ')
		dst = append(dst, src[11:19]...)
		return appendMicros(dst, frac), nil
	}
	layout := "2006-01-02 15:04:05.999999Z07:00:00"
	switch len(rest) {
	case 3:
		layout = "2006-01-02 15:04:05.999999Z07"
	case 6:
		layout = "2006-01-02 15:04:05.999999Z07:00"
	}
	norm := append([]byte(nil), src...)
	norm[10] = ' '
	ts, err := time.Parse(layout, string(norm))
	if err != nil {
		return dst, fmt.Errorf("checksum: not a timestamp: %q", src)
	}
	ts = ts.UTC()
	if y := ts.Year(); y < 1 || y > 9999 {
		// Out of the four-digit AD form (PostgreSQL would write 1 BC with a " BC" suffix);
		// refuse rather than print what no engine would.
		return dst, fmt.Errorf("checksum: timestamp out of range in UTC: %q", src)
	}
	return ts.AppendFormat(dst, "2006-01-02 15:04:05.000000"), nil
}

// isTimestampPrefix reports whether b begins "DDDD-DD-DD DD:DD:DD" (or with a 'T' for the space).
func isTimestampPrefix(b []byte) bool {
	const shape = "dddd-dd-dd dd:dd:dd"
	if len(b) < len(shape) {
		return false
	}
	for i := 0; i < len(shape); i++ {
		switch c := b[i]; shape[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case ' ':
			if c != ' ' && c != 'T' {
				return false
			}
		default:
			if c != shape[i] {
				return false
			}
		}
	}
	return true
}

// isZeroOffset reports whether b is "Z" or a zero offset "±00", "±00:00" or "±00:00:00".
func isZeroOffset(b []byte) bool {
	switch string(b) {
	case "Z", "+00", "-00", "+00:00", "-00:00", "+00:00:00", "-00:00:00":
		return true
	}
	return false
}

// AppendJSON re-serialises a JSON document with sorted object keys, no insignificant white space
// and no HTML escaping. Numbers keep their text (1.0 stays 1.0: JSON does not say they are equal).
func AppendJSON(dst, src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return dst, fmt.Errorf("checksum: not JSON: %w", err)
	}
	// Decode stops after the first value; anything but white space after it is not JSON.
	if len(bytes.TrimLeft(src[dec.InputOffset():], " \t\r\n")) != 0 {
		return dst, fmt.Errorf("checksum: not JSON: data after the value in %q", src)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, fmt.Errorf("checksum: JSON: %w", err)
	}
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...), nil
}

// AppendUUID appends a UUID lower case with hyphens, from its 36-character text (any case),
// its 32 hex digits, or its 16 raw bytes.
func AppendUUID(dst, src []byte) ([]byte, error) {
	const hexdigits = "0123456789abcdef"
	var raw [16]byte
	switch len(src) {
	case 16:
		copy(raw[:], src)
	case 32, 36:
		j := 0
		for i := 0; i < len(src); i++ {
			c := src[i]
			if c == '-' && len(src) == 36 && (i == 8 || i == 13 || i == 18 || i == 23) {
				continue
			}
			v := unhex(c)
			if v > 15 || j >= 32 {
				return dst, fmt.Errorf("checksum: not a UUID: %q", src)
			}
			raw[j/2] |= v << (4 * (1 - j%2))
			j++
		}
		if j != 32 {
			return dst, fmt.Errorf("checksum: not a UUID: %q", src)
		}
	default:
		return dst, fmt.Errorf("checksum: not a UUID: %q", src)
	}
	for i, b := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexdigits[b>>4], hexdigits[b&15])
	}
	return dst, nil
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 255
}

// TrimPad returns b without trailing spaces: the pad of a fixed-width CHAR column, which
// MySQL strips on read and PostgreSQL keeps.
func TrimPad(b []byte) []byte {
	return bytes.TrimRight(b, " ")
}
