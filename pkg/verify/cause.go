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
// returns "" for a plain change. NULL on either side has no cause.
func likelyCause(class dialect.Class, src, tgt []byte) string {
	if src == nil || tgt == nil {
		return ""
	}
	switch class {
	case dialect.ClassString, dialect.ClassEnum, dialect.ClassJSON, dialect.ClassOther, dialect.ClassBytes:
		if c := textCause(src, tgt); c != "" {
			return c
		}
	case dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble:
		return numberCause(class, src, tgt)
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

func numberCause(class dialect.Class, src, tgt []byte) string {
	if class == dialect.ClassDecimal {
		a, ok1 := new(big.Rat).SetString(string(src))
		b, ok2 := new(big.Rat).SetString(string(tgt))
		if !ok1 || !ok2 {
			return ""
		}
		// The value with fewer decimals is the other rounded (half away from zero) or cut to them.
		fa, fb := fracDigits(src), fracDigits(tgt)
		coarse, fine, digits := b, a, fb
		if fa < fb {
			coarse, fine, digits = a, b, fa
		}
		if fa != fb && (roundTo(fine, digits, false).Cmp(coarse) == 0 || roundTo(fine, digits, true).Cmp(coarse) == 0) {
			return fmt.Sprintf("%s to %d decimal places", CauseRounded, digits)
		}
		return ""
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

func fracDigits(b []byte) int {
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		return len(b) - i - 1
	}
	return 0
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
	sf, tf := strings.TrimRight(s[si+1:], "0"), strings.TrimRight(t[ti+1:], "0")
	short, long := sf, tf
	if len(sf) > len(tf) {
		short, long = tf, sf
	}
	if strings.HasPrefix(long, short) || roundsTo(long, short) {
		return fmt.Sprintf("%s to %d fractional digits", CauseRounded, len(short))
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
