package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestPersonReminderIsNotWaitingForTheWindow: a person's letter under the
// shipped default policy (reminders 08-16 on business days) comes due for
// reminder 1 on Monday 10 August 2026 at 10:00. postvakt reminds
// organisations only: the reminder is never sent, in the send window or
// out of it. A run on Monday evening counted it as waiting for the send
// window (quiet hours) and its evidence said "outside the send window,
// waits until Tue 08:00", a reminder that never comes; the catch-up of a
// person's letter already said "not sent". It is a person's reminder now,
// in the window and out of it: not waiting, counted under persons, and
// its evidence says it is not sent and when print is due.
func TestPersonReminderIsNotWaitingForTheWindow(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("default")
	sent := time.Date(2026, 8, 3, 10, 0, 0, 0, oslo)
	for _, now := range []time.Time{
		time.Date(2026, 8, 10, 20, 0, 0, 0, oslo), // outside the window
		time.Date(2026, 8, 11, 9, 0, 0, 0, oslo),  // inside it
	} {
		d, err := Decide(Facts{Since: sent, Unmailed: true}, p, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.Step.String() != "reminder 1" || d.Wait || strings.Contains(d.Reason, "send window") ||
			!strings.Contains(d.Reason, "not sent: postvakt reminds organisations only; print due 2026-08-24 10:00 CEST") {
			t.Errorf("at %s: %s, wait %v, reason %q; want reminder 1 not sent to a person, print due 2026-08-24 10:00", now, d.Step, d.Wait, d.Reason)
		}
	}

	h := newHarness(t)
	ids, _ := h.register(ship{recipient: "01017012345", person: true, class: "brev", sent: sent})
	evening := time.Date(2026, 8, 10, 20, 0, 0, 0, oslo)
	if sum := h.run(evening.Add(time.Hour)); sum.Quiet != 0 || sum.Persons != 1 {
		t.Errorf("run on Monday evening: %d waiting for the send window, %d to persons; want 0 and 1", sum.Quiet, sum.Persons)
	}
	var reason string
	if err := h.st.DB().QueryRow(`SELECT message FROM shipment_events WHERE shipment_id = $1 AND kind = $2`,
		ids[0], store.EventDecision).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(reason, "waits until") || !strings.Contains(reason, "not sent: postvakt reminds organisations only") {
		t.Errorf("evidence: %q; want the reminder not sent to a person", reason)
	}
}

// TestPreviewMarksPersonReminders: the preview (`escalate --once
// --dry-run`, the UI's preview) lists a due reminder of a person's letter
// among "the next run would do" as if it were sent; none is. It is marked
// as a person's now, in the send window and out of it.
func TestPreviewMarksPersonReminders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(ship{recipient: "01017012345", person: true, class: "brev", sent: time.Date(2026, 8, 3, 10, 0, 0, 0, oslo)})
	for _, now := range []time.Time{time.Date(2026, 8, 10, 21, 0, 0, 0, oslo), time.Date(2026, 8, 11, 9, 0, 0, 0, oslo)} {
		sum, err := h.esc.Preview(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Steps) != 1 || sum.Steps[0].Step != "reminder 1" || !sum.Steps[0].Person || sum.Steps[0].Waiting {
			t.Errorf("preview at %s: %+v; want reminder 1 marked a person's, not waiting", now, sum.Steps)
		}
	}
}
