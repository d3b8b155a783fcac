package remind

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestReminderCountsOnlyTheLettersItNames: a reminder of more letters than
// it lists in full (maxListed) still names every letter it is counted on,
// so each letter's "reminder 1 sent by e-mail" evidence is true.
func TestReminderCountsOnlyTheLettersItNames(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	org := storetest.OrgNumbers(1)[0]
	const n = maxListed + 1
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		l := storetest.Letter(i + 1)
		l.RecipientID = org
		items = append(items, l)
	}
	ships := storetest.Register(t, st, items...)
	ids := storetest.IDs(ships)
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: org, Email: "post@example.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	g := Group{Org: org}
	for _, s := range ships {
		g.Shipments = append(g.Shipments, Shipment{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1, Step: "reminder 1"})
	}
	hs := &hookSender{}
	r := &Reminder{Log: st, Sender: hs, From: "postvakt@bergen.kommune.no", Logger: slog.New(slog.DiscardHandler)}
	c := r.Courier()
	defer c.Close()
	for _, res := range c.Deliver(ctx, []Group{g}, now, false) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	if len(hs.sent) != 1 {
		t.Fatalf("%d messages", len(hs.sent))
	}
	body := hs.sent[0].Body
	for _, s := range ships {
		var counted int
		if err := st.DB().Get(&counted, `SELECT reminders_sent FROM shipments WHERE id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		named := strings.Contains(body, channel.Ref(s.Channel, s.ChannelID, "nb")) || strings.Contains(body, s.ChannelID)
		if counted > 0 && !named {
			t.Errorf("letter %s: reminder counted (reminders_sent %d, a reminder event in its evidence), but the message does not name it", s.ChannelID, counted)
		}
	}
}
