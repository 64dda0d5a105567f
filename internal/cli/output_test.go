package cli_test

import (
	"encoding/csv"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/internal/testdb"
)

// junitDoc is JUnit XML as a CI system's consumer (Jenkins' junit step, GitLab's test report)
// reads it.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Errors   int     `xml:"errors,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Classname string   `xml:"classname,attr"`
			Name      string   `xml:"name,attr"`
			Time      float64  `xml:"time,attr"`
			Failure   *problem `xml:"failure"`
			Error     *problem `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// outputTables builds a source and a target whose differences are awkward to write down:
// commas, quotes, newlines, backslashes, NULL against the empty string, and a keyless table.
func outputTables(t *testing.T) (src, tgt *testdb.DB) {
	src, tgt = testdb.MySQL(t), testdb.MySQL(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE people (id INT NOT NULL PRIMARY KEY, name VARCHAR(50), note TEXT)",
			`INSERT INTO people VALUES (1, 'Ann', 'a, b'), (2, 'Bob', 'say "hi"'), (3, 'Cy', 'line1\nline2'),
				(4, 'Di', NULL), (5, 'Ed', ''), (6, 'Flo', 'back\\slash'), (7, 'Gus', 'same')`,
			"CREATE TABLE same (id INT NOT NULL PRIMARY KEY)", "INSERT INTO same VALUES (1), (2)",
			"CREATE TABLE nokey (v INT)", "INSERT INTO nokey VALUES (1), (2), (3)")
	}
	tgt.Exec(t, `UPDATE people SET note = 'a; b' WHERE id = 1`, `UPDATE people SET note = 'say ''hi''' WHERE id = 2`,
		`UPDATE people SET note = 'line1 line2' WHERE id = 3`, `UPDATE people SET note = '' WHERE id = 4`,
		`UPDATE people SET note = NULL WHERE id = 5`, `UPDATE people SET note = '\\N' WHERE id = 6`,
		"DELETE FROM people WHERE id = 7", "INSERT INTO people VALUES (8, 'Hal, Jr.', NULL)",
		"DELETE FROM nokey WHERE v = 3")
	return src, tgt
}

// TestJUnitOutput: -o junit is JUnit XML a CI system reads: a suite with the counts, a test
// case per table, a failure for each differing table with its counts and first rows.
func TestJUnitOutput(t *testing.T) {
	src, tgt := outputTables(t)
	code, out, errw := run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "-o", "junit")
	if code != 1 {
		t.Fatalf("exit %d: %s\n%s", code, errw, out)
	}
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", out)
	}
	var doc junitDoc
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if doc.Tests != 3 || doc.Failures != 2 || doc.Errors != 0 || len(doc.Suites) != 1 {
		t.Fatalf("testsuites: %d tests, %d failures, %d errors, %d suites; want 3, 2, 0, 1\n%s", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites), out)
	}
	s := doc.Suites[0]
	if s.Name == "" || s.Tests != 3 || s.Failures != 2 || s.Errors != 0 || len(s.Cases) != 3 {
		t.Fatalf("testsuite %q: %d tests, %d failures, %d errors, %d cases\n%s", s.Name, s.Tests, s.Failures, s.Errors, len(s.Cases), out)
	}
	cases := map[string]int{}
	for i, c := range s.Cases {
		if c.Classname == "" || c.Time < 0 || c.Error != nil {
			t.Errorf("test case %+v", c)
		}
		cases[c.Name] = i
	}
	for _, name := range []string{"people", "same", "nokey"} {
		if _, ok := cases[name]; !ok {
			t.Fatalf("no test case %q:\n%s", name, out)
		}
	}
	if c := s.Cases[cases["same"]]; c.Failure != nil {
		t.Errorf("identical table failed: %+v", c.Failure)
	}
	f := s.Cases[cases["people"]].Failure
	if f == nil || f.Message != "8 rows differ: 1 missing on target, 1 extra on target, 6 changed" ||
		!strings.Contains(f.Text, `missing  id=7`) || !strings.Contains(f.Text, `changed  id=1  note: "a, b" -> "a; b"`) ||
		!strings.Contains(f.Text, `changed  id=4  note: NULL -> ""`) {
		t.Errorf("people: failure %+v", f)
	}
	if f := s.Cases[cases["nokey"]].Failure; f == nil || f.Message != "row counts differ: source 3, target 2; no key, rows not listed" {
		t.Errorf("nokey: failure %+v", f)
	}
}

// TestCSVOutput: -o csv is one line per differing column or row, quoted so that commas, quotes
// and newlines read back; NULL (\N) reads apart from the empty string, and a text that looks
// like a marker is escaped.
func TestCSVOutput(t *testing.T) {
	src, tgt := outputTables(t)
	code, out, errw := run(t, "compare", "--source", src.DSN, "--target", tgt.DSN, "-o", "csv")
	if code != 1 {
		t.Fatalf("exit %d: %s\n%s", code, errw, out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	want := [][]string{
		{"table", "kind", "key", "column", "source", "target", "detail"},
		{"nokey", "table", "", "", "", "", "row counts differ: source 3, target 2; no key, rows not listed"},
		{"people", "changed", `{"id":"1"}`, "note", "a, b", "a; b", ""},
		{"people", "changed", `{"id":"2"}`, "note", `say "hi"`, `say 'hi'`, ""},
		{"people", "changed", `{"id":"3"}`, "note", "line1\nline2", "line1 line2", ""},
		{"people", "changed", `{"id":"4"}`, "note", `\N`, "", ""},
		{"people", "changed", `{"id":"5"}`, "note", "", `\N`, ""},
		{"people", "changed", `{"id":"6"}`, "note", `back\\slash`, `\\N`, ""},
		{"people", "missing", `{"id":"7"}`, "", "", "", ""},
		{"people", "extra", `{"id":"8"}`, "", "", "", ""},
	}
	// The tables come in the order the compare reports them; compare as sets of lines.
	got := map[string]bool{}
	for _, r := range recs[1:] {
		got[strings.Join(r, "|")] = true
	}
	if strings.Join(recs[0], "|") != strings.Join(want[0], "|") {
		t.Errorf("header %q", recs[0])
	}
	for _, w := range want[1:] {
		if !got[strings.Join(w, "|")] {
			t.Errorf("no line %q in\n%s", w, out)
		}
	}
	if len(recs) != len(want) {
		t.Errorf("%d lines, want %d:\n%s", len(recs), len(want), out)
	}
	if !strings.Contains(out, `"line1`+"\n"+`line2"`) {
		t.Errorf("a value with a line break is not quoted:\n%s", out)
	}
}
