package verify

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// defaultDiffMemory is how many bytes of listed rows a table holds in memory before it writes them,
// sorted, as a block of a temporary file; a variable so that tests reach the file with few rows.
const defaultDiffMemory = 8 << 20

// diffList holds the rows a table's report lists: in memory while they are few, in sorted
// blocks of a temporary file past defaultDiffMemory (Options can lower it in tests), merged in key order when read. A million listed
// rows then cost a few blocks' worth of memory, not a million RowDiffs.
type diffList struct {
	cols   []dialect.Column // the key's columns, which order the rows
	mem    []RowDiff        // rows not yet in the file
	size   int              // their estimated size in memory
	n      int              // rows listed in all
	file   *tempFile        // nil until the first block
	blocks []diffBlock
	memory int      // bytes held before a block is written; 0 means defaultDiffMemory
	names  []string // the key's column names, given to each row it holds (RowDiff.MarshalJSON)
}

// diffBlock is one sorted run of rows in the file.
type diffBlock struct {
	off, len int64
	first    dialect.Key // its smallest key
}

func (l *diffList) add(ds []RowDiff) error {
	for _, d := range ds {
		d.names = l.names
		l.mem = append(l.mem, d)
		l.size += d.size()
		l.n++
	}
	if l.size > cmp.Or(l.memory, defaultDiffMemory) {
		return l.spill()
	}
	return nil
}

// spill writes the rows in memory to the file as one sorted block.
func (l *diffList) spill() error {
	if len(l.mem) == 0 {
		return nil
	}
	if l.file == nil {
		f, err := newTempFile("dbverify-diffs-")
		if err != nil {
			return err
		}
		l.file = f
	}
	l.sort()
	b := diffBlock{off: l.file.size, first: l.mem[0].key}
	var rec []byte
	for _, d := range l.mem {
		rec = d.encode(rec[:0])
		if err := l.file.write(binary.AppendUvarint(nil, uint64(len(rec))), rec); err != nil {
			return err
		}
	}
	b.len = l.file.size - b.off
	l.blocks = append(l.blocks, b)
	l.mem, l.size = nil, 0
	return nil
}

func (l *diffList) sort() {
	slices.SortStableFunc(l.mem, func(a, b RowDiff) int { return compareKeys(l.cols, a.key, b.key) })
}

// done ends the listing: rows that stayed in memory are sorted, or the last ones written. It
// reports whether the list lives in memory.
func (l *diffList) done() (inMemory bool, err error) {
	if l.file == nil {
		l.sort()
		return true, nil
	}
	return false, l.spill()
}

