package sqlkit

import (
	"fmt"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// CanonicalFunc appends the canonical form of one non-NULL value, given in the engine's wire
// form, to dst. Each engine has one.
type CanonicalFunc func(dst, raw []byte, c dialect.Column) ([]byte, error)

// RowEncoder turns rows of raw values into rows of canonical values, reusing one buffer: it
// allocates nothing per row once warm. Not safe for concurrent use.
type RowEncoder struct {
	table *dialect.Table
	cols  []dialect.Column
	canon CanonicalFunc
	buf   []byte
	ends  []int
	out   [][]byte
}

// NewRowEncoder returns an encoder for the columns idx of t.
func NewRowEncoder(t *dialect.Table, idx []int, canon CanonicalFunc) *RowEncoder {
	e := &RowEncoder{table: t, canon: canon, ends: make([]int, len(idx)), out: make([][]byte, len(idx))}
	for _, i := range idx {
		e.cols = append(e.cols, t.Columns[i])
	}
	return e
}

// Encode encodes one row; raw[i] == nil is NULL. The result is valid until the next call.
func (e *RowEncoder) Encode(raw [][]byte) ([][]byte, error) {
	if e.buf == nil {
		// Never nil: slicing a nil buffer gives nil, which would turn an empty value into NULL.
		e.buf = make([]byte, 0, 256)
	}
	e.buf = e.buf[:0]
	for i, v := range raw {
		if v == nil {
			e.ends[i] = -1
			continue
		}
		var err error
		start := len(e.buf)
		e.buf, err = e.canon(e.buf, v, e.cols[i])
		if err != nil && e.cols[i].Coerced {
			e.buf, err = append(e.buf[:start], v...), nil // not of the other side's class: compare the text
		}
		if err != nil {
			return nil, fmt.Errorf("%s column %s (%s): %w", e.table, e.cols[i].Name, e.cols[i].Type, err)
		}
		e.ends[i] = len(e.buf)
	}
	// Slice only once the buffer has stopped growing.
	start := 0
	for i, end := range e.ends {
		if end < 0 {
			e.out[i] = nil
			continue
		}
		e.out[i] = e.buf[start:end:end]
		start = end
	}
	return e.out, nil
}
