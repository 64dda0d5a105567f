package verify

import (
	"bytes"
	"cmp"
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
// short) with an error that says where. It reads as it decodes, a listed row at a time: a long
// listing goes to a temporary file as it does in Compare, so that a report of a million listed
// rows costs no more memory than one of a thousand. Close the report when done.
//
// As WriteJSON writes them, "format" comes before "tables" (so that an older report is told
// apart before its tables are read), and a table's "diffs" after its "key", "key_columns" and
// "compared_columns"; rows listed before those are held in memory until they come.
func ReadReport(r io.Reader) (*Report, error) { return readReport(r, 0) }

// readReport is ReadReport holding at most memory bytes of a table's listed rows in memory
// (0: the default).
func readReport(r io.Reader, memory int) (_ *Report, err error) {
	rd := &reportReader{d: json.NewDecoder(r), memory: memory}
	rep := &Report{}
	defer func() {
		if err != nil {
			rep.Close() // the tables read before the error
		}
	}()
	if err := rd.delim('{'); err != nil {
		return nil, badReport("", fmt.Errorf("not a dbverify JSON report: %w", err))
	}
	head := object{}
	var format *int
	tables := false
	for rd.d.More() {
		name, err := rd.key()
		if err != nil {
			return nil, badReport("", err)
		}
		switch {
		case name == "tables" && format == nil:
			return nil, badReport("", errors.New(`no "format" before "tables": not a dbverify report, or one written before format 2 (compare again)`))
		case name == "tables":
			if tables {
				return nil, badReport("", errors.New(`"tables" twice`))
			}
			tables = true
			if err := rd.tables(rep); err != nil {
				return nil, err
			}
			continue
		}
		raw, err := rd.value()
		if err != nil {
			return nil, badReport("", fmt.Errorf("%q: %w", name, err))
		}
		if name == "format" {
			if err := json.Unmarshal(raw, &format); err != nil || format == nil {
				return nil, badReport("", fmt.Errorf("not a dbverify JSON report: %w", cmp.Or(err, errors.New(`"format" is null`))))
			}
			if *format != ReportFormat {
				return nil, badReport("", fmt.Errorf("format %d: this dbverify reads format %d", *format, ReportFormat))
			}
		}
		if err := head.add(name, raw); err != nil {
			return nil, badReport("", err)
		}
	}
	if err := rd.delim('}'); err != nil {
		return nil, badReport("", err)
	}
	if _, err := rd.d.Token(); err != io.EOF {
		return nil, badReport("", errors.New("data after the report"))
	}
	if format == nil {
		return nil, badReport("", errors.New(`no "format": not a dbverify report, or one written before format 2 (compare again)`))
	}
	h := struct {
		*Report
		Identical *bool `json:"identical"`
	}{Report: rep}
	if err := strictDecode(head.bytes(), &h); err != nil {
		return nil, badReport("", err)
	}
	if !tables || h.Identical == nil {
		return nil, badReport("", errors.New(`"tables" and "identical" are required`))
	}
	return rep, nil
}

func badReport(where string, err error) error {
	return invalid(fmt.Errorf("report: %s%w", where, err))
}

// reportReader decodes a report a token, a field or a listed row at a time.
type reportReader struct {
	d      *json.Decoder
	memory int // for the tables' diffLists
}

// delim reads the next token, which must be want.
func (rd *reportReader) delim(want json.Delim) error {
	tok, err := rd.d.Token()
	if err != nil {
		return readError(err)
	}
	if tok != want {
		return fmt.Errorf("want %q, found %s", want, tokenText(tok))
	}
	return nil
}

// key reads an object's next field name.
func (rd *reportReader) key() (string, error) {
	tok, err := rd.d.Token()
	if err != nil {
		return "", readError(err)
	}
	name, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("want a field name, found %s", tokenText(tok))
	}
	return name, nil
}

// value reads a field's whole value.
func (rd *reportReader) value() (json.RawMessage, error) {
	var raw json.RawMessage
	if err := rd.d.Decode(&raw); err != nil {
		return nil, readError(err)
	}
	return raw, nil
}

