package verify_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestManyDifferences: thousands of differing rows are all counted exactly while the report
// keeps only MaxDiffs of them, and rows that only the target has are found by splitting along
// the target's keys; in both modes, matching kept rows and narrowing chunks too large to keep.
func TestManyDifferences(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				e.wideTable(t, db, "many")
				e.fillWide(t, db, "many", 6000)
				e.wideTable(t, db, "only_target")
			}
			e.exec(t, tgt, "UPDATE many SET name = 'x' WHERE id % 3 = 0")
			e.exec(t, tgt, "DELETE FROM many WHERE id % 5 = 1")
			e.fillWide(t, tgt, "only_target", 5000)
			for _, mode := range []verify.Mode{verify.ModeStream, verify.ModePushdown} {
				// 2,500-row chunks, kept or too large to keep; 200-row chunks, nearly all differing,
				// which pushdown soon lists without digesting first.
				for _, c := range []struct{ chunk, keep int }{{2500, 100_000}, {2500, 1000}, {200, 100_000}} {
					t.Run(fmt.Sprintf("%s/chunk=%d/keep=%d", mode, c.chunk, c.keep), func(t *testing.T) {
						opt := verify.Options{Mode: mode, Workers: 3, ChunkRows: c.chunk, DiffRows: 300, MaxDiffs: 50}
						verify.SetKeepRows(&opt, c.keep)
						manyDifferences(t, compare(t, src, tgt, opt))
					})
				}
			}
		})
	}
}

func manyDifferences(t *testing.T, rep *verify.Report) {
	t.Helper()
	many := table(t, rep, "many")
	// ids 1..6000: multiples of 3 changed, ids = 1 (mod 5) deleted, some of both.
	var changed, missing int64
	for i := 1; i <= 6000; i++ {
		switch {
		case i%5 == 1:
			missing++
		case i%3 == 0:
			changed++
		}
	}
	if many.Missing != missing || many.Changed != changed || many.Extra != 0 {
		t.Errorf("many: missing=%d changed=%d extra=%d, want %d, %d, 0", many.Missing, many.Changed, many.Extra, missing, changed)
	}
	if len(many.Diffs) != 50 || !many.Truncated {
		t.Errorf("many: %d diffs kept (truncated %v), want 50 and truncated", len(many.Diffs), many.Truncated)
	}
	only := table(t, rep, "only_target")
	if only.Extra != 5000 || only.Missing != 0 || only.Changed != 0 || only.SourceRows != 0 || only.TargetRows != 5000 {
		t.Errorf("only_target: %+v", only)
	}
}

// TestOptions: --where, --columns, --ignore-columns, --tables and --exclude select what is compared.
func TestOptions(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			for _, db := range []*testdb.DB{src, tgt} {
				for _, name := range []string{"orders", "order_items", "audit_log"} {
					e.wideTable(t, db, name)
					e.fillWide(t, db, name, 300)
				}
			}
			e.exec(t, tgt, "UPDATE orders SET name = 'x' WHERE id = 250")
			e.exec(t, tgt, "UPDATE orders SET note = 'y' WHERE id = 10")
			e.exec(t, tgt, "UPDATE audit_log SET note = 'z' WHERE id = 10")

			cases := []struct {
				name   string
				opt    verify.Options
				tables []string
				want   map[string][]string
			}{
				{"all", verify.Options{}, []string{"audit_log", "order_items", "orders"}, map[string][]string{
					"orders":    {`changed id=10 note:"note 10"->"y"`, `changed id=250 name:"name-00250"->"x"`},
					"audit_log": {`changed id=10 note:"note 10"->"z"`}}},
				{"where", verify.Options{Tables: []string{"orders"}, Where: "id < 100"}, []string{"orders"}, map[string][]string{
					"orders": {`changed id=10 note:"note 10"->"y"`}}},
				{"ignore", verify.Options{Tables: []string{"orders"}, IgnoreColumns: []string{"note"}}, []string{"orders"}, map[string][]string{
					"orders": {`changed id=250 name:"name-00250"->"x"`}}},
				{"columns", verify.Options{Tables: []string{"orders"}, Columns: []string{"note", "amount"}}, []string{"orders"}, map[string][]string{
					"orders": {`changed id=10 note:"note 10"->"y"`}}},
				{"pattern and exclude", verify.Options{Tables: []string{"order*"}, Exclude: []string{"orders"}}, []string{"order_items"}, nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					rep := compare(t, src, tgt, c.opt)
					var names []string
					for _, tr := range rep.Tables {
						names = append(names, tr.Source)
						if got := diffString(tr); !slices.Equal(got, c.want[tr.Source]) {
							t.Errorf("%s: %q, want %q", tr.Source, got, c.want[tr.Source])
						}
					}
					if !slices.Equal(names, c.tables) {
						t.Errorf("tables %v, want %v", names, c.tables)
					}
					if want := len(c.want) == 0; rep.Identical() != want {
						t.Errorf("identical %v, want %v", rep.Identical(), want)
					}
				})
			}
		})
	}
}