// each hands the rows to fn in key order.
func (l *diffList) each(fn func(RowDiff) error) error {
	if l.file == nil {
		for _, d := range l.mem {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}
	if err := l.file.flush(); err != nil {
		return err
	}
	blocks := slices.Clone(l.blocks)
	slices.SortStableFunc(blocks, func(a, b diffBlock) int { return compareKeys(l.cols, a.first, b.first) })
	// A block is opened when the merge reaches its first key: blocks of disjoint key ranges, as
	// chunks give, are then read one after the other with one reader open.
	m := &diffMerge{cols: l.cols}
	next := 0
	for {
		for next < len(blocks) && (m.Len() == 0 || compareKeys(l.cols, blocks[next].first, m.at[0].row.key) <= 0) {
			c := &diffCursor{r: bufio.NewReaderSize(io.NewSectionReader(l.file.f, blocks[next].off, blocks[next].len), 16<<10), names: l.names}
			next++
			ok, err := c.next()
			if err != nil {
				return err
			}
			if ok {
				heap.Push(m, c)
			}
		}
		if m.Len() == 0 {
			return nil
		}
		c := m.at[0]
		if err := fn(c.row); err != nil {
			return err
		}
		ok, err := c.next()
		switch {
		case err != nil:
			return err
		case ok:
			heap.Fix(m, 0)
		default:
			heap.Pop(m)
		}
	}
}

func (l *diffList) close() {
	if l != nil && l.file != nil {
		l.file.close()
	}
}

// diffCursor reads one block's rows in turn.
type diffCursor struct {
	r     *bufio.Reader
	row   RowDiff
	buf   []byte
	names []string
}

func (c *diffCursor) next() (bool, error) {
	n, err := binary.ReadUvarint(c.r)
	if err == io.EOF {
		return false, nil
	}
	if err == nil {
		c.buf = slices.Grow(c.buf[:0], int(n))[:n]
		_, err = io.ReadFull(c.r, c.buf)
	}
	if err == nil {
		c.row, err = decodeDiff(c.buf)
		c.row.names = c.names
	}
	if err != nil {
		return false, fmt.Errorf("verify: listed rows' file: %w", err)
	}
	return true, nil
}

// diffMerge is a heap of cursors by their current row's key.
type diffMerge struct {
	cols []dialect.Column
	at   []*diffCursor
}

func (m *diffMerge) Len() int { return len(m.at) }
func (m *diffMerge) Less(i, j int) bool {
	return compareKeys(m.cols, m.at[i].row.key, m.at[j].row.key) < 0
}
func (m *diffMerge) Swap(i, j int) { m.at[i], m.at[j] = m.at[j], m.at[i] }
func (m *diffMerge) Push(x any)    { m.at = append(m.at, x.(*diffCursor)) }
func (m *diffMerge) Pop() any {
	c := m.at[len(m.at)-1]
	m.at = m.at[:len(m.at)-1]
	return c
}

// size estimates the memory a row's listing holds.
func (d *RowDiff) size() int {
	n := 120
	for _, k := range d.key {
		n += 24 + len(k)
	}
	for _, v := range d.Key {
		n += v.size()
	}
	for _, c := range d.Columns {
		n += 48 + len(c.Column) + len(c.Cause) + c.Source.size() + c.Target.size()
		if c.around != nil {
			n += 24 + c.around.src.size() + c.around.tgt.size()
		}
	}
	return n
}

func (v Value) size() int { return 64 + len(v.Text) + len(v.Hex) }

// The encoding of a listed row: its kind, framed key (checksum.AppendRow), shown key values,
// then each differing column's name, values and cause. Strings are length-prefixed.

const (
	valueGone = 1 << iota
	valueNull
	valueNumber
)

func (d *RowDiff) encode(b []byte) []byte {
	b = appendString(b, string(d.Kind))
	b = appendBytes(b, checksum.AppendRow(nil, d.key))
	b = binary.AppendUvarint(b, uint64(len(d.Key)))
	for _, v := range d.Key {
		b = v.encode(b)
	}
	b = binary.AppendUvarint(b, uint64(len(d.Columns)))
	for _, c := range d.Columns {
		b = appendString(b, c.Column)
		b = c.Source.encode(b)
		b = c.Target.encode(b)
		b = appendString(b, c.Cause)
	}
	// Where long values first differ comes after the columns, and only when some column has
	// it: records written before it was kept (a checkpoint's) read as they did.
	located := false
	for _, c := range d.Columns {
		located = located || c.Offset > 0 || c.around != nil
	}
	if !located {
		return b
	}
	for _, c := range d.Columns {
		b = binary.AppendUvarint(b, uint64(c.Offset))
		if c.around == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(c.around.from))
		b = c.around.src.encode(b)
		b = c.around.tgt.encode(b)
	}
	return b
}

func (v Value) encode(b []byte) []byte {
	var flags byte
	if v.Gone {
		flags |= valueGone
	}
	if v.Null {
		flags |= valueNull
	}
	if v.number {
		flags |= valueNumber
	}
	b = append(b, flags)
	b = appendString(b, v.Text)
	b = appendString(b, v.Hex)
	return binary.AppendUvarint(b, uint64(v.Length))
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errDiffRecord = errors.New("bad record")

// decoder reads what encode wrote; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (r *decoder) uvarint() uint64 {
	n, w := binary.Uvarint(r.b)
	if w <= 0 {
		r.err, r.b = errDiffRecord, nil
		return 0
	}
	r.b = r.b[w:]
	return n
}

func (r *decoder) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errDiffRecord, nil
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *decoder) value() Value {
	if len(r.b) == 0 {
		r.err = errDiffRecord
		return Value{}
	}
	flags := r.b[0]
	r.b = r.b[1:]
	return Value{Gone: flags&valueGone != 0, Null: flags&valueNull != 0, number: flags&valueNumber != 0,
		Text: string(r.bytes()), Hex: string(r.bytes()), Length: int(r.uvarint())}
}

