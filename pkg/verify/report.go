package verify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Report is the result of a compare.
type Report struct {
	Source   EndpointInfo   `json:"source"`
	Target   EndpointInfo   `json:"target"`
	Started  time.Time      `json:"started"`
	Duration time.Duration  `json:"duration_ns"`
	Tables   []*TableReport `json:"tables"`
}

// EndpointInfo describes a side in a report.
type EndpointInfo struct {
	DSN     string `json:"dsn"` // password masked
	Engine  string `json:"engine"`
	Version string `json:"version"`
}

// Identical reports whether every table compared holds the same rows on both sides.
func (r *Report) Identical() bool {
	for _, t := range r.Tables {
		if !t.Identical() {
			return false
		}
	}
	return true
}

// TableReport is the result for one table.
type TableReport struct {
	Source      string        `json:"source"` // schema.name on the source
	Target      string        `json:"target"`
	Key         []string      `json:"key"`      // the key's columns; empty without one
	KeyKind     string        `json:"key_kind"` // primary key, unique index, none
	Columns     int           `json:"columns"`  // how many columns were compared
	Strategy    string        `json:"strategy"` // range, keyset, whole-table
	Mode        Mode          `json:"mode"`     // pushdown, stream, ModeSourcePushdown or ModeTargetPushdown
	Hash        string        `json:"hash"`     // the row-hash family the fingerprints are in: md5, crcmix, pg64
	Chunks      int           `json:"chunks"`
	SourceRows  int64         `json:"source_rows"`
	TargetRows  int64         `json:"target_rows"`
	SourcePrint string        `json:"source_fingerprint"` // the table's digest, independent of chunking
	TargetPrint string        `json:"target_fingerprint"`
	Missing     int64         `json:"missing"` // rows only the source has
	Extra       int64         `json:"extra"`   // rows only the target has
	Changed     int64         `json:"changed"` // rows both have, with different values
	Diffs       []RowDiff     `json:"diffs"`   // the differing rows listed, sorted by key, when few (see EachDiff)
	Truncated   bool          `json:"diffs_truncated"`
	Retries     int64         `json:"retries,omitempty"`      // reads tried again after a transient failure
	Throttled   time.Duration `json:"throttled_ns,omitempty"` // how long the throttle paused the table
	Note        string        `json:"note,omitempty"`
	Tolerances  []string      `json:"tolerances,omitempty"` // opt-in tolerances applied, per column
	Duration    time.Duration `json:"duration_ns"`
	Shard       *ShardPart    `json:"shard,omitempty"` // a shard's share, for Merge (Options.Shard)
	pair        tablePair     // the names Compare resolved, for Watch's rechecks
	list        *diffList     // a long listing, in a temporary file; Diffs is nil then
}

