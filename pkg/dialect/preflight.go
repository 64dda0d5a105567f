package dialect

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
