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
