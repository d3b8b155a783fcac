package escalate

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A Danish letter Digital Post delivered into the recipient's own system
// (a company's case system fetched it) is delivered, and the sender's log
// never shows it read: a reminder ("log in on virk.dk") would point at a
// mailbox it is not in, and print would deliver it twice. Its escalation
// ends (stage recipient_system); the letter sent with it is reminded
// (review finding: it was reminded as unread, then sent to manual handling
// for paper).
func TestRecipientSystemLetterNotReminded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, cids := h.twoOn("digitalpost")
	const tag = "MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM"
	m := digitalpost.Tags[tag]
	if _, err := h.st.ApplyFeed(t.Context(), store.FeedApply{Channel: "digitalpost", Entries: []store.FeedEntry{{
		ID: "e1", ChannelID: cids[0], Tag: tag, State: m.State, Closed: string(m.Disposition), At: monday.Add(time.Minute),
		Payload: []byte(fmt.Sprintf(`{"id":"e1","eventTag":%q}`, tag))}}}); err != nil {
		t.Fatal(err)
	}
	var state model.State
	var stage model.Stage
	if err := h.st.DB().QueryRow(`SELECT state, stage FROM shipments WHERE id = $1`, ids[0]).Scan(&state, &stage); err != nil ||
		state != model.StateAvailable || stage != model.StageRecipientSystem {
		t.Fatalf("letter in the recipient's system: %s/%s %v; want available/recipient_system", state, stage, err)
	}
	h.run(time.Date(2026, 11, 19, 12, 0, 0, 0, oslo))
	got := h.take()
	if len(got) != 1 || slices.Contains(got[0].refs, cids[0]) || !slices.Contains(got[0].refs, cids[1]) {
		t.Fatalf("reminders %+v; want the other letter's only", got)
	}
	// Nor is it printed: its print day passes without a step.
	h.run(time.Date(2026, 12, 14, 12, 0, 0, 0, oslo))
	if err := h.st.DB().QueryRow(`SELECT stage FROM shipments WHERE id = $1`, ids[0]).Scan(&stage); err != nil || stage != model.StageRecipientSystem {
		t.Fatalf("after its print day: stage %s %v", stage, err)
	}
}