// EachDiff hands each differing row the report lists to fn, in key order, and stops at fn's
// first error. A short listing is Diffs itself; a long one (many thousands of rows, as a large
// MaxDiffs allows) stays in a temporary file until the report is closed, and only EachDiff
// reads it.
func (t *TableReport) EachDiff(fn func(RowDiff) error) error {
	if t.list != nil && t.Diffs == nil {
		return t.list.each(fn)
	}
	for _, d := range t.Diffs {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

// Listed is how many differing rows the report lists: fewer than Differences when Truncated.
func (t *TableReport) Listed() int {
	if t.list != nil && t.Diffs == nil {
		return t.list.n
	}
	return len(t.Diffs)
}

// Close releases the temporary files that hold long listings of differing rows; EachDiff
// finds no rows of those tables after it.
func (r *Report) Close() error {
	for _, t := range r.Tables {
		if t.list != nil {
			t.list.close()
			t.list = nil
		}
	}
	return nil
}

// Identical reports whether both sides hold the same rows.
func (t *TableReport) Identical() bool {
	return t.SourcePrint == t.TargetPrint && t.SourceRows == t.TargetRows && t.Differences() == 0
}

// Differences is the number of differing rows found.
func (t *TableReport) Differences() int64 { return t.Missing + t.Extra + t.Changed }

// DiffKind is how a row differs.
type DiffKind string

// The kinds of row differences.
const (
	Missing DiffKind = "missing" // on the source, not on the target
	Extra   DiffKind = "extra"   // on the target, not on the source
	Changed DiffKind = "changed" // on both, with different values
)

// RowDiff is one differing row.
type RowDiff struct {
	Kind    DiffKind     `json:"kind"`
	Key     []Value      `json:"key"`
	Columns []ColumnDiff `json:"columns,omitempty"` // for changed rows: the columns that differ
	key     dialect.Key
}

// ColumnDiff is one differing column of a changed row.
type ColumnDiff struct {
	Column string `json:"column"`
	Source Value  `json:"source"`
	Target Value  `json:"target"`
	Cause  string `json:"cause,omitempty"` // the likely reason, when one fits: truncated, rounded, ...
}

// Value is a canonical value as reports show it.
type Value struct {
	Gone   bool   `json:"gone,omitempty"` // the row was not there any more when its values were read
	Null   bool   `json:"null,omitempty"`
	Text   string `json:"text,omitempty"`   // the value, when it is printable UTF-8
	Hex    string `json:"hex,omitempty"`    // the value in hex, when it is not
	Length int    `json:"length,omitempty"` // the full length in bytes, when Text or Hex was cut
	number bool   // print without quotes
}

// maxShown is how many bytes of a value a report keeps.
const maxShown = 256

func newValue(b []byte, class dialect.Class) Value {
	if b == nil {
		return Value{Null: true}
	}
	v := Value{number: isNumeric(class)}
	cut := b
	if len(b) > maxShown {
		n := maxShown
		for n > maxShown-utf8.UTFMax && !utf8.RuneStart(b[n]) {
			n-- // end on a character boundary, so that cut text stays text
		}
		cut, v.Length = b[:n], len(b)
	}
	s := dialect.FormatValue(cut, 0)
	if strings.HasPrefix(s, "0x") {
		v.Hex = s[2:]
	} else {
		v.Text = string(cut)
	}
	return v
}

// String renders the value for people: NULL, "text" or 0xhex, with the full length if cut.
func (v Value) String() string {
	var s string
	switch {
	case v.Gone:
		return "(row gone)"
	case v.Null:
		return "NULL"
	case v.Hex != "":
		s = "0x" + v.Hex
	case v.number:
		s = v.Text
	default:
		s = fmt.Sprintf("%q", v.Text)
	}
	if v.Length > 0 {
		s += fmt.Sprintf("... (%d bytes)", v.Length)
	}
	return s
}

// WriteJSON writes the report as one JSON document. Listed rows are written one at a time, so a
// listing of millions of rows costs no more memory than it did to collect.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// Each object is marshalled without its long list (an empty field of the outer struct
	// hides the embedded one), which is then written after its last field.
	head, err := json.MarshalIndent(struct {
		*Report
		Tables    []*TableReport `json:"tables,omitempty"`
		Identical bool           `json:"identical"`
	}{Report: r, Identical: r.Identical()}, "", "  ")
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-len("\n}")])
	bw.WriteString(",\n  \"tables\": [")
	for i, t := range r.Tables {
		if i > 0 {
			bw.WriteString(",")
		}
		const in = "    "
		tb, err := json.MarshalIndent(struct {
			*TableReport
			Diffs []RowDiff `json:"diffs,omitempty"`
		}{TableReport: t}, in, "  ")
		if err != nil {
			return err
		}
		bw.WriteString("\n" + in)
		bw.Write(tb[:len(tb)-len("\n"+in+"}")])
		bw.WriteString(",\n" + in + "  \"diffs\": [")
		n := 0
		err = t.EachDiff(func(d RowDiff) error {
			b, err := json.MarshalIndent(d, in+"    ", "  ")
			if err != nil {
				return err
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

// WriteText writes the report for people: a table of tables, then each differing row.
func (r *Report) WriteText(w io.Writer) error {
	b := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(b, "source  %s  (%s %s)\n", r.Source.DSN, r.Source.Engine, r.Source.Version)
	fmt.Fprintf(b, "target  %s  (%s %s)\n\n", r.Target.DSN, r.Target.Engine, r.Target.Version)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tKEY\tSTRATEGY\tMODE\tCHUNKS\tSOURCE ROWS\tTARGET ROWS\tMISSING\tEXTRA\tCHANGED\tFINGERPRINT\tTIME\tRESULT")
	for _, t := range r.Tables {
		name := t.Source
		if t.Target != t.Source {
			name += " -> " + t.Target
		}
		key := "none"
		if len(t.Key) > 0 {
			key = strings.Join(t.Key, ",")
		}
		result := "identical"
		if !t.Identical() {
			result = "DIFFERENT"
		}
		fp := t.SourcePrint
		if t.Hash != "" {
			fp = t.Hash + ":" + fp
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", name, key, t.Strategy, t.Mode, t.Chunks,
			t.SourceRows, t.TargetRows, t.Missing, t.Extra, t.Changed, fp, t.Duration.Round(time.Millisecond), result)
	}
	tw.Flush()
	for _, t := range r.Tables {
		if t.Note != "" {
			fmt.Fprintf(b, "\n%s: %s\n", t.Source, t.Note)
		}
		for _, tol := range t.Tolerances {
			fmt.Fprintf(b, "\n%s: tolerance: %s\n", t.Source, tol)
		}
		if t.Listed() == 0 {
			continue
		}
		fmt.Fprintf(b, "\n%s: %d differing rows", t.Source, t.Differences())
		if t.Truncated {
			fmt.Fprintf(b, " (showing %d)", t.Listed())
		}
		b.WriteString("\n")
		err := t.EachDiff(func(d RowDiff) error {
			fmt.Fprintf(b, "  %-8s %s", d.Kind, keyText(t.Key, d.Key))
			for i, c := range d.Columns {
				sep := "  "
				if i > 0 {
					sep = ", "
				}
				fmt.Fprintf(b, "%s%s: %s -> %s", sep, c.Column, c.Source, c.Target)
				if c.Cause != "" {
					fmt.Fprintf(b, " (%s)", c.Cause)
				}
			}
			_, err := b.WriteString("\n")
			return err
		})
		if err != nil {
			return err
		}
	}
	b.WriteString("\n")
	b.WriteString(r.Summary())
	b.WriteString("\n")
	return b.Flush()
}

func keyText(names []string, vals []Value) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = names[i] + "=" + v.String()
	}
	return strings.Join(parts, " ")
}

// Summary is the one-line verdict.
func (r *Report) Summary() string {
	var rows, missing, extra, changed int64
	differ := 0
	for _, t := range r.Tables {
		rows += t.SourceRows
		missing += t.Missing
		extra += t.Extra
		changed += t.Changed
		if !t.Identical() {
			differ++
		}
	}
	if differ == 0 {
		return fmt.Sprintf("IDENTICAL: %d tables, %d rows, in %s", len(r.Tables), rows, r.Duration.Round(time.Millisecond))
	}
	return fmt.Sprintf("DIFFERENT: %d of %d tables differ; %d rows missing on target, %d extra on target, %d changed (%s)",
		differ, len(r.Tables), missing, extra, changed, r.Duration.Round(time.Millisecond))
}

func isNumeric(c dialect.Class) bool {
	switch c {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble,
		dialect.ClassBool, dialect.ClassBit, dialect.ClassYear:
		return true
	}
	return false
}
