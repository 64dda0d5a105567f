package dialect

import (
	"context"
)

// Repairer is a dialect that can write the SQL making a target row match its source: INSERT
// for a missing row, UPDATE for a changed one, DELETE for an extra one. The statements go to a
// file a person reviews and runs; dbverify never executes them. Values are canonical (package
// checksum's encoding); a nil value is NULL.
type Repairer interface {
	// Insert is the statement adding a row to t whose columns cols hold vals.
	Insert(t *Table, cols []int, vals [][]byte) (string, error)
	// Update is the statement setting t's columns set to vals in the row whose key is k,
	// matching the key exactly (not merely under the column's collation).
	Update(t *Table, set []int, vals [][]byte, k Key) (string, error)
	// Delete is the statement removing the row of t whose key is k, exactly.
	Delete(t *Table, k Key) (string, error)
	// Comment is text as a one-line comment of the script, unable to end early.
	Comment(text string) string
	// RepairHeader lists the statements a repair script starts with: the session settings its
	// literals assume (timestamps in UTC).
	RepairHeader() []string
	// AfterInserts lists the statements that follow inserts of explicit key values into t
	// (raising a sequence past them); none where the engine needs none.
	AfterInserts(t *Table) []string
}

// Referencer is a dialect that reads a table's foreign keys, so that repair SQL can put
// parent rows in before their children and take children out before their parents.
type Referencer interface {
	// References lists the tables t's foreign keys point at, as Table.String() names them.
	References(ctx context.Context, t *Table) ([]string, error)
}
