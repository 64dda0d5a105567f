package verify

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Report is the result of a compare. Its JSON form (WriteJSON, ReadReport) is described by
// docs/report.schema.json.
type Report struct {
	Format   int            `json:"format"` // ReportFormat
	Source   EndpointInfo   `json:"source"`
	Target   EndpointInfo   `json:"target"`
	Started  time.Time      `json:"started"`
	Duration time.Duration  `json:"duration_ns"`
	Tables   []*TableReport `json:"tables"`
	// Options are the compare's settings that decide what was compared and how: a saved
	// report carries them so that Recheck and Repair read rows as the compare did.
	Options ReportOptions `json:"options"`
}

// EndpointInfo describes a side in a report.
type EndpointInfo struct {
	DSN     string `json:"dsn"` // password masked
	Engine  string `json:"engine"`
	Version string `json:"version"`
	// Database is the database the DSN names ("" when it names none); Schema the connection's
	// default schema (PostgreSQL) or database (MySQL).
	Database string `json:"database"`
	Schema   string `json:"schema"`
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
	Source  string   `json:"source"` // schema.name on the source
	Target  string   `json:"target"`
	Key     []string `json:"key"`      // the key's columns; empty without one
	KeyKind string   `json:"key_kind"` // primary key, unique index, none
	Columns int      `json:"columns"`  // how many columns were compared
	// KeyColumns are the key's columns, in key order, with both sides' names and types.
	KeyColumns []ReportColumn `json:"key_columns"`
	// Compared are the columns compared, in the source's order (the key's included).
	Compared    []ReportColumn `json:"compared_columns"`
	Where       TableWhere     `json:"where"`    // the row filter each side was read under
	Strategy    string         `json:"strategy"` // range, keyset, whole-table
	Mode        Mode           `json:"mode"`     // pushdown, stream, ModeSourcePushdown or ModeTargetPushdown
	Hash        string         `json:"hash"`     // the row-hash family the fingerprints are in: md5, crcmix, pg64
	Chunks      int            `json:"chunks"`
	SourceRows  int64          `json:"source_rows"`
	TargetRows  int64          `json:"target_rows"`
	SourcePrint string         `json:"source_fingerprint"` // the table's digest, independent of chunking
	TargetPrint string         `json:"target_fingerprint"`
	Missing     int64          `json:"missing"` // rows only the source has
	Extra       int64          `json:"extra"`   // rows only the target has
	Changed     int64          `json:"changed"` // rows both have, with different values
	Diffs       []RowDiff      `json:"diffs"`   // the differing rows listed, sorted by key, when few (see EachDiff)
	Truncated   bool           `json:"diffs_truncated"`
	Retries     int64          `json:"retries,omitempty"`      // reads tried again after a transient failure
	Throttled   time.Duration  `json:"throttled_ns,omitempty"` // how long the throttle paused the table
	Note        string         `json:"note,omitempty"`
	Tolerances  []string       `json:"tolerances"` // opt-in tolerances applied, per column
	Duration    time.Duration  `json:"duration_ns"`
	Shard       *ShardPart     `json:"shard,omitempty"` // a shard's share, for Merge (Options.Shard)
	pair        tablePair      // the names Compare resolved, for Watch's rechecks
	list        *diffList      // a long listing, in a temporary file; Diffs is nil then
	saved       *ReportOptions // the report's options, when the report was read by ReadReport

	Skipped []SkippedColumn `json:"skipped_columns"` // columns not compared: no side can compare them (see Options.Strict)
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

// eachBatch hands fn the listed rows in key order, n at a time (the last batch may be shorter;
// fn is not called for an empty listing). The batch is reused: fn must not keep it.
func (t *TableReport) eachBatch(n int, fn func([]RowDiff) error) error {
	batch := make([]RowDiff, 0, n)
	err := t.EachDiff(func(d RowDiff) error {
		batch = append(batch, d)
		if len(batch) < n {
			return nil
		}
		err := fn(batch)
		batch = batch[:0]
		return err
	})
	if err == nil && len(batch) > 0 {
		err = fn(batch)
	}
	return err
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

// RowDiff is one differing row. In JSON (MarshalJSON) it is a listed row of the report: its
// kind, its key as an object from key column name to value, and its columns ([] for missing
// and extra rows), wherever it appears (a report, a watch event, the gate's drift).
type RowDiff struct {
	Kind    DiffKind     `json:"kind"`
	Key     []Value      `json:"key"`
	Columns []ColumnDiff `json:"columns,omitempty"` // for changed rows: the columns that differ
	key     dialect.Key
	names   []string // the key's column names, in key order: the table's, shared by its rows
}

// ColumnDiff is one differing column of a changed row.
type ColumnDiff struct {
	Column string `json:"column"`
	Source Value  `json:"source"`
	Target Value  `json:"target"`
	Cause  string `json:"cause,omitempty"` // the likely reason, when one fits: truncated, rounded, ...
	// Offset is, for values longer than a report keeps (Value.Length set on either side), the
	// byte offset at which the two first differ; HasOffset says when it holds one, 0 included.
	Offset int          `json:"first_diff_offset"`
	around *diffContext // the bytes around Offset, for the text report
}

// HasOffset reports whether Offset says where the two values first differ: both are values (not
// NULL, not gone) and at least one was cut. Offset 0 is then the first byte, not "unknown".
//
// Presence follows from the values rather than from a field of its own, so that a report or a
// listed row written before the rule (which left a first byte's offset out) reads as it meant.
func (c ColumnDiff) HasOffset() bool {
	value := func(v Value) bool { return !v.Null && !v.Gone }
	return (c.Source.Length > 0 || c.Target.Length > 0) && value(c.Source) && value(c.Target)
}

// Value is a canonical value as reports show it. In JSON (MarshalJSON) it is an object with
// exactly one of "text" ("" for the empty value), "hex", "null": true or "gone": true, and
// "length" when cut.
type Value struct {
	Gone   bool   `json:"gone,omitempty"` // the row was not there any more when its values were read
	Null   bool   `json:"null,omitempty"`
	Text   string `json:"text,omitempty"`   // the value, when it is printable UTF-8 ("" is the empty value)
	Hex    string `json:"hex,omitempty"`    // the value in hex, when it is not
	Length int    `json:"length,omitempty"` // the full length in bytes, when Text or Hex was cut
	number bool   // print without quotes
}

// maxShown is how many bytes of a value a report keeps.
const maxShown = 256

func newValue(b []byte, class dialect.Class) Value { return newValueCut(b, class, maxShown) }

// newKeyValue is a key's value, never cut: a saved report finds its rows again by it. An
// index bounds a key's length (3072 bytes in InnoDB, a third of a page in PostgreSQL).
func newKeyValue(b []byte, class dialect.Class) Value { return newValueCut(b, class, 0) }

// newValueCut shows b cut to maxShown bytes, or whole when maxShown is 0.
func newValueCut(b []byte, class dialect.Class, maxShown int) Value {
	if b == nil {
		return Value{Null: true}
	}
	v := Value{number: isNumeric(class)}
	cut := b
	if maxShown > 0 && len(b) > maxShown {
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
		missing, extra, changed := fmt.Sprint(t.Missing), fmt.Sprint(t.Extra), fmt.Sprint(t.Changed)
		if t.unlisted() != "" && len(t.Key) == 0 {
			missing, extra, changed = "-", "-", "-" // not known: see below
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", name, key, t.Strategy, t.Mode, t.Chunks,
			t.SourceRows, t.TargetRows, missing, extra, changed, fp, t.Duration.Round(time.Millisecond), result)
	}
	tw.Flush()
	if notes := noteLines(r.Tables); len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			b.WriteString(n + "\n")
		}
	}
	for _, t := range r.Tables {
		if u := t.unlisted(); u != "" {
			fmt.Fprintf(b, "\n%s: DIFFERENT: %s\n", t.Source, u)
		}
		if s := t.skippedText(); s != "" {
			fmt.Fprintf(b, "\n%s\n", s)
		}
		if t.Listed() == 0 {
			continue
		}
		fmt.Fprintf(b, "\n%s: %s", t.Source, plural64(t.Differences(), "differing row", "differing rows"))
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
				b.WriteString(sep + c.String())
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
	differ, unlisted := 0, 0
	for _, t := range r.Tables {
		if t.unlisted() != "" {
			unlisted++
		}
		rows += t.SourceRows
		missing += t.Missing
		extra += t.Extra
		changed += t.Changed
		if !t.Identical() {
			differ++
		}
	}
	if differ == 0 {
		return fmt.Sprintf("IDENTICAL: %s, %s, in %s", plural(len(r.Tables), "table", "tables"), plural64(rows, "row", "rows"), r.Duration.Round(time.Millisecond)) + r.skippedSummary()
	}
	s := fmt.Sprintf("DIFFERENT: %d of %s %s", differ, plural(len(r.Tables), "table", "tables"), verb(differ, "differs", "differ"))
	if missing+extra+changed > 0 || unlisted == 0 {
		s += fmt.Sprintf("; %s missing on target, %d extra on target, %d changed", plural64(missing, "row", "rows"), extra, changed)
	}
	if unlisted > 0 {
		s += fmt.Sprintf("; %s %s without a row listed (row counts or digests only)", plural(unlisted, "table", "tables"), verb(unlisted, "differs", "differ"))
	}
	return s + fmt.Sprintf(" (%s)", r.Duration.Round(time.Millisecond)) + r.skippedSummary()
}

func isNumeric(c dialect.Class) bool {
	switch c {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble,
		dialect.ClassBool, dialect.ClassBit, dialect.ClassYear:
		return true
	}
	return false
}
