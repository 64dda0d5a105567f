package sqlkit

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// upper is a CanonicalFunc: upper-cased text, and an error for "bad".
func upper(dst, raw []byte, c dialect.Column) ([]byte, error) {
	if string(raw) == "bad" {
		return dst, errors.New("bad value")
	}
	return append(dst, bytes.ToUpper(raw)...), nil
}

func encTable(n int) *dialect.Table {
	t := &dialect.Table{Schema: "s", Name: "t"}
	for i := range n {
		t.Columns = append(t.Columns, dialect.Column{Name: fmt.Sprintf("c%d", i), Type: "text"})
	}
	return t
}

func TestRowEncoderNullAndEmpty(t *testing.T) {
	// A fresh encoder: its buffer has never grown when the first row holds only empty values.
	for _, raw := range [][][]byte{
		{{}},
		{nil},
		{{}, nil},
		{nil, {}},
		{{}, {}, nil},
	} {
		e := NewRowEncoder(encTable(len(raw)), []int{0, 1, 2}[:len(raw)], upper)
		got, err := e.Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			if (raw[i] == nil) != (got[i] == nil) || len(got[i]) != 0 {
				t.Errorf("Encode(%#v)[%d] = %#v: NULL and empty must stay apart", raw, i, got[i])
			}
		}
	}
	e := NewRowEncoder(encTable(3), []int{0, 1, 2}, upper)
	got, err := e.Encode([][]byte{[]byte("a"), nil, {}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got[0]) != "A" || got[1] != nil || got[2] == nil || len(got[2]) != 0 {
		t.Errorf("Encode = %#v", got)
	}
}

func TestRowEncoderNoAliasing(t *testing.T) {
	const cols = 40
	tb := encTable(cols)
	idx := make([]int, cols)
	for i := range idx {
		idx[i] = i
	}
	e := NewRowEncoder(tb, idx, upper)
	for round, size := range []int{1, 100, 3, 5000, 0, 70000} {
		raw := make([][]byte, cols)
		want := make([]string, cols)
		for i := range raw {
			if (i+round)%7 == 3 {
				continue // NULL
			}
			v := strings.Repeat(string(rune('a'+i%26)), size+i)
			raw[i] = []byte(v)
			want[i] = strings.ToUpper(v)
		}
		got, err := e.Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		// Appending to one value must not overwrite the next: each slice is capped at its end.
		for i := range got {
			if got[i] != nil {
				_ = append(got[i], '!')
			}
		}
		for i := range got {
			if raw[i] == nil {
				if got[i] != nil {
					t.Fatalf("round %d column %d: NULL encoded as %.10q", round, i, got[i])
				}
				continue
			}
			if string(got[i]) != want[i] {
				t.Fatalf("round %d column %d: got %d bytes %.10q..., want %d bytes %.10q...", round, i, len(got[i]), got[i], len(want[i]), want[i])
			}
		}
	}
}

func TestRowEncoderSubsetOfColumns(t *testing.T) {
	tb := encTable(3)
	tb.Columns[2].Type = "special"
	var seen []string
	canon := func(dst, raw []byte, c dialect.Column) ([]byte, error) {
		seen = append(seen, c.Name)
		return append(dst, raw...), nil
	}
	e := NewRowEncoder(tb, []int{2, 0}, canon)
	if _, err := e.Encode([][]byte{[]byte("x"), []byte("y")}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "c2,c0" {
		t.Errorf("encoder saw columns %v, want c2,c0", seen)
	}
}

func TestRowEncoderError(t *testing.T) {
	tb := encTable(2)
	tb.Columns[1].Type = "varchar(5)"
	e := NewRowEncoder(tb, []int{0, 1}, upper)
	_, err := e.Encode([][]byte{[]byte("ok"), []byte("bad")})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"s.t", "c1", "varchar(5)", "bad value"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// The encoder recovers on the next row.
	got, err := e.Encode([][]byte{[]byte("a"), []byte("b")})
	if err != nil || string(got[0]) != "A" || string(got[1]) != "B" {
		t.Errorf("after an error: %q, %v", got, err)
	}
}

func BenchmarkRowEncoder(b *testing.B) {
	tb := encTable(8)
	e := NewRowEncoder(tb, []int{0, 1, 2, 3, 4, 5, 6, 7}, upper)
	raw := [][]byte{[]byte("12345"), nil, []byte("some text value"), {}, []byte("x"), []byte("2024-01-01"), nil, []byte("z")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Encode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
