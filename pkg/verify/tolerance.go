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
// timestamp column truncated to TimePrecision, for every column or per column. Each is applied to both sides' canonical values
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
	kinds  []tolKind // per compared column
	digits []int     // per compared column: significant digits (floats) or fractional digits (times)
}

// newTolerance returns the table's tolerance, or nil when none applies to its columns.
func (j *job) newTolerance() *tolerance {
	tol := &tolerance{kinds: make([]tolKind, len(j.scols)), digits: make([]int, len(j.scols))}
	groups := map[string][]string{} // the report's line per setting -> columns
	var order []string
	for i, c := range j.scols {
		if slices.Contains(j.keyPos, i) {
			continue // keys identify rows: they always match exactly
		}
		var line string
		switch class := j.st.Columns[c].Class; class {
		case dialect.ClassFloat, dialect.ClassDouble:
			d := columnSetting(j, j.opt.ColumnFloatDigits, j.names[i], j.opt.FloatDigits)
			if d <= 0 {
				continue
			}
			tol.kinds[i], tol.digits[i] = tolFloat, d
			line = fmt.Sprintf("floats compared to %d significant digits", d)
		case dialect.ClassTimestamp, dialect.ClassTime:
			p := columnSetting(j, j.opt.ColumnTimePrecision, j.names[i], j.opt.TimePrecision)
			d, err := timeDigits(p)
			if p <= 0 || err != nil || d == 6 {
				continue
			}
			tol.kinds[i], tol.digits[i] = tolTime, d
			line = fmt.Sprintf("times truncated to %s", p)
		default:
			continue
		}
		if groups[line] == nil {
			order = append(order, line)
		}
		groups[line] = append(groups[line], j.names[i])
	}
	for _, line := range order {
		j.rep.Tolerances = append(j.rep.Tolerances, strings.Join(groups[line], ", ")+": "+line)
	}
	if order == nil {
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
			r.buf = strconv.AppendFloat(r.buf, f, 'g', r.tol.digits[i], 64)
		case tolTime:
			r.buf = append(r.buf, v...)
			if dot := bytes.IndexByte(r.buf[start:], '.'); dot >= 0 {
				for k := start + dot + 1 + r.tol.digits[i]; k < len(r.buf) && r.buf[k] >= '0' && r.buf[k] <= '9'; k++ {
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
