package store_test

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// heldSetup: four Altinn letters sent 2026-11-20 10:00, accepted: two held
// for a publication a day ahead, two not held.
func heldSetup(t *testing.T) (*store.Store, []string, time.Time) {
	t.Helper()
	st := newStore(t)
	var items []model.NewShipment
	for i := range 4 {
		ns := sample(i)
		ns.Channel = "altinn"
		items = append(items, ns)
	}
	ids := storetest.IDs(storetest.Register(t, st, items...))
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	storetest.Set(t, st, ids, storetest.State(model.StateAccepted), storetest.ChannelStatus("ReadyForPublish"))
	storetest.Set(t, st, ids[:2], storetest.HeldUntil(now.Add(24*time.Hour)))
	return st, ids, now
}

// A letter Altinn holds for a publication its sender asked to be later
// (held_until ahead) waits on purpose: it is not stuck, nor does it teach
// the channel's delivery time once published; one whose publication time
// passed long enough ago (more than T) unpublished is stuck as any other.
func TestHeldLettersNotStuck(t *testing.T) {
	ctx := t.Context()
	st, ids, now := heldSetup(t)
	storetest.Set(t, st, ids[2:3], storetest.HeldUntil(now.Add(-time.Hour)))
	last := now.Add(-time.Minute)
	facts, err := st.UnitFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 2,
		Channels: []store.ChannelDue{{Channel: "altinn", After: time.Hour, LastChange: &last}}})
	if err != nil || len(facts) != 1 || facts[0].Stuck != 2 {
		t.Fatalf("unit facts %+v %v; want 2 letters stuck (the two not held now)", facts, err)
	}
	// Published: the held letter's wait was its sender's.
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(48*time.Hour))
	dt, err := st.DeliveryTimes(ctx, now.Add(-7*24*time.Hour), now, 1, nil)
	if err != nil || len(dt) != 1 || dt[0].Delivered != 1 {
		t.Fatalf("delivery times %+v %v; want the one letter never held", dt, err)
	}
}

// The stuck rule does not count a letter Altinn holds for a later
// publication, and nor does its alert's selector (health/rules_delivery.go
// Stuck, PublishedBy): the alert's affected count (health/eval.go counts
// through the selector), its e-mail's letter list and the incident report
// named the held letters as stuck (review finding).
func TestStuckSelectorLeavesOutHeld(t *testing.T) {
	ctx := t.Context()
	st, _, now := heldSetup(t)
	last := now.Add(-time.Minute)
	facts, err := st.UnitFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 2,
		Channels: []store.ChannelDue{{Channel: "altinn", After: time.Hour, LastChange: &last}}})
	if err != nil || len(facts) != 1 {
		t.Fatalf("unit facts %+v %v", facts, err)
	}
	// The selector exactly as health.Stuck builds it.
	sel := store.IncidentFilter{Scope: store.Scope{SenderOrg: facts[0].SenderOrg}, Channel: "altinn", Unit: facts[0].Unit,
		States: []model.State{model.StateRegistered, model.StateAccepted}, From: now.Add(-14 * 24 * time.Hour),
		To: last.Add(-time.Hour), Undecided: true, PublishedBy: now.Add(-time.Hour), Live: true}
	counts, err := st.CountIncidents(ctx, []store.IncidentFilter{sel})
	if err != nil {
		t.Fatal(err)
	}
	if counts[0] != facts[0].Stuck {
		t.Errorf("the stuck rule counts %d letters stuck, its alert's selector %d (the letters held for a publication ahead are in it)",
			facts[0].Stuck, counts[0])
	}
	rows, err := st.IncidentLetters(ctx, sel, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != facts[0].Stuck {
		t.Errorf("the incident report of the stuck alert lists %d letters, the rule counted %d stuck", len(rows), facts[0].Stuck)
	}
}

// A letter whose publication time has just passed is not yet the
// channel's fault: the channel's delivery time T (ChannelDue.After) counts
// from the publication, as the escalation's steps do (OpenShipment.Since).
// The poll does not look at the letter at its publication time (its pace
// is by its sending: every 2 h for a letter 7 to 30 days old, 12 h after),
// so a mass mailing scheduled for 08:00 counted stuck from 08:00 on
// (review finding).
func TestJustPublishedNotStuck(t *testing.T) {
	ctx := t.Context()
	st, ids, now := heldSetup(t)
	// The two held letters' publication time passed ten minutes ago;
	// Altinn publishes them, postvakt polls them later.
	storetest.Set(t, st, ids[:2], storetest.HeldUntil(now.Add(-10*time.Minute)))
	last := now.Add(-time.Minute)
	facts, err := st.UnitFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 2,
		Channels: []store.ChannelDue{{Channel: "altinn", After: time.Hour, LastChange: &last}}})
	if err != nil || len(facts) != 1 {
		t.Fatalf("unit facts %+v %v", facts, err)
	}
	if facts[0].Stuck != 2 {
		t.Errorf("stuck %d, want 2: a letter published 10 minutes ago is not overdue when the channel's delivery time is 1 h", facts[0].Stuck)
	}
}

// A confidential Digital Post letter delivered into the recipient's own
// system ends its escalation in recipient_system: the log never tells it
// read. Its follow-up as "unread" after POSTVAKT_FOLLOWUP_UNREAD_DAYS asks
// the sending unit to resend it or assess the consequences of a letter
// that "has not reached" its recipient, for every such letter, and it
// could never close by itself (only an opening closes it): none opens
// (review finding).
func TestNoUnreadFollowUpForRecipientSystem(t *testing.T) {
	st := newStore(t)
	ns := sample(1)
	ns.Channel, ns.RecipientID = "digitalpost", "12345674"
	ids := storetest.IDs(storetest.Register(t, st, ns))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute),
		storetest.Stage(model.StageRecipientSystem))
	if r, ok := followUpsOpened(t, st)[ids[0]]; ok {
		t.Errorf("a follow-up %q opened for a letter delivered into the recipient's own system (stage recipient_system)", r)
	}
}

// A Danish company or authority whose Digital Post letters go into its own
// system (stage recipient_system) never has one of them opened: the log
// never tells a reading of them. never_opening_org fired for it, its why
// telling operations that "likely nobody there has access to the
// organisation's Digital Post … Rettighedsportalen" (review finding).
func TestNeverOpeningLeavesOutRecipientSystem(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	var items []model.NewShipment
	for i := range 4 {
		ns := sample(i)
		ns.Channel, ns.RecipientID = "digitalpost", "12345674"
		items = append(items, ns)
	}
	ids := storetest.IDs(storetest.Register(t, st, items...)) // sent 2026-11-20
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute),
		storetest.Stage(model.StageRecipientSystem))
	now := time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC)
	orgs, err := st.NeverOpeningOrgs(ctx, now, 365*24*time.Hour, 14*24*time.Hour, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Org == "12345674" {
			t.Errorf("never_opening_org facts name %s (%d letters unopened), whose letters all went into its own system", o.Org, o.Unopened)
		}
	}
}
