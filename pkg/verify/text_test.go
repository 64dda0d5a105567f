package verify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestLongValueFirstDiff: two long values that differ past the bytes a report keeps show where
// they first differ and the bytes around it, not two identical prefixes.
func TestLongValueFirstDiff(t *testing.T) {
	src := []byte(strings.Repeat("lob data ", 100)) // 900 bytes
	tgt := append([]byte{}, src...)
	tgt[700] = 'X'
	c := ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(tgt, dialect.ClassString)}
	c.locate(src, tgt)
	if c.Offset != 700 {
		t.Fatalf("offset %d, want 700", c.Offset)
	}
	got := c.text()
	want := `doc: first differs at byte 700: ..."` + string(src[676:740]) + `"... (900 bytes) -> ..."` + string(tgt[676:740]) + `"... (900 bytes)`
	if got != want {
		t.Errorf("text:\n%s\nwant\n%s", got, want)
	}
	if c.Source.Text != c.Target.Text {
		t.Errorf("the kept prefixes should be the report's usual first bytes")
	}

	// Cut to a prefix: the difference is the end of the shorter one.
	short := src[:600]
	c = ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(short, dialect.ClassString), Cause: likelyCause(dialect.ClassString, src, short, -1)}
	c.locate(src, short)
	if got := c.text(); c.Offset != 600 || !strings.Contains(got, `-> ..."`+string(src[576:600])+`" (600 bytes) (truncated: target keeps 600 of 900 bytes)`) {
		t.Errorf("truncated: offset %d, %s", c.Offset, got)
	}

	// Multi-byte characters: the stretch starts and ends on character boundaries.
	src = []byte(strings.Repeat("€", 200)) // 600 bytes
	tgt = append([]byte{}, src...)
	tgt[451] = 0x83 // the second byte of the 151st character: U+20EC for "€"
	c = ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(tgt, dialect.ClassString)}
	c.locate(src, tgt)
	if c.Offset != 451 || c.around.src.Hex != "" || c.around.tgt.Hex != "" || c.around.from != 426 || !utf8.ValidString(c.around.src.Text) || !utf8.ValidString(c.around.tgt.Text) {
		t.Errorf("multi-byte: offset %d, from %d, %s -> %s", c.Offset, c.around.from, c.around.src.stretchString(c.around.from), c.around.tgt.stretchString(c.around.from))
	}

	// Binary values: hex around the difference.
	bsrc := make([]byte, 1000)
	btgt := make([]byte, 1000)
	btgt[999] = 0xff
	c = ColumnDiff{Column: "blob", Source: newValue(bsrc, dialect.ClassBytes), Target: newValue(btgt, dialect.ClassBytes)}
	c.locate(bsrc, btgt)
	if got := c.text(); got != "blob: first differs at byte 999: ...0x"+strings.Repeat("00", 25)+" (1000 bytes) -> ...0x"+strings.Repeat("00", 24)+"ff (1000 bytes)" {
		t.Errorf("binary: %s", got)
	}

	// Short values are shown whole: no offset.
	c = ColumnDiff{Column: "v"}
	c.locate([]byte("abc"), []byte("abd"))
	if c.Offset != 0 || c.around != nil {
		t.Errorf("short values: offset %d", c.Offset)
	}
}
