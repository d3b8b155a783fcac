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

// twoDue is two organisations, one available letter each, both due for
// reminder 1 and with a contact address: what a courier's batch claims.
type twoDue struct {
	st    *store.Store
	orgs  []string
	ships []store.Shipment
	gs    []Group
	now   time.Time
}

func newTwoDue(t *testing.T) *twoDue {
	t.Helper()
	d := &twoDue{st: storetest.Open(t), orgs: storetest.OrgNumbers(2), now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	var items []model.NewShipment
	var cs []store.Contact
	for i, org := range d.orgs {
		l := storetest.Letter(i + 1)
		l.RecipientID = org
		items = append(items, l)
		cs = append(cs, store.Contact{Org: org, Email: "post-" + org + "@example.no"})
	}
	d.ships = storetest.Register(t, d.st, items...)
	storetest.Set(t, d.st, storetest.IDs(d.ships), storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
	if _, err := d.st.ReplaceContacts(context.Background(), cs, "test"); err != nil {
		t.Fatal(err)
	}
	for i, s := range d.ships {
		d.gs = append(d.gs, Group{Org: d.orgs[i], Shipments: []Shipment{{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1, Step: "reminder 1"}}})
	}
	return d
}

// open has the poll cycle find letter i opened.
func (d *twoDue) open(t *testing.T, i int) {
	s := d.ships[i]
	w, err := d.st.ApplyPoll(context.Background(), []store.PollResult{{
		Due:    store.Due{ID: s.ID, ChannelID: s.ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: s.SentAt},
		Source: "svarut", ObservedAt: d.now, Status: "LEST", State: model.StateOpened}})
	if err != nil || w.Changed != 1 {
		t.Errorf("poll: %+v %v", w, err)
	}
}

// deliver runs one courier batch over the two organisations through hs.
func (d *twoDue) deliver(t *testing.T, hs *hookSender) {
	r := &Reminder{Log: d.st, Sender: hs, From: "postvakt@bergen.kommune.no", Logger: slog.New(slog.DiscardHandler)}
	c := r.Courier()
	defer c.Close()
	for i, res := range c.Deliver(context.Background(), d.gs, d.now, false) {
		if res.Err != nil {
			t.Fatalf("org %d: %v", i, res.Err)
		}
	}
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
	d := newTwoDue(t)
	st, ships := d.st, d.ships
	// While the first organisation's message is sent, the poll cycle
	// learns that the other organisation opened its letter.
	var opened string
	hs := &hookSender{before: func(m *Message) {
		other := 1
		if strings.Contains(strings.Join(m.To, ","), d.orgs[1]) {
			other = 0
		}
		opened = ships[other].ID
		d.open(t, other)
	}}
	d.deliver(t, hs)
	var openedCh string
	for i := range ships {
		if ships[i].ID == opened {
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

// TestGivenBackReminderWithNoLetterLeftIsNotLeftFailed: BeginSend gives a
// reminder back when a letter it lists was opened after the claim. When
// that was the only letter it listed, no later run claims anything for the
// organisation, so the row is superseded at once: it is not left "failed"
// for good (listed to the compliance officer as a failed send and counted
// in postvakt_notifications) when no reminder is owed to anybody.
func TestGivenBackReminderWithNoLetterLeftIsNotLeftFailed(t *testing.T) {
	ctx := context.Background()
	d := newTwoDue(t)
	st := d.st
	// Both letters open while the first message is on the wire.
	hs := &hookSender{before: func(*Message) {
		for i := range d.ships {
			d.open(t, i)
		}
	}}
	d.deliver(t, hs)
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
