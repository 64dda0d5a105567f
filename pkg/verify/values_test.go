package verify_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/verify"
)

// TestSpecialFloats: NaN and the infinities, where a type allows them (PostgreSQL), compare equal
// to themselves and differ from anything else.
func TestSpecialFloats(t *testing.T) {
	pg := engines[1]
	src, tgt := pg.newDB(t), pg.newDB(t)
	src.Exec(t, "CREATE TABLE sf (id INT PRIMARY KEY, r REAL, d DOUBLE PRECISION, n NUMERIC)",
		"INSERT INTO sf VALUES (1, 'NaN', 'NaN', 'NaN'), (2, 'Infinity', '-Infinity', 'Infinity'), (3, 0, 0, 0)")
	tgt.Exec(t, "CREATE TABLE sf (id INT PRIMARY KEY, r REAL, d DOUBLE PRECISION, n NUMERIC)",
		"INSERT INTO sf VALUES (1, 'NaN', 'NaN', 'NaN'), (2, 'Infinity', '-Infinity', 'Infinity'), (3, 'NaN', 0, 0)")
	got := diffString(table(t, compare(t, src, tgt, verify.Options{}), "sf"))
	if want := []string{`changed id=3 r:0->NaN`}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestTimeZonePinned: TIMESTAMP values written through a session in another time zone compare
// in UTC: MariaDB stores TIMESTAMP in UTC and converts on read, so dbverify's sessions must be
// pinned to UTC on both sides to see the same instants.
func TestTimeZonePinned(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	conn, err := mdb.SQL.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range []string{"SET time_zone = '+05:30'", "CREATE TABLE tz (id INT PRIMARY KEY, ts TIMESTAMP(6) NULL)",
		"INSERT INTO tz VALUES (1, '2024-03-10 12:00:00.000001')"} {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	pdb.Exec(t, "SET TIME ZONE 'America/New_York'", "CREATE TABLE tz (id INT PRIMARY KEY, ts TIMESTAMPTZ(6))",
		"INSERT INTO tz VALUES (1, '2024-03-10 06:30:00.000001+00')")
	if tr := table(t, compare(t, mdb, pdb, verify.Options{}), "tz"); !tr.Identical() {
		t.Errorf("the same instant differs: %q", diffString(tr))
	}
}

// TestUnsupportedAcrossEngines: a PostgreSQL-only type against a column of another kind is
// skipped and listed, or under Strict a clear error naming the type and column; against a text
// column it compares as text.
func TestUnsupportedAcrossEngines(t *testing.T) {
	my, pg := engines[0], engines[1]
	mdb, pdb := my.newDB(t), pg.newDB(t)
	mdb.Exec(t, "CREATE TABLE u (id INT PRIMARY KEY, span INT, addr VARCHAR(40))", "INSERT INTO u VALUES (1, 3600, '10.0.0.1')")
	pdb.Exec(t, "CREATE TABLE u (id INT PRIMARY KEY, span INTERVAL, addr INET)", "INSERT INTO u VALUES (1, '1 hour', '10.0.0.1')")
	s, _ := verify.Open(t.Context(), verify.Source, mdb.DSN, verify.OpenOptions{})
	d, _ := verify.Open(t.Context(), verify.Target, pdb.DSN, verify.OpenOptions{})
	defer s.Close()
	defer d.Close()
	_, err := verify.Compare(t.Context(), s, d, verify.Options{Strict: true})
	if err == nil || !strings.Contains(err.Error(), "unsupported type interval in column span") {
		t.Fatalf("want an unsupported type error, got %v", err)
	}
	rep, err := verify.Compare(t.Context(), s, d, verify.Options{})
	if err != nil || !rep.Identical() || len(rep.Tables[0].Skipped) != 1 || rep.Tables[0].Skipped[0].Column != "span" {
		t.Fatalf("skipped: err %v, report %+v", err, rep)
	}
	rep, err = verify.Compare(t.Context(), s, d, verify.Options{IgnoreColumns: []string{"span"}})
	if err != nil || !rep.Identical() || len(rep.Tables[0].Skipped) != 0 {
		t.Fatalf("inet against text: err %v, report %+v", err, rep)
	}
}
