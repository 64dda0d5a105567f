package checksum

import (
	"bytes"
	"math"
	"strconv"
	"testing"
)

// encCase is one row of an encoder table: in is the engine's text, want the canonical bytes,
// and wantErr says the input must be refused.
type encCase struct {
	in      string
	want    string
	wantErr bool
}

// bad is shorthand for a case that must fail.
func bad(in string) encCase { return encCase{in: in, wantErr: true} }

// runEnc checks an encoder against a table. Each case is run twice: once appending to nil and
// once appending to a non-empty prefix, which must be kept intact on success and on failure.
// Unless the encoder changes representation (bit strings become decimal), its output must also
// be a fixed point: encoding it again gives it back.
func runEnc(t *testing.T, name string, enc func(dst, src []byte) ([]byte, error), cases []encCase) {
	t.Helper()
	runEncOpt(t, name, enc, cases, true)
}

func runEncOpt(t *testing.T, name string, enc func(dst, src []byte) ([]byte, error), cases []encCase, fixedPoint bool) {
	t.Helper()
	for _, tc := range cases {
		t.Run(name+"/"+strconv.Quote(tc.in), func(t *testing.T) {
			got, err := enc(nil, []byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("%s(%q) = %q, want an error", name, tc.in, got)
				}
			} else if err != nil {
				t.Fatalf("%s(%q): unexpected error %v", name, tc.in, err)
			} else if string(got) != tc.want {
				t.Fatalf("%s(%q) = %q, want %q", name, tc.in, got, tc.want)
			}

			prefix := []byte("pre|")
			got, err = enc(append([]byte(nil), prefix...), []byte(tc.in))
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("%s(%q) with a prefix lost it: %q", name, tc.in, got)
			}
			if tc.wantErr {
				if err == nil || len(got) != len(prefix) {
					t.Fatalf("%s(%q) with a prefix = %q, %v; want the prefix back and an error", name, tc.in, got, err)
				}
				return
			}
			if err != nil || string(got[len(prefix):]) != tc.want {
				t.Fatalf("%s(%q) with a prefix = %q, %v; want %q", name, tc.in, got, err, "pre|"+tc.want)
			}

			if !fixedPoint {
				return
			}
			again, err := enc(nil, []byte(tc.want))
			if err != nil || string(again) != tc.want {
				t.Fatalf("%s(%q) = %q, %v; canonical output must encode to itself", name, tc.want, again, err)
			}
		})
	}
}

func TestAppendDecimal(t *testing.T) {
	runEnc(t, "AppendDecimal", AppendDecimal, []encCase{
		{in: "0", want: "0"},
		{in: "0.00", want: "0"},
		{in: "-0.000", want: "0"}, // negative zero is zero
		{in: "+0", want: "0"},
		{in: "-0", want: "0"},
		{in: "000", want: "0"},
		{in: "12.3400", want: "12.34"},
		{in: "100", want: "100"}, // integral zeros are significant
		{in: "100.000", want: "100"},
		{in: "-0.5", want: "-0.5"},
		{in: ".5", want: "0.5"},
		{in: "-.5", want: "-0.5"},
		{in: "+1.0", want: "1"},
		{in: "007.10", want: "7.1"},
		{in: "-012.3400", want: "-12.34"},
		{in: "5.", want: "5"}, // a trailing point alone is accepted and dropped
		{in: "0.000001", want: "0.000001"},
		{in: "-99999999999999999999999999999999999999.99", want: "-99999999999999999999999999999999999999.99"},
		{in: "123456789012345678901234567890", want: "123456789012345678901234567890"},
		bad("1e5"),
		bad(""),
		bad("-"),
		bad("+"),
		bad("."),
		bad("-."),
		bad("1.2.3"),
		bad("abc"),
		bad("--1"),
		bad("+-1"),
		bad(" 1"),
		bad("1 "),
		bad("1,5"),
		bad("NaN"),
		bad("Infinity"),
		bad("0x10"),
		bad("1_000"),
	})
}

