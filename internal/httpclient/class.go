package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ErrNetwork is matched (errors.Is) by the error Do returns when the
// transport failed the last attempt without an answer (refused, reset, a
// name that does not resolve), not in time (ErrTimeout) nor cancelled.
var ErrNetwork = errors.New("network error")

// networkError is a call the transport failed (no answer: refused, reset,
// a name that does not resolve), with the transport's words, scrubbed.
// dial says the last attempt failed connecting (nothing of it was
// written); unreached that no attempt of the call got further (Do).
type networkError struct {
	msg             string
	dial, unreached bool
}

func (e *networkError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrNetwork) true.
func (e *networkError) Is(target error) bool { return target == ErrNetwork }

// NotReached reports whether err of Do certainly never reached the remote:
// the breaker was open, preparing the request failed, or every attempt
// failed connecting (refused, a name that does not resolve). A request
// that is not safe to repeat unseen (a print order) may be decided again
// after it; any other failure (a reset, a timeout, an answer) may have
// been acted on.
func NotReached(err error) bool {
	var ne *networkError
	switch {
	case errors.Is(err, ErrCircuitOpen), errors.Is(err, ErrNotSent):
		return true
	case errors.As(err, &ne):
		return ne.unreached
	}
	return false
}

// dialFailed reports whether a transport error is a failure to connect:
// the request was not written.
func dialFailed(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// Class names what kind of failure err of Do is without any of its content
// (no answer body, path or the transport's words), for where only the fact
// of a failure may be kept: "HTTP 503", "timeout", "circuit open", "answer
// too large", "request not sent", "network error", "cancelled"; "" when err
// is not a failure of Do.
func Class(err error) string {
	var se *StatusError
	var ne *networkError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return fmt.Sprintf("HTTP %d", se.StatusCode)
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrCircuitOpen):
		return "circuit open"
	case errors.Is(err, ErrBodyTooLarge):
		return "answer too large"
	case errors.Is(err, ErrNotSent):
		return "request not sent"
	case errors.As(err, &ne):
		return "network error"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return ""
}
