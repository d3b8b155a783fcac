package escalate

import (
	"context"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// From a review of reminders as evidence: a reminder's recorded sent time
// (the notification's sent_at, the letter's "reminder sent" event) was the
// escalation run's start, not when the SMTP server accepted it. A run
// sending for many minutes dated its later reminders that much too early,
// and a complaint handler comparing them with the receiver's mail log
// found them sent before the mail server saw them. Each is dated when the
// server took it; the letter's last reminder stays the run's time, which
// the next reminder's wait counts from (the run's schedule).
func TestReminderIsDatedWhenTheServerAcceptedIt(t *testing.T) {
	h, start := remindOverMinutes(t)
	at := h.sentTimes()
	want := []time.Time{start.Add(2 * time.Minute), start.Add(9 * time.Minute), start.Add(16 * time.Minute)}
	if len(at) != len(want) {
		t.Fatalf("%d reminders sent, want %d", len(at), len(want))
	}
	for i := range want {
		if !at[i].Equal(want[i]) {
			t.Errorf("reminder %d recorded as sent at %s, want %s (when the server accepted it)", i+1, at[i].In(oslo), want[i])
		}
	}
	// The letter's timeline says the same as the notification.
	if n := h.count(`SELECT count(*) FROM shipment_events e JOIN notification_items i ON i.shipment_id = e.shipment_id
		JOIN notifications n ON n.id = i.notification_id
		WHERE e.kind = $1 AND e.observed_at <> n.sent_at`, store.EventReminder); n != 0 {
		t.Errorf("%d letters' reminder events dated otherwise than their reminder's sent time", n)
	}
	if n := h.count(`SELECT count(*) FROM shipment_events WHERE kind = $1`, store.EventReminder); n != 3 {
		t.Errorf("%d reminder events, want 3", n)
	}
	if n := h.count(`SELECT count(*) FROM shipments WHERE last_reminded_at <> $1`, start); n != 0 {
		t.Errorf("%d letters' last reminder not the run's time (the next reminder's wait counts from it)", n)
	}
	h.checkLogs()
}

// remindOverMinutes runs, as of Wednesday 11:00, a run that reminds three
// organisations one at a time: deciding takes 2 minutes, each reminder 7.
func remindOverMinutes(t *testing.T) (*harness, time.Time) {
	h := newHarness(t)
	h.esc.Workers, h.esc.ClaimBatch = 1, 1
	h.orgsWithLetters(3)
	start := time.Date(2026, 11, 18, 11, 0, 0, 0, oslo) // Wednesday, reminder 1 due
	var mu sync.Mutex
	sent := 0
	h.esc.Clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return start.Add(2*time.Minute + time.Duration(sent)*7*time.Minute)
	}
	h.esc.OnOutcome = func(remind.Outcome) { mu.Lock(); defer mu.Unlock(); sent++ }
	if sum := h.run(start); sum.Reminders != 3 {
		t.Fatalf("run: %s; want 3 reminders", sum)
	}
	return h, start
}

// sentTimes are the sent reminders' recorded sent times, earliest first.
func (h *harness) sentTimes() []time.Time {
	h.t.Helper()
	var at []time.Time
	if err := h.st.DB().Select(&at, `SELECT sent_at FROM notifications WHERE status = 'sent' ORDER BY sent_at`); err != nil {
		h.t.Fatal(err)
	}
	return at
}

