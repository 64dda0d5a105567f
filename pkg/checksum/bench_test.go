package checksum

import (
	"bytes"
	"testing"
)

var sinkU64 uint64

func benchRow(b *testing.B, r [][]byte) {
	for _, fam := range []Family{MD5, CRCMix, PG64} {
		b.Run(fam.String(), func(b *testing.B) { benchRowFamily(b, fam, r) })
	}
}

func benchRowFamily(b *testing.B, fam Family, r [][]byte) {
	h := NewHasher(Layout{Family: fam})
	b.SetBytes(int64(len(Layout{}.AppendHashText(nil, r))))
	b.ReportAllocs()
	for b.Loop() {
		s, x := h.Row(r)
		sinkU64 += s ^ x
	}
}

func BenchmarkHasherRow(b *testing.B) {
	b.Run("6cols", func(b *testing.B) {
		// id, name, email, created_at, balance, flag: about 100 bytes framed.
		benchRow(b, [][]byte{
			[]byte("1234567"),
			[]byte("Alice Example"),
			[]byte("alice.example@example.com"),
			[]byte("2024-02-29 23:59:59.000000"),
			[]byte("1234.56"),
			nil,
		})
	})
	b.Run("1KiBtext", func(b *testing.B) {
		benchRow(b, [][]byte{[]byte("42"), bytes.Repeat([]byte("lorem ipsum "), 1024/12+1)[:1024]})
	})
}

func BenchmarkDigestAdd(b *testing.B) {
	var d Digest
	s, x := uint64(0x0123456789abcdef), uint64(0xfedcba9876543210)
	b.ReportAllocs()
	for b.Loop() {
		d.Add(s, x)
		s += x
	}
	sinkU64 += d.Sum ^ d.Xor
}

// benchEnc runs an encoder over inputs, reusing its output buffer as callers do.
func benchEnc(b *testing.B, enc func(dst, src []byte) ([]byte, error), inputs ...string) {
	srcs := make([][]byte, len(inputs))
	for i, s := range inputs {
		srcs[i] = []byte(s)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			var err error
			if buf, err = enc(buf[:0], src); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppendDecimal(b *testing.B) {
	b.Run("canonical", func(b *testing.B) { benchEnc(b, AppendDecimal, "1234.56") })
	b.Run("padded", func(b *testing.B) { benchEnc(b, AppendDecimal, "-0001234.5600000000") })
}

func BenchmarkAppendTimestamp(b *testing.B) {
	b.Run("naive", func(b *testing.B) { benchEnc(b, AppendTimestamp, "2024-02-29 23:59:59.123456") })
	b.Run("utc", func(b *testing.B) { benchEnc(b, AppendTimestamp, "2024-02-29 23:59:59.123456+00") })
	b.Run("offset", func(b *testing.B) { benchEnc(b, AppendTimestamp, "2024-02-29 23:59:59.123456+05:30") })
}

func BenchmarkAppendJSON(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		benchEnc(b, AppendJSON, `{"name": "Alice", "id": 42, "tags": ["a", "b"], "active": true}`)
	})
	b.Run("nested", func(b *testing.B) {
		benchEnc(b, AppendJSON, `{"z": {"y": [1, 2, {"x": null, "w": "<&>"}], "v": 1.50}, "a": [[], {}], "m": "héllo"}`)
	})
}
