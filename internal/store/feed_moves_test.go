package store

import (
	"testing"

	"postvakt/internal/model"
)

// TestFeedMoves: the log's delivery proof outranks a failure in either
// order; otherwise the lifecycle decides.
func TestFeedMoves(t *testing.T) {
	const (
		reg, acc, av, op = model.StateRegistered, model.StateAccepted, model.StateAvailable, model.StateOpened
		rej, fail, exp   = model.StateRejected, model.StateFailed, model.StateExpired
	)
	for _, c := range []struct {
		from, to model.State
		want     bool
	}{
		{reg, av, true},
		{acc, fail, true}, // a failure before any proof of delivery fails the letter
		{av, fail, false}, // a copy to the recipient's system failed: still delivered
		{op, fail, false}, // read, then a failure: still read
		{fail, av, true},  // failed, retried, delivered: the proof stands
		{fail, op, true},  // read after a failure (as the lifecycle allows)
		{av, acc, false},  // behind: a late entry
		{op, av, false},   // behind
		{rej, av, false},  // rejected is final
		{exp, av, false},  // expired stays but for a reading
		{exp, op, true},   // read after expiry
		{fail, model.State("x"), false},
	} {
		if got := feedMoves(c.from, c.to); got != c.want {
			t.Errorf("feedMoves(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}
