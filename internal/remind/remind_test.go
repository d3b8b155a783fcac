package remind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const firma = "974760673"

// fixture registers n confidential shipments to firma, titled
// "HEMMELIG-TITTEL-i", and returns the store and the group to deliver.
func fixture(t *testing.T, n int) (*store.Store, Group) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("sv-%d", i),
			SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten", RecipientKind: "org", RecipientID: firma,
			Title: fmt.Sprintf("HEMMELIG-TITTEL-%d", i), Confidential: true, Class: "taushetsbelagt",
			SentAt: time.Date(2026, 11, 16, 10, i, 0, 0, time.UTC)})
	}
	got, _, err := st.Register(ctx, items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	g := Group{Org: firma}
	for _, s := range got {
		g.Shipments = append(g.Shipments, Shipment{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1})
	}
	return st, g
}

// deliverOnly imports addr as g's organisation's address, delivers g once
// through a new SMTP server as of now, and returns the one message the
// server received, with the delivery's outcome.
func deliverOnly(t *testing.T, st *store.Store, g Group, addr string, now time.Time) (mailpittest.Message, Outcome) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: g.Org, Email: addr}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	out, err := newReminder(st, mp.SMTPAddr, &logs).Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusSent {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	return msgs[0], out
}

func newReminder(st *store.Store, addr string, logs *bytes.Buffer) *Reminder {
	s, err := NewSMTP(SMTPConfig{Addr: addr, From: "postvakt@bergen.kommune.no", Timeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	return &Reminder{Log: st, Sender: s, From: "postvakt@bergen.kommune.no",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliverOncePerOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, g := fixture(t, 3)
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)

	// No address: listed, nothing sent; a warning the first time, quietly
	// at the next run.
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusNoAddress || len(out.Shipments) != 3 {
		t.Fatalf("no address: %+v %v", out, err)
	}
	if out, err = r.Deliver(ctx, g, now.Add(time.Minute), false); err != nil || out.Status != StatusNoAddress {
		t.Fatalf("no address, the next run: %+v %v", out, err)
	}
	warned, told := strings.Count(logs.String(), `level=WARN msg="organisation has no e-mail address`),
		strings.Count(logs.String(), `level=INFO msg="organisation has no e-mail address`)
	if warned != 1 || told != 1 {
		t.Fatalf("no address logged as a warning %d times and quietly %d times, want once each:\n%s", warned, told, logs.String())
	}
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}

	// Dry run: composes, changes nothing, sends nothing.
	rows := count(t, st, `SELECT count(*) FROM notifications`)
	out, err = r.Deliver(ctx, g, now, true)
	if err != nil || out.Status != StatusPreview || out.Message == nil || len(out.Shipments) != 3 {
		t.Fatalf("dry run: %+v %v", out, err)
	}
	if n := count(t, st, `SELECT count(*) FROM notifications`); n != rows || len(mp.Messages(t)) != 0 {
		t.Fatal("dry run changed the log or sent mail")
	}

	// One shipment opened after the decision: left out.
	storetest.Set(t, st, []string{g.Shipments[2].ShipmentID}, storetest.State(model.StateOpened))
	// A dry run says so on every line it logs: what they tell did not happen.
	mark := logs.Len()
	if out, err := r.Deliver(ctx, g, now, true); err != nil || len(out.Dropped) != 1 {
		t.Fatalf("dry run with one opened: %+v %v", out, err)
	}
	if l := logs.String()[mark:]; !strings.Contains(l, `msg="shipments left out of reminder"`) ||
		strings.Count(l, "dry_run=true") != strings.Count(l, "\n") {
		t.Fatalf("a dry run's log lines without dry_run=true:\n%s", l)
	}
	out, err = r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusSent || len(out.Shipments) != 2 || len(out.Dropped) != 1 {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	// The same group again (a second run, or a retry): nothing more.
	again, err := r.Deliver(ctx, g, now.Add(time.Hour), false)
	if err != nil || again.Status != StatusNothing {
		t.Fatalf("second delivery: %+v %v", again, err)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want exactly 1", len(msgs))
	}
	if !strings.Contains(msgs[0].Text, g.Shipments[0].ChannelID) || strings.Contains(msgs[0].Text, g.Shipments[2].ChannelID) {
		t.Fatal("the message does not list exactly the unopened shipments")
	}
	if n := count(t, st, `SELECT count(*) FROM shipment_events WHERE kind = 'reminder'`); n != 2 {
		t.Fatalf("%d reminder events, want 2", n)
	}
	noTitles(t, &logs, msgs)
}

func TestDeliverRetriesAfterSMTPFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, g := fixture(t, 2)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	out, err := newReminder(st, closed, &logs).Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusFailed || out.Err == nil {
		t.Fatalf("closed port: %+v %v", out, err)
	}
	if n := count(t, st, `SELECT reminders_sent FROM shipments WHERE id = $1`, g.Shipments[0].ShipmentID); n != 0 {
		t.Fatal("a failed send counted a reminder")
	}
	mp := mailpittest.Start(t)
	out2, err := newReminder(st, mp.SMTPAddr, &logs).Deliver(ctx, g, now.Add(time.Hour), false)
	if err != nil || out2.Status != StatusSent || out2.NotificationID != out.NotificationID {
		t.Fatalf("retry: %+v %v", out2, err)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 || "<"+msgs[0].MessageID+">" != out.Message.MessageID {
		t.Fatalf("retry sent %d messages; Message-ID must be the failed attempt's %s", len(msgs), out.Message.MessageID)
	}
	if n := count(t, st, `SELECT attempts FROM notifications WHERE id = $1`, out.NotificationID); n != 2 {
		t.Fatalf("attempts = %d, want 2", n)
	}
	noTitles(t, &logs, msgs)
}

// noTitles fails when a shipment title shows up in a log line or a message.
// overtaken is the store as a run finds it whose lease ran out before its
// turn to send came: between its claim and its send, the lease expired and
// another run claimed the same message again.
type overtaken struct {
	*store.Store
	now time.Time
	g   Group
	t   *testing.T
}

func (o overtaken) BeginSend(ctx context.Context, id int64, claimedAt time.Time) error {
	if _, err := o.ExpirePendingNotifications(ctx, o.now.Add(time.Hour), 10*time.Minute); err != nil {
		o.t.Fatal(err)
	}
	other, err := o.ClaimNotification(ctx, store.Claim{Org: o.g.Org, Items: o.g.Shipments, Recipients: []string{"post@firma.no"},
		Now: o.now.Add(time.Hour)})
	if err != nil || !other.Send || other.Notification.ID != id {
		o.t.Fatalf("the other run's claim: %+v %v", other.Notification, err)
	}
	return o.Store.BeginSend(ctx, id, claimedAt)
}

// A run whose claim was taken over by another run does not send the
// message: the other run does, once.
func TestDeliverOvertakenIsNotSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, g := fixture(t, 2)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	r := newReminder(st, mp.SMTPAddr, &logs)
	r.Log = overtaken{Store: st, now: now, g: g, t: t}
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusNothing {
		t.Fatalf("overtaken: %+v %v; want nothing sent", out, err)
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("the overtaken run sent %d messages", n)
	}
	if n := count(t, st, `SELECT count(*) FROM notifications WHERE status = 'pending' AND untried_claim = claimed_at`); n != 1 {
		t.Fatalf("%d notifications pending for the other run, want 1", n)
	}
	if !strings.Contains(logs.String(), "taken over by another run") {
		t.Fatalf("the overtaken send is not logged:\n%s", logs.String())
	}
}

// dying is the store as a courier finds it whose process dies during its
// second message: that message's record never reaches the database, and
// nothing after it does.
type dying struct {
	*store.Store
	records int
}

func (d *dying) RecordReminders(ctx context.Context, outs []store.ReminderOutcome, now time.Time) ([]int64, error) {
	if d.records++; d.records > 1 {
		return nil, errors.New("killed")
	}
	return d.Store.RecordReminders(ctx, outs, now)
}

func (d *dying) BeginSend(ctx context.Context, id int64, claimedAt time.Time) error {
	if d.records > 1 {
		return errors.New("killed")
	}
	return d.Store.BeginSend(ctx, id, claimedAt)
}

// A process killed in the middle of a batch leaves one message of unknown
// outcome, the one on the wire; the batch's messages recorded before stay
// sent, those not begun are sent by a later run, once.
func TestDeliverCrashMidBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	orgs := storetest.OrgNumbers(3)
	var gs []Group
	for i, org := range orgs {
		l := storetest.Letter(i)
		l.RecipientID = org
		got := storetest.Register(t, st, l)
		s := got[0]
		gs = append(gs, Group{Org: org, Shipments: []Shipment{{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1}}})
		if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: org, Email: "post@" + org + ".no"}}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	r := newReminder(st, mp.SMTPAddr, &logs)
	r.Log = &dying{Store: st}
	c := r.Courier()
	c.Deliver(ctx, gs, now, false)
	c.Close()
	if n := len(mp.Messages(t)); n != 2 {
		t.Fatalf("%d messages before the kill, want 2 (the second one's record lost)", n)
	}
	expired, err := st.ExpirePendingNotifications(ctx, now.Add(time.Hour), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[model.NotifyStatus]int{}
	for _, n := range expired {
		statuses[n.Status]++
	}
	if len(expired) != 2 || statuses[store.NotifyUnknown] != 1 || statuses[store.NotifyFailed] != 1 {
		t.Fatalf("after the lease: %v; want the message on the wire unknown and the one not begun failed", statuses)
	}
	mp.DeleteAll(t)
	r = newReminder(st, mp.SMTPAddr, &logs)
	c = r.Courier()
	res := c.Deliver(ctx, gs, now.Add(2*time.Hour), false)
	c.Close()
	got := mp.Messages(t)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0].Address != "post@"+orgs[2]+".no" {
		t.Fatalf("the next run sent %d messages (%v), want the one not begun, to %s", len(got), res, orgs[2])
	}
}