// readError says that a report ends early in words, not as io.ErrUnexpectedEOF.
func readError(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the report ends early: the file was cut short")
	}
	return err
}

func tokenText(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		return fmt.Sprintf("%q", t)
	case string:
		return fmt.Sprintf("the string %q", t)
	default:
		return fmt.Sprint(t)
	}
}

// object collects an object's fields, in order, to be decoded at once (strictDecode) once
// all have come; a field twice is refused.
type object struct {
	b     []byte
	names []string
}

func (o *object) add(name string, raw json.RawMessage) error {
	if slices.Contains(o.names, name) {
		return fmt.Errorf("%q twice", name)
	}
	o.names = append(o.names, name)
	k, _ := json.Marshal(name)
	o.b = append(append(append(append(o.b, ','), k...), ':'), raw...)
	return nil
}

func (o *object) has(names ...string) bool {
	for _, n := range names {
		if !slices.Contains(o.names, n) {
			return false
		}
	}
	return true
}

// bytes is the object so far.
func (o *object) bytes() []byte {
	if len(o.b) == 0 {
		return []byte("{}")
	}
	return append(append([]byte{'{'}, o.b[1:]...), '}')
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

// tables reads the report's tables, each as it comes, into rep.
func (rd *reportReader) tables(rep *Report) error {
	if err := rd.delim('['); err != nil {
		return badReport("", fmt.Errorf(`"tables": %w`, err))
	}
	for i := 1; rd.d.More(); i++ {
		tr, err := rd.table(&rep.Options)
		if err != nil {
			return badReport(fmt.Sprintf("table %d: ", i), err)
		}
		rep.Tables = append(rep.Tables, tr)
	}
	if err := rd.delim(']'); err != nil {
		return badReport("", fmt.Errorf(`"tables": %w`, err))
	}
	return nil
}

// tableRows is a table's listing while it is read: the key and columns its rows are checked
// against, once the table's fields have named them.
type tableRows struct {
	name    string // the table, for errors
	cols    []dialect.Column
	classes map[string]dialect.Class
	list    *diffList
	n       int // rows read
}

// table reads one table of a report, its listed rows a row at a time.
func (rd *reportReader) table(opt *ReportOptions) (tr *TableReport, err error) {
	if err := rd.delim('{'); err != nil {
		return nil, err
	}
	var fields object
	var rows *tableRows
	var early []json.RawMessage // rows listed before the key is known
	defer func() {
		if err != nil && rows != nil {
			rows.list.close()
		}
	}()
	// setUp makes rows from the table's fields: its key and columns.
	setUp := func(t *TableReport) error {
		cols, classes, err := tableColumns(t)
		if err != nil {
			return err
		}
		rows = &tableRows{name: t.Source, cols: cols, classes: classes, list: &diffList{cols: cols, memory: rd.memory, names: t.Key}}
		return nil
	}
	listed := false
	for rd.d.More() {
		name, err := rd.key()
		if err != nil {
			return nil, err
		}
		if name != "diffs" {
			raw, err := rd.value()
			if err != nil {
				return nil, fmt.Errorf("%q: %w", name, err)
			}
			if err := fields.add(name, raw); err != nil {
				return nil, err
			}
			continue
		}
		if listed {
			return nil, errors.New(`"diffs" twice`)
		}
		listed = true
		if fields.has("key", "key_columns", "compared_columns") { // as WriteJSON writes them
			t := &TableReport{}
			if err := strictDecode(fields.bytes(), t); err != nil {
				return nil, err
			}
			if err := setUp(t); err != nil {
				return nil, err
			}
		}
		tok, err := rd.d.Token()
		switch {
		case err != nil:
			return nil, fmt.Errorf(`"diffs": %w`, readError(err))
		case tok == nil:
			continue // null: none listed
		case tok != json.Delim('['):
			return nil, fmt.Errorf(`"diffs": want an array, found %s`, tokenText(tok))
		}
		for rd.d.More() {
			raw, err := rd.value()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rows.at(len(early)+1), err)
			}
			if rows == nil {
				early = append(early, raw)
				continue
			}
			if err := rows.add(raw); err != nil {
				return nil, err
			}
		}
		if err := rd.delim(']'); err != nil {
			return nil, fmt.Errorf(`"diffs": %w`, err)
		}
	}
	if err := rd.delim('}'); err != nil {
		return nil, err
	}
	tr = &TableReport{}
	if err := strictDecode(fields.bytes(), tr); err != nil {
		return nil, err
	}
	switch {
	case tr.Source == "" || tr.Target == "":
		return nil, errors.New(`"source" and "target" must name the tables`)
	case tr.Missing < 0 || tr.Extra < 0 || tr.Changed < 0 || tr.SourceRows < 0 || tr.TargetRows < 0:
		return nil, fmt.Errorf("%s: negative counts", tr.Source)
	}
	if rows == nil {
		if err := setUp(tr); err != nil {
			return nil, err
		}
	}
	for _, raw := range early {
		if err := rows.add(raw); err != nil {
			return nil, err
		}
	}
	if int64(rows.n) > tr.Differences() {
		return nil, fmt.Errorf("%s: %d rows listed, more than the %d differences counted", tr.Source, rows.n, tr.Differences())
	}
	inMemory, err := rows.list.done()
	if err != nil {
		return nil, err
	}
	if inMemory {
		tr.Diffs = nonNil(rows.list.mem)
	} else {
		tr.list = rows.list
	}
	tr.pair, tr.saved = tablePair{src: tr.Source, tgt: tr.Target}, opt
	return tr, nil
}

