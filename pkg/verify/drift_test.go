package verify_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

const driftRows = 3000

// drift is one kind of difference made on the target, and exactly what the report must say.
type drift struct {
	table string
	apply func(t *testing.T, e engine, tgt *testdb.DB)
	want  []string
}

// the drift cases of issue 2, each in a table of its own so nothing else can differ.
var drifts = []drift{
	{"d_missing", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "DELETE FROM d_missing WHERE id = ?", 1500)
	}, []string{"missing id=1500"}},
	{"d_extra_above", func(t *testing.T, e engine, d *testdb.DB) {
		e.insert(t, d, "d_extra_above", wideCols, [][]any{wideRow(driftRows + 1)})
	}, []string{fmt.Sprintf("extra id=%d", driftRows+1)}},
	{"d_extra_below", func(t *testing.T, e engine, d *testdb.DB) {
		e.insert(t, d, "d_extra_below", wideCols, [][]any{wideRow(0)})
	}, []string{"extra id=0"}},
	{"d_changed", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_changed SET name = ? WHERE id = ?", "changed", 1234)
	}, []string{`changed id=1234 name:"name-01234"->"changed"`}},
	{"d_null_empty", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_null_empty SET note = ? WHERE id = ?", "", 7)
	}, []string{`changed id=7 note:NULL->""`}},
	{"d_null_value", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_null_value SET note = ? WHERE id = ?", "x", 14)
		e.exec(t, d, "UPDATE d_null_value SET note = NULL WHERE id = ?", 15)
	}, []string{`changed id=14 note:NULL->"x"`, `changed id=15 note:"note 15"->NULL`}},
	{"d_trailing_space", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_trailing_space SET name = ? WHERE id = ?", "name-02000 ", 2000)
	}, []string{`changed id=2000 name:"name-02000"->"name-02000 "`}},
	{"d_first_row", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_first_row SET amount = ? WHERE id = ?", "1.02", 1)
	}, []string{`changed id=1 amount:1.01->1.02`}},
	{"d_last_row", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_last_row SET created = ? WHERE id = ?", "2024-02-29 10:50:00.003001", driftRows)
	}, []string{fmt.Sprintf(`changed id=%d created:"2024-02-29 10:50:00.003000"->"2024-02-29 10:50:00.003001"`, driftRows)}},
	{"d_blob", func(t *testing.T, e engine, d *testdb.DB) {
		e.exec(t, d, "UPDATE d_blob SET data = ? WHERE id = ?", []byte{0xde, 0xad, 0xbe, 0xef}, 2500)
	}, []string{`changed id=2500 data:0xc40900ff->0xdeadbeef`}},
	{"d_same", func(*testing.T, engine, *testdb.DB) {}, nil},
}

// TestDrift makes each kind of drift on the target and checks that compare reports exactly that
// row and column and nothing else, streamed and pushed down, with 1 and 8 workers, 100- and
// 50,000-row chunks, and that the fingerprints depend on none of these.
func TestDrift(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, d := range drifts {
				for _, db := range []*testdb.DB{src, tgt} {
					e.wideTable(t, db, d.table)
					e.fillWide(t, db, d.table, driftRows)
				}
				d.apply(t, e, tgt)
			}
			prints := map[string][2]string{}
			for _, mode := range []verify.Mode{verify.ModeStream, verify.ModePushdown} {
				for _, workers := range []int{1, 8} {
					for _, chunk := range []int{100, 50_000} {
						t.Run(fmt.Sprintf("%s/workers=%d/chunk=%d", mode, workers, chunk), func(t *testing.T) {
							rep := compare(t, src, tgt, verify.Options{Mode: mode, Workers: workers, ChunkRows: chunk})
							if rep.Identical() {
								t.Fatal("report says identical")
							}
							if len(rep.Tables) != len(drifts) {
								t.Fatalf("%d tables compared, want %d", len(rep.Tables), len(drifts))
							}
							for _, d := range drifts {
								tr := table(t, rep, d.table)
								if got := diffString(tr); !slices.Equal(got, d.want) {
									t.Errorf("%s: diffs\n got  %q\n want %q", d.table, got, d.want)
								}
								if n := tr.Differences(); n != int64(len(d.want)) {
									t.Errorf("%s: %d differences counted, want %d", d.table, n, len(d.want))
								}
								if tr.SourceRows != driftRows {
									t.Errorf("%s: %d source rows, want %d", d.table, tr.SourceRows, driftRows)
								}
								if tr.Strategy != "range" || tr.Mode != mode {
									t.Errorf("%s: strategy %s in %s mode, want range in %s", d.table, tr.Strategy, tr.Mode, mode)
								}
								if d.want == nil && (!tr.Identical() || tr.SourcePrint != tr.TargetPrint) {
									t.Errorf("%s: identical table reported %+v", d.table, tr)
								}
								if d.want != nil && tr.SourcePrint == tr.TargetPrint {
									t.Errorf("%s: fingerprints equal despite drift", d.table)
								}
								p := [2]string{tr.SourcePrint, tr.TargetPrint}
								if old, ok := prints[d.table]; ok && old != p {
									t.Errorf("%s: fingerprints %v changed with mode/workers/chunks (was %v)", d.table, p, old)
								}
								prints[d.table] = p
							}
						})
					}
				}
			}
		})
	}
}
