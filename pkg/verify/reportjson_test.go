package verify_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/verify"
)

// reportSchema compiles docs/report.schema.json.
func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../docs/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

func validate(s *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// reportFixture makes src and tgt differ in every way a report can tell: a table that is
// identical; one with a composite key holding binary bytes whose rows are missing, extra and
// changed (” against NULL, a long value the report cuts); one whose every row is missing;
// and one without a key.
func reportFixture(t *testing.T, e engine, src, tgt *testdb.DB) {
	t.Helper()
	bin := map[bool]string{false: "VARBINARY(16)", true: "BYTEA"}[e.dollarArg]
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE same (id INT NOT NULL PRIMARY KEY, v VARCHAR(20))",
			"CREATE TABLE kinds (id INT NOT NULL, b "+bin+" NOT NULL, v VARCHAR(20), note TEXT, PRIMARY KEY (id, b))",
			"CREATE TABLE trunc (id INT NOT NULL PRIMARY KEY, v INT)",
			"CREATE TABLE nokey (v INT)")
		db.Exec(t, "INSERT INTO same VALUES (1, 'a'), (2, '')")
	}
	long := strings.Repeat("é", 400)
	e.insert(t, src, "kinds", "id, b, v, note", [][]any{{1, []byte{0, 0xff}, "a", ""}, {2, []byte{1}, "b", nil}, {3, []byte{2}, "c", "x"}})
	e.insert(t, tgt, "kinds", "id, b, v, note", [][]any{{1, []byte{0, 0xff}, "a", nil}, {3, []byte{2}, "c", long}, {4, []byte{3}, "d", "y"}})
	src.Exec(t, "INSERT INTO trunc VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)", "INSERT INTO nokey VALUES (1), (2)")
	tgt.Exec(t, "INSERT INTO nokey VALUES (1)")
}

// TestReportSchema: every kind of report the writer gives (identical and differing tables,
// missing, extra and changed rows, ” and NULL, a cut value, a binary composite key, a
// truncated listing, a table without a key, a shard's part) is valid under
// docs/report.schema.json, reads back with ReadReport, and writes back to the same bytes. The
// schema allows no field the writer does not document: one added is refused.
func TestReportSchema(t *testing.T) {
	schema := reportSchema(t)
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			src, tgt := e.newDB(t), e.newDB(t)
			reportFixture(t, e, src, tgt)
			reports := map[string]*verify.Report{
				"all":       compare(t, src, tgt, verify.Options{MaxDiffs: 100}),
				"truncated": compare(t, src, tgt, verify.Options{Tables: []string{"trunc"}, MaxDiffs: 2, FloatDigits: 6}),
				"shard":     compare(t, src, tgt, verify.Options{Shard: verify.Shard{Index: 1, Count: 2}, ChunkRows: 2}),
			}
			for name, rep := range reports {
				defer rep.Close()
				var b bytes.Buffer
				if err := rep.WriteJSON(&b); err != nil {
					t.Fatal(err)
				}
				if err := validate(schema, b.Bytes()); err != nil {
					t.Fatalf("%s: the report is not valid under the schema: %v\n%s", name, err, b.String())
				}
				back, err := verify.ReadReport(bytes.NewReader(b.Bytes()))
				if err != nil {
					t.Fatalf("%s: ReadReport: %v\n%s", name, err, b.String())
				}
				var again bytes.Buffer
				if err := back.WriteJSON(&again); err != nil {
					t.Fatal(err)
				}
				back.Close()
				if again.String() != b.String() {
					t.Fatalf("%s: written, read and written again, the report changed:\n%s\n---\n%s", name, b.String(), again.String())
				}
				// A field the schema does not know is refused: the schema is kept in step.
				var doc map[string]any
				json.Unmarshal(b.Bytes(), &doc)
				doc["tables"].([]any)[0].(map[string]any)["surprise"] = 1
				extra, _ := json.Marshal(doc)
				if validate(schema, extra) == nil {
					t.Errorf("%s: the schema allows a table field it does not describe", name)
				}
			}
			var b bytes.Buffer
			reports["all"].WriteJSON(&b)
			s := b.String()
			for _, want := range []string{
				`"key": {"id":{"text":"1"},"b":{"hex":"00ff"}}`,
				`"source": {` + "\n",
				`"text": ""`,
				`"null": true`,
				`"length": 800`,
				`"first_diff_offset": 0`, // "x" against 400 é: a cut value that differs at once
				`"kind": "extra"`,
				`"kind": "missing"`,
				`"format": 2`,
				`"diffs_truncated": false`,
			} {
				if !strings.Contains(strings.ReplaceAll(s, "{\n", "{\n"), want) && !strings.Contains(compact(s), compact(want)) {
					t.Errorf("the report lacks %s:\n%s", want, s)
				}
			}
		})
	}
}

