package verify

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// ReadReport decodes a report WriteJSON wrote, so that Recheck and Repair can work from it
// later. It refuses what WriteJSON would not have written (another format, a field it does
// not know, a listed row whose key does not name the table's key columns, a key value cut
// short) with an error that says where. A long listing goes to a temporary file as it does
// in Compare: Close the report when done.
func ReadReport(r io.Reader) (*Report, error) { return readReport(r, 0) }

// readReport is ReadReport holding at most memory bytes of a table's listed rows in memory
// (0: the default).
func readReport(r io.Reader, memory int) (*Report, error) {
	var head struct {
		*Report
		Tables    []json.RawMessage `json:"tables"`
		Identical *bool             `json:"identical"`
	}
	head.Report = &Report{}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var probe struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, badReport("", fmt.Errorf("not a dbverify JSON report: %w", err))
	}
	switch {
	case probe.Format == nil:
		return nil, badReport("", errors.New(`no "format": not a dbverify report, or one written before format 2 (compare again)`))
	case *probe.Format != ReportFormat:
		return nil, badReport("", fmt.Errorf("format %d: this dbverify reads format %d", *probe.Format, ReportFormat))
	}
	if err := strictDecode(data, &head); err != nil {
		return nil, badReport("", err)
	}
	rep := head.Report
	if head.Tables == nil || head.Identical == nil {
		return nil, badReport("", errors.New(`"tables" and "identical" are required`))
	}
	for i, raw := range head.Tables {
		tr, err := readTable(raw, &rep.Options, memory)
		if err != nil {
			rep.Close()
			return nil, badReport(fmt.Sprintf("table %d: ", i+1), err)
		}
		rep.Tables = append(rep.Tables, tr)
	}
	return rep, nil
}

func badReport(where string, err error) error {
	return invalid(fmt.Errorf("report: %s%w", where, err))
}

// strictDecode decodes one JSON value into v, refusing unknown fields and anything after it.
func strictDecode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the report")
	}
	return nil
}

// readTable decodes one table of a report, its listed rows included.
func readTable(raw json.RawMessage, opt *ReportOptions, memory int) (*TableReport, error) {
	var t struct {
		*TableReport
		Diffs []json.RawMessage `json:"diffs"`
	}
	t.TableReport = &TableReport{}
	if err := strictDecode(raw, &t); err != nil {
		return nil, err
	}
	tr := t.TableReport
	switch {
	case tr.Source == "" || tr.Target == "":
		return nil, errors.New(`"source" and "target" must name the tables`)
	case tr.Missing < 0 || tr.Extra < 0 || tr.Changed < 0 || tr.SourceRows < 0 || tr.TargetRows < 0:
		return nil, fmt.Errorf("%s: negative counts", tr.Source)
	case len(tr.KeyColumns) != len(tr.Key):
		return nil, fmt.Errorf("%s: %d key columns in \"key\", %d in \"key_columns\"", tr.Source, len(tr.Key), len(tr.KeyColumns))
	case int64(len(t.Diffs)) > tr.Differences():
		return nil, fmt.Errorf("%s: %d rows listed, more than the %d differences counted", tr.Source, len(t.Diffs), tr.Differences())
	}
	cols := make([]dialect.Column, len(tr.KeyColumns))
	for i, c := range tr.KeyColumns {
		if c.Name != tr.Key[i] {
			return nil, fmt.Errorf("%s: key column %d is %q in \"key\" but %q in \"key_columns\"", tr.Source, i+1, tr.Key[i], c.Name)
		}
		class, ok := parseClass(c.Class)
		if !ok {
			return nil, fmt.Errorf("%s: key column %s: unknown class %q", tr.Source, c.Name, c.Class)
		}
		cols[i] = dialect.Column{Name: c.Name, Class: class}
	}
	classes := map[string]dialect.Class{}
	for _, c := range tr.Compared {
		class, ok := parseClass(c.Class)
		if !ok {
			return nil, fmt.Errorf("%s: column %s: unknown class %q", tr.Source, c.Name, c.Class)
		}
		classes[c.Name] = class
	}
	if len(t.Diffs) > 0 && len(tr.Key) == 0 {
		return nil, fmt.Errorf("%s: rows listed for a table without a key", tr.Source)
	}
	l := &diffList{cols: cols, memory: memory, names: tr.Key}
	for i, raw := range t.Diffs {
		d, err := readDiff(raw, cols, classes)
		if err == nil {
			err = l.add([]RowDiff{d})
		}
		if err != nil {
			l.close()
			return nil, fmt.Errorf("%s: listed row %d: %w", tr.Source, i+1, err)
		}
	}
	inMemory, err := l.done()
	if err != nil {
		l.close()
		return nil, err
	}
	if inMemory {
		tr.Diffs = nonNil(l.mem)
	} else {
		tr.list = l
	}
	tr.pair, tr.saved = tablePair{src: tr.Source, tgt: tr.Target}, opt
	return tr, nil
}