func TestAppendInt(t *testing.T) {
	runEnc(t, "AppendInt", AppendInt, []encCase{
		{in: "0", want: "0"},
		{in: "7", want: "7"},
		{in: "42", want: "42"},
		{in: "-42", want: "-42"},
		{in: "+5", want: "5"},
		{in: "+007", want: "7"},
		{in: "-0", want: "0"}, // negative zero is zero, as for decimals
		{in: "+0", want: "0"},
		{in: "00", want: "0"},
		{in: "-007", want: "-7"},
		{in: "999999999999999999", want: "999999999999999999"},   // 18 digits: the fast path
		{in: "1000000000000000000", want: "1000000000000000000"}, // 19 digits: the slow path
		{in: "9223372036854775807", want: "9223372036854775807"},
		{in: "-9223372036854775808", want: "-9223372036854775808"},
		{in: "18446744073709551615", want: "18446744073709551615"},
		{in: "123456789012345678901234567890", want: "123456789012345678901234567890"},
		bad(""),
		bad("-"),
		bad("+"),
		bad("1.0"),
		bad("1e3"),
		bad("abc"),
		bad(" 1"),
		bad("1 "),
		bad("--1"),
		bad("0x1f"),
		bad("1_000"),
	})
}

func TestAppendFloat(t *testing.T) {
	enc := func(bits int) func(dst, src []byte) ([]byte, error) {
		return func(dst, src []byte) ([]byte, error) { return AppendFloat(dst, src, bits) }
	}
	special := []encCase{
		{in: "NaN", want: "NaN"},
		{in: "nan", want: "NaN"},
		{in: "inf", want: "Infinity"},
		{in: "+inf", want: "Infinity"},
		{in: "Inf", want: "Infinity"},
		{in: "Infinity", want: "Infinity"},
		{in: "infinity", want: "Infinity"},
		{in: "-inf", want: "-Infinity"},
		{in: "-Infinity", want: "-Infinity"},
		{in: "0", want: "0"},
		{in: "0.0", want: "0"},
		{in: "-0", want: "0"}, // negative zero equals zero as a number, and MySQL cannot store it
		{in: "-0.0", want: "0"},
		{in: "1", want: "1"},
		{in: "1.0", want: "1"},
		{in: "-2.5", want: "-2.5"},
		{in: "1e3", want: "1000"},
		{in: "1E+21", want: "1e+21"},
		bad(""),
		bad("abc"),
		bad("1.2.3"),
		bad(" 1"),
		bad("1,5"),
		bad("--1"),
	}
	runEnc(t, "AppendFloat64", enc(64), append(append([]encCase(nil), special...),
		encCase{in: "0.1", want: "0.1"},
		encCase{in: "0.1000000000000000055511151231257827", want: "0.1"},
		encCase{in: "1e-308", want: "1e-308"},
		encCase{in: "5e-324", want: "5e-324"}, // smallest subnormal
		encCase{in: "4.9406564584124654e-324", want: "5e-324"},
		encCase{in: "2.2250738585072014e-308", want: "2.2250738585072014e-308"},
		encCase{in: "1.7976931348623157e308", want: "1.7976931348623157e+308"},
		encCase{in: "3.141592653589793", want: "3.141592653589793"},
		encCase{in: "123456789012345680000", want: "1.2345678901234568e+20"}, // 'g': exponent from 21 digits
		encCase{in: "100000", want: "100000"},
		encCase{in: "1000000", want: "1e+06"},
		encCase{in: "0.0001", want: "0.0001"},
		encCase{in: "0.00001", want: "1e-05"},
		encCase{in: "0.30000000000000004", want: "0.30000000000000004"},
		bad("1e309"), // out of range
	))
	runEnc(t, "AppendFloat32", enc(32), append(append([]encCase(nil), special...),
		encCase{in: "0.1", want: "0.1"}, // shortest at 32 bits, not float64's 0.10000000149011612
		encCase{in: "0.100000001", want: "0.1"},
		encCase{in: "0.10000000149011612", want: "0.1"},
		encCase{in: "3.4028235e38", want: "3.4028235e+38"},
		encCase{in: "3.4028234663852886e+38", want: "3.4028235e+38"},
		encCase{in: "1e-45", want: "1e-45"}, // smallest float32 subnormal
		encCase{in: "1.1754944e-38", want: "1.1754944e-38"},
		encCase{in: "3.14159274", want: "3.1415927"},
		encCase{in: "16777217", want: "1.6777216e+07"},
		bad("3.5e38"), // out of float32 range
	))
}

func TestAppendFloatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		bits int
		want string
	}{
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "Infinity"},
		{math.Inf(-1), 32, "-Infinity"},
		{0, 64, "0"},
		{math.Copysign(0, -1), 64, "0"},
		{math.MaxFloat64, 64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, 64, "5e-324"},
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(0.1)), 64, "0.10000000149011612"},
		{math.MaxFloat32, 32, "3.4028235e+38"},
	} {
		if got := string(AppendFloatValue(nil, tc.v, tc.bits)); got != tc.want {
			t.Errorf("AppendFloatValue(%v, %d) = %q, want %q", tc.v, tc.bits, got, tc.want)
		}
	}
}

func TestAppendBool(t *testing.T) {
	runEnc(t, "AppendBool", AppendBool, []encCase{
		{in: "1", want: "1"},
		{in: "t", want: "1"},
		{in: "true", want: "1"},
		{in: "TRUE", want: "1"},
		{in: "y", want: "1"},
		{in: "yes", want: "1"},
		{in: "on", want: "1"},
		{in: "0", want: "0"},
		{in: "f", want: "0"},
		{in: "false", want: "0"},
		{in: "FALSE", want: "0"},
		{in: "n", want: "0"},
		{in: "no", want: "0"},
		{in: "off", want: "0"},
		bad(""),
		bad("2"),
		bad("-1"),
		bad("maybe"),
		bad(" true"),
		bad("true "),
	})
}

func TestAppendBitString(t *testing.T) {
	runEncOpt(t, "AppendBitString", AppendBitString, []encCase{
		{in: "", want: "0"}, // an empty bit string is the value 0
		{in: "0", want: "0"},
		{in: "1", want: "1"},
		{in: "101", want: "5"},
		{in: "0101", want: "5"}, // leading zero bits carry no value
		{in: "00000000", want: "0"},
		{in: "11111111", want: "255"},
		{in: "1111111111111111111111111111111111111111111111111111111111111111", want: "18446744073709551615"},
		{in: "10000000000000000000000000000000000000000000000000000000000000000", want: "18446744073709551616"},
		bad("2"),
		bad("10a"),
		bad("1 0"),
		bad("-1"), // a bit string has no sign
		bad("+1"),
		bad("0b101"),
		bad("1_0"),
	}, false)
}

func TestAppendBitBytes(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{nil, "0"},
		{[]byte{}, "0"},
		{[]byte{0}, "0"},
		{[]byte{5}, "5"},
		{[]byte{0, 5}, "5"},
		{[]byte{1, 0}, "256"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "18446744073709551615"},
	} {
		if got := string(AppendBitBytes([]byte("pre|"), tc.in)); got != "pre|"+tc.want {
			t.Errorf("AppendBitBytes(%x) = %q, want %q", tc.in, got, "pre|"+tc.want)
		}
	}
	// The two spellings of a BIT value agree.
	for _, s := range []string{"0", "1", "101", "11111111", "100000000"} {
		n, _ := strconv.ParseUint(s, 2, 64)
		var be []byte
		for v := n; v > 0; v >>= 8 {
			be = append([]byte{byte(v)}, be...)
		}
		a, err := AppendBitString(nil, []byte(s))
		if err != nil || string(a) != string(AppendBitBytes(nil, be)) {
			t.Errorf("bit %s: string form %q, %v; bytes form %q", s, a, err, AppendBitBytes(nil, be))
		}
	}
}

