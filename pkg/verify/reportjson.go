package verify

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// The JSON report. Its shape is published as docs/report.schema.json, and a test checks every
// kind of report the writer gives against it. In short:
//
//   - "format" is ReportFormat; a reader refuses a format it does not know;
//   - "options" are the compare's settings that decide what is compared and how;
//   - each table names its pair ("source", "target"), its key ("key_columns", in key order, with
//     both sides' names and types), the columns compared ("compared_columns") and each side's
//     row filter ("where");
//   - each listed row's "key" is an object from key column name to value, in key order, so that
//     jq reads `.key.id.text`;
//   - a value is an object holding exactly one of "text" (printable UTF-8, "" for the empty
//     value), "hex" (any other bytes), "null": true or "gone": true (the row went away while it
//     was read), and "length" when "text" or "hex" was cut (never for a key);
//   - an array is [] when empty, never null.

// ReportFormat is the version of the JSON report WriteJSON writes and ReadReport reads. 2: keys
// named by column, values that tell "" from NULL, the report's options and each table's columns.
const ReportFormat = 2

// ReportOptions are the settings of a compare that decide which rows and columns are compared
// and how values are compared, as a report records them.
type ReportOptions struct {
	Tables              []string                 `json:"tables"`         // the tables asked for; [] for all
	Exclude             []string                 `json:"exclude"`        // the tables left out
	Where               string                   `json:"where"`          // the user's row filter, on both sides
	Columns             []string                 `json:"columns"`        // only these columns (and the key's); [] for all
	IgnoreColumns       []string                 `json:"ignore_columns"` // columns left out
	Mode                Mode                     `json:"mode"`           // auto, pushdown or stream
	Hash                HashFamily               `json:"hash"`           // the row-hash family asked for: auto, md5, crcmix, pg64
	FloatDigits         int                      `json:"float_digits"`   // 0 compares floats exactly
	TimePrecision       time.Duration            `json:"time_precision_ns"`
	ColumnFloatDigits   map[string]int           `json:"column_float_digits"` // by "column" or "table.column"
	ColumnTimePrecision map[string]time.Duration `json:"column_time_precision_ns"`
	MaxDiffs            int                      `json:"max_diffs"` // rows listed per table at most
}

func reportOptions(o Options) ReportOptions {
	hash := o.Hash
	if hash == "" {
		hash = HashAuto
	}
	return ReportOptions{Tables: o.Tables, Exclude: o.Exclude, Where: o.Where, Columns: o.Columns, IgnoreColumns: o.IgnoreColumns,
		Mode: o.Mode, Hash: hash, FloatDigits: o.FloatDigits, TimePrecision: o.TimePrecision,
		ColumnFloatDigits: o.ColumnFloatDigits, ColumnTimePrecision: o.ColumnTimePrecision, MaxDiffs: o.MaxDiffs}
}

// ReportColumn is a compared column of a table, on both sides.
type ReportColumn struct {
	Name       string `json:"name"`        // on the source
	Target     string `json:"target"`      // on the target
	Type       string `json:"type"`        // the source's type, as its engine names it
	TargetType string `json:"target_type"` // the target's
	Class      string `json:"class"`       // the canonical family both sides' values are compared in: int, string, bytes, timestamp, ...
}

// TableWhere is the row filter each side of a table was read under ("" for none): the user's
// on both, and on the source the filters of a DMS mapping as well.
type TableWhere struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// describe fills in the report's description of the job's table: its key and compared columns
// and its row filters.
func (j *job) describe() {
	j.rep.Compared = make([]ReportColumn, len(j.scols))
	for i := range j.scols {
		sc, tc := j.st.Columns[j.scols[i]], j.tt.Columns[j.tcols[i]]
		j.rep.Compared[i] = ReportColumn{Name: sc.Name, Target: tc.Name, Type: sc.Type, TargetType: tc.Type, Class: sc.Class.String()}
	}
	j.rep.KeyColumns = make([]ReportColumn, len(j.keyPos))
	for i, p := range j.keyPos {
		j.rep.KeyColumns[i] = j.rep.Compared[p]
	}
	j.rep.Where = TableWhere{Source: j.srcWhere, Target: j.opt.Where}
}

