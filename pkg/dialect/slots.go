package dialect

import (
	"context"
	"fmt"
	"strings"
)

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

// String is the slot in words: its name, kind and state, and the WAL it holds, e.g. "slot
// dms_x (logical, test_decoding, database shop, inactive, wal_status extended): retains 12.0
// GiB of WAL, 11.0 GiB not yet confirmed by its consumer".
func (s Slot) String() string {
	what := []string{s.Type}
	if s.Plugin != "" {
		what = append(what, s.Plugin)
	}
	if s.Database != "" {
		what = append(what, "database "+s.Database)
	}
	if s.Active {
		what = append(what, "active")
	} else {
		what = append(what, "inactive")
	}
	if s.WALStatus != "" {
		what = append(what, "wal_status "+s.WALStatus)
	}
	line := fmt.Sprintf("slot %s (%s): ", s.Name, strings.Join(what, ", "))
	if s.RetainedWAL < 0 {
		return line + "retains no WAL (no restart position)"
	}
	line += "retains " + SizeText(s.RetainedWAL) + " of WAL"
	if s.FlushLag >= 0 {
		line += ", " + SizeText(s.FlushLag) + " not yet confirmed by its consumer"
	}
	return line
}

// SizeText is a number of bytes for people, in powers of 1024: 512 B, 3.4 MiB, 12.0 GiB.
func SizeText(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB", "TiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
