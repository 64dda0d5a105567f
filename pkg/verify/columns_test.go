package verify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestSkippedColumns: a column no side can compare (a MariaDB POINT against a PostgreSQL point,
// a SET against the enum array it became) no longer stops every table: it is left out, listed
// in the table's report, in the text report and in the summary, and logged as a warning once;
// the other columns are still compared. Options.Strict keeps the refusal, with an error that
// names no command-line flag.
func TestSkippedColumns(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	mdb.Exec(t, "CREATE TABLE address (id INT PRIMARY KEY, city VARCHAR(20), location POINT, tags SET('a','b','c'))",
		"INSERT INTO address VALUES (1, 'Oslo', PointFromText('POINT(1 2)'), 'a,c'), (2, 'Lima', NULL, '')",
		"CREATE TABLE plain (id INT PRIMARY KEY, v INT)", "INSERT INTO plain VALUES (1, 1)")
	pdb.Exec(t, "CREATE TYPE tag AS ENUM ('a', 'b', 'c')",
		"CREATE TABLE address (id INT PRIMARY KEY, city VARCHAR(20), location POINT, tags tag[])",
		"INSERT INTO address VALUES (1, 'Oslo', '(1,2)', '{a,c}'), (2, 'Lima', NULL, '{}')",
		"CREATE TABLE plain (id INT PRIMARY KEY, v INT)", "INSERT INTO plain VALUES (1, 1)")
	ctx := context.Background()
	s, d, closeBoth := openPair(t, ctx, mdb, pdb)
	defer closeBoth()

	var logged bytes.Buffer
	rep, err := verify.Compare(ctx, s, d, verify.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatalf("an uncomparable column stopped the compare: %v", err)
	}
	defer rep.Close()
	tr := table(t, rep, "address")
	if len(tr.Skipped) != 2 || tr.Skipped[0].Column != "location" || tr.Skipped[1].Column != "tags" ||
		!strings.Contains(tr.Skipped[0].Reason, "point") || !tr.Identical() || tr.Columns != 2 {
		t.Errorf("address: skipped %+v, identical %v, %d columns compared", tr.Skipped, tr.Identical(), tr.Columns)
	}
	if p := table(t, rep, "plain"); len(p.Skipped) != 0 || !p.Identical() {
		t.Errorf("plain: %+v", p)
	}
	if sum := rep.Summary(); !strings.HasPrefix(sum, "IDENTICAL") || !strings.Contains(sum, "2 columns not compared: address.location, address.tags") {
		t.Errorf("the summary does not say what was not compared: %q", sum)
	}
	var text, js bytes.Buffer
	rep.WriteText(&text)
	rep.WriteJSON(&js)
	if !strings.Contains(text.String(), "address: not compared, no side can compare 2 columns: location (") {
		t.Errorf("text report:\n%s", text.String())
	}
	if !strings.Contains(js.String(), `"skipped_columns": [`) || !strings.Contains(js.String(), `"column": "tags"`) {
		t.Errorf("JSON report:\n%s", js.String())
	}
	if n := strings.Count(logged.String(), "level=WARN"); n != 2 || !strings.Contains(logged.String(), "column location not compared") {
		t.Errorf("want one warning per skipped column, got:\n%s", logged.String())
	}

	// The other columns still count.
	pdb.Exec(t, "UPDATE address SET city = 'Bergen' WHERE id = 1")
	rep2, err := verify.Compare(ctx, s, d, verify.Options{Tables: []string{"address"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rep2.Close()
	if tr := table(t, rep2, "address"); tr.Changed != 1 || !strings.HasPrefix(rep2.Summary(), "DIFFERENT") || !strings.Contains(rep2.Summary(), "not compared") {
		t.Errorf("a change beside a skipped column: %+v, %q", tr, rep2.Summary())
	}

	// Strict refuses, naming the type and the column, and no flag.
	_, err = verify.Compare(ctx, s, d, verify.Options{Strict: true})
	var oe *verify.OptionError
	if err == nil || !errors.Is(err, verify.ErrInvalid) || !errors.As(err, &oe) || oe.Option != "Strict" ||
		!strings.Contains(err.Error(), "unsupported type point in column location") || strings.Contains(err.Error(), "--") {
		t.Errorf("strict: %v", err)
	}
	// A column asked for by name is not skipped behind the caller's back.
	_, err = verify.Compare(ctx, s, d, verify.Options{Columns: []string{"address.tags"}})
	if err == nil || !errors.As(err, &oe) || oe.Option != "Columns" {
		t.Errorf("asked-for column: %v", err)
	}
}

// TestColumnsQualified: Columns, IgnoreColumns and the per-column tolerances take
// TABLE.COLUMN and SCHEMA.TABLE.COLUMN. A qualified column that one side lacks (dropped or
// added by the migration) is left out of its table only; a qualifier that names no compared
// table is refused before anything is compared.
func TestColumnsQualified(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			src.Exec(t, "CREATE TABLE address (id INT PRIMARY KEY, city VARCHAR(20), location VARCHAR(40))",
				"INSERT INTO address VALUES (1, 'Oslo', '59.9,10.7')")
			tgt.Exec(t, "CREATE TABLE address (id INT PRIMARY KEY, city VARCHAR(20), added INT)",
				"INSERT INTO address VALUES (1, 'Oslo', 7)")
			for i, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE shop (id INT PRIMARY KEY, location VARCHAR(40))",
					"CREATE TABLE m (id INT PRIMARY KEY, f DOUBLE PRECISION)")
				loc := []string{"'here'", "'there'"}[i]
				f := []string{"1.0000001", "1.0000002"}[i]
				db.Exec(t, "INSERT INTO shop VALUES (1, "+loc+")", "INSERT INTO m VALUES (1, "+f+")")
			}
			ctx := context.Background()
			s, d, closeBoth := openPair(t, ctx, src, tgt)
			defer closeBoth()
			schema := s.DB.Schema()

			for _, ignore := range [][]string{
				{"address.location", "address.added"},
				{schema + ".address.location", "ADDRESS.added"},
			} {
				rep, err := verify.Compare(ctx, s, d, verify.Options{Tables: []string{"address", "shop"}, IgnoreColumns: ignore})
				if err != nil {
					t.Fatalf("%v: %v", ignore, err)
				}
				a, sh := table(t, rep, "address"), table(t, rep, "shop")
				if !a.Identical() || a.Columns != 2 || sh.Identical() || sh.Columns != 2 {
					t.Errorf("%v: address identical %v with %d columns; shop identical %v with %d columns (its location must still count)",
						ignore, a.Identical(), a.Columns, sh.Identical(), sh.Columns)
				}
				rep.Close()
			}

			// Only some columns of one table; the other keeps all of its own.
			rep, err := verify.Compare(ctx, s, d, verify.Options{Tables: []string{"address", "shop"}, Columns: []string{"address.city"}})
			if err != nil {
				t.Fatal(err)
			}
			if a, sh := table(t, rep, "address"), table(t, rep, "shop"); !a.Identical() || a.Columns != 2 || sh.Columns != 2 {
				t.Errorf("columns: address %d columns (identical %v), shop %d", a.Columns, a.Identical(), sh.Columns)
			}
			rep.Close()

			// A per-column tolerance: the most qualified name wins.
			rep, err = verify.Compare(ctx, s, d, verify.Options{Tables: []string{"m"},
				ColumnFloatDigits: map[string]int{"f": 17, schema + ".m.f": 6}})
			if err != nil {
				t.Fatal(err)
			}
			if m := table(t, rep, "m"); !m.Identical() {
				t.Errorf("schema.table.column tolerance not applied: %+v", m)
			}
			rep.Close()

			for _, opt := range []verify.Options{
				{IgnoreColumns: []string{"adress.location"}},
				{Columns: []string{"nosuch.city"}},
				{ColumnFloatDigits: map[string]int{"mm.f": 6}},
			} {
				opt.Tables = []string{"address", "shop", "m"}
				_, err := verify.Compare(ctx, s, d, opt)
				var oe *verify.OptionError
				if !errors.Is(err, verify.ErrInvalid) || !errors.As(err, &oe) || !strings.Contains(err.Error(), "no table") || strings.Contains(err.Error(), "--") {
					t.Errorf("%+v: %v", opt, err)
				}
			}
		})
	}
}
