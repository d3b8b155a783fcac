package store_test

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A confidential letter still unopened in its mailbox but sent on paper
// (stage printed: by the print provider, or, for Digital Post, sent again
// by its unit as Digital Post's physical post and resolved so) reached its
// recipient, as one the channel printed itself did. Its follow-up as
// "unread" after POSTVAKT_FOLLOWUP_UNREAD_DAYS told the unit the letter
// "has not reached its recipient" and asked it to send it again: a
// Copenhagen unit that had just ordered the citizen's physical post got
// that mail, and the digest named it overdue every morning. A letter not
// yet on paper (manual handling, a print ordered) still gets one.
func TestNoUnreadFollowUpForPrintedLetter(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	var items []model.NewShipment
	for i := range 3 {
		ns := sample(i)
		ns.Channel, ns.SenderOrg, ns.SenderUnit, ns.Class = "digitalpost", "64942212", "BUF", "fortrolig"
		ns.ChannelID = "0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c4" + string(rune('0'+i))
		ns.RecipientKind, ns.RecipientID = model.RecipientPerson, "0101701234"
		items = append(items, ns)
	}
	ids := storetest.IDs(storetest.Register(t, st, items...))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute))
	storetest.Set(t, st, ids[:1], storetest.Stage(model.StagePrinted))
	storetest.Set(t, st, ids[1:2], storetest.Stage(model.StageManual))
	storetest.Set(t, st, ids[2:], storetest.Stage(model.StagePrintOrdered))
	now := time.Date(2027, 1, 30, 10, 0, 0, 0, time.UTC)
	if _, err := st.OpenFollowUps(ctx, store.MinAgeBound(now, 30), now.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	open, err := st.FollowUps(ctx, store.Scope{}, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range open {
		got[f.ShipmentID] = f.Reason
	}
	if r, ok := got[ids[0]]; ok {
		t.Errorf("a follow-up %q opened for a letter sent on paper (stage printed)", r)
	}
	for _, id := range ids[1:] {
		if got[id] != "unread" {
			t.Errorf("letter %s not yet on paper: follow-up %q, want unread", id, got[id])
		}
	}
}
