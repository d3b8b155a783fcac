package escalate

import (
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
	h := newHarness(t)
	h.esc.Workers, h.esc.ClaimBatch = 1, 1
	h.orgsWithLetters(3)
	start := time.Date(2026, 11, 18, 11, 0, 0, 0, oslo) // Wednesday, reminder 1 due
	var mu sync.Mutex
	sent := 0
	// Deciding took 2 minutes; each reminder then takes 7.
	h.esc.Clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return start.Add(2*time.Minute + time.Duration(sent)*7*time.Minute)
	}
	h.esc.OnOutcome = func(remind.Outcome) { mu.Lock(); defer mu.Unlock(); sent++ }
	if sum := h.run(start); sum.Reminders != 3 {
		t.Fatalf("run: %s; want 3 reminders", sum)
	}
	var at []time.Time
	if err := h.st.DB().Select(&at, `SELECT sent_at FROM notifications WHERE status = 'sent' ORDER BY sent_at`); err != nil {
		t.Fatal(err)
	}
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
