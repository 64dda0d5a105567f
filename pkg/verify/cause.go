package verify

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Causes a changed value is annotated with, when one fits.
const (
	CauseTruncated  = "truncated"           // the target is a prefix of the source (DMS limited LOB mode)
	CauseWhitespace = "trailing whitespace" // equal but for trailing white space
	CauseCase       = "letter case"         // equal but for letter case
	CauseRounded    = "rounded"             // equal within the coarser precision of the two
	CauseShifted    = "shifted"             // timestamps a whole number of hours (or half hours) apart: a time zone
	CauseEncoding   = "encoding"            // the same text in another encoding (latin1 bytes read as UTF-8, or back)
)

// likelyCause names the likely reason two canonical values of a column differ, with detail, or
// returns "" for a plain change. NULL on either side has no cause. A cause is named only when
// it explains the difference: the migration made the target, so a rounding is one of the
// source's value into the target's. targetScale is the target column's decimal places, -1 when
// unknown (see decimalScale).
func likelyCause(class dialect.Class, src, tgt []byte, targetScale int) string {
	if src == nil || tgt == nil {
		return ""
	}
	switch class {
	case dialect.ClassString, dialect.ClassEnum, dialect.ClassJSON, dialect.ClassOther, dialect.ClassBytes:
		if c := textCause(src, tgt); c != "" {
			return c
		}
	case dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble:
		return numberCause(class, src, tgt, targetScale)
	case dialect.ClassTimestamp, dialect.ClassTime:
		return timeCause(class, src, tgt)
	}
	return ""
}

func textCause(src, tgt []byte) string {
	trim := func(b []byte) []byte { return bytes.TrimRight(b, " \t\r\n") }
	switch {
	case bytes.Equal(trim(src), trim(tgt)):
		return CauseWhitespace
	case utf8.Valid(src) && utf8.Valid(tgt) && bytes.EqualFold(src, tgt):
		return CauseCase
	case sameTextOtherEncoding(src, tgt):
		return CauseEncoding
	case len(tgt) < len(src) && bytes.HasPrefix(src, tgt):
		return fmt.Sprintf("%s: target keeps %d of %d bytes", CauseTruncated, len(tgt), len(src))
	}
	return ""
}

// sameTextOtherEncoding reports whether one value is the other's text in Latin-1 or Windows-1252:
// UTF-8 read as Latin-1 and stored again as UTF-8 ("Ã©" for "é"), or Latin-1 bytes kept raw.
func sameTextOtherEncoding(a, b []byte) bool {
	for _, cm := range []*charmap.Charmap{charmap.ISO8859_1, charmap.Windows1252} {
		for _, p := range [][2][]byte{{a, b}, {b, a}} {
			utf, other := p[0], p[1]
			if !utf8.Valid(utf) {
				continue
			}
			// other is utf's bytes decoded as this charset: double encoding.
			if dec, err := cm.NewDecoder().Bytes(utf); err == nil && bytes.Equal(dec, other) && !bytes.Equal(utf, other) {
				return true
			}
			// other is utf's text encoded in this charset: single-byte bytes.
			if enc, err := cm.NewEncoder().Bytes(utf); err == nil && bytes.Equal(enc, other) && !bytes.Equal(utf, other) {
				return true
			}
		}
	}
	return false
}

func numberCause(class dialect.Class, src, tgt []byte, targetScale int) string {
	if class == dialect.ClassDecimal {
		return decimalCause(src, tgt, targetScale)
	}
	a, err1 := strconv.ParseFloat(string(src), 64)
	b, err2 := strconv.ParseFloat(string(tgt), 64)
	if err1 != nil || err2 != nil {
		return ""
	}
	digits := 15
	if class == dialect.ClassFloat {
		digits = 6
	}
	if strconv.FormatFloat(a, 'g', digits, 64) == strconv.FormatFloat(b, 'g', digits, 64) {
		return fmt.Sprintf("%s: equal to %d significant digits", CauseRounded, digits)
	}
	return ""
}

