package dialect

import (
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