func TestAppendTime(t *testing.T) {
	runEnc(t, "AppendTime", AppendTime, []encCase{
		{in: "12:34:56", want: "12:34:56.000000"},
		{in: "00:00:00", want: "00:00:00.000000"},
		{in: "24:00:00", want: "24:00:00.000000"}, // PostgreSQL's end of day
		{in: "12:34:56.123456", want: "12:34:56.123456"},
		{in: "12:34:56.1", want: "12:34:56.100000"},
		{in: "12:34:56.", want: "12:34:56.000000"},
		{in: "-838:59:59.5", want: "-838:59:59.500000"}, // MySQL TIME's range
		{in: "838:59:59", want: "838:59:59.000000"},
		{in: "-01:00:00", want: "-01:00:00.000000"},
		{in: "1:02:03", want: "01:02:03.000000"}, // hours are at least two digits
		{in: "-1:02:03", want: "-01:02:03.000000"},
		{in: "001:02:03", want: "01:02:03.000000"},
		{in: "0100:00:00", want: "100:00:00.000000"},
		bad(""),
		bad("12:34"),
		bad("12:34:5"),
		bad("123456"),
		bad("12:34:56.1234567"), // finer than microseconds
		bad("12:34:56.12a"),
		bad("12:34:56.-1"),
		bad("ab:cd:ef"),
		bad("12:3x:56"),
		bad("12:34:5x"),
		bad("1:2:34:56"),
		bad("-:34:56"),
		bad(":34:56.0"),
		bad("--1:00:00"),
		bad("+12:34:56"),
		bad(" 12:34:56"),
		bad("12:34:56 "),
		bad("12:34:56+05"),
		bad("1 day 02:00:00"),
	})
}