// decimalCause tells whether the target's value is the source's rounded (half away from zero)
// or cut to fewer decimal places. How many places is told by the target column's scale when it
// cannot hold the source's digits, else by the target value's own digits; a target value with
// no fractional digit left in a column that could hold them shows no precision kept, so it is
// not called a rounding: 7.99 -> 8.00 is as much a plain change as a rounding to 0 places.
func decimalCause(src, tgt []byte, targetScale int) string {
	a, ok1 := new(big.Rat).SetString(string(src))
	b, ok2 := new(big.Rat).SetString(string(tgt))
	if !ok1 || !ok2 || a.Cmp(b) == 0 {
		return "" // the same number written another way is no rounding
	}
	fine := fracDigits(src)
	digits := fracDigits(tgt)
	switch {
	case targetScale >= 0 && targetScale < fine:
		digits = targetScale // the target column cannot hold the source's digits
	case digits == 0:
		return ""
	}
	if digits >= fine {
		return "" // a target with as many places as the source is not its rounding
	}
	if roundTo(a, digits, false).Cmp(b) == 0 || roundTo(a, digits, true).Cmp(b) == 0 {
		return fmt.Sprintf("%s to %s", CauseRounded, plural(digits, "decimal place", "decimal places"))
	}
	return ""
}

// fracDigits is how many fractional digits a decimal's text shows, trailing zeros aside.
func fracDigits(b []byte) int {
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		return len(bytes.TrimRight(b[i+1:], "0"))
	}
	return 0
}

// decimalScale is the number of decimal places a column holds: the scale of DECIMAL(p,s) and
// NUMERIC(p,s), 0 for integer types, -1 when the type does not bound it (NUMERIC, floats, text).
func decimalScale(c dialect.Column) int {
	switch c.Class {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassBool, dialect.ClassYear:
		return 0
	case dialect.ClassDecimal:
	default:
		return -1
	}
	t := strings.ToLower(c.Type)
	open := strings.IndexByte(t, '(')
	end := strings.IndexByte(t, ')')
	if open < 0 || end < open {
		if strings.HasPrefix(t, "decimal") {
			return 0 // MySQL's DECIMAL is DECIMAL(10,0)
		}
		return -1
	}
	_, scale, ok := strings.Cut(t[open+1:end], ",")
	if !ok {
		return 0 // DECIMAL(p) and NUMERIC(p) have no fractional digits
	}
	n, err := strconv.Atoi(strings.TrimSpace(scale))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// roundTo rounds r to digits decimals, half away from zero, or cuts it when cut is set.
func roundTo(r *big.Rat, digits int, cut bool) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	num, den := x.Num(), x.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if !cut && new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return new(big.Rat).SetFrac(q, scale)
}

func timeCause(class dialect.Class, src, tgt []byte) string {
	if class == dialect.ClassTimestamp {
		const layout = "2006-01-02 15:04:05.000000"
		a, err1 := time.Parse(layout, string(src))
		b, err2 := time.Parse(layout, string(tgt))
		if err1 != nil || err2 != nil {
			return ""
		}
		d := b.Sub(a)
		if d != 0 && d%(30*time.Minute) == 0 && d.Abs() <= 26*time.Hour {
			return fmt.Sprintf("%s by %s (a time zone setting?)", CauseShifted, fmtShift(d))
		}
	}
	// Fractions of a second lost: equal once both are cut to the coarser precision.
	s, t := string(src), string(tgt)
	si, ti := strings.IndexByte(s, '.'), strings.IndexByte(t, '.')
	if si < 0 || ti < 0 || s[:si] != t[:ti] {
		return ""
	}
	// The target is the one that lost digits: a target finer than its source is no rounding.
	long, short := strings.TrimRight(s[si+1:], "0"), strings.TrimRight(t[ti+1:], "0")
	if len(short) >= len(long) {
		return ""
	}
	if strings.HasPrefix(long, short) || roundsTo(long, short) {
		return fmt.Sprintf("%s to %s", CauseRounded, plural(len(short), "fractional digit", "fractional digits"))
	}
	return ""
}

// roundsTo reports whether the fraction digits long round (half up) to short.
func roundsTo(long, short string) bool {
	if len(long) <= len(short) {
		return false
	}
	a, err1 := strconv.ParseUint(long[:len(short)], 10, 64)
	if len(short) == 0 {
		a, err1 = 0, nil
	}
	b, err2 := strconv.ParseUint("0"+short, 10, 64)
	return err1 == nil && err2 == nil && long[len(short)] >= '5' && a+1 == b
}

// plural is n with the noun's form for n: "1 row", "2 rows", "0 rows".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func fmtShift(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	if m == 0 {
		return fmt.Sprintf("%s%dh", sign, h)
	}
	return fmt.Sprintf("%s%dh%02dm", sign, h, m)
}
