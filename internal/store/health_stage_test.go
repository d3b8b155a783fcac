package store_test

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter postvakt's own print fallback printed (stage printed) reached
// its recipient on paper, as one the channel printed itself
// (channel_print) did: README's health rules leave letters "closed,
// recalled or printed" out of channel_silent, stuck and
// unit_delivery_drop. The rules' facts and their alerts' selectors both
// counted the paper letter still as stuck or as never reached, asking the
// unit to follow up a letter its recipient has (review finding).
func TestHealthRulesLeaveOutPrinted(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	ids := storetest.IDs(storetest.Register(t, st, samples(0, 8)...)) // svarut, sent 2026-11-20 10:00
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	// Four the channel acknowledged and never delivered (stuck), four it
	// never heard of (never reached); of each, one printed by postvakt's
	// fallback, one by the channel itself.
	storetest.Set(t, st, ids[:4], storetest.State(model.StateAccepted), storetest.ChannelStatus("MOTTATT"))
	storetest.Set(t, st, ids[4:], storetest.UnknownToChannelSince(now.Add(-48*time.Hour)))
	for _, i := range []int{0, 4} {
		storetest.Set(t, st, ids[i:i+1], storetest.Stage(model.StagePrinted))
	}
	for _, i := range []int{1, 5} {
		storetest.Set(t, st, ids[i:i+1], storetest.Stage(model.StageChannelPrint))
	}
	last := now.Add(-time.Minute)
	facts, err := st.UnitFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 3,
		Channels: []store.ChannelDue{{Channel: "svarut", After: time.Hour, LastChange: &last}}})
	if err != nil || len(facts) != 1 {
		t.Fatalf("unit facts %+v %v", facts, err)
	}
	if f := facts[0]; f.Stuck != 4 || f.Pending != 4 {
		t.Errorf("stuck %d, pending %d; want 4 and 4 (two accepted, two never reached; the printed ones left out)", f.Stuck, f.Pending)
	}
	// The stuck alert's selector, as health.Stuck builds it, and
	// unit_delivery_drop's (the letters never reached).
	stuck := store.IncidentFilter{Scope: store.Scope{SenderOrg: facts[0].SenderOrg}, Channel: "svarut", Unit: facts[0].Unit,
		States: []model.State{model.StateRegistered, model.StateAccepted}, From: now.Add(-14 * 24 * time.Hour),
		To: last.Add(-time.Hour), Undecided: true, PublishedBy: now.Add(-time.Hour), Live: true}
	drop := stuck
	drop.States, drop.To = []model.State{model.StateRegistered}, now.Add(-time.Hour)
	counts, err := st.CountIncidents(ctx, []store.IncidentFilter{stuck, drop})
	if err != nil {
		t.Fatal(err)
	}
	if counts[0] != 4 || counts[1] != 2 {
		t.Errorf("the stuck alert's selector counts %d letters, the drop's %d; want 4 and 2 (no printed letter)", counts[0], counts[1])
	}
}

// never_opening_org asks whether an organisation reads its mailbox, not
// whether a letter's case is done: a letter the unit sent again (or
// replaced, or closed) by a follow-up decision lies unopened in the
// mailbox as before, and the resend left unopened is one more sign. Left
// out, the rule would fall silent for exactly the organisations whose
// unread letters the units dutifully follow up (Bergen's 162 businesses).
func TestNeverOpeningCountsDecidedLetters(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	ids := storetest.IDs(storetest.Register(t, st, sample(1), sample(2))) // to 974760673, sent 2026-11-20
	resend := sample(3)
	resend.SentAt = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: ids[0], Decision: store.DecisionResent,
		Resend: &resend, Actor: "user:kari", At: at, Deadline: at}); err != nil {
		t.Fatal(err)
	}
	var stage string
	if err := st.DB().Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, ids[0]); err != nil || stage != string(model.StageClosed) {
		t.Fatalf("the resent letter's stage %q %v; want closed by the decision", stage, err)
	}
	var all []string
	if err := st.DB().Select(&all, `SELECT id FROM shipments`); err != nil || len(all) != 3 {
		t.Fatalf("letters %v %v; want the two and the resend", all, err)
	}
	storetest.Set(t, st, all, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute))
	orgs, err := st.NeverOpeningOrgs(ctx, time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC), 365*24*time.Hour, 14*24*time.Hour, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || orgs[0].Org != "974760673" || orgs[0].Unopened != 3 {
		t.Errorf("never-opening organisations %+v; want 974760673 with its 3 letters unopened (the resent one, closed, among them)", orgs)
	}
}