func noTitles(t *testing.T, logs *bytes.Buffer, msgs []mailpittest.Message) {
	t.Helper()
	if strings.Contains(logs.String(), "HEMMELIG") {
		t.Fatalf("a title in the log:\n%s", logs.String())
	}
	for _, m := range msgs {
		if strings.Contains(m.Raw+m.Text+m.Subject, "HEMMELIG") {
			t.Fatalf("a title in message %s", m.ID)
		}
	}
	if !strings.Contains(logs.String(), "org="+firma) {
		t.Fatalf("logs do not carry the organisation:\n%s", logs.String())
	}
}

// One address refused permanently (550 to RCPT TO) is dropped from that
// reminder and reported; the others get it, and it counts as sent.
func TestDeliverDropsARefusedRecipient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, g := fixture(t, 2)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}, {Org: firma, Email: "gone@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t, "--smtp-allowed-recipients", `^post@firma\.no$`)
	var logs bytes.Buffer
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	out, err := newReminder(st, mp.SMTPAddr, &logs).Deliver(ctx, g, now, false)
	if err != nil || out.Status != StatusSent || len(out.Refused) != 1 || out.Refused[0].Address != "gone@firma.no" ||
		!strings.HasPrefix(out.Refused[0].Reply, "5") {
		t.Fatalf("deliver: %+v %v", out, err)
	}
	if msgs := mp.Messages(t); len(msgs) != 1 {
		t.Fatalf("%d messages on the server, want 1", len(msgs))
	}
	var row struct {
		Recipients string `db:"recipients"`
		LastError  string `db:"last_error"`
		Status     string `db:"status"`
	}
	if err := st.DB().Get(&row, `SELECT array_to_string(recipients, ',') AS recipients, last_error, status FROM notifications WHERE id = $1`,
		out.NotificationID); err != nil {
		t.Fatal(err)
	}
	if row.Status != "sent" || row.Recipients != "post@firma.no" || !strings.Contains(row.LastError, "gone@firma.no") {
		t.Fatalf("notification %+v", row)
	}
	if n := count(t, st, `SELECT reminders_sent FROM shipments WHERE id = $1`, g.Shipments[0].ShipmentID); n != 1 {
		t.Fatalf("reminders_sent = %d, want 1", n)
	}
	if !strings.Contains(logs.String(), "refused permanently") {
		t.Fatalf("the refusal is not in the log:\n%s", logs.String())
	}
	// Every address refused: nothing sent, failed (tried again next run).
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: "964338531", Email: "gone@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	s, _ := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no"})
	if err := s.Send(ctx, testMessage("gone@firma.no")); !errors.Is(err, ErrAllRefused) {
		t.Fatalf("all refused: %v", err)
	}
}

// A reminder names the sending unit only when its policy lets it
// (confidential letters: not by default).
func TestComposeHidesTheUnit(t *testing.T) {
	t.Parallel()
	ss := sampleShipments()
	ss[0].NameUnit = false
	m := Compose(firma, "", ss, nil, "postvakt@bergen.kommune.no", "k", time.Date(2026, 11, 24, 9, 0, 0, 0, oslo))
	if strings.Contains(m.Body, "Barnevernstjenesten") || !strings.Contains(m.Body, "Avsender: Bergen kommune (org.nr. 964338531)\n") ||
		!strings.Contains(m.Body, "Skatteetaten lokalt") {
		t.Fatalf("body:\n%s", m.Body)
	}
}

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
