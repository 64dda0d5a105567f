package verify

// SetMaxHeldRows lowers the in-memory bound of the hash-bucket diff, so that tests reach the
// spill files with small tables; it returns a function restoring the old bound.
func SetMaxHeldRows(n int64) func() {
	old := maxHeldRows
	maxHeldRows = n
	return func() { maxHeldRows = old }
}

// SetKeepRows lowers how many rows of a chunk are kept for matching, so that tests reach the
// narrowing of chunks too large to keep; it returns a function restoring the old bound.
func SetKeepRows(n int) func() {
	old := keepRows
	keepRows = n
	return func() { keepRows = old }
}

// SetGroupRows sets how many rows a key group aims to hold, so that small tables get many
// groups; it returns a function restoring the old value.
func SetGroupRows(n int) func() {
	old := groupRows
	groupRows = n
	return func() { groupRows = old }
}

// SetDiffMemory sets how many bytes of listed rows (and of repair SQL) a table holds in memory
// before writing them to a temporary file, so that tests reach the file with few rows; it
// returns a function restoring the old bound.
func SetDiffMemory(n int) func() {
	old := diffMemory
	diffMemory = n
	return func() { diffMemory = old }
}

// Spilled reports whether a table's listed rows live in a temporary file.
func (t *TableReport) Spilled() bool { return t.list != nil && t.Diffs == nil }