// at names the row read after those read so far and the held ones, for errors: "t: listed
// row 5", or "listed row 5" before the table's fields named it.
func (t *tableRows) at(held int) string {
	if t == nil {
		return fmt.Sprintf("listed row %d", held)
	}
	return fmt.Sprintf("%s: listed row %d", t.name, t.n+held)
}

// add decodes one listed row and adds it to the listing.
func (t *tableRows) add(raw json.RawMessage) error {
	t.n++
	if len(t.cols) == 0 {
		return fmt.Errorf("%s: rows listed for a table without a key", t.name)
	}
	d, err := readDiff(raw, t.cols, t.classes)
	if err == nil {
		err = t.list.add([]RowDiff{d})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", t.at(0), err)
	}
	return nil
}

// tableColumns checks a table's key and compared columns, and gives the key's columns and
// each compared column's class, which listed rows are read by.
func tableColumns(tr *TableReport) ([]dialect.Column, map[string]dialect.Class, error) {
	if len(tr.KeyColumns) != len(tr.Key) {
		return nil, nil, fmt.Errorf("%s: %d key columns in \"key\", %d in \"key_columns\"", tr.Source, len(tr.Key), len(tr.KeyColumns))
	}
	cols := make([]dialect.Column, len(tr.KeyColumns))
	for i, c := range tr.KeyColumns {
		if c.Name != tr.Key[i] {
			return nil, nil, fmt.Errorf("%s: key column %d is %q in \"key\" but %q in \"key_columns\"", tr.Source, i+1, tr.Key[i], c.Name)
		}
		class, ok := parseClass(c.Class)
		if !ok {
			return nil, nil, fmt.Errorf("%s: key column %s: unknown class %q", tr.Source, c.Name, c.Class)
		}
		cols[i] = dialect.Column{Name: c.Name, Class: class}
	}
	classes := map[string]dialect.Class{}
	for _, c := range tr.Compared {
		class, ok := parseClass(c.Class)
		if !ok {
			return nil, nil, fmt.Errorf("%s: column %s: unknown class %q", tr.Source, c.Name, c.Class)
		}
		classes[c.Name] = class
	}
	return cols, classes, nil
}

// readDiff decodes one listed row, and its key's canonical bytes from the key's values.
func readDiff(raw json.RawMessage, cols []dialect.Column, classes map[string]dialect.Class) (RowDiff, error) {
	var d RowDiff
	if err := d.UnmarshalJSON(raw); err != nil {
		return RowDiff{}, err
	}
	if want := keyNames(cols); !slices.Equal(d.names, want) {
		return RowDiff{}, fmt.Errorf("key names columns %q, the table's key is %q", d.names, want)
	}
	for i := range d.Key {
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
