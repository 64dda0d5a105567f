package verify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestLongValueFirstDiff: two long values that differ past the bytes a report keeps show where
// they first differ and the bytes around it, not two identical prefixes.
func TestLongValueFirstDiff(t *testing.T) {
	src := []byte(strings.Repeat("lob data ", 100)) // 900 bytes
	tgt := append([]byte{}, src...)
	tgt[700] = 'X'
	c := ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(tgt, dialect.ClassString)}
	c.locate(src, tgt)
	if c.Offset != 700 {
		t.Fatalf("offset %d, want 700", c.Offset)
	}
	got := c.String()
	want := `doc: first differs at byte 700: ..."` + string(src[676:740]) + `"... (900 bytes) -> ..."` + string(tgt[676:740]) + `"... (900 bytes)`
	if got != want {
		t.Errorf("text:\n%s\nwant\n%s", got, want)
	}
	if c.Source.Text != c.Target.Text {
		t.Errorf("the kept prefixes should be the report's usual first bytes")
	}

	// Cut to a prefix: the difference is the end of the shorter one.
	short := src[:600]
	c = ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(short, dialect.ClassString), Cause: likelyCause(dialect.ClassString, src, short, -1)}
	c.locate(src, short)
	if got := c.String(); c.Offset != 600 || !strings.Contains(got, `-> ..."`+string(src[576:600])+`" (600 bytes) (truncated: target keeps 600 of 900 bytes)`) {
		t.Errorf("truncated: offset %d, %s", c.Offset, got)
	}

	// Multi-byte characters: the stretch starts and ends on character boundaries.
	src = []byte(strings.Repeat("€", 200)) // 600 bytes
	tgt = append([]byte{}, src...)
	tgt[451] = 0x83 // the second byte of the 151st character: U+20EC for "€"
	c = ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(tgt, dialect.ClassString)}
	c.locate(src, tgt)
	if c.Offset != 451 || c.around.src.Hex != "" || c.around.tgt.Hex != "" || c.around.from != 426 || !utf8.ValidString(c.around.src.Text) || !utf8.ValidString(c.around.tgt.Text) {
		t.Errorf("multi-byte: offset %d, from %d, %s -> %s", c.Offset, c.around.from, c.around.src.stretchString(c.around.from), c.around.tgt.stretchString(c.around.from))
	}

	// Binary values: hex around the difference.
	bsrc := make([]byte, 1000)
	btgt := make([]byte, 1000)
	btgt[999] = 0xff
	c = ColumnDiff{Column: "blob", Source: newValue(bsrc, dialect.ClassBytes), Target: newValue(btgt, dialect.ClassBytes)}
	c.locate(bsrc, btgt)
	if got := c.String(); got != "blob: first differs at byte 999: ...0x"+strings.Repeat("00", 25)+" (1000 bytes) -> ...0x"+strings.Repeat("00", 24)+"ff (1000 bytes)" {
		t.Errorf("binary: %s", got)
	}

	// Short values are shown whole: no offset.
	c = ColumnDiff{Column: "v"}
	c.locate([]byte("abc"), []byte("abd"))
	if c.Offset != 0 || c.around != nil {
		t.Errorf("short values: offset %d", c.Offset)
	}
}

