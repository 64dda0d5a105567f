package verify

import "io"

// SetMaxHeldRows lowers, for compares with o, the in-memory bound of the hash-bucket diff, so
// that tests reach the spill files with small tables.
func SetMaxHeldRows(o *Options, n int64) { o.tune.maxHeldRows = n }

// SetKeepRows lowers, for compares with o, how many rows of a chunk are kept for matching, so
// that tests reach the narrowing of chunks too large to keep.
func SetKeepRows(o *Options, n int) { o.tune.keepRows = n }

// SetGroupRows sets, for compares with o, how many rows a key group aims to hold, so that small
// tables get many groups.
func SetGroupRows(o *Options, n int) { o.tune.groupRows = n }

// SetDiffMemory sets, for compares and repairs with o, how many bytes of listed rows (and of
// repair SQL) a table holds in memory before writing them to a temporary file, so that tests
// reach the file with few rows.
func SetDiffMemory(o *Options, n int) { o.tune.diffMemory = n }

// ReadReportMemory is ReadReport holding at most n bytes of a table's listed rows in memory.
func ReadReportMemory(r io.Reader, n int) (*Report, error) { return readReport(r, n) }

// Spilled reports whether a table's listed rows live in a temporary file.
func (t *TableReport) Spilled() bool { return t.list != nil && t.Diffs == nil }
