package verify

// SetMaxHeldRows lowers the in-memory bound of the hash-bucket diff, so that tests reach the
// spill files with small tables; it returns a function restoring the old bound.
func SetMaxHeldRows(n int64) func() {
	old := maxHeldRows
	maxHeldRows = n
	return func() { maxHeldRows = old }
}
