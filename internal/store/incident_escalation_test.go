package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The incident report's letters say what escalation did about each: its
// reminders (how many, the last) and its print order's state, read from
// the letters and their orders as they stand; a letter escalation did
// nothing about has none.
func TestIncidentLettersSayWhatEscalationDid(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ships := storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2), storetest.Letter(3))
	storetest.Set(t, st, storetest.IDs(ships), storetest.State(model.StateAvailable))
	reminded, printed, neither := ships[0].ID, ships[1].ID, ships[2].ID
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	claim, err := st.ClaimNotification(ctx, store.Claim{Org: "974760673", Items: []model.ReminderItem{{ShipmentID: reminded, Reminder: 1}},
		Recipients: []string{"post@firma.example"}, Now: at})
	if err != nil || !claim.Send {
		t.Fatalf("claim %+v %v", claim, err)
	}
	if err := st.MarkNotificationSent(ctx, claim.Notification.ID, "<m@x>", at); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePrintOrders(ctx, []string{printed}, "taushetsbelagt", true, at); err != nil {
		t.Fatal(err)
	}
	got := map[string]*store.IncidentRow{}
	err = st.EachIncidentLetter(ctx, store.IncidentFilter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		func(r *store.IncidentRow) error { c := *r; got[r.ID] = &c; return nil })
	if err != nil || len(got) != 3 {
		t.Fatalf("incident letters: %d %v", len(got), err)
	}
	if r := got[reminded]; r.RemindersSent != 1 || r.LastRemindedAt == nil || r.PrintState != nil {
		t.Errorf("the reminded letter: %d reminders, last %v, print %v", r.RemindersSent, r.LastRemindedAt, r.PrintState)
	}
	if r := got[printed]; r.RemindersSent != 0 || r.PrintState == nil || *r.PrintState != store.PrintStateLookup {
		t.Errorf("the letter due for print: %d reminders, print %v, want its order's state lookup", r.RemindersSent, r.PrintState)
	}
	if r := got[neither]; r.RemindersSent != 0 || r.LastRemindedAt != nil || r.PrintState != nil {
		t.Errorf("the letter escalation left alone: %+v", r)
	}
}

// TestIncidentEdges: a period is [from, to): a letter sent exactly at to
// is not in it; a state named twice lists no letter twice. (From an
// independent review of the incident report.)
func TestIncidentEdges(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ships := storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2), storetest.Letter(3))
	storetest.Set(t, st, storetest.IDs(ships), storetest.State(model.StateAvailable))
	sent := map[string]time.Time{}
	for _, s := range ships {
		sent[s.ID] = s.SentAt
	}
	to := ships[2].SentAt
	f := store.IncidentFilter{From: ships[0].SentAt, To: to, States: []model.State{model.StateAvailable, model.StateAvailable}}
	n := 0
	if err := st.EachIncidentLetter(ctx, f, func(r *store.IncidentRow) error {
		n++
		if !r.SentAt.Before(to) {
			t.Errorf("a letter sent at to (%v) listed", r.SentAt)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sum, err := st.IncidentSummary(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range sum {
		total += c.N
	}
	p, err := st.IncidentPage(ctx, f, 500)
	if err != nil {
		t.Fatal(err)
	}
	if total != n || len(p.Letters) != n {
		t.Errorf("summary %d, letters %d, page %d", total, n, len(p.Letters))
	}
	t.Logf("letters %d", n)
}
