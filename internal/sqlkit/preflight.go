package sqlkit

import (
	"fmt"
	"strconv"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// ScanLengths reads the one row of a longest-values query on t's columns cols (each a number
// as text, NULL for a column of NULLs only, read as 0) from rows; engine names the errors.
func ScanLengths(engine string, t *dialect.Table, cols []int, rows interface {
	Next() bool
	Err() error
	Scan(dest ...any) error
}) ([]int64, error) {
	vals := make([]*string, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s: longest values of %s: %w", engine, t, err)
		}
		return nil, fmt.Errorf("%s: longest values of %s: no row", engine, t)
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, fmt.Errorf("%s: longest values of %s: %w", engine, t, err)
	}
	out := make([]int64, len(cols))
	for i, v := range vals {
		if v == nil {
			continue
		}
		n, err := strconv.ParseInt(*v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: longest value of %s.%s: %q: %v", engine, t, t.Columns[cols[i]].Name, *v, err)
		}
		out[i] = n
	}
	return out, nil
}