// compact drops JSON's insignificant white space (and any in strings: fine for these checks).
func compact(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// TestReadReportRefuses: ReadReport refuses, with an error and no panic, input that is not a
// report: any truncation of a real one, corrupt bytes at every position, and reports edited
// into shapes the writer never gives.
func TestReadReportRefuses(t *testing.T) {
	e := engines[0]
	src, tgt := e.newDB(t), e.newDB(t)
	reportFixture(t, e, src, tgt)
	rep := compare(t, src, tgt, verify.Options{Tables: []string{"kinds"}})
	defer rep.Close()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	good := b.String()
	for n := 0; n < len(good)-2; n += max(1, len(good)/400) {
		if r, err := verify.ReadReport(strings.NewReader(good[:n])); err == nil {
			r.Close()
			t.Fatalf("a report cut at byte %d was read", n)
		}
	}
	for i := 0; i < len(good); i += max(1, len(good)/300) {
		for _, c := range []byte{'x', '"', '{', ']', 0} {
			bad := []byte(good)
			if bad[i] == c {
				continue
			}
			bad[i] = c
			if r, err := verify.ReadReport(bytes.NewReader(bad)); err == nil {
				r.Close() // some edits still make a valid report (a letter inside a string)
			}
		}
	}
	for _, c := range []struct{ from, to, want string }{
		{`"format": 2`, `"format": 1`, "format 1"},
		{`"format": 2,`, ``, `no "format"`},
		{`"kind": "missing"`, `"kind": "lost"`, `kind "lost"`},
		{`"id": {`, `"idx": {`, "key names columns"},
		{`"hex": "00ff"`, `"hex": "0g"`, "hex"},
		{`"hex": "00ff"`, `"hex": "00ff", "null": true`, "exactly one of"},
		{`"text": ""`, `"text": "", "length": 3`, ""},
		{`"changed": 2`, `"changed": 0`, "more than the"},
		{`"source": "kinds"`, `"source": ""`, "must name the tables"},
		{`"identical": false`, `"identical": false, "extra_field": 1`, "unknown field"},
		{`"class": "int"`, `"class": "integer"`, `unknown class "integer"`},
	} {
		if !strings.Contains(good, c.from) {
			t.Fatalf("the report lacks %s:\n%s", c.from, good)
		}
		r, err := verify.ReadReport(strings.NewReader(strings.Replace(good, c.from, c.to, 1)))
		if err == nil {
			r.Close()
			t.Errorf("%s -> %s: read", c.from, c.to)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "report: ") {
			t.Errorf("%s -> %s: %v; want an error with %q", c.from, c.to, err, c.want)
		}
	}
}

// FuzzReadReport: no input makes ReadReport panic.
func FuzzReadReport(f *testing.F) {
	f.Add([]byte(`{"format": 2, "tables": [], "identical": true}`))
	f.Add([]byte(`{"format": 2, "tables": [{"source": "t", "target": "t", "key": ["id"], "key_columns": [{"name": "id", "class": "int"}], "missing": 1, "diffs": [{"kind": "missing", "key": {"id": {"text": "1"}}, "columns": []}]}], "identical": false}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := verify.ReadReport(bytes.NewReader(b)); err == nil {
			r.Close()
		}
	})
}
