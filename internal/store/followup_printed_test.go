package store_test

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A confidential letter still unopened in its mailbox but sent on paper
// (stage printed: by the print provider, by hand, or, for Digital Post,
// sent again by its unit as Digital Post's physical post) reached its
// recipient, as one the channel printed itself did; so did one its
// manual handling resolved as delivered another way, and one resolved as
// not needed has nothing to deliver. Their follow-up as "unread" after
// POSTVAKT_FOLLOWUP_UNREAD_DAYS told the unit the letter "has not reached
// its recipient" and asked it to send it again: a Copenhagen unit that had
// just sent the citizen's letter as physical post got that mail, and the
// digest named it overdue every morning. A letter not yet on paper (in
// manual handling, a print ordered) still gets one.
func TestNoUnreadFollowUpForLetterSentOnPaper(t *testing.T) {
	ctx := t.Context()
	st, ids := sixUnreadInMailbox(t)
	resolvedAt := time.Date(2026, 12, 15, 10, 0, 0, 0, time.UTC)
	storetest.Set(t, st, ids[:5], storetest.Stage(model.StageManual))
	for _, id := range ids[:5] {
		st.DB().MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'physical_post', '', $2)`, id, resolvedAt)
	}
	for i, res := range []string{store.ManualPhysicalPost, store.ManualPrintedByHand, store.ManualDeliveredOtherwise, store.ManualNotNeeded} {
		if err := st.ResolveManual(ctx, ids[i], store.Scope{}, res, "", "unit:buf", resolvedAt); err != nil {
			t.Fatalf("resolve %s: %v", res, err)
		}
	}
	storetest.Set(t, st, ids[5:], storetest.Stage(model.StagePrintOrdered))
	got := followUpsOpened(t, st)
	for i, how := range []string{"sent as Digital Post's physical post", "printed by hand", "delivered another way", "not needed"} {
		if r, ok := got[ids[i]]; ok {
			t.Errorf("a follow-up %q opened for a letter %s", r, how)
		}
	}
	for i, how := range map[int]string{4: "in manual handling", 5: "whose print is ordered"} {
		if got[ids[i]] != "unread" {
			t.Errorf("a letter %s: follow-up %q, want unread", how, got[ids[i]])
		}
	}
}

// A Digital Post letter its sender recalled (MEMO_MESSAGE_RECALLED: stage
// closed, its state as the log last said, available) is no longer in the
// recipient's mailbox: its follow-up as "unread" told the unit it "has not
// reached its recipient" and asked it to send it again, a letter it had
// withdrawn itself. One recalled while in manual handling got none (its
// case resolved as not needed): a closed letter gets none either way.
func TestNoUnreadFollowUpForRecalledLetter(t *testing.T) {
	st := newStore(t)
	ns := sample(1)
	ns.Channel, ns.SenderOrg, ns.SenderUnit, ns.Class = "digitalpost", "64942212", "BUF", "fortrolig"
	ns.RecipientID = "12345674"
	ids := storetest.IDs(storetest.Register(t, st, ns))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute),
		storetest.Stage(model.StageClosed))
	if r, ok := followUpsOpened(t, st)[ids[0]]; ok {
		t.Errorf("a follow-up %q opened for a letter its sender recalled (stage closed)", r)
	}
}

// followUpsOpened opens the follow-ups due on 2027-01-30 (unread after 30
// days, ten days to decide) and returns each open one's reason by letter.
func followUpsOpened(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	ctx := t.Context()
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
	return got
}

// An unread follow-up opened while its letter was not yet on paper (in
// manual handling, its print ordered) stayed open once the letter went
// out on paper after all (its unit sent it as Digital Post's physical
// post, the provider printed it), or was closed (delivered another way,
// recalled on the channel): the unit and its manager were told it "has
// not reached its recipient" as overdue, and the compliance digest named
// it every morning, while a letter on paper a day earlier got no
// follow-up at all. The next run closes it (decision closed, said in the
// evidence, once); one still not on paper stays open.
func TestUnreadFollowUpClosesOnceOnPaper(t *testing.T) {
	ctx := t.Context()
	st, ids := sixUnreadInMailbox(t)
	created := time.Date(2026, 12, 15, 10, 0, 0, 0, time.UTC)
	storetest.Set(t, st, ids[:3], storetest.Stage(model.StageManual))
	for _, id := range ids[:3] {
		st.DB().MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'physical_post', '', $2)`, id, created)
	}
	storetest.Set(t, st, ids[3:], storetest.Stage(model.StagePrintOrdered))
	now := time.Date(2027, 1, 30, 10, 0, 0, 0, time.UTC)
	if n, err := st.OpenFollowUps(ctx, store.MinAgeBound(now, 30), now.AddDate(0, 0, 10)); err != nil || n != 6 {
		t.Fatalf("open follow-ups: %d, %v; want 6", n, err)
	}
	later := now.AddDate(0, 0, 2)
	for i, res := range []string{store.ManualPhysicalPost, store.ManualDeliveredOtherwise} {
		if err := st.ResolveManual(ctx, ids[i], store.Scope{}, res, "", "unit:buf", later); err != nil {
			t.Fatalf("resolve %s: %v", res, err)
		}
	}
	storetest.Set(t, st, ids[3:4], storetest.Stage(model.StagePrinted))
	storetest.Set(t, st, ids[4:5], storetest.Stage(model.StageClosed))
	// ids[2] stays in manual handling, ids[5] ordered: both not on paper.
	after := later.AddDate(0, 0, 20) // past the deadline
	// Twice: the second run closes nothing more.
	for range 2 {
		if _, err := st.SettleUnreadFollowUps(ctx, after, "system:followups"); err != nil {
			t.Fatal(err)
		}
	}
	overdue, err := st.OverdueFollowUps(ctx, after)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range overdue {
		for _, f := range u.FollowUps {
			got[f.ShipmentID] = true
		}
	}
	for i, how := range map[int]string{0: "sent as Digital Post's physical post", 1: "delivered another way",
		3: "printed by the provider", 4: "closed on the channel"} {
		if got[ids[i]] {
			t.Errorf("a letter %s after its follow-up opened: still told as overdue", how)
			continue
		}
		fu, err := st.FollowUp(ctx, ids[i], store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if fu.Decision == nil || *fu.Decision != store.DecisionClosed {
			t.Errorf("a letter %s: follow-up decision %v, want closed", how, fu.Decision)
		}
		evs, err := st.Events(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		closes := 0
		for _, ev := range evs {
			if ev.Kind == store.EventFollowUp && ev.Message == "follow-up: closed" && ev.Actor == "system:followups" {
				closes++
			}
		}
		if closes != 1 {
			t.Errorf("a letter %s: the evidence tells the follow-up closed %d times, want once", how, closes)
		}
	}
	for i, how := range map[int]string{2: "in manual handling", 5: "whose print is ordered"} {
		if !got[ids[i]] {
			t.Errorf("a letter %s: its follow-up not overdue, want it still open", how)
		}
	}
}

// sixUnreadInMailbox is a store with six confidential Digital Post letters
// from BUF to one citizen, available and unread, and their ids.
func sixUnreadInMailbox(t *testing.T) (*store.Store, []string) {
	t.Helper()
	st := newStore(t)
	var items []model.NewShipment
	for i := range 6 {
		ns := sample(i)
		ns.Channel, ns.SenderOrg, ns.SenderUnit, ns.Class = "digitalpost", "64942212", "BUF", "fortrolig"
		ns.ChannelID = "0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c4" + string(rune('0'+i))
		ns.RecipientKind, ns.RecipientID = model.RecipientPerson, "0101701234"
		items = append(items, ns)
	}
	ids := storetest.IDs(storetest.Register(t, st, items...))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute))
	return st, ids
}
