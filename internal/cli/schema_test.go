package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/dbverify/dbverify/internal/testdb"
)

// schemas compiles the JSON Schemas of docs/, each under its $id, so that their $refs to one
// another resolve; get returns the one named (a file name, optionally with a #fragment).
func schemas(t *testing.T) (get func(name string) *jsonschema.Schema) {
	t.Helper()
	const base = "https://github.com/dbverify/dbverify/docs/"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	files, _ := filepath.Glob("../../docs/*.schema.json")
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s is not JSON: %v", f, err)
		}
		if err := c.AddResource(base+filepath.Base(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	return func(name string) *jsonschema.Schema {
		t.Helper()
		s, err := c.Compile(base + name)
		if err != nil {
			t.Fatalf("%s does not compile: %v", name, err)
		}
		return s
	}
}

// valid checks a JSON document against s.
func valid(t *testing.T, s *jsonschema.Schema, what string, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, doc)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s is not valid under %s: %v\n%s", what, s.Location, err, doc)
	}
}

// TestWatchEventSchema: every line `watch -o json` writes on MariaDB, while one row is in
// flight (resolved) and one drifts (a long value changed at its first byte), and while the
// tables are clean, is valid under docs/watch-event.schema.json; its rows are the report's
// (key named by column, "" apart from NULL), and the gate's -o json gives the last pass as a
// valid report and its drift as the report's rows.
func TestWatchEventSchema(t *testing.T) {
	get := schemas(t)
	event, report, diff := get("watch-event.schema.json"), get("report.schema.json"), get("report.schema.json#/$defs/diff")
	src, tgt := testdb.MySQL(t), testdb.MySQL(t)
	long := strings.Repeat("l", 300)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10), doc TEXT)",
			"INSERT INTO t VALUES (1, 'a', ''), (2, 'b', NULL), (3, 'c', '"+long+"')")
	}
	tgt.Exec(t, "UPDATE t SET doc = CONCAT('X', SUBSTR(doc, 2)) WHERE id = 3") // drift
	src.Exec(t, "UPDATE t SET v = 'B' WHERE id = 2")                           // in flight
	go func() {
		time.Sleep(700 * time.Millisecond)
		tgt.SQL.Exec("UPDATE t SET v = 'B' WHERE id = 2")
	}()
	lines := func(args ...string) map[string][]string {
		t.Helper()
		code, out, errw := runMain(t, append([]string{"watch", "-s", src.DSN, "-t", tgt.DSN, "--interval", "200ms", "--settle", "1s",
			"--every", "300ms", "-o", "json"}, args...)...)
		if code > ExitDiffer {
			t.Fatalf("watch: exit %d\n%s\n%s", code, out, errw)
		}
		kinds := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			valid(t, event, "a watch event", []byte(line))
			var ev struct{ Event string }
			json.Unmarshal([]byte(line), &ev)
			kinds[ev.Event] = append(kinds[ev.Event], line)
		}
		return kinds
	}
	kinds := lines("--timeout", "3s")
	for _, k := range []string{"pass", "recheck", "resolved", "drift"} {
		if len(kinds[k]) == 0 {
			t.Fatalf("no %s event: %v", k, kinds)
		}
	}
	for _, want := range []struct{ kind, text string }{
		{"resolved", `"key":{"id":{"text":"2"}}`},
		{"drift", `"key":{"id":{"text":"3"}}`},
		{"drift", `"first_diff_offset":0`},
		{"pass", `"report":{"format":2,`},
		{"pass", `"diffs":[{"kind":"changed","key":{"id":{"text":"2"}},"columns":[{"column":"v","source":{"text":"B"}`},
	} {
		if !strings.Contains(strings.Join(kinds[want.kind], "\n"), want.text) {
			t.Errorf("%s events lack %s:\n%s", want.kind, want.text, strings.Join(kinds[want.kind], "\n"))
		}
	}

	code, out, errw := runMain(t, "compare", "-s", src.DSN, "-t", tgt.DSN, "--until-clean", "--interval", "200ms", "--settle", "1s", "-o", "json")
	var gate struct {
		Drift    []struct{ Row json.RawMessage }
		LastPass json.RawMessage `json:"last_pass"`
	}
	if err := json.Unmarshal([]byte(out), &gate); err != nil || code != ExitDiffer || len(gate.Drift) != 1 || strings.Count(out, "\n") != 1 {
		t.Fatalf("gate: exit %d, %v\n%s\n%s", code, err, out, errw)
	}
	valid(t, report, "the gate's last pass", gate.LastPass)
	valid(t, diff, "the gate's drift row", gate.Drift[0].Row)

	tgt.Exec(t, "UPDATE t SET doc = '"+long+"' WHERE id = 3")
	kinds = lines("--timeout", "1s")
	if len(kinds["pass"]) == 0 || len(kinds["clean"]) != len(kinds["pass"]) || len(kinds) != 2 {
		t.Errorf("a clean watch: %v", kinds)
	}
}

// TestRecheckSchema: `recheck -o json` on MariaDB and PostgreSQL, with rows resolved and rows
// still missing, extra and changed ("" against NULL, long values that differ at their first
// byte), is valid under docs/recheck.schema.json, which refuses a field it does not describe.
func TestRecheckSchema(t *testing.T) {
	recheck := schemas(t)("recheck.schema.json")
	for _, open := range []func(testing.TB) *testdb.DB{testdb.MySQL, testdb.Postgres} {
		src, tgt := open(t), open(t)
		t.Run(strings.Split(src.DSN, ":")[0], func(t *testing.T) {
			long := strings.Repeat("l", 300)
			for _, db := range []*testdb.DB{src, tgt} {
				db.Exec(t, "CREATE TABLE k (name VARCHAR(40) NOT NULL PRIMARY KEY, v INT, note TEXT)")
			}
			for _, r := range [][]any{{"a", 1, ""}, {"b", 2, long}, {"c", 3, nil}, {"d", 4, "x"}} {
				param(t, src, "INSERT INTO k VALUES (?, ?, ?)", r...)
			}
			for _, r := range [][]any{{"a", 1, nil}, {"b", 2, "X" + long[1:]}, {"d", 40, "x"}, {"e", 5, nil}} {
				param(t, tgt, "INSERT INTO k VALUES (?, ?, ?)", r...)
			}
			report, _ := savedReport(t, src, tgt)
			param(t, tgt, "UPDATE k SET v = 4 WHERE name = ?", "d")
			code, out, errw := runMain(t, "recheck", "--report", report, "--source", src.DSN, "--target", tgt.DSN, "-o", "json")
			if code != ExitDiffer {
				t.Fatalf("recheck: exit %d\n%s\n%s", code, out, errw)
			}
			valid(t, recheck, "recheck -o json", []byte(out))
			for _, want := range []string{`"resolved": true`, `"kind": "missing"`, `"kind": "extra"`, `"first_diff_offset": 0`, `"null": true`, `"text": ""`} {
				if !strings.Contains(out, want) {
					t.Errorf("recheck -o json lacks %s:\n%s", want, out)
				}
			}
			var doc map[string]any
			json.Unmarshal([]byte(out), &doc)
			doc["tables"].([]any)[0].(map[string]any)["rows"].([]any)[0].(map[string]any)["surprise"] = 1
			extra, _ := json.Marshal(doc)
			if inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(extra)); recheck.Validate(inst) == nil {
				t.Errorf("the schema allows a row field it does not describe")
			}
		})
	}
}
