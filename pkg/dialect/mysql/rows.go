package mysql

import (
	"database/sql"
	"fmt"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// rowStream reads rows as raw text and puts each value into canonical form.
type rowStream struct {
	rows  *rows
	t     *dialect.Table
	enc   *sqlkit.RowEncoder
	raw   []sql.RawBytes
	vals  [][]byte
	dest  []any
	out   [][]byte
	err   error
	close bool
}

func newRowStream(t *dialect.Table, idx []int, rows *rows) *rowStream {
	s := &rowStream{rows: rows, t: t, enc: sqlkit.NewRowEncoder(t, idx, appendCanonical),
		raw: make([]sql.RawBytes, len(idx)), vals: make([][]byte, len(idx)), dest: make([]any, len(idx))}
	for i := range s.raw {
		s.dest[i] = &s.raw[i]
	}
	return s
}

func (s *rowStream) Next() bool {
	if s.err != nil || s.close {
		return false
	}
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			s.err = fmt.Errorf("mysql: read %s: %w", s.t, err)
		}
		return false
	}
	if err := s.rows.Scan(s.dest...); err != nil {
		s.err = fmt.Errorf("mysql: read %s: %w", s.t, err)
		return false
	}
	for i, r := range s.raw {
		s.vals[i] = r
	}
	s.out, s.err = s.enc.Encode(s.vals)
	if s.err != nil {
		s.err = fmt.Errorf("mysql: %w", s.err)
	}
	return s.err == nil
}

// appendCanonical appends the canonical form of one non-NULL value in MySQL's text form: BIT
// arrives as its bytes; everything else in the common text forms.
func appendCanonical(dst, raw []byte, c dialect.Column) ([]byte, error) {
	if c.Class == dialect.ClassBit {
		return checksum.AppendBitBytes(dst, raw), nil
	}
	return sqlkit.AppendCanonical(dst, raw, c)
}

func (s *rowStream) Values() [][]byte { return s.out }

func (s *rowStream) Err() error { return s.err }

func (s *rowStream) Close() {
	if !s.close {
		s.close = true
		if err := s.rows.Close(); err != nil && s.err == nil {
			s.err = fmt.Errorf("mysql: read %s: %w", s.t, err)
		}
	}
}