// readDiff decodes one listed row, and its key's canonical bytes from the key's values.
func readDiff(raw json.RawMessage, cols []dialect.Column, classes map[string]dialect.Class) (RowDiff, error) {
	var w struct {
		Kind    DiffKind        `json:"kind"`
		Key     json.RawMessage `json:"key"`
		Columns []ColumnDiff    `json:"columns"`
	}
	if err := strictDecode(raw, &w); err != nil {
		return RowDiff{}, err
	}
	switch w.Kind {
	case Missing, Extra:
		if len(w.Columns) > 0 {
			return RowDiff{}, fmt.Errorf("a %s row lists columns", w.Kind)
		}
	case Changed:
		if len(w.Columns) == 0 {
			return RowDiff{}, errors.New("a changed row lists no column")
		}
	default:
		return RowDiff{}, fmt.Errorf("kind %q: want missing, extra or changed", w.Kind)
	}
	d := RowDiff{Kind: w.Kind, Columns: w.Columns}
	names, vals, err := readKey(w.Key)
	if err != nil {
		return RowDiff{}, err
	}
	if !slices.Equal(names, keyNames(cols)) {
		return RowDiff{}, fmt.Errorf("key names columns %q, the table's key is %q", names, keyNames(cols))
	}
	d.Key, d.key = vals, make(dialect.Key, len(vals))
	for i, v := range vals {
		switch {
		case v.Gone || v.Length > 0:
			return RowDiff{}, fmt.Errorf("key column %s: a key value must be whole", names[i])
		case v.Null:
		case v.Hex != "":
			d.key[i], _ = hex.DecodeString(v.Hex) // checked by UnmarshalJSON
		default:
			d.key[i] = []byte(v.Text)
		}
		d.Key[i].number = isNumeric(cols[i].Class)
	}
	for i := range d.Columns {
		c := &d.Columns[i]
		class, ok := classes[c.Column]
		if !ok {
			return RowDiff{}, fmt.Errorf("column %q is not among the compared columns", c.Column)
		}
		c.Source.number, c.Target.number = isNumeric(class), isNumeric(class)
	}
	return d, nil
}

func keyNames(cols []dialect.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// readKey reads a key object's column names and values, in their order.
func readKey(raw json.RawMessage) ([]string, []Value, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New(`"key" must be an object from key column name to value`)
	}
	var names []string
	var vals []Value
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("key: %w", err)
		}
		name, _ := tok.(string)
		if slices.Contains(names, name) {
			return nil, nil, fmt.Errorf("key: column %q twice", name)
		}
		var v Value
		if err := d.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("key column %s: %w", name, err)
		}
		names, vals = append(names, name), append(vals, v)
	}
	if _, err := d.Token(); err != nil {
		return nil, nil, fmt.Errorf("key: %w", err)
	}
	return names, vals, nil
}
