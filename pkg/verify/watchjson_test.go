package verify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// jsonReport is a small report whose strings hold what a compacting writer must leave alone:
// spaces, quotes, backslashes, escaped line breaks, and a backslash that ends a string.
func jsonReport() *Report {
	key := []ReportColumn{{Name: "k ey", Target: "k ey", Class: "string"}}
	t := &TableReport{Source: `a "b"`, Target: `c\d`, Key: []string{"k ey"}, KeyColumns: key,
		Compared: append(key, ReportColumn{Name: "v", Target: "v", Class: "string"}), Changed: 1,
		Diffs: []RowDiff{{Kind: Changed, Key: []Value{{Text: `x \" y\`}}, names: []string{"k ey"},
			Columns: []ColumnDiff{{Column: "v", Source: Value{Text: "line\nbreak  \t"}, Target: Value{Null: true}}}}}}
	return &Report{Source: EndpointInfo{DSN: "mysql://u:***@h/db name"}, Tables: []*TableReport{t}}
}

// byteWriter hands its writes on a byte at a time.
type byteWriter struct{ w *compactWriter }

func (b byteWriter) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := b.w.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// TestCompactWriter: a report written through compactWriter, whole or a byte at a time, is
// what json.Compact makes of it.
func TestCompactWriter(t *testing.T) {
	var indented bytes.Buffer
	if err := jsonReport().WriteJSON(&indented); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, indented.Bytes()); err != nil {
		t.Fatal(err)
	}
	var whole, bytewise bytes.Buffer
	jsonReport().WriteJSON(&compactWriter{w: &whole})
	jsonReport().WriteJSON(byteWriter{&compactWriter{w: &bytewise}})
	for name, got := range map[string]string{"whole": whole.String(), "a byte at a time": bytewise.String()} {
		if got != want.String() {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want.String())
		}
	}
}

// TestEventJSON: an event is one line; its row reads back (key named by column, "" apart from
// NULL), and a pass event's report is the report in format 2.
func TestEventJSON(t *testing.T) {
	lag := 1500 * time.Millisecond
	row := RowDiff{Kind: Changed, Key: []Value{{Text: ""}, {Hex: "00ff"}}, key: dialect.Key{{}, {0, 0xff}}, names: []string{"a", "b"},
		Columns: []ColumnDiff{{Column: "v", Source: Value{Text: ""}, Target: Value{Null: true}}}}
	ev := Event{Time: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), Kind: EventDrift, Pass: 2, Lag: &lag, Table: "t", Row: &row,
		Since: time.Date(2026, 12, 7, 2, 59, 0, 0, time.UTC)}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"time":"2026-12-07T03:00:00Z","event":"drift","pass":2,"lag_ns":1500000000,"table":"t",` +
		`"row":{"kind":"changed","key":{"a":{"text":""},"b":{"hex":"00ff"}},"columns":[{"column":"v","source":{"text":""},"target":{"null":true}}]},` +
		`"since":"2026-12-07T02:59:00Z"}`
	if string(b) != want {
		t.Errorf("drift event:\n%s\nwant\n%s", b, want)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(*back.Row, row) {
		t.Errorf("read back: %v\n%#v\nwant\n%#v", err, back.Row, row)
	}

	var line bytes.Buffer
	pass := Event{Time: ev.Time, Kind: EventPass, Pass: 1, Report: jsonReport(), Pending: 1}
	if err := pass.WriteJSON(&line); err != nil {
		t.Fatal(err)
	}
	s := line.String()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "}\n") || !json.Valid(line.Bytes()) ||
		!strings.Contains(s, `"pending":1,"report":{"format":2,`) || !strings.Contains(s, `"key":{"k ey":{"text":"x \\\" y\\"}}`) {
		t.Errorf("pass event:\n%s", s)
	}
}