func TestAppendTimestamp(t *testing.T) {
	runEnc(t, "AppendTimestamp", AppendTimestamp, []encCase{
		{in: "2024-02-29 23:59:59", want: "2024-02-29 23:59:59.000000"},
		{in: "2024-02-29 23:59:59.5", want: "2024-02-29 23:59:59.500000"},
		{in: "2024-02-29 23:59:59.123456", want: "2024-02-29 23:59:59.123456"},
		{in: "2024-02-29 23:59:59.", want: "2024-02-29 23:59:59.000000"},
		{in: "9999-12-31 23:59:59.999999", want: "9999-12-31 23:59:59.999999"},
		{in: "1000-01-01 00:00:00", want: "1000-01-01 00:00:00.000000"},
		{in: "0001-01-01 00:00:00", want: "0001-01-01 00:00:00.000000"},
		{in: "2024-02-29T23:59:59", want: "2024-02-29 23:59:59.000000"},
		{in: "2024-02-29T23:59:59.25Z", want: "2024-02-29 23:59:59.250000"},

		// Zero offsets, every spelling.
		{in: "2024-01-02 03:04:05+00", want: "2024-01-02 03:04:05.000000"},
		{in: "2024-01-02 03:04:05-00", want: "2024-01-02 03:04:05.000000"},
		{in: "2024-01-02 03:04:05+00:00", want: "2024-01-02 03:04:05.000000"},
		{in: "2024-01-02 03:04:05+00:00:00", want: "2024-01-02 03:04:05.000000"},
		{in: "2024-01-02 03:04:05Z", want: "2024-01-02 03:04:05.000000"},
		{in: "2024-01-02 03:04:05.7+00", want: "2024-01-02 03:04:05.700000"},

		// Other offsets are brought to UTC.
		{in: "2024-01-02 03:04:05+05:30", want: "2024-01-01 21:34:05.000000"},
		{in: "2024-01-02 03:04:05.123+05:30", want: "2024-01-01 21:34:05.123000"},
		{in: "2024-01-02 03:04:05-08", want: "2024-01-02 11:04:05.000000"},
		{in: "2024-01-02 03:04:05+01", want: "2024-01-02 02:04:05.000000"},
		{in: "2024-12-31 20:00:00-08", want: "2025-01-01 04:00:00.000000"},
		{in: "2024-03-01 02:00:00+05", want: "2024-02-29 21:00:00.000000"},
		{in: "1900-01-01 00:00:00+01:39:49", want: "1899-12-31 22:20:11.000000"}, // a LMT offset in seconds
		{in: "2024-01-02T03:04:05.000001+05:30", want: "2024-01-01 21:34:05.000001"},
		{in: "0001-01-01 05:00:00+05", want: "0001-01-01 00:00:00.000000"},
		{in: "9999-12-31 18:59:59.999999-05", want: "9999-12-31 23:59:59.999999"},

		// Values no calendar holds are kept verbatim.
		{in: "0000-00-00 00:00:00", want: "0000-00-00 00:00:00.000000"}, // MySQL's zero date
		{in: "infinity", want: "infinity"},
		{in: "-infinity", want: "-infinity"},
		{in: "0044-03-15 12:00:00 BC", want: "0044-03-15 12:00:00 BC"},
		{in: "0044-03-15 12:00:00+00 BC", want: "0044-03-15 12:00:00+00 BC"},
		{in: "0001-12-31 23:59:59.5 BC", want: "0001-12-31 23:59:59.5 BC"},

		bad(""),
		bad("2024-02-29"),
		bad("2024-02-29 23:59"),
		bad("2024/02/29 23:59:59"),
		bad("2024-02-29 23:59:59.1234567"), // finer than microseconds
		bad("2024-02-29 23:59:59.0000000"),
		bad("2024-02-29 23:59:59.1234567+00"),
		bad("2024-02-29 23:59:59 "),
		bad("2024-02-29 23:59:59junk"),
		bad("2024-02-29 23:59:59+"),
		bad("2024-02-29 23:59:59-"),
		bad("2024-02-29 23:59:59+0"),
		bad("2024-02-29 23:59:59+0000"),
		bad("2024-02-29 23:59:59+00:0"),
		bad("2024-02-29 23:59:59+00:00:"),
		bad("2024-02-29 23:59:59+05:3"),
		bad("2024-02-29 23:59:59+ab"),
		bad("abcd-ef-gh ij:kl:mn"),
		bad("2024-0x-29 23:59:59"),
		bad("2024-02-29 23:5x:59"),
		bad("2024-02-29 23:59:59.12x"),
		bad("2024-02-30 23:59:59+05"), // not a date, and it must be moved to UTC
		bad("9999-12-31 23:00:00-05"), // would leave four-digit years
		bad("0000-01-01 01:00:00+05"),
		bad("0001-01-01 03:00:00+05"), // 1 BC in UTC
		bad("Infinity"),
		bad("BC"),
		bad(" BC"),
		bad("infinity BC"),
		bad("0044-03-15 12:00:00 BC BC"),
		bad("0044-03-15 12:00:00junk BC"),
		bad("0044-03-15 12:00:00.1234567 BC"),
	})
}

