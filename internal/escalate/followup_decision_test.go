package escalate

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
)

// A follow-up decision that ends the case stops the letter's escalation:
// the letter the unit sent again (the new one is registered and watched)
// and the one it closed are in no later reminder and never go to print
// (SPEC: the sending unit records resend, new letter, assessed, close;
// print happens exactly once, for the letter that needs it).
func TestDecidedFollowUpStopsTheOldLettersEscalation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	orgs := orgNumbers(2)
	sent := time.Date(2026, 3, 2, 9, 0, 0, 0, oslo) // a Monday
	ids, _ := h.register(ship{recipient: orgs[0], class: "taushetsbelagt", conf: true, sent: sent},
		ship{recipient: orgs[1], class: "taushetsbelagt", conf: true, sent: sent})
	h.contacts(orgs...)
	resentOld, closed := ids[0], ids[1]
	decided := sent.Add(3 * time.Hour)
	// The unit sends the first letter again (the new one is registered and
	// watched) and closes the second.
	newIDs, _ := h.register(ship{recipient: orgs[0], class: "taushetsbelagt", conf: true, sent: decided})
	ctx := context.Background()
	if err := h.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: resentOld, Decision: store.DecisionResent,
		NewShipmentID: newIDs[0], Actor: "user:kari", At: decided, Deadline: decided.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	if err := h.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: closed, Decision: store.DecisionClosed,
		Actor: "user:kari", At: decided, Deadline: decided.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	// Reminder day, and well past the print window (10 business days).
	h.run(time.Date(2026, 3, 6, 9, 30, 0, 0, oslo))
	for _, m := range h.take() {
		for _, ref := range m.refs {
			if ref == h.channelID(resentOld) || ref == h.channelID(closed) {
				t.Errorf("reminder to %s lists %s, whose follow-up was decided (resent/closed)", m.org, ref)
			}
		}
	}
	h.run(time.Date(2026, 3, 20, 9, 30, 0, 0, oslo))
	for _, id := range []string{resentOld, closed} {
		var stage string
		if err := h.st.DB().Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if stage == "print_due" || stage == "print_ordered" || stage == "print_held" {
			t.Errorf("letter %s went to print (stage %s) after the unit decided its follow-up", id, stage)
		}
	}
}

func (h *harness) channelID(id string) string {
	h.t.Helper()
	var c string
	if err := h.st.DB().Get(&c, `SELECT channel_id FROM shipments WHERE id = $1`, id); err != nil {
		h.t.Fatal(err)
	}
	return c
}

// A unit that closes a letter and then records "consequences assessed"
// instead has its reminders go on: the close stops reminder 2, the
// assessment that replaces it brings it back at the next run (the
// escalation follows the decision in force, store.RecordFollowUp).
func TestAssessmentReplacingACloseResumesReminders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	orgs := orgNumbers(1)
	sent := time.Date(2026, 3, 2, 9, 0, 0, 0, oslo) // a Monday
	ids, _ := h.register(ship{recipient: orgs[0], class: "taushetsbelagt", conf: true, sent: sent})
	h.contacts(orgs...)
	id := ids[0]
	lists := func(at time.Time) bool {
		h.run(at)
		found := false
		for _, m := range h.take() {
			for _, ref := range m.refs {
				found = found || ref == h.channelID(id)
			}
		}
		return found
	}
	if !lists(time.Date(2026, 3, 4, 10, 30, 0, 0, oslo)) {
		t.Fatal("no reminder 1 on day 2: the premise no longer holds")
	}
	decide := func(decision string, at time.Time) {
		t.Helper()
		if err := h.st.RecordFollowUp(context.Background(), store.FollowUpDecision{ShipmentID: id, Decision: decision,
			Note: "vurdert", Actor: "user:kari", At: at, Deadline: at.AddDate(0, 0, 10)}); err != nil {
			t.Fatal(err)
		}
	}
	decide(store.DecisionClosed, time.Date(2026, 3, 4, 11, 0, 0, 0, oslo))
	if lists(time.Date(2026, 3, 9, 11, 0, 0, 0, oslo)) {
		t.Error("reminder 2 lists a letter the unit closed")
	}
	decide(store.DecisionAssessed, time.Date(2026, 3, 9, 11, 30, 0, 0, oslo))
	if !lists(time.Date(2026, 3, 9, 12, 0, 0, 0, oslo)) {
		t.Error("after consequences assessed replaced the close, reminder 2 did not come: the letter stays silenced")
	}
}
