package postgres

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestQuoteStringSettings: a quoted literal (as a DMS mapping's filters are written) selects
// the same rows whatever standard_conforming_strings says, and passes the row filter check.
func TestQuoteStringSettings(t *testing.T) {
	db := testdb.Postgres(t)
	db.Exec(t, "CREATE TABLE q (id int PRIMARY KEY, s text)", `INSERT INTO q VALUES (1, E'a\\b'), (2, 'it''s'), (3, E'x\\''y'), (4, 'plain')`)
	for _, setting := range []string{"on", "off"} {
		d, err := Open(t.Context(), db.DSN+"&standard_conforming_strings="+setting, 2)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := d.Table(t.Context(), "q")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{`a\b`, "it's", `x\'y`, "plain"} {
			cond := "s = " + d.QuoteString(v)
			if err := d.PrepareWhere(t.Context(), tbl, cond); err != nil {
				t.Errorf("standard_conforming_strings %s: %s: %v", setting, cond, err)
			}
			n, err := d.CountRows(t.Context(), dialect.Query{Table: tbl, Where: cond})
			if err != nil || n != 1 {
				t.Errorf("standard_conforming_strings %s: %s: %d rows, %v", setting, cond, n, err)
			}
		}
		d.Close()
	}
}

// FuzzQuoteString: every quoted literal is one expression to the row filter check.
func FuzzQuoteString(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `a\b`, `\'`, "$$", ");--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.IndexByte(v, 0) >= 0 {
			return // PostgreSQL text holds no NUL
		}
		if err := checkCondition("s = " + (*DB)(nil).QuoteString(v)); err != nil {
			t.Fatalf("QuoteString(%q): %v", v, err)
		}
	})
}
