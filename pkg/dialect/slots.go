package dialect

import "context"

// SlotReporter is implemented by databases that keep replication slots: WAL (or its like) a
// slot still needs stays on the server's disk until its consumer confirms it. A consumer that
// stalls (an AWS DMS task stopped or failing, a subscriber down) makes the slot hold WAL
// without bound, and a full disk stops the server's writes: watching the source watches this.
type SlotReporter interface {
	// ReplicationSlots lists the server's replication slots with the WAL each retains, by
	// name. It reads only; it never creates nor drops a slot.
	ReplicationSlots(ctx context.Context) ([]Slot, error)
}

// Slot is one replication slot as the server reports it.
type Slot struct {
	Name     string `json:"slot"`
	Type     string `json:"type"`               // "logical" or "physical"
	Plugin   string `json:"plugin,omitempty"`   // the output plugin of a logical slot (pgoutput, test_decoding, ...)
	Database string `json:"database,omitempty"` // the database a logical slot decodes
	Active   bool   `json:"active"`             // a consumer is connected and streams from it
	// RetainedWAL is how many bytes of WAL the slot keeps on the server: from its restart
	// position to the server's current position. -1 when the slot has no restart position
	// (never used, or invalidated).
	RetainedWAL int64 `json:"retained_wal_bytes"`
	// FlushLag is how many bytes of WAL the consumer has yet to confirm: from its confirmed
	// flush position to the current position (logical slots). -1 when not known.
	FlushLag int64 `json:"confirmed_flush_lag_bytes"`
	// WALStatus is the server's own word on the slot's WAL (PostgreSQL 13+: reserved,
	// extended, unreserved or lost); "" when the server does not say.
	WALStatus string `json:"wal_status,omitempty"`
}