// parseClass is the Class a report names.
func parseClass(name string) (dialect.Class, bool) {
	for c := dialect.ClassOther; c <= dialect.ClassEnum; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// valueJSON is a Value on the wire: exactly one of its first four fields is set.
type valueJSON struct {
	Text   *string `json:"text,omitempty"`
	Hex    *string `json:"hex,omitempty"`
	Null   bool    `json:"null,omitempty"`
	Gone   bool    `json:"gone,omitempty"`
	Length int     `json:"length,omitempty"`
}

// MarshalJSON writes the value as an object with exactly one of "text" (also for the empty
// value), "hex", "null": true or "gone": true, and "length" when the value was cut.
func (v Value) MarshalJSON() ([]byte, error) {
	var w valueJSON
	switch {
	case v.Gone:
		w.Gone = true
	case v.Null:
		w.Null = true
	case v.Hex != "":
		w.Hex, w.Length = &v.Hex, v.Length
	default:
		w.Text, w.Length = &v.Text, v.Length
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes, and refuses anything else.
func (v *Value) UnmarshalJSON(b []byte) error {
	var w valueJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	n := 0
	for _, set := range []bool{w.Text != nil, w.Hex != nil, w.Null, w.Gone} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New(`value: want an object with exactly one of "text", "hex", "null": true, "gone": true`)
	}
	if w.Length < 0 || w.Length > 0 && w.Text == nil && w.Hex == nil {
		return errors.New(`value: "length" is the full length of a cut "text" or "hex"`)
	}
	if w.Length > 0 {
		shown := len(*cmp.Or(w.Text, w.Hex))
		if w.Hex != nil {
			shown /= 2
		}
		if w.Length <= shown || shown < maxShown-utf8.UTFMax {
			return fmt.Errorf(`value: "length" %d: a cut value shows %d bytes or so, fewer than its length`, w.Length, maxShown)
		}
	}
	*v = Value{Null: w.Null, Gone: w.Gone, Length: w.Length}
	switch {
	case w.Text != nil:
		v.Text = *w.Text
	case w.Hex != nil:
		if _, err := hex.DecodeString(*w.Hex); err != nil || *w.Hex == "" {
			return fmt.Errorf("value: hex %q: want an even number of hex digits", *w.Hex)
		}
		v.Hex = *w.Hex
	}
	return nil
}

// columnDiffJSON is a changed column on the wire: "first_diff_offset" is there exactly when
// the column HasOffset, 0 included.
type columnDiffJSON struct {
	Column string `json:"column"`
	Source Value  `json:"source"`
	Target Value  `json:"target"`
	Cause  string `json:"cause,omitempty"`
	Offset *int   `json:"first_diff_offset,omitempty"`
}

// MarshalJSON writes the column with "first_diff_offset" when it HasOffset, even at byte 0.
func (c ColumnDiff) MarshalJSON() ([]byte, error) {
	w := columnDiffJSON{Column: c.Column, Source: c.Source, Target: c.Target, Cause: c.Cause}
	if c.HasOffset() {
		w.Offset = &c.Offset
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes: an offset only for values that were cut.
func (c *ColumnDiff) UnmarshalJSON(b []byte) error {
	var w columnDiffJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		return fmt.Errorf("column: %w", err)
	}
	*c = ColumnDiff{Column: w.Column, Source: w.Source, Target: w.Target, Cause: w.Cause}
	switch {
	case w.Offset == nil:
	case !c.HasOffset():
		return fmt.Errorf(`column %s: "first_diff_offset" is for two values of which one at least was cut`, c.Column)
	case *w.Offset < 0:
		return fmt.Errorf(`column %s: "first_diff_offset" %d is negative`, c.Column, *w.Offset)
	default:
		c.Offset = *w.Offset
	}
	return nil
}

// keyJSON is a listed row's key on the wire: an object from key column name to value, in key
// order.
type keyJSON struct {
	names []string
	vals  []Value
}

func (k keyJSON) MarshalJSON() ([]byte, error) {
	if len(k.names) != len(k.vals) {
		return nil, fmt.Errorf("key of %d values for %d columns", len(k.vals), len(k.names))
	}
	b := []byte{'{'}
	for i, n := range k.names {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(n)
		val, err := json.Marshal(k.vals[i])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, name...), ':'), val...)
	}
	return append(b, '}'), nil
}

// diffJSON is a listed row on the wire.
type diffJSON struct {
	Kind    DiffKind     `json:"kind"`
	Key     keyJSON      `json:"key"`
	Columns []ColumnDiff `json:"columns"` // [] for missing and extra rows
}

// MarshalJSON writes the row as a report lists it (see WriteJSON): "kind", "key" as an object
// from key column name to value, in key order, and "columns", [] for missing and extra rows.
func (d RowDiff) MarshalJSON() ([]byte, error) {
	return json.Marshal(diffJSON{Kind: d.Kind, Key: keyJSON{names: d.names, vals: d.Key}, Columns: nonNil(d.Columns)})
}

// UnmarshalJSON reads a row MarshalJSON wrote: its kind, its key (the values, whole, and the
// columns' names) and its columns. ReadReport checks it further against its table.
func (d *RowDiff) UnmarshalJSON(b []byte) error {
	var w struct {
		Kind    DiffKind        `json:"kind"`
		Key     json.RawMessage `json:"key"`
		Columns []ColumnDiff    `json:"columns"`
	}
	if err := strictDecode(b, &w); err != nil {
		return err
	}
	switch w.Kind {
	case Missing, Extra:
		if len(w.Columns) > 0 {
			return fmt.Errorf("a %s row lists columns", w.Kind)
		}
	case Changed:
		if len(w.Columns) == 0 {
			return errors.New("a changed row lists no column")
		}
	default:
		return fmt.Errorf("kind %q: want missing, extra or changed", w.Kind)
	}
	names, vals, err := readKey(w.Key)
	if err != nil {
		return err
	}
	key := make(dialect.Key, len(vals))
	for i, v := range vals {
		switch {
		case v.Gone || v.Length > 0:
			return fmt.Errorf("key column %s: a key value must be whole", names[i])
		case v.Null:
		case v.Hex != "":
			key[i], _ = hex.DecodeString(v.Hex) // checked by Value.UnmarshalJSON
		default:
			key[i] = []byte(v.Text)
		}
	}
	*d = RowDiff{Kind: w.Kind, Key: vals, Columns: w.Columns, key: key, names: names}
	return nil
}

