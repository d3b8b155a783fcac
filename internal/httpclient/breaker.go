package httpclient

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrCircuitOpen is matched (errors.Is) by the error Do returns while the
// breaker is open.
var ErrCircuitOpen = errors.New("circuit breaker open")

// CircuitOpenError is returned without any request being sent while the
// breaker is open, or half-open with its one probe call in flight.
type CircuitOpenError struct {
	Name  string    // the client's name
	Until time.Time // when a probe call will be let through; zero while a probe is in flight
}

func (e *CircuitOpenError) Error() string {
	if e.Until.IsZero() {
		return fmt.Sprintf("%s: circuit breaker half-open, probe in flight", e.Name)
	}
	return fmt.Sprintf("%s: circuit breaker open until %s", e.Name, e.Until.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrCircuitOpen) true.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }

type breakerState int

const (
	stateClosed breakerState = iota
	stateHalfOpen
	stateOpen
)

func (s breakerState) String() string {
	switch s {
	case stateHalfOpen:
		return "half-open"
	case stateOpen:
		return "open"
	}
	return "closed"
}

// breaker is a consecutive-failure circuit breaker. Closed: calls pass;
// threshold consecutive failed calls open it. Open: calls fail at once until
// cooldown has passed. Half-open: one probe call passes, the rest fail at
// once; the probe's success closes the breaker, its failure opens it again.
type breaker struct {
	threshold int // <0: disabled
	cooldown  time.Duration
	onChange  func(breakerState)

	mu       sync.Mutex
	state    breakerState
	failures int
	openedAt time.Time
	probing  bool
}

func newBreaker(threshold int, cooldown time.Duration, onChange func(breakerState)) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, onChange: onChange}
}

// allow says whether a call may go ahead now, and whether it is the probe.
func (b *breaker) allow(now time.Time) (probe bool, err error) {
	if b.threshold < 0 {
		return false, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateOpen:
		until := b.openedAt.Add(b.cooldown)
		if now.Before(until) {
			return false, &CircuitOpenError{Until: until}
		}
		b.set(stateHalfOpen)
		b.probing = true
		return true, nil
	case stateHalfOpen:
		if b.probing {
			return false, &CircuitOpenError{}
		}
		b.probing = true
		return true, nil
	}
	return false, nil
}

// done records the outcome of a call that allow let through.
func (b *breaker) done(now time.Time, probe, ok bool) {
	if b.threshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	if ok {
		b.failures = 0
		if b.state != stateClosed && (probe || b.state == stateHalfOpen) {
			b.set(stateClosed)
		}
		return
	}
	b.failures++
	if probe || (b.state == stateClosed && b.failures >= b.threshold) {
		b.openedAt = now
		b.set(stateOpen)
	}
}

// abandon releases a call that ended without telling anything about the
// remote (canceled by the caller, request not prepared).
func (b *breaker) abandon(probe bool) {
	if b.threshold < 0 || !probe {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

func (b *breaker) set(s breakerState) {
	if b.state == s {
		return
	}
	b.state = s
	if b.onChange != nil {
		b.onChange(s)
	}
}
