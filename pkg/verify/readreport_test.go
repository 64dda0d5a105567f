package verify_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/verify"
)

// listedReport is a report of one table whose listing holds n rows: missing, extra and
// changed ones in turn, keys in order.
func listedReport(n int) *verify.Report {
	id := verify.ReportColumn{Name: "id", Target: "id", Type: "int", TargetType: "int", Class: "int"}
	v := verify.ReportColumn{Name: "v", Target: "v", Type: "text", TargetType: "text", Class: "string"}
	t := &verify.TableReport{Source: "t", Target: "t", Key: []string{"id"}, KeyKind: "primary key", Columns: 2,
		KeyColumns: []verify.ReportColumn{id}, Compared: []verify.ReportColumn{id, v}, Strategy: "range", Mode: verify.ModePushdown,
		Hash: "crcmix", Chunks: 1, SourcePrint: "a", TargetPrint: "b", Diffs: make([]verify.RowDiff, n)}
	for i := range n {
		d := verify.RowDiff{Key: []verify.Value{{Text: strconv.Itoa(i + 1)}}}
		switch i % 3 {
		case 0:
			d.Kind = verify.Missing
			t.Missing++
		case 1:
			d.Kind = verify.Extra
			t.Extra++
		default:
			d.Kind = verify.Changed
			d.Columns = []verify.ColumnDiff{{Column: "v", Source: verify.Value{Text: "row " + strconv.Itoa(i)}, Target: verify.Value{Null: true}}}
			t.Changed++
		}
		t.Diffs[i] = d
	}
	t.SourceRows, t.TargetRows = t.Missing+t.Changed, t.Extra+t.Changed
	return &verify.Report{Tables: []*verify.TableReport{t}}
}

// heapReader samples the live heap every few MiB read.
type heapReader struct {
	r          io.Reader
	read, next int64
	peak       uint64
}

func (h *heapReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.read += int64(n)
	if h.read >= h.next {
		h.next += 4 << 20
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapAlloc)
	}
	return n, err
}

// TestReadReportStreams: a report listing 200,000 rows is read a row at a time: its listing
// stays in a temporary file under a small memory bound, the live heap while it is read stays
// far under the report's size, and written again it is the same bytes. A copy cut short, or
// with a row broken deep in the listing, is refused with an error that says so.
func TestReadReportStreams(t *testing.T) {
	const rows = 200_000
	path := filepath.Join(t.TempDir(), "report.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := listedReport(rows).WriteJSON(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	size, _ := f.Seek(0, io.SeekCurrent)
	f.Close()

	read := func(path string) (*verify.Report, uint64) {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h := &heapReader{r: f}
		rep, err := verify.ReadReportMemory(h, 64<<10)
		if err != nil {
			t.Fatal(err)
		}
		return rep, h.peak - min(h.peak, m.HeapAlloc)
	}
	rep, grew := read(path)
	defer rep.Close()
	if tr := rep.Tables[0]; !tr.Spilled() || tr.Listed() != rows {
		t.Fatalf("spilled %v, %d rows listed; want %d in a temporary file", tr.Spilled(), tr.Listed(), rows)
	}
	t.Logf("a report of %d MiB read, the live heap grew by %d KiB at most", size>>20, grew>>10)
	if grew > uint64(size)/4 {
		t.Errorf("reading a report of %d MiB grew the live heap by %d MiB", size>>20, grew>>20)
	}
	var again bytes.Buffer
	if err := rep.WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(path)
	if !bytes.Equal(again.Bytes(), want) {
		t.Fatalf("written again, a report of %d bytes is %d bytes, or other bytes", len(want), again.Len())
	}

	for _, c := range []struct {
		name string
		doc  []byte
		err  string
	}{
		{"cut short", want[:len(want)*2/3], "report: table 1: t: listed row 13"}, // ends early: the file was cut short
		{"cut short", want[:len(want)-3], "report: the report ends early: the file was cut short"},
		{"broken row", bytes.Replace(want, []byte(`"text": "150000"`), []byte(`"text": 150000`), 1), "report: table 1: t: listed row 150000: key column id: value:"},
		{"bad JSON", bytes.Replace(want, []byte(`"text": "150000"`), []byte(`"text": "150000}`), 1), "report: table 1: t: listed row 150000: invalid character"},
	} {
		if !bytes.Contains(want, []byte(`"text": "150000"`)) {
			t.Fatalf("the report lacks key 150000")
		}
		r, err := verify.ReadReportMemory(bytes.NewReader(c.doc), 64<<10)
		if err == nil {
			r.Close()
			t.Errorf("%s: read", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v; want an error with %q", c.name, err, c.err)
		}
	}
}
