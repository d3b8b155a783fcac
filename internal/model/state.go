// Package model holds postvakt's domain: the normalised shipment state shared
// by every channel, the transitions allowed between states, and event kinds.
// It is pure: no I/O.
package model

import "fmt"

// State is a shipment's normalised delivery state across channels.
type State string

// The normalised states. A shipment starts as registered; opened, rejected,
// failed and expired are final.
const (
	StateRegistered State = "registered"
	StateAccepted   State = "accepted"
	StateAvailable  State = "available"
	StateOpened     State = "opened"
	StateRejected   State = "rejected"
	StateFailed     State = "failed"
	StateExpired    State = "expired"
)

// States lists every state in lifecycle order.
var States = []State{StateRegistered, StateAccepted, StateAvailable, StateOpened, StateRejected, StateFailed, StateExpired}

// transitions is the one place that says which state may follow which.
// A channel may skip steps (a shipment seen first when already opened), so
// forward jumps are allowed; going back is not.
var transitions = map[State][]State{
	StateRegistered: {StateAccepted, StateAvailable, StateOpened, StateRejected, StateFailed, StateExpired},
	StateAccepted:   {StateAvailable, StateOpened, StateRejected, StateFailed, StateExpired},
	StateAvailable:  {StateOpened, StateFailed, StateExpired},
	StateOpened:     {},
	StateRejected:   {},
	// A failed letter may still be read (a resend through the same id, or
	// the channel recovered), or be closed by hand: SvarUt's
	// MANUELT_HANDTERT is "avsluttet manuelt, f.eks. pga en feilsituasjon".
	StateFailed:  {StateOpened, StateExpired},
	StateExpired: {StateOpened},
}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Final reports whether a shipment in s needs no more polling.
func (s State) Final() bool {
	switch s {
	case StateOpened, StateRejected:
		return true
	}
	return false
}

// Open reports whether a shipment in s is still waiting to be read.
func (s State) Open() bool {
	switch s {
	case StateRegistered, StateAccepted, StateAvailable:
		return true
	}
	return false
}

// Undelivered reports whether a shipment in s ended without reaching its
// reader: the channel refused it, it failed or it expired. Each is a
// problem the sending unit follows up (the problems list, follow-ups).
func (s State) Undelivered() bool {
	switch s {
	case StateRejected, StateFailed, StateExpired:
		return true
	}
	return false
}

// TransitionError is returned for a change the lifecycle does not allow.
type TransitionError struct{ From, To State }

func (e *TransitionError) Error() string {
	return fmt.Sprintf("impossible transition %s → %s", e.From, e.To)
}

// CheckTransition returns nil when a shipment may move from one state to
// another, and a *TransitionError when it may not. Staying in the same state
// is not a transition and is reported as an error too, so callers only
// record real changes.
func CheckTransition(from, to State) error {
	if !from.Valid() || !to.Valid() {
		return &TransitionError{From: from, To: to}
	}
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return &TransitionError{From: from, To: to}
}
