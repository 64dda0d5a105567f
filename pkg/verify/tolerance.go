package verify

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// Tolerances are opt-in: a float column compared to FloatDigits significant digits, a time or
// timestamp column truncated to TimePrecision. Each is applied to both sides' canonical values
// before they are hashed, and listed in the report. Key columns are never rewritten: two rows
// whose keys differ below the precision are still two rows.

// timeDigits turns a precision (1s, 100ms, ..., 1µs) into fractional digits kept.
func timeDigits(p time.Duration) (int, error) {
	d := time.Second
	for digits := 0; digits <= 6; digits++ {
		if p == d {
			return digits, nil
		}
		d /= 10
	}
	return 0, fmt.Errorf("time precision %s: want a power of ten from 1µs to 1s (1s, 100ms, 10ms, 1ms, 100µs, 10µs, 1µs)", p)
}

type tolKind uint8

const (
	tolNone tolKind = iota
	tolFloat
	tolTime
)

// tolerance says which compared columns are rewritten, and how.
type tolerance struct {
	kinds       []tolKind // per compared column
	floatDigits int
	timeDigits  int
}

// newTolerance returns the table's tolerance, or nil when none applies to its columns.
func (j *job) newTolerance() *tolerance {
	tol := &tolerance{kinds: make([]tolKind, len(j.scols)), floatDigits: j.opt.FloatDigits, timeDigits: 6}
	if j.opt.TimePrecision > 0 {
		tol.timeDigits, _ = timeDigits(j.opt.TimePrecision) // validated in withDefaults
	}
	var floats, times []string
	for i, c := range j.scols {
		if slices.Contains(j.keyPos, i) {
			continue // keys identify rows: they always match exactly
		}
		switch class := j.st.Columns[c].Class; {
		case tol.floatDigits > 0 && (class == dialect.ClassFloat || class == dialect.ClassDouble):
			tol.kinds[i] = tolFloat
			floats = append(floats, j.names[i])
		case tol.timeDigits < 6 && (class == dialect.ClassTimestamp || class == dialect.ClassTime):
			tol.kinds[i] = tolTime
			times = append(times, j.names[i])
		}
	}
	if floats != nil {
		j.rep.Tolerances = append(j.rep.Tolerances, fmt.Sprintf("%s: floats compared to %d significant digits", strings.Join(floats, ", "), tol.floatDigits))
	}
	if times != nil {
		j.rep.Tolerances = append(j.rep.Tolerances, fmt.Sprintf("%s: times truncated to %s", strings.Join(times, ", "), j.opt.TimePrecision))
	}
	if floats == nil && times == nil {
		return nil
	}
	return tol
}

// tolerantRows rewrites the values of a row stream under a tolerance.
type tolerantRows struct {
	dialect.Rows
	tol  *tolerance
	buf  []byte
	ends []int // triples: column, start, end of each rewritten value in buf
	out  [][]byte
}

// wrap returns rows rewritten under the job's tolerance (rows itself when there is none).
func (j *job) wrap(rows dialect.Rows) dialect.Rows {
	if j.tol == nil {
		return rows
	}
	return &tolerantRows{Rows: rows, tol: j.tol, out: make([][]byte, len(j.tol.kinds))}
}

func (r *tolerantRows) Values() [][]byte {
	vals := r.Rows.Values()
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	// Rewritten values go into one buffer; slice it only once it has stopped growing.
	for i, v := range vals {
		r.out[i] = v
		if v == nil || r.tol.kinds[i] == tolNone {
			continue
		}
		start := len(r.buf)
		switch r.tol.kinds[i] {
		case tolFloat:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				continue
			}
			r.buf = strconv.AppendFloat(r.buf, f, 'g', r.tol.floatDigits, 64)
		case tolTime:
			r.buf = append(r.buf, v...)
			if dot := bytes.IndexByte(r.buf[start:], '.'); dot >= 0 {
				for k := start + dot + 1 + r.tol.timeDigits; k < len(r.buf) && r.buf[k] >= '0' && r.buf[k] <= '9'; k++ {
					r.buf[k] = '0'
				}
			}
		}
		r.ends = append(r.ends, i, start, len(r.buf))
	}
	for k := 0; k < len(r.ends); k += 3 {
		r.out[r.ends[k]] = r.buf[r.ends[k+1]:r.ends[k+2]:r.ends[k+2]]
	}
	return r.out
}
