package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// ErrNetwork is matched (errors.Is) by the error Do returns when the
// transport failed the last attempt without an answer (refused, reset, a
// name that does not resolve), not in time (ErrTimeout) nor cancelled.
var ErrNetwork = errors.New("network error")

// networkError is a call the transport failed (no answer: refused, reset,
// a name that does not resolve), with the transport's words, scrubbed.
// unwritten says nothing of the last attempt was written (a failed dial,
// a name that does not resolve, a TLS handshake refused: the transport's
// trace saw no header written); unreached that no attempt of the call got
// further (Do).
type networkError struct {
	msg                  string
	unwritten, unreached bool
}

func (e *networkError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrNetwork) true.
func (e *networkError) Is(target error) bool { return target == ErrNetwork }

// reachedBefore is the error of a call whose last attempt failed being
// prepared (a token that could not be renewed) after an earlier attempt
// reached the remote (a 503 after the order was read): ErrNotSent is true
// of it, NotReached is not.
type reachedBefore struct{ error }

func (e reachedBefore) Unwrap() error { return e.error }

// NotReached reports whether err of Do certainly never reached the remote:
// the breaker was open, preparing the request failed, or no attempt wrote
// any of the request (connection refused, a name that does not resolve;
// the transport's own replays counted). A request
// that is not safe to repeat unseen (a print order) may be decided again
// after it; any other failure (a reset, a timeout, an answer) may have
// been acted on.
func NotReached(err error) bool {
	var ne *networkError
	switch {
	case errors.As(err, new(reachedBefore)):
		return false
	case errors.Is(err, ErrCircuitOpen), errors.Is(err, ErrNotSent):
		return true
	case errors.As(err, &ne):
		return ne.unreached
	}
	return false
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

// StopAsking says whether err of Do is an answer about the service rather
// than about the one request, so that its caller asks the service nothing
// more in the run (each further call would be one more request it said not
// to make, or one more refused alike): it asked its caller to slow down
// (Throttled: a final 429, or a Retry-After longer than the client waits),
// or it refused the request itself (401, 403: credentials, such as a
// rotated API key, refuse every call alike). The error it returns says
// which, wrapping err (its StatusError and Retry-After), for the errors of
// the calls not made after it: "it is throttling this run's requests: …",
// "it refused this run's requests (HTTP 401): …". It is nil for any other
// err: a 5xx without a longer Retry-After, a 404, no answer are that
// request's failure; an open breaker refuses the calls itself.
//
// A service whose 401 or 403 may be about one request alone asks Throttled
// instead: Altinn's 403 with an error code refuses that one order or
// letter, not the others.
func StopAsking(err error) error {
	if _, throttled := Throttled(err); throttled {
		return fmt.Errorf("it is throttling this run's requests: %w", err)
	}
	var se *StatusError
	if errors.As(err, &se) && (se.StatusCode == http.StatusUnauthorized || se.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("it refused this run's requests (HTTP %d): %w", se.StatusCode, err)
	}
	return nil
}
