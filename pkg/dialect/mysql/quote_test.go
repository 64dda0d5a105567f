package mysql

import (
	"context"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestQuoteStringSQLModes: a quoted literal selects the same rows with and without
// NO_BACKSLASH_ESCAPES (review finding: backslashes were escaped for one mode only).
func TestQuoteStringSQLModes(t *testing.T) {
	db := testdb.MySQL(t)
	db.Exec(t, "CREATE TABLE q (id INT PRIMARY KEY, s VARCHAR(20), n INT)",
		`INSERT INTO q VALUES (1, 'a\\b', 5), (2, 'it''s', 6), (3, 'plain', 7)`)
	for _, mode := range []string{"", "?sql_mode=%27NO_BACKSLASH_ESCAPES%27"} {
		d, err := Open(context.Background(), db.DSN+mode, 2)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := d.Table(context.Background(), "q")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{`a\b`, "it's", "plain"} {
			n, err := d.CountRows(context.Background(), dialect.Query{Table: tbl, Where: "s = " + d.QuoteString(v)})
			if err != nil || n != 1 {
				t.Errorf("mode %q, value %q: %d rows, %v", mode, v, n, err)
			}
		}
		if n, err := d.CountRows(context.Background(), dialect.Query{Table: tbl, Where: "n = " + d.QuoteString("5")}); err != nil || n != 1 {
			t.Errorf("mode %q: numeric compare: %d rows, %v", mode, n, err)
		}
		d.Close()
	}
}

// FuzzQuoteString: every quoted literal is one expression to the row filter check.
func FuzzQuoteString(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `a\b`, `\'`, "\x00", ");--", "\"`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if err := checkCondition("s = " + (*DB)(nil).QuoteString(v)); err != nil {
			t.Fatalf("QuoteString(%q): %v", v, err)
		}
	})
}
