package dialect

import (
	"fmt"
	"strconv"
)

import "context"

// LOBReader is implemented by databases that can say which of a table's columns a replication
// task moves as large objects (LOBs) and measure their longest values: what preflight needs to
// warn before a task in a limited LOB mode truncates some of them.
type LOBReader interface {
	// LOBColumns lists the columns of t (indexes into t.Columns) that AWS DMS migrates as LOBs.
	LOBColumns(t *Table) []int
	// MaxLengths returns, for each of cols (indexes into t.Columns), the length in bytes of its
	// longest value; 0 for a column that holds only NULLs or a table without rows. It reads the
	// whole table (one scan for all the columns): callers bound it with ctx.
	MaxLengths(ctx context.Context, t *Table, cols []int) ([]int64, error)
}

// ScanLengths reads the one row of a longest-values query on t's columns cols (each a number
// as text, NULL for a column of NULLs only, read as 0) from rows; engine names the errors.
func ScanLengths(engine string, t *Table, cols []int, rows interface {
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
