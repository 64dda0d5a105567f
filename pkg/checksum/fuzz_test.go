package checksum

import (
	"bytes"
	"math/big"
	"testing"
)

// splitRow builds a row from fuzz input: empty data is the row of no columns; otherwise the
// first byte is dropped and sep cuts the rest into columns, a column of exactly the byte 0xff
// standing for NULL. So every [][]byte shape (one empty column, NULLs, any bytes) is reachable.
func splitRow(data []byte, sep byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	parts := bytes.Split(data[1:], []byte{sep})
	for i, p := range parts {
		if len(p) == 1 && p[0] == 0xff {
			parts[i] = nil
		} else {
			parts[i] = append([]byte{}, p...) // non-nil even when empty
		}
	}
	return parts
}

func sameRow(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if (a[i] == nil) != (b[i] == nil) || !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// decodeRow undoes AppendRow; it fails unless frame is exactly a framing.
func decodeRow(t *testing.T, frame []byte) [][]byte {
	var cols [][]byte
	for len(frame) > 0 {
		n, k := uvarint(frame)
		if k <= 0 || uint64(len(frame)-k) < max(n, 1)-1 {
			t.Fatalf("bad framing at %x", frame)
		}
		frame = frame[k:]
		if n == 0 {
			cols = append(cols, nil)
			continue
		}
		cols = append(cols, append([]byte{}, frame[:n-1]...))
		frame = frame[n-1:]
	}
	return cols
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

func FuzzAppendRowInjective(f *testing.F) {
	f.Add([]byte(">a,bc"), []byte(">ab,c"), byte(','))   // ["a","bc"] vs ["ab","c"]
	f.Add([]byte(">\xff"), []byte(">"), byte(','))       // [NULL] vs [""]
	f.Add([]byte(">"), []byte(""), byte(','))            // [""] vs []
	f.Add([]byte(">,"), []byte(">\xff,\xff"), byte(',')) // ["",""] vs [NULL,NULL]
	f.Add([]byte(">\x01a"), []byte(">a,"), byte(','))
	f.Add([]byte(">x\x00y"), []byte(">x\x00\x00y"), byte(0))
	f.Add(bytes.Repeat([]byte("z"), 200), bytes.Repeat([]byte("z"), 199), byte('|')) // two-byte lengths
	f.Fuzz(func(t *testing.T, a, b []byte, sep byte) {
		ra, rb := splitRow(a, sep), splitRow(b, sep)
		fa, fb := AppendRow(nil, ra), AppendRow(nil, rb)
		if bytes.Equal(fa, fb) != sameRow(ra, rb) {
			t.Fatalf("rows %q and %q: framings %x and %x", ra, rb, fa, fb)
		}
		// And the framing decodes back to the row it came from.
		if got := decodeRow(t, fa); !sameRow(got, ra) {
			t.Fatalf("row %q framed as %x decodes to %q", ra, fa, got)
		}
	})
}

// decimalRat parses the decimals AppendDecimal accepts, independently of it.
func decimalRat(s string) (*big.Rat, bool) {
	if s == "" || s == "+" || s == "-" || s == "." || s == "+." || s == "-." {
		return nil, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	dots := 0
	for _, c := range []byte(body) {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return nil, false
		}
	}
	if dots > 1 {
		return nil, false
	}
	if body[len(body)-1] == '.' { // big.Rat wants digits after the point
		s = s[:len(s)-1]
	}
	if body[0] == '.' {
		s = s[:len(s)-len(body)] + "0" + body
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func FuzzAppendDecimal(f *testing.F) {
	for _, s := range []string{
		"0", "0.00", "-0.000", "12.3400", "100", "-0.5", ".5", "+1.0", "007.10", "5.", "-.5",
		"1e5", "", "-", "1.2.3", "abc", "+-1", "00000000000000000000.00000000000000000001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := AppendDecimal(nil, []byte(s))
		want, valid := decimalRat(s)
		if (err == nil) != valid {
			t.Fatalf("AppendDecimal(%q) = %q, %v; the input is valid: %v", s, out, err, valid)
		}
		if err != nil {
			return
		}
		again, err := AppendDecimal(nil, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("AppendDecimal(%q) = %q, which encodes to %q, %v", s, out, again, err)
		}
		got, ok := new(big.Rat).SetString(string(out))
		if !ok || got.Cmp(want) != 0 {
			t.Fatalf("AppendDecimal(%q) = %q: value %v, want %v", s, out, got, want)
		}
		// The canonical shape: no sign on zero, no leading zeros, no trailing fractional zeros.
		digits := bytes.TrimPrefix(out, []byte("-"))
		if len(digits) > 1 && digits[0] == '0' && digits[1] != '.' ||
			bytes.Contains(out, []byte(".")) && (out[len(out)-1] == '0' || out[len(out)-1] == '.') ||
			bytes.HasPrefix(out, []byte("-")) && want.Sign() == 0 {
			t.Fatalf("AppendDecimal(%q) = %q is not canonical", s, out)
		}
	})
}

func FuzzAppendTimestamp(f *testing.F) {
	for _, s := range []string{
		"2024-02-29 23:59:59", "9999-12-31 23:59:59.999999", "2024-01-02 03:04:05+00",
		"2024-01-02 03:04:05+00:00", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+05:30",
		"2024-01-02 03:04:05.5-08", "1900-01-01 00:00:00+01:39:49", "0000-00-00 00:00:00",
		"infinity", "-infinity", "0044-03-15 12:00:00+00 BC", "2024-02-29 23:59:59.1234567",
		"9999-12-31 23:00:00-05", "0000-01-01 00:00:00+01", "2024-02-30 00:00:00+01", " BC", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := AppendTimestamp(nil, []byte(s))
		if err != nil {
			return
		}
		again, err := AppendTimestamp(nil, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("AppendTimestamp(%q) = %q, which encodes to %q, %v", s, out, again, err)
		}
	})
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":2}`, `[3,1,2]`, `{"a":{"c":[{"z":1,"y":2}],"b":null}}`, `"<>&"`, `"héllo \u2028"`,
		`1.0`, `-0`, `1E+2`, `{"a":1,"a":2}`, `{"a":1}}`, `"\ud800"`, "\"\xff\"", `[]`, `{}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := AppendJSON(nil, []byte(s))
		if err != nil {
			return
		}
		again, err := AppendJSON(nil, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("AppendJSON(%q) = %q, which encodes to %q, %v", s, out, again, err)
		}
	})
}
