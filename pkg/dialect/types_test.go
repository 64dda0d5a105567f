package dialect

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRangeString(t *testing.T) {
	tests := []struct {
		r    Range
		want string
	}{
		{Range{}, "(-inf, +inf]"},
		{Range{Lo: Key{[]byte("1")}}, `("1", +inf]`},
		{Range{Hi: Key{[]byte("9")}}, `(-inf, "9"]`},
		{Range{Lo: Key{[]byte("1")}, Hi: Key{[]byte("9")}}, `("1", "9"]`},
		{Range{Lo: Key{[]byte("1"), []byte("a")}, Hi: Key{[]byte("2"), {0x00, 0xff}}}, `(("1", "a"), ("2", 0x00ff)]`},
		{Range{Lo: Key{[]byte{}}}, `("", +inf]`},
		// An empty but non-nil Key is a bound (of no columns), not an open end.
		{Range{Lo: Key{}}, "((), +inf]"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("Range%v.String() = %q, want %q", [2]Key{tt.r.Lo, tt.r.Hi}, got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    []byte
		max  int
		want string
	}{
		{nil, 0, "NULL"},
		{[]byte{}, 0, `""`},
		{[]byte("abc"), 0, `"abc"`},
		{[]byte("a\tb\nc"), 0, `"a\tb\nc"`},
		{[]byte(`say "hi"`), 0, `"say \"hi\""`},
		{[]byte("héllo"), 0, `"héllo"`},
		{[]byte{0x00, 0xff}, 0, "0x00ff"},
		{[]byte("a\x00b"), 0, "0x610062"},
		{[]byte("a\rb"), 0, "0x610d62"},
		{[]byte("a\x7fb"), 0, "0x617f62"},
		{[]byte{0xc3}, 0, "0xc3"}, // invalid UTF-8
		{[]byte("abcdef"), 3, `"abc"... (6 bytes)`},
		{[]byte("abc"), 3, `"abc"`},
		{[]byte("abc"), 5, `"abc"`},
		{[]byte{1, 2, 3, 4}, 2, "0x0102... (4 bytes)"},
		// A cut never splits a character: text stays text.
		{[]byte("ééé"), 3, `"é"... (6 bytes)`},
		{[]byte("ééé"), 4, `"éé"... (6 bytes)`},
		{[]byte("ééé"), 1, `""... (6 bytes)`},
		{[]byte("ab\xffcd"), 3, `0x6162ff... (5 bytes)`}, // binary: cut where asked
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v, tt.max); got != tt.want {
			t.Errorf("FormatValue(%q, %d) = %s, want %s", tt.v, tt.max, got, tt.want)
		}
	}
}

func TestCloneKey(t *testing.T) {
	buf := []byte("abcdef")
	vals := [][]byte{nil, {}, buf[0:3], buf[3:6]}
	k := CloneKey(vals)
	if len(k) != 4 {
		t.Fatalf("len = %d, want 4", len(k))
	}
	if k[0] != nil {
		t.Errorf("NULL cloned as %q, want nil", k[0])
	}
	if k[1] == nil || len(k[1]) != 0 {
		t.Errorf("empty value cloned as %#v, want non-nil empty", k[1])
	}
	copy(buf, "XXXXXX")
	if string(k[2]) != "abc" || string(k[3]) != "def" {
		t.Errorf("clone aliases its source: %q", k)
	}
	// Appending to one column must not write into the next.
	_ = append(k[2], 'Z')
	if string(k[3]) != "def" {
		t.Errorf("columns of a clone share memory: %q", k)
	}
	if got := CloneKey(nil); got == nil || len(got) != 0 {
		t.Errorf("CloneKey(nil) = %#v, want an empty non-nil Key", got)
	}
}

func TestClassString(t *testing.T) {
	if got := ClassTimestamp.String(); got != "timestamp" {
		t.Errorf("ClassTimestamp = %q", got)
	}
	if got := ClassEnum.String(); got != "enum" {
		t.Errorf("ClassEnum = %q", got)
	}
	if got := Class(99).String(); got != "class(99)" {
		t.Errorf("Class(99) = %q", got)
	}
	if len(classNames) != int(ClassEnum)+1 {
		t.Errorf("classNames has %d names for %d classes", len(classNames), ClassEnum+1)
	}
}

func TestTable(t *testing.T) {
	tb := &Table{Schema: "s", Name: "t", Columns: []Column{{Name: "a"}, {Name: "B"}, {Name: "c"}}, Key: []int{2, 0}}
	if got := tb.String(); got != "s.t" {
		t.Errorf("String = %q", got)
	}
	if got := (&Table{Name: "t"}).String(); got != "t" {
		t.Errorf("String without schema = %q", got)
	}
	if got := tb.Column("B"); got != 1 {
		t.Errorf(`Column("B") = %d`, got)
	}
	if got := tb.Column("b"); got != -1 {
		t.Errorf(`Column("b") = %d, want -1 (names match exactly)`, got)
	}
	if got := strings.Join(tb.KeyNames(), ","); got != "c,a" {
		t.Errorf("KeyNames = %q, want key order c,a", got)
	}
	if cols := tb.KeyColumns(); len(cols) != 2 || cols[0].Name != "c" || cols[1].Name != "a" {
		t.Errorf("KeyColumns = %v", cols)
	}
}

// upper is a CanonicalFunc: upper-cased text, and an error for "bad".
func upper(dst, raw []byte, c Column) ([]byte, error) {
	if string(raw) == "bad" {
		return dst, errors.New("bad value")
	}
	return append(dst, bytes.ToUpper(raw)...), nil
}

func encTable(n int) *Table {
	t := &Table{Schema: "s", Name: "t"}
	for i := range n {
		t.Columns = append(t.Columns, Column{Name: fmt.Sprintf("c%d", i), Type: "text"})
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
	canon := func(dst, raw []byte, c Column) ([]byte, error) {
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
