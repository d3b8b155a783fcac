package escalate

import (
	"context"
	"strings"
	"testing"

	"postvakt/internal/remind"
)

// panicsFor is a sender that panics on the message to one address (a
// mail or order client meeting an answer it did not expect).
type panicsFor struct {
	remind.Sender
	to string
}

func (s *panicsFor) Send(ctx context.Context, m *remind.Message) error {
	if len(m.To) > 0 && m.To[0] == s.to {
		var n map[string]int
		n["sent"]++ // assignment to entry in nil map
	}
	return s.Sender.Send(ctx, m)
}

// TestPanicInADeliveryWorkerIsTheRunsError: a panic in a delivery
// worker's goroutine is its batch's error, named in the run's error and
// logged with its stack; it does not end the process (the UI, every other
// job) nor stop the worker: the other organisations' reminders go out.
func TestPanicInADeliveryWorkerIsTheRunsError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	orgs := h.orgsWithLetters(3)
	r := h.reminder(h.mp.SMTPAddr)
	r.Sender = &panicsFor{Sender: r.Sender, to: "post-" + orgs[0] + "@example.no"}
	h.esc.Remind = r
	h.esc.Workers, h.esc.ClaimBatch = 1, 1
	sum, err := h.esc.Run(context.Background(), due1)
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("run error %v, want the panic", err)
	}
	if got := len(h.take()); got != 2 || sum.Errors != 1 {
		t.Errorf("%d messages sent, %d errors; want the two other organisations' sent, one error", got, sum.Errors)
	}
	if !strings.Contains(h.logs.String(), "nil map") || !strings.Contains(h.logs.String(), "stack") {
		t.Errorf("the panic is not logged with its stack:\n%s", h.logs.String())
	}
	h.checkLogs()
}
