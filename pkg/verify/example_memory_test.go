package verify_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strconv"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/verify"
)

// A database of any engine can be verified through package dialect's contract. Here both sides
// are tables in memory, so the example runs without a server: the target lost row 3 and holds
// another name for row 2.
func ExampleNewEndpoint() {
	ctx := context.Background()
	src := verify.NewEndpoint(verify.Source, memoryDB(map[int64]string{1: "ada", 2: "grace", 3: "edsger"}), "memory:source")
	tgt := verify.NewEndpoint(verify.Target, memoryDB(map[int64]string{1: "ada", 2: "Grace"}), "memory:target")

	rep, err := verify.Compare(ctx, src, tgt, verify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rep.Close()
	for _, t := range rep.Tables {
		fmt.Printf("%s: %d source rows, %d target rows: %d missing, %d changed\n", t.Source, t.SourceRows, t.TargetRows, t.Missing, t.Changed)
		_ = t.EachDiff(func(d verify.RowDiff) error {
			fmt.Print("  ", d.Kind, " id=", d.Key[0])
			for _, c := range d.Columns {
				fmt.Printf(" %s: %s -> %s", c.Column, c.Source, c.Target)
			}
			fmt.Println()
			return nil
		})
	}
	fmt.Println("identical:", rep.Identical())
	// Output:
	// people: 3 source rows, 2 target rows: 1 missing, 1 changed
	//   changed id=2 name: "grace" -> "Grace"
	//   missing id=3
	// identical: false
}

// memory is a read-only database in memory holding one table, people (id INT PRIMARY KEY,
// name TEXT), in canonical form: the id in decimal, the name's bytes.
type memory struct {
	table *dialect.Table
	rows  map[int64]string
}

func memoryDB(rows map[int64]string) *memory {
	return &memory{rows: rows, table: &dialect.Table{Schema: "main", Name: "people", KeyKind: dialect.KeyPrimary, KeyName: "PRIMARY", Key: []int{0},
		Columns: []dialect.Column{{Name: "id", Type: "int", Class: dialect.ClassInt}, {Name: "name", Type: "text", Class: dialect.ClassString, Nullable: true}}}}
}

func (m *memory) Engine() string  { return "memory" }
func (m *memory) Version() string { return "1" }
func (m *memory) Schema() string  { return "main" }
func (m *memory) Close() error    { return nil }

func (m *memory) Tables(context.Context) ([]string, error) { return []string{"people"}, nil }

func (m *memory) Table(_ context.Context, name string) (*dialect.Table, error) {
	if name != "people" && name != "main.people" {
		return nil, fmt.Errorf("table %s: %w", name, dialect.ErrNotFound)
	}
	return m.table, nil
}

func (m *memory) EstimateRows(context.Context, *dialect.Table) (int64, error) {
	return int64(len(m.rows)), nil
}

// ids lists the ids in r, in key order.
func (m *memory) ids(r dialect.Range) []int64 {
	var ids []int64
	for id := range m.rows {
		if (r.Lo == nil || id > keyID(r.Lo)) && (r.Hi == nil || id <= keyID(r.Hi)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func keyID(k dialect.Key) int64 {
	id, _ := strconv.ParseInt(string(k[0]), 10, 64)
	return id
}

func idKey(id int64) dialect.Key { return dialect.Key{[]byte(strconv.FormatInt(id, 10))} }

func (m *memory) CountRows(_ context.Context, q dialect.Query) (int64, error) {
	return int64(len(m.ids(q.Range))), nil
}

func (m *memory) KeyBounds(_ context.Context, q dialect.Query) (lo, hi dialect.Key, ok bool, err error) {
	ids := m.ids(q.Range)
	if len(ids) == 0 {
		return nil, nil, false, nil
	}
	return idKey(ids[0]), idKey(ids[len(ids)-1]), true, nil
}

func (m *memory) KeyAfter(_ context.Context, q dialect.Query, skip int) (dialect.Key, bool, error) {
	ids := m.ids(q.Range)
	if skip > len(ids) {
		return nil, false, nil
	}
	return idKey(ids[skip-1]), true, nil
}

func (m *memory) Scan(_ context.Context, q dialect.Query) (dialect.Rows, error) {
	return m.read(q, m.ids(q.Range)), nil
}

func (m *memory) Lookup(_ context.Context, q dialect.Query, keys []dialect.Key) (dialect.Rows, error) {
	var ids []int64
	for _, k := range keys {
		if _, ok := m.rows[keyID(k)]; ok {
			ids = append(ids, keyID(k))
		}
	}
	return m.read(q, ids), nil
}

// read returns the rows of ids, each with q's columns.
func (m *memory) read(q dialect.Query, ids []int64) *memoryRows {
	rs := &memoryRows{}
	for _, id := range ids {
		full := [][]byte{[]byte(strconv.FormatInt(id, 10)), []byte(m.rows[id])}
		row := make([][]byte, len(q.Columns))
		for i, c := range q.Columns {
			row[i] = full[c]
		}
		rs.rows = append(rs.rows, row)
	}
	return rs
}

// memoryRows is a dialect.Rows over rows held in a slice.
type memoryRows struct {
	rows [][][]byte
	cur  [][]byte
}

func (r *memoryRows) Next() bool {
	if len(r.rows) == 0 {
		return false
	}
	r.cur, r.rows = r.rows[0], r.rows[1:]
	return true
}

func (r *memoryRows) Values() [][]byte { return r.cur }
func (r *memoryRows) Err() error       { return nil }
func (r *memoryRows) Close()           {}
