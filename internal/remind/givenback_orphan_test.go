package remind

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestGivenBackReminderWithNoLetterLeftIsNotLeftFailed: BeginSend gives a
// reminder back when a letter it lists was opened after the claim. When
// that was the only letter it listed, no later run claims anything for the
// organisation, so the row is superseded at once: it is not left "failed"
// for good (listed to the compliance officer as a failed send and counted
// in postvakt_notifications) when no reminder is owed to anybody.
func TestGivenBackReminderWithNoLetterLeftIsNotLeftFailed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	orgs := storetest.OrgNumbers(2)
	var items []model.NewShipment
	for i, org := range orgs {
		l := storetest.Letter(i + 1)
		l.RecipientID = org
		items = append(items, l)
	}
	ships := storetest.Register(t, st, items...)
	ids := storetest.IDs(ships)
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
	var cs []store.Contact
	for _, o := range orgs {
		cs = append(cs, store.Contact{Org: o, Email: "post-" + o + "@example.no"})
	}
	if _, err := st.ReplaceContacts(ctx, cs, "test"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var gs []Group
	for i, s := range ships {
		gs = append(gs, Group{Org: orgs[i], Shipments: []Shipment{{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1, Step: "reminder 1"}}})
	}
	// Both letters open while the first message is on the wire.
	hs := &hookSender{before: func(m *Message) {
		for i := range ships {
			if _, err := st.ApplyPoll(ctx, []store.PollResult{{
				Due:    store.Due{ID: ids[i], ChannelID: ships[i].ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: ships[i].SentAt},
				Source: "svarut", ObservedAt: now, Status: "LEST", State: model.StateOpened}}); err != nil {
				t.Error(err)
			}
		}
	}}
	r := &Reminder{Log: st, Sender: hs, From: "postvakt@bergen.kommune.no", Logger: slog.New(slog.DiscardHandler)}
	c := r.Courier()
	defer c.Close()
	for i, res := range c.Deliver(ctx, gs, now, false) {
		if res.Err != nil {
			t.Fatalf("org %d: %v", i, res.Err)
		}
	}
	if len(hs.sent) != 1 {
		t.Fatalf("%d messages sent, want 1 (the second was given back)", len(hs.sent))
	}
	un, err := st.UnresolvedNotifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range un {
		if n.Kind != store.KindReminder {
			continue
		}
		var escalating int
		if err := st.DB().Get(&escalating, `SELECT count(*) FROM notification_items i JOIN shipments s ON s.id = i.shipment_id
			WHERE i.notification_id = $1 AND i.active AND s.state <> 'opened'`, n.ID); err != nil {
			t.Fatal(err)
		}
		if escalating == 0 {
			t.Errorf("notification %d to %s is %s (%q) and listed as unresolved, but every letter it lists is opened: no run will ever send or supersede it",
				n.ID, n.Org, n.Status, n.LastError)
		}
	}
}
