package verify_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// TestCausesOnServers makes each kind of damage a migration causes, with SQL on a real
// PostgreSQL target of a MariaDB source, and checks that the report names it.
func TestCausesOnServers(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	for _, side := range []struct {
		e  engine
		db *testdb.DB
	}{{my, mdb}, {pg, pdb}} {
		side.db.Exec(t, fmt.Sprintf(`CREATE TABLE causes (id INT NOT NULL PRIMARY KEY, txt TEXT, name VARCHAR(50),
			email VARCHAR(80), amount %s, ts %s, enc VARCHAR(50))`, strings.Replace(side.e.decimal, "(12,2)", "(10,4)", 1), side.e.ts))
		var rows [][]any
		for i := 1; i <= 8; i++ {
			rows = append(rows, []any{i, strings.Repeat("lob data ", 20), fmt.Sprintf("name %d", i), fmt.Sprintf("user%d@example.com", i),
				"1.2345", "2024-03-10 08:15:00.123456", "café crème"})
		}
		side.e.insert(t, side.db, "causes", "id, txt, name, email, amount, ts, enc", rows)
	}
	pdb.Exec(t,
		"UPDATE causes SET txt = left(txt, 64) WHERE id = 1",                                   // DMS limited LOB mode
		"UPDATE causes SET name = name || '  ' WHERE id = 2",                                   // padding kept
		"UPDATE causes SET email = upper(email) WHERE id = 3",                                  // case folded
		"UPDATE causes SET amount = round(amount, 2) WHERE id = 4",                             // scale lost
		"UPDATE causes SET ts = ts + interval '3 hours' WHERE id = 5",                          // session time zone
		"UPDATE causes SET enc = convert_from(convert_to(enc, 'UTF8'), 'LATIN1') WHERE id = 6", // UTF-8 read as latin1
		"UPDATE causes SET ts = date_trunc('milliseconds', ts) WHERE id = 7",                   // precision lost
		"UPDATE causes SET name = 'someone else' WHERE id = 8",                                 // plain change
	)
	rep := compare(t, mdb, pdb, verify.Options{})
	tr := table(t, rep, "causes")
	want := map[int]string{
		1: "txt:" + verify.CauseTruncated + ": target keeps 64 of 180 bytes",
		2: "name:" + verify.CauseWhitespace,
		3: "email:" + verify.CauseCase,
		4: "amount:" + verify.CauseRounded + " to 2 decimal places",
		5: "ts:" + verify.CauseShifted + " by +3h (a time zone setting?)",
		6: "enc:" + verify.CauseEncoding,
		7: "ts:" + verify.CauseRounded + " to 3 fractional digits",
		8: "name:",
	}
	if len(tr.Diffs) != len(want) {
		t.Fatalf("%d diffs, want %d: %q", len(tr.Diffs), len(want), diffString(tr))
	}
	for i, d := range tr.Diffs {
		id := i + 1
		if len(d.Columns) != 1 {
			t.Errorf("row %d: %d columns differ, want 1", id, len(d.Columns))
			continue
		}
		got := d.Columns[0].Column + ":" + d.Columns[0].Cause
		if got != want[id] {
			t.Errorf("row %d: %q, want %q", id, got, want[id])
		}
	}
	var out strings.Builder
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "(trailing whitespace)") {
		t.Errorf("text report does not show causes:\n%s", out.String())
	}
}
