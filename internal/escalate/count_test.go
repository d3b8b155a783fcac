package escalate

import (
	"errors"
	"testing"

	"postvakt/internal/remind"
)

// TestCountOrderOutcomes: how one organisation's outcome counts in the
// run's summary. A reminder whose order Altinn refused and that went by
// e-mail instead (the Profile fallback) is sent, not an order "not
// placed, tried again" nor a reminder not sent (review of 2026-12-02:
// `postvakt escalate` listed it under "not sent this run").
func TestCountOrderOutcomes(t *testing.T) {
	refused := errors.New("altinn refused the order")
	for _, c := range []struct {
		name            string
		out             remind.Outcome
		orgs, orderFail int
		notSent         int
	}{
		{"sent with its order", remind.Outcome{Status: remind.StatusSent, OrderID: "o-1"}, 1, 0, 0},
		{"sent, its order not placed (retried)", remind.Outcome{Status: remind.StatusSent, OrderErr: refused}, 1, 1, 1},
		{"sent by e-mail after its order was refused", remind.Outcome{Status: remind.StatusSent, Route: remind.RouteEmail,
			OrderErr: refused, OrderGivenUp: true}, 1, 0, 0},
		{"fallback e-mail failed", remind.Outcome{Status: remind.StatusFailed, Route: remind.RouteEmail,
			OrderErr: refused, OrderGivenUp: true}, 0, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &runState{e: &Escalator{}}
			c.out.NotificationID = 7
			r.count(remind.Group{Org: "910000001"}, c.out, nil)
			if r.sent.Orgs != c.orgs || r.sent.OrderFail != c.orderFail || len(r.sent.Undelivered) != c.notSent {
				t.Fatalf("orgs %d, orders not placed %d, not sent %q; want %d, %d, %d",
					r.sent.Orgs, r.sent.OrderFail, r.sent.Undelivered, c.orgs, c.orderFail, c.notSent)
			}
		})
	}
}
