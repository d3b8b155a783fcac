package remind

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// hookSender is a Sender that calls before() ahead of its first message
// (as if the poll cycle committed something while the courier was busy
// with that message) and keeps every message.
type hookSender struct {
	mu     sync.Mutex
	before func(m *Message)
	sent   []*Message
}

func (h *hookSender) Send(_ context.Context, m *Message) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.sent) == 0 && h.before != nil {
		h.before(m)
	}
	h.sent = append(h.sent, m)
	return nil
}

// README (What postvakt does with letters): "An opened letter stops
// escalating, even when it opens between the decision and the send." A
// courier claims its batch (up to 8 organisations) in one transaction and
// then sends the messages one after the other. A letter of the second
// organisation that the poll cycle finds opened while the first message is
// on the wire is not listed in a reminder: BeginSend gives that message
// back unsent (the next run sends it without the letter), and the letter's
// reminder count and stage stay as they were.
func TestRaceReminderListsLetterOpenedAfterClaim(t *testing.T) {
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
	// While the first organisation's message is sent, the poll cycle
	// learns that the other organisation opened its letter.
	var opened string
	hs := &hookSender{before: func(m *Message) {
		other := 1
		if strings.Contains(strings.Join(m.To, ","), orgs[1]) {
			other = 0
		}
		opened = ids[other]
		w, err := st.ApplyPoll(ctx, []store.PollResult{{
			Due:    store.Due{ID: ids[other], ChannelID: ships[other].ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: ships[other].SentAt},
			Source: "svarut", ObservedAt: now, Status: "LEST", State: model.StateOpened}})
		if err != nil || w.Changed != 1 {
			t.Errorf("poll: %+v %v", w, err)
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
	var openedCh string
	for i := range ships {
		if ids[i] == opened {
			openedCh = ships[i].ChannelID
		}
	}
	sent := 0
	for _, m := range hs.sent[1:] {
		if strings.Contains(m.Body, openedCh) {
			sent++
		}
	}
	var st8 struct {
		State string `db:"state"`
		Stage string `db:"stage"`
		N     int    `db:"reminders_sent"`
	}
	if err := st.DB().Get(&st8, `SELECT state, stage, reminders_sent FROM shipments WHERE id = $1`, opened); err != nil {
		t.Fatal(err)
	}
	t.Logf("messages sent: %d; letter opened before its reminder went out: %+v", len(hs.sent), st8)
	if st8.Stage != "none" || st8.N != 0 {
		t.Errorf("the opened letter was counted as reminded: %+v", st8)
	}
	if sent > 0 {
		t.Errorf("a reminder listing letter %s was sent after the letter was opened (now state %s, stage %s, reminders_sent %d)",
			openedCh, st8.State, st8.Stage, st8.N)
	}
}
