package verify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// The JSON of a watch: each Event is one line (docs/watch-event.schema.json), and the gate's
// result one document. Their rows are the report's listed rows (RowDiff.MarshalJSON) and a
// pass's report is the report WriteJSON writes, on one line: one encoding of rows everywhere.

// WriteJSON writes the event as one line of JSON, ended by a newline: "time", "event", "pass",
// and the fields its kind sets (see Event); "row" is a listed row as the report writes it, and
// "report" (pass events) the pass's report in format 2, written a row at a time.
func (e Event) WriteJSON(w io.Writer) error {
	type plain Event // the fields, without this method
	p := plain(e)
	p.Report = nil
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if e.Report == nil {
		_, err = w.Write(append(b, '\n'))
		return err
	}
	return writeWith(w, b, "report", e.Report)
}

// MarshalJSON is WriteJSON without the newline.
func (e Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := e.WriteJSON(&b); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// WriteJSON writes the result on one line, ended by a newline: "clean", "passes",
// "resolved_in_flight", "drift" and "unsettled" (each row's "table", "row" as the report lists
// it, "state" and "since"), and "last_pass", the last full pass's report in format 2.
func (r *WatchResult) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(struct {
		Clean     bool         `json:"clean"`
		Passes    int          `json:"passes"`
		Resolved  int          `json:"resolved_in_flight"`
		Drift     []WatchedRow `json:"drift"`
		Unsettled []WatchedRow `json:"unsettled"`
	}{r.Clean, r.Passes, r.Resolved, nonNil(r.Drift), nonNil(r.Unsettled)})
	if err != nil {
		return err
	}
	if r.Last == nil {
		_, err = w.Write(append(b, '\n'))
		return err
	}
	return writeWith(w, b, "last_pass", r.Last)
}

// writeWith writes the JSON object obj with one more field, name, holding rep's report on one
// line, and a newline.
func writeWith(w io.Writer, obj []byte, name string, rep *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(obj[:len(obj)-1]) // without its closing brace
	if len(obj) > 2 {
		bw.WriteByte(',')
	}
	key, _ := json.Marshal(name)
	bw.Write(append(key, ':'))
	if err := rep.WriteJSON(&compactWriter{w: bw}); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// compactWriter drops the white space between JSON tokens written through it (what
// json.Compact does), a buffer at a time, so that a long report streams onto one line.
type compactWriter struct {
	w        io.Writer
	inString bool // within a string's quotes
	escaped  bool // just after a backslash within a string
	buf      []byte
}

func (c *compactWriter) Write(p []byte) (int, error) {
	c.buf = c.buf[:0]
	for _, b := range p {
		switch {
		case c.escaped:
			c.escaped = false
		case c.inString && b == '\\':
			c.escaped = true
		case b == '"':
			c.inString = !c.inString
		case !c.inString && (b == ' ' || b == '\n' || b == '\t' || b == '\r'):
			continue
		}
		c.buf = append(c.buf, b)
	}
	if _, err := c.w.Write(c.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