// A reminder's Date header was the run's start too: the message said it
// was written 16 minutes before the evidence says it was sent. It is the
// time its send began, as the evidence's (to the second the header has).
func TestReminderDateHeaderIsWhenItWasSent(t *testing.T) {
	h, _ := remindOverMinutes(t)
	at := h.sentTimes()
	var dates []time.Time
	for _, m := range h.take() {
		msg, err := mail.ReadMessage(strings.NewReader(m.raw))
		if err != nil {
			t.Fatal(err)
		}
		d, err := msg.Header.Date()
		if err != nil {
			t.Fatalf("message to %s: Date header: %v", m.org, err)
		}
		dates = append(dates, d)
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	if len(dates) != len(at) {
		t.Fatalf("%d messages, %d reminders recorded sent", len(dates), len(at))
	}
	for i := range at {
		if !dates[i].Equal(at[i].Truncate(time.Second)) {
			t.Errorf("reminder %d's Date header says %s, its recorded sent time is %s", i+1, dates[i].In(oslo), at[i].In(oslo))
		}
	}
	h.checkLogs()
}

// An export with the letters' reminder history (report.ShipmentsNext)
// gave a letter reminded once in such a run a first reminder (its
// reminder's sent time, when the server took it) after its last one (the
// run's time the next reminder's wait counts from): a court reading the
// row saw it reminded last before it was reminded first. Both are the
// reminders' sent times.
func TestExportedLastReminderIsTheReminderSent(t *testing.T) {
	h, start := remindOverMinutes(t)
	at := map[time.Time]bool{}
	for _, a := range h.sentTimes() {
		at[a] = true
	}
	rows := 0
	err := h.st.EachShipmentFacts(context.Background(), store.ListFilter{List: store.ListAll}, func(r *store.ListRow, o *store.OpenShipment) error {
		rows++
		if r.FirstRemindedAt == nil || r.LastReminded == nil || !at[*r.FirstRemindedAt] || !r.LastReminded.Equal(*r.FirstRemindedAt) {
			t.Errorf("letter %s exported as first reminded at %v, last at %v; want both its one reminder's sent time", r.ID, r.FirstRemindedAt, r.LastReminded)
		}
		// The next step is still counted from the run's time.
		if o.LastRemindedAt == nil || !o.LastRemindedAt.Equal(start) {
			t.Errorf("letter %s's next step counted from its last reminder at %v, want the run's time %s", r.ID, o.LastRemindedAt, start)
		}
		return nil
	})
	if err != nil || rows != 3 {
		t.Fatalf("export: %d rows, %v; want 3", rows, err)
	}
}

// The lists (the UI's, GET /api/v1/shipments) said a letter was last
// reminded at the sending run's start, where its export and its
// organisation's reminders said when the server took the reminder: the
// same letter, two times minutes apart. They say the same.
func TestListedLastReminderIsTheReminderSent(t *testing.T) {
	h, _ := remindOverMinutes(t)
	at := map[time.Time]bool{}
	for _, a := range h.sentTimes() {
		at[a] = true
	}
	page, err := h.st.ListShipments(context.Background(), store.ListFilter{List: store.ListAll})
	if err != nil || len(page.Rows) != 3 {
		t.Fatalf("list: %+v, %v; want 3 letters", page, err)
	}
	for _, r := range page.Rows {
		if r.LastReminded == nil || !at[*r.LastReminded] {
			t.Errorf("letter %s listed as last reminded at %v, want its reminder's sent time (one of %v)", r.ID, r.LastReminded, h.sentTimes())
		}
	}
}

// An incident's report (its page, its export, its snapshot) said a letter
// was last reminded at the sending run's start too, beside the letter's
// own lists and export that say when the server took the reminder.
func TestIncidentLastReminderIsTheReminderSent(t *testing.T) {
	h, _ := remindOverMinutes(t)
	at := map[time.Time]bool{}
	for _, a := range h.sentTimes() {
		at[a] = true
	}
	rows, err := h.st.IncidentLetters(context.Background(), store.IncidentFilter{}, 10)
	if err != nil || len(rows) != 3 {
		t.Fatalf("incident letters: %d, %v; want 3", len(rows), err)
	}
	for _, r := range rows {
		if r.LastRemindedAt == nil || !at[*r.LastRemindedAt] {
			t.Errorf("letter %s in an incident last reminded at %v, want its reminder's sent time (one of %v)", r.ID, r.LastRemindedAt, h.sentTimes())
		}
	}
}
