package sqlkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// LoginTimeout bounds connecting and logging in (TCP, TLS, authentication, session setup) when
// the DSN sets no bound of its own: a server that accepts the connection and never answers
// must not hold a run forever.
const LoginTimeout = 10 * time.Second

// Dialer is the dialer of every connection: TCP keepalive probes start after 15s of silence and
// give up after three unanswered ones 5s apart, so that a peer that vanished (a host down, a
// failover, a dropped NAT entry) is noticed in about half a minute, even by a connection that
// waits for a long aggregate's result. (A server that is alive but stopped answering, which
// the kernel keeps acknowledging for, is caught by the callers' time bounds.)
func Dialer() *net.Dialer {
	return &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3}}
}

// ErrOpenTimeout is the cause of an Open whose session's first statements (the server's
// version, its features) took longer than their bound, after the login.
type ErrOpenTimeout time.Duration

func (e ErrOpenTimeout) Error() string {
	return fmt.Sprintf("no answer within %s to the session's first statements", time.Duration(e))
}

// OpenCause is err, or what ended ctx when it ended: an Open's own bound, the caller's
// deadline or cancellation, which the drivers report only as "context deadline exceeded".
func OpenCause(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	var own ErrOpenTimeout
	if cause := context.Cause(ctx); errors.As(cause, &own) {
		return cause
	} else if !errors.Is(err, cause) {
		return fmt.Errorf("the login did not finish: %w", cause)
	}
	return err
}