func TestAppendJSON(t *testing.T) {
	runEnc(t, "AppendJSON", AppendJSON, []encCase{
		{in: `{"b":1,"a":2}`, want: `{"a":2,"b":1}`},
		{in: ` { "b" : 1 , "a" : 2 } `, want: `{"a":2,"b":1}`},
		{in: "{\n\t\"z\": [3, 2, 1],\r\n\t\"a\": {\"y\": null, \"x\": true}\n}", want: `{"a":{"x":true,"y":null},"z":[3,2,1]}`},
		{in: `{"a":{"c":{"e":1,"d":2},"b":[{"z":1,"y":2}]}}`, want: `{"a":{"b":[{"y":2,"z":1}],"c":{"d":2,"e":1}}}`},
		{in: `[3, 1, 2]`, want: `[3,1,2]`}, // arrays keep their order
		{in: `[]`, want: `[]`},
		{in: `{}`, want: `{}`},
		{in: `[{}, [], null, false]`, want: `[{},[],null,false]`},
		{in: `"x"`, want: `"x"`},
		{in: `null`, want: `null`},
		{in: `true`, want: `true`},
		{in: `  12  `, want: `12`},
		{in: `{"n":1.0}`, want: `{"n":1.0}`}, // numbers keep their text
		{in: `{"n":1.50,"m":-0,"e":1E+2,"f":1e-7}`, want: `{"e":1E+2,"f":1e-7,"m":-0,"n":1.50}`},
		{in: `123456789012345678901234567890`, want: `123456789012345678901234567890`},
		{in: `{"s":"<a href=\"x\">&amp;</a>"}`, want: `{"s":"<a href=\"x\">&amp;</a>"}`}, // no HTML escaping
		{in: `{"s":"\u003c\u003e\u0026"}`, want: `{"s":"<>&"}`},
		{in: `{"s":"héllo, 世界 🌍"}`, want: `{"s":"héllo, 世界 🌍"}`}, // unicode as UTF-8
		{in: `{"s":"\u00e9\ud83c\udf0d"}`, want: `{"s":"é🌍"}`},
		{in: `{"é":1,"e":2,"z":3}`, want: `{"e":2,"z":3,"é":1}`}, // keys sort by bytes
		{in: `{"s":"a\"b\\c\/d\n\t"}`, want: `{"s":"a\"b\\c/d\n\t"}`},
		{in: `{"a":1,"a":2}`, want: `{"a":2}`}, // duplicate keys: the last wins
		bad(``),
		bad(`   `),
		bad(`{`),
		bad(`{"a":}`),
		bad(`{"a":1,}`),
		bad(`[1,2,]`),
		bad(`{a:1}`),
		bad(`{'a':1}`),
		bad(`NaN`),
		bad(`01`),
		bad(`1.`),
		bad(`+1`),
		bad(`"unterminated`),
		bad(`{"a":1}}`), // trailing data after a complete value
		bad(`{"a":1} {"b":2}`),
		bad(`[1] x`),
		bad(`1 2`),
		bad(`null,`),
	})
}

func TestAppendUUID(t *testing.T) {
	const want = "123e4567-e89b-12d3-a456-426614174000"
	runEnc(t, "AppendUUID", AppendUUID, []encCase{
		{in: "123e4567-e89b-12d3-a456-426614174000", want: want},
		{in: "123E4567-E89B-12D3-A456-426614174000", want: want},
		{in: "123E4567-e89B-12d3-A456-426614174000", want: want},
		{in: "123e4567e89b12d3a456426614174000", want: want},
		{in: "123E4567E89B12D3A456426614174000", want: want},
		{in: "\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00", want: want}, // 16 raw bytes
		{in: "00000000-0000-0000-0000-000000000000", want: "00000000-0000-0000-0000-000000000000"},
		{in: "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", want: "00000000-0000-0000-0000-000000000000"},
		{in: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", want: "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		bad(""),
		bad("123e4567-e89b-12d3-a456-42661417400"),   // 35
		bad("123e4567-e89b-12d3-a456-4266141740000"), // 37
		bad("123e4567e89b12d3a45642661417400"),       // 31
		bad("123e4567e89b12d3a4564266141740000"),     // 33
		bad("123e4567-e89b-12d3-a456-42661417400g"),
		bad("123e4567e89b12d3a45642661417400z"),
		bad("123e4567-e89b-12d3-a456_426614174000"),
		bad("123e4567e-89b-12d3-a456-426614174000"), // hyphen misplaced
		bad("123e4567-e89b-12d3-a456426614174000-"),
		bad("123e4567e89b12d3a4564266141740-0"), // a hyphen in the 32-digit form
		bad("------------------------------------"),
		bad("{123e4567-e89b-12d3-a456-426614174000}"),
		bad("123e4567-e89b-12d3-a456-4266141 4000"),
	})
}

func TestTrimPad(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc   ", "abc"},
		{"  abc", "  abc"},
		{"a b ", "a b"},
		{"abc\t", "abc\t"},
		{"", ""},
		{"   ", ""},
	} {
		got := TrimPad([]byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("TrimPad(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// A padded empty CHAR is the empty string, never NULL.
		if got == nil {
			t.Errorf("TrimPad(%q) = nil; a non-NULL value must stay non-nil", tc.in)
		}
	}
}
