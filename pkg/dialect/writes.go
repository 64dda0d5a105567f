package dialect

import "context"

// WriteProbe is implemented by databases that can tell whether they still take writes, which a
// cutover needs to know: a write the verifier does not see is lost to the application once it
// moves to the target.
type WriteProbe interface {
	// ReadOnly reports whether the server refuses writes from the application, and the setting
	// that says so (e.g. "super_read_only=ON").
	ReadOnly(ctx context.Context) (readOnly bool, why string, err error)
	// WriteCount is a counter that every write moves and no read does (dbverify's own reads
	// included), and what it counts. Only its changes mean anything.
	WriteCount(ctx context.Context) (n uint64, what string, err error)
}