// nonNil is s, or an empty slice for nil, so that JSON says [] rather than null.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// WriteJSON writes the report as one JSON document (see ReportFormat and
// docs/report.schema.json). Listed rows are written one at a time, so a listing of millions of
// rows costs no more memory than it did to collect.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	head := *r
	head.Format = ReportFormat
	o := &head.Options
	o.Tables, o.Exclude, o.Columns, o.IgnoreColumns = nonNil(o.Tables), nonNil(o.Exclude), nonNil(o.Columns), nonNil(o.IgnoreColumns)
	if o.ColumnFloatDigits == nil {
		o.ColumnFloatDigits = map[string]int{}
	}
	if o.ColumnTimePrecision == nil {
		o.ColumnTimePrecision = map[string]time.Duration{}
	}
	if o.Mode == "" {
		o.Mode = ModeAuto
	}
	if o.Hash == "" {
		o.Hash = HashAuto
	}
	// Each object is marshalled without its long list (an empty field of the outer struct
	// hides the embedded one), which is then written after its last field.
	hb, err := json.MarshalIndent(struct {
		*Report
		Tables    []*TableReport `json:"tables,omitempty"`
		Identical bool           `json:"identical"`
	}{Report: &head, Identical: r.Identical()}, "", "  ")
	if err != nil {
		return err
	}
	bw.Write(hb[:len(hb)-len("\n}")])
	bw.WriteString(",\n  \"tables\": [")
	for i, t := range r.Tables {
		if i > 0 {
			bw.WriteString(",")
		}
		const in = "    "
		th := *t
		th.Key, th.KeyColumns, th.Compared, th.Tolerances, th.Skipped = nonNil(th.Key), nonNil(th.KeyColumns), nonNil(th.Compared), nonNil(th.Tolerances), nonNil(th.Skipped)
		if th.Shard != nil {
			sh := *th.Shard
			sh.KeyClasses, sh.Chunks = nonNil(sh.KeyClasses), nonNil(sh.Chunks)
			th.Shard = &sh
		}
		tb, err := json.MarshalIndent(struct {
			*TableReport
			Diffs []RowDiff `json:"diffs,omitempty"`
		}{TableReport: &th}, in, "  ")
		if err != nil {
			return err
		}
		bw.WriteString("\n" + in)
		bw.Write(tb[:len(tb)-len("\n"+in+"}")])
		bw.WriteString(",\n" + in + "  \"diffs\": [")
		n := 0
		err = t.EachDiff(func(d RowDiff) error {
			b, err := json.MarshalIndent(diffJSON{Kind: d.Kind, Key: keyJSON{names: t.Key, vals: d.Key}, Columns: nonNil(d.Columns)}, in+"    ", "  ")
			if err != nil {
				return fmt.Errorf("table %s: %w", t.Source, err)
			}
			if n > 0 {
				bw.WriteString(",")
			}
			n++
			bw.WriteString("\n" + in + "    ")
			_, err = bw.Write(b)
			return err
		})
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteString("\n" + in + "  ")
		}
		bw.WriteString("]\n" + in + "}")
	}
	if len(r.Tables) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// info describes the endpoint in a report.
func (e *Endpoint) info() EndpointInfo {
	return EndpointInfo{DSN: e.DSN(), Engine: e.DB.Engine(), Version: e.DB.Version(), Database: dsnDatabase(e.DSN()), Schema: e.DB.Schema()}
}

// dsnDatabase is the database a DSN names ("" when it names none, or cannot be read): the
// path of a URL, what follows ")/" or "@/" in MySQL's native form, dbname= in PostgreSQL's
// keyword form. A report records it, so that a recheck can tell another database apart
// where the schema (PostgreSQL's public) does not.
func dsnDatabase(dsn string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			return strings.TrimPrefix(u.Path, "/")
		}
		return ""
	}
	if m := keywordDB.FindStringSubmatch(dsn); m != nil {
		return strings.Trim(m[1], "'")
	}
	if i := strings.LastIndex(dsn, "/"); i >= 0 && strings.Contains(dsn, "@") {
		db, _, _ := strings.Cut(dsn[i+1:], "?")
		return db
	}
	return ""
}

var keywordDB = regexp.MustCompile(`(?:^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)