// flag reads a byte that is 0 or 1.
func (r *decoder) flag() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.err, r.b = errDiffRecord, nil
		return false
	}
	f := r.b[0] == 1
	r.b = r.b[1:]
	return f
}

// count reads a length and checks it against what is left, at least a byte per element.
func (r *decoder) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errDiffRecord, nil
		return 0
	}
	return int(n)
}

func decodeDiff(b []byte) (RowDiff, error) {
	r := &decoder{b: b}
	d := RowDiff{Kind: DiffKind(r.bytes())}
	framed := r.bytes()
	if n := r.count(); n > 0 {
		d.Key = make([]Value, n)
		for i := range d.Key {
			d.Key[i] = r.value()
		}
	}
	if n := r.count(); n > 0 {
		d.Columns = make([]ColumnDiff, n)
		for i := range d.Columns {
			c := &d.Columns[i]
			c.Column = string(r.bytes())
			c.Source, c.Target = r.value(), r.value()
			c.Cause = string(r.bytes())
		}
		if len(r.b) > 0 && r.err == nil {
			for i := range d.Columns {
				c := &d.Columns[i]
				c.Offset = int(r.uvarint())
				if r.flag() {
					c.around = &diffContext{from: int(r.uvarint())}
					c.around.src, c.around.tgt = r.value(), r.value()
				}
			}
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return RowDiff{}, errDiffRecord
	}
	var err error
	d.key, err = unframe(framed)
	return d, err
}

// tempFile is a temporary file written once, in order, and then read any number of times.
// It is removed at once where the system allows an open file to be (Unix), else on close; a
// cleanup closes it when its owner is dropped unclosed.
type tempFile struct {
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	size int64
	path string // still to remove
}

func newTempFile(prefix string) (*tempFile, error) {
	f, err := os.CreateTemp("", prefix+"*")
	if err != nil {
		return nil, fmt.Errorf("verify: temporary file: %w", err)
	}
	t := &tempFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	if os.Remove(f.Name()) != nil {
		t.path = f.Name()
	}
	runtime.AddCleanup(t, func(f *os.File) { f.Close() }, f)
	return t, nil
}

func (t *tempFile) write(parts ...[]byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range parts {
		n, err := t.w.Write(p)
		t.size += int64(n)
		if err != nil {
			return fmt.Errorf("verify: temporary file: %w", err)
		}
	}
	return nil
}

func (t *tempFile) flush() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("verify: temporary file: %w", err)
	}
	return nil
}

func (t *tempFile) close() {
	t.f.Close()
	if t.path != "" {
		os.Remove(t.path)
	}
}

// sqlLines is a list of statements and comments of a repair script, in memory while short and
// in a temporary file past its memory bound.
type sqlLines struct {
	mem        []string // lines after those in the file
	size       int
	file       *tempFile
	statements int // the lines that are not comments
	memory     int // bytes held before spilling; 0 means defaultDiffMemory
}

func (s *sqlLines) add(line string) error {
	if !strings.HasPrefix(line, "--") {
		s.statements++
	}
	s.mem = append(s.mem, line)
	s.size += len(line) + 16
	if s.size <= cmp.Or(s.memory, defaultDiffMemory) {
		return nil
	}
	if s.file == nil {
		f, err := newTempFile("dbverify-repair-")
		if err != nil {
			return err
		}
		s.file = f
	}
	for _, l := range s.mem {
		if err := s.file.write([]byte(l), []byte{'\n'}); err != nil {
			return err
		}
	}
	s.mem, s.size = nil, 0
	return nil
}

// writeTo writes the lines to w, each ended by a newline.
func (s *sqlLines) writeTo(w io.Writer) error {
	if s.file != nil {
		if err := s.file.flush(); err != nil {
			return err
		}
		if _, err := io.Copy(w, io.NewSectionReader(s.file.f, 0, s.file.size)); err != nil {
			return err
		}
	}
	for _, l := range s.mem {
		if _, err := io.WriteString(w, l+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlLines) close() {
	if s.file != nil {
		s.file.close()
	}
}