// TestWriteTextNotesAndCounts: a note many tables share is one line; counts take the noun's
// form for their number; a differing table that lists no row says what differs.
func TestWriteTextNotesAndCounts(t *testing.T) {
	const streamed = "target streamed: the target (PostgreSQL 15) does not compute crcmix hashes in SQL"
	r := &Report{Source: EndpointInfo{Engine: "mariadb"}, Target: EndpointInfo{Engine: "postgres"}}
	for i := range 11 {
		name := string(rune('a'+i)) + "_table"
		r.Tables = append(r.Tables, &TableReport{Source: name, Target: name, Key: []string{"id"}, Note: streamed,
			SourceRows: 1, TargetRows: 1, SourcePrint: "x", TargetPrint: "x"})
	}
	r.Tables[3].Note += "; paused 2s in all by the throttle"
	one := r.Tables[4]
	one.SourceRows, one.Missing, one.TargetRows, one.TargetPrint = 1, 1, 0, "y"
	one.Diffs = []RowDiff{{Kind: Missing, Key: []Value{{Text: "7", number: true}}}}
	r.Tables = append(r.Tables, &TableReport{Source: "nokey", Target: "nokey", KeyKind: "none", Strategy: "whole-table",
		Note:       "no primary key and no unique index on NOT NULL columns: compared as one whole-table digest, whose differing rows cannot be listed",
		SourceRows: 10, TargetRows: 9, SourcePrint: "p", TargetPrint: "q"})
	r.Tables = append(r.Tables, &TableReport{Source: "samecount", Target: "samecount", KeyKind: "none", Strategy: "whole-table",
		SourceRows: 1, TargetRows: 1, SourcePrint: "p", TargetPrint: "q"})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"\n11 tables (a_table, b_table, c_table, ...): " + streamed + "\n",
		"\nd_table: paused 2s in all by the throttle\n",
		"\nnokey: no primary key and no unique index on NOT NULL columns: compared as one whole-table digest, whose differing rows cannot be listed\n",
		"\nnokey: DIFFERENT: row counts differ: source 10 rows, target 9; no key, rows not listed\n",
		"\nsamecount: DIFFERENT: same row count (1), different digests: some row's values differ; no key, rows not listed\n",
		"\ne_table: 1 differing row\n  missing  id=7\n",
		"DIFFERENT: 3 of 13 tables differ; 1 row missing on target, 0 extra on target, 0 changed; 2 tables differ without a row listed (row counts or digests only)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, streamed); n != 1 {
		t.Errorf("the shared note is written %d times, want once:\n%s", n, out)
	}
	// The keyless table's row in the table of tables does not claim 0 missing, extra, changed.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "nokey ") && !strings.Contains(line, " -  ") {
			t.Errorf("keyless differing table shown with counts of rows: %s", line)
		}
	}

	for _, tt := range []struct {
		tables []*TableReport
		want   string
	}{
		{[]*TableReport{{SourceRows: 1, TargetRows: 1}}, "IDENTICAL: 1 table, 1 row, in 0s"},
		{[]*TableReport{{SourceRows: 2, TargetRows: 2}, {}}, "IDENTICAL: 2 tables, 2 rows, in 0s"},
		{[]*TableReport{{SourceRows: 2, TargetRows: 3}, {}}, "DIFFERENT: 1 of 2 tables differs; 1 table differs without a row listed (row counts or digests only) (0s)"},
		{[]*TableReport{{SourceRows: 2, TargetRows: 1, Missing: 1}}, "DIFFERENT: 1 of 1 table differs; 1 row missing on target, 0 extra on target, 0 changed (0s)"},
		{[]*TableReport{{Missing: 2, Extra: 1, Changed: 1}, {Key: []string{"id"}, SourcePrint: "a"}}, "DIFFERENT: 2 of 2 tables differ; 2 rows missing on target, 1 extra on target, 1 changed; 1 table differs without a row listed (row counts or digests only) (0s)"},
	} {
		r := &Report{Tables: tt.tables}
		if got := r.Summary(); got != tt.want {
			t.Errorf("summary %q, want %q", got, tt.want)
		}
	}
}

// TestFirstDiffAtZero: two long values that differ at their first byte keep offset 0 as an
// offset: in JSON ("first_diff_offset": 0, read back), in the text read back from JSON, in a
// listed row's record, and in CSV's detail (HasOffset); short values and a NULL against a long
// value have none, and a report that gives one there is refused.
func TestFirstDiffAtZero(t *testing.T) {
	src := []byte(strings.Repeat("a", 300))
	tgt := []byte("b" + strings.Repeat("a", 299))
	c := ColumnDiff{Column: "doc", Source: newValue(src, dialect.ClassString), Target: newValue(tgt, dialect.ClassString)}
	c.locate(src, tgt)
	if !c.HasOffset() || c.Offset != 0 {
		t.Fatalf("offset %d, HasOffset %v", c.Offset, c.HasOffset())
	}
	b, err := c.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"first_diff_offset":0`) {
		t.Fatalf("JSON %s, %v", b, err)
	}
	var back ColumnDiff
	if err := back.UnmarshalJSON(b); err != nil || !back.HasOffset() || back.Offset != 0 {
		t.Fatalf("read back: %+v, %v", back, err)
	}
	if got := back.String(); !strings.HasSuffix(got, ", first different byte 0") {
		t.Errorf("text of the column read back: %s", got)
	}
	// Read from a report, no bytes around it are known: its record still decodes with it.
	d := RowDiff{Kind: Changed, key: dialect.Key{[]byte("1")}, Key: []Value{{Text: "1"}}, Columns: []ColumnDiff{back}}
	got, err := decodeDiff(d.encode(nil))
	if err != nil || !got.Columns[0].HasOffset() || got.Columns[0].Offset != 0 {
		t.Errorf("record: %+v, %v", got, err)
	}

	for _, c := range []ColumnDiff{
		{Column: "short", Source: Value{Text: "a"}, Target: Value{Text: "b"}},
		{Column: "null", Source: Value{Null: true}, Target: newValue(tgt, dialect.ClassString)},
		{Column: "gone", Source: newValue(src, dialect.ClassString), Target: Value{Gone: true}},
	} {
		b, _ := c.MarshalJSON()
		if c.HasOffset() || strings.Contains(string(b), "first_diff_offset") {
			t.Errorf("%s: an offset: %s", c.Column, b)
		}
		withOffset := strings.Replace(string(b), `{"column"`, `{"first_diff_offset":0,"column"`, 1)
		if err := new(ColumnDiff).UnmarshalJSON([]byte(withOffset)); err == nil || !strings.Contains(err.Error(), "first_diff_offset") {
			t.Errorf("%s: an offset read: %v", c.Column, err)
		}
	}
}
