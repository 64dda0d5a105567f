package sqlkit

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// NetTransient reports whether err is a network failure that a new connection may not meet: the
// peer closed or reset the connection, or refused a new one (a server restarting). The
// caller's own cancellation is not one.
func NetTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, net.ErrClosed)
}
