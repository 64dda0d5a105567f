package verify

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// A long value (longer than maxShown) is kept in a report as its first bytes, which two values
// that differ far in share. So a changed long column also records where the two first differ
// (ColumnDiff.Offset) and, for the text report, a few bytes of each around that place.

// The bytes of each side shown before and after the first difference of two long values.
const (
	contextBefore = 24
	contextAfter  = 40
)

// diffContext is the stretch of both values around their first difference.
type diffContext struct {
	from     int   // the offset of the stretch's first byte, the same on both sides
	src, tgt Value // the stretches, with Length the value's full length
}

// firstDiff is the offset of the first byte at which a and b differ: the shorter one's length
// when it is a prefix of the other.
func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// locate records where two long values first differ and the bytes around that place; it does
// nothing when both values are short enough to be shown whole.
func (c *ColumnDiff) locate(src, tgt []byte) {
	if src == nil || tgt == nil || len(src) <= maxShown && len(tgt) <= maxShown {
		return
	}
	off := firstDiff(src, tgt)
	c.Offset = off
	from := max(off-contextBefore, 0)
	for from > 0 && !utf8.RuneStart(src[from]) {
		from-- // the bytes before off are the same on both sides: so is this boundary
	}
	c.around = &diffContext{from: from, src: stretch(src, from, off), tgt: stretch(tgt, from, off)}
}

// stretch is b's bytes from from to a little past off, ending on a character boundary, as a
// Value whose Length is b's full length.
func stretch(b []byte, from, off int) Value {
	end := min(off+contextAfter, len(b))
	for end < len(b) && !utf8.RuneStart(b[end]) {
		end++
	}
	v := newValue(b[from:end], dialect.ClassBytes)
	v.Length = len(b)
	return v
}

// String renders a changed column for people: both values, or, for long values that differ past
// the bytes a report keeps, where they first differ and the bytes around it.
func (c ColumnDiff) String() string {
	var s string
	switch {
	case c.around != nil:
		s = fmt.Sprintf("%s: first differs at byte %d: %s -> %s", c.Column, c.Offset,
			c.around.src.stretchString(c.around.from), c.around.tgt.stretchString(c.around.from))
	case c.HasOffset():
		s = fmt.Sprintf("%s: %s -> %s, first different byte %d", c.Column, c.Source, c.Target, c.Offset)
	default:
		s = fmt.Sprintf("%s: %s -> %s", c.Column, c.Source, c.Target)
	}
	if c.Cause != "" {
		s += " (" + c.Cause + ")"
	}
	return s
}

// stretchString renders a stretch of a value starting at byte from: "..." marks the bytes left
// out on either side, and the value's full length follows.
func (v Value) stretchString(from int) string {
	var b strings.Builder
	n := len(v.Text)
	if from > 0 {
		b.WriteString("...")
	}
	if v.Hex != "" {
		b.WriteString("0x" + v.Hex)
		n = len(v.Hex) / 2
	} else {
		fmt.Fprintf(&b, "%q", v.Text)
	}
	if from+n < v.Length {
		b.WriteString("...")
	}
	fmt.Fprintf(&b, " (%d bytes)", v.Length)
	return b.String()
}
