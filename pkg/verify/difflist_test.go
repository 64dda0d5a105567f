package verify

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestDiffListMerge: rows added in any order, spilled in blocks whose key ranges overlap, come
// back from each in key order (numeric, not by bytes), each once, equal to what was added.
func TestDiffListMerge(t *testing.T) {
	cols := []dialect.Column{{Name: "id", Class: dialect.ClassInt}}
	r := rand.New(rand.NewPCG(1, 2))
	l := &diffList{cols: cols, memory: 4 << 10}
	defer l.close()
	want := map[string]RowDiff{}
	for _, id := range r.Perm(5000) {
		d := sampleDiff(r, id)
		want[string(d.key[0])] = d
		if err := l.add([]RowDiff{d}); err != nil {
			t.Fatal(err)
		}
	}
	if inMemory, err := l.done(); inMemory || err != nil || len(l.blocks) < 10 {
		t.Fatalf("done: in memory %v, %v, %d blocks; want a file of many blocks", inMemory, err, len(l.blocks))
	}
	for pass := range 2 { // a listing is read any number of times
		next := 0
		err := l.each(func(d RowDiff) error {
			if got := string(d.key[0]); got != strconv.Itoa(next) {
				t.Fatalf("pass %d: row %d has key %s", pass, next, got)
			}
			if w := want[string(d.key[0])]; !reflect.DeepEqual(d, w) {
				t.Fatalf("row %d came back as\n%#v\nwant\n%#v", next, d, w)
			}
			next++
			return nil
		})
		if err != nil || next != 5000 {
			t.Fatalf("pass %d: %d rows, %v", pass, next, err)
		}
	}
}

// sampleDiff is a listed row with every kind of value: NULL and empty key parts, gone rows,
// numbers, hex, cut values.
func sampleDiff(r *rand.Rand, id int) RowDiff {
	key := dialect.Key{[]byte(strconv.Itoa(id))}
	d := RowDiff{Kind: []DiffKind{Missing, Extra, Changed}[id%3], key: key, Key: []Value{{Text: strconv.Itoa(id), number: true}}}
	if d.Kind == Changed {
		d.Columns = []ColumnDiff{
			{Column: "note", Source: Value{Null: true}, Target: Value{Text: "", Length: r.IntN(3)}},
			{Column: "data", Source: Value{Hex: "00ff"}, Target: Value{Gone: true}, Cause: "truncated"},
		}
		long := []byte(strings.Repeat("x", 300+id%7))
		changed := append([]byte{}, long...)
		changed[290] = 'y'
		c := ColumnDiff{Column: "doc", Source: newValue(long, dialect.ClassString), Target: newValue(changed, dialect.ClassString)}
		c.locate(long, changed)
		d.Columns = append(d.Columns, c)
	}
	return d
}

// TestDiffRecordDecode: a record decodes to the row encoded, keys with NULL and empty parts
// included, and any cut or corrupted record is an error, never a panic.
func TestDiffRecordDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := sampleDiff(r, 2)
	d.key = dialect.Key{nil, {}, []byte("x\x00y")}
	d.Key = []Value{{Null: true}, {Text: ""}, {Hex: "780079"}}
	rec := d.encode(nil)
	got, err := decodeDiff(rec)
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("decode: %v\n%#v\nwant\n%#v", err, got, d)
	}
	// A record of a build that kept no first differences (a checkpoint's) is this one's
	// without them; cut anywhere else, a record is an error.
	plain := d
	plain.Columns = append([]ColumnDiff{}, d.Columns...)
	for i := range plain.Columns {
		plain.Columns[i].Offset, plain.Columns[i].around = 0, nil
	}
	old := plain.encode(nil)
	if got, err := decodeDiff(old); err != nil || !reflect.DeepEqual(got, plain) || !bytes.HasPrefix(rec, old) || len(old) == len(rec) {
		t.Fatalf("a record without first differences: %v\n%#v", err, got)
	}
	for i := range len(rec) {
		if _, err := decodeDiff(rec[:i]); err == nil && i != len(old) {
			t.Errorf("a record cut to %d of %d bytes decoded", i, len(rec))
		}
	}
	for range 10000 {
		bad := append([]byte{}, rec...)
		bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
		decodeDiff(bad) // must not panic
	}
}
