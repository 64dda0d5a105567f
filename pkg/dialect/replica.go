package dialect

import (
	"context"
	"time"
)

// Lagger is implemented by databases that can tell how far replication trails. Watch uses
// the lag as the least time a differing row must stay unchanged before it is drift.
type Lagger interface {
	// ReplicaLag is how far the replication this server takes part in trails now: as a
	// replica, behind its primary; as a primary or publisher, its slowest replica or
	// subscriber. ok is false when the server replicates nothing or the lag is not known
	// (replication stopped, no privilege to see it).
	ReplicaLag(ctx context.Context) (lag time.Duration, ok bool, err error)
}
