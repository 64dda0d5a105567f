package dialect

import (
	"context"
	"time"
)

// Lagger is implemented by databases that can tell how far replication trails. Where no
// replication position can be read (see SourcePositioner), Watch uses the lag as the least
// time a differing row must stay unchanged before it is drift.
type Lagger interface {
	// ReplicaLag is how far the replication this server takes part in trails now: as a
	// replica, behind its primary; as a primary or publisher, its slowest replica or
	// subscriber. ok is false when the server replicates nothing or the lag is not known
	// (replication stopped, no privilege to see it).
	ReplicaLag(ctx context.Context) (lag time.Duration, ok bool, err error)
}

// SourcePositioner is implemented by databases that can tell where their replication stream
// stands now: the position of the last change they committed. Watch reads it right after it
// reads a source row, so that the position is at or past that row's version.
type SourcePositioner interface {
	// SourcePosition is the server's current replication position. ok is false when the
	// server writes no replication stream (no binary log, a standby) or the user may not see
	// its position.
	SourcePosition(ctx context.Context) (p Position, ok bool, err error)
}

// AppliedPositioner is implemented by databases that can tell how far of their source's
// replication stream they have applied, as a replica, a standby or a subscriber. The position
// is compared with the verified source's: it is only meaningful when this server replicates
// from that source (binary log coordinates carry the server id and are checked; GTID sets and
// WAL locations cannot be).
type AppliedPositioner interface {
	// AppliedPosition is the source position up to which every change has been applied here
	// (stopped replication still has one: what it applied before it stopped). ok is false
	// when the server replicates from nothing this side can see, or the user may not see it.
	AppliedPosition(ctx context.Context) (p Position, ok bool, err error)
}
