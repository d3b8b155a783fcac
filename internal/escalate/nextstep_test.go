package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// A run looks only at the letters whose step may be due: after the first
// look, not again before the next step; after a reminder is sent, not
// before the next reminder.
func TestRunLooksOnlyAtDueLetters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register(confidential(firmaA, 3)...)
	h.register(confidential(firmaB, 2)...)
	h.contacts(firmaA, firmaB)
	due2 := time.Date(2026, 11, 23, 11, 0, 0, 0, oslo) // three business days after reminder 1 at due1
	for _, step := range []struct {
		at            time.Time
		scanned, orgs int
	}{
		{monday.Add(2 * time.Hour), 5, 0}, // the first look at each letter
		{monday.Add(3 * time.Hour), 0, 0}, // nothing can be due before due1
		{due1.Add(-time.Second), 0, 0},
		{due1, 5, 2},                   // reminder 1 to both organisations
		{due1.Add(time.Minute), 0, 0},  // sent: not looked at before reminder 2
		{due2.Add(-time.Minute), 0, 0}, //
		{due2, 5, 2},                   // reminder 2
		{due2.Add(time.Hour), 0, 0},    // then nothing before print
		{printDay, 5, 0},               // print
		{printDay.Add(time.Hour), 0, 0},
	} {
		sum := h.run(step.at)
		if sum.Scanned != step.scanned || sum.Orgs != step.orgs {
			t.Fatalf("%s: looked at %d letters and reminded %d organisations, want %d and %d (%s)",
				step.at.Format(time.DateTime), sum.Scanned, sum.Orgs, step.scanned, step.orgs, sum)
		}
		h.take()
	}
}

// A policy change makes the next run look at every open letter once, and
// a letter the channel could not deliver is looked at at once.
func TestRunLooksAgainAfterPolicyChangeAndFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ids, _ := h.register(confidential(firmaA, 3)...)
	h.contacts(firmaA)
	if sum := h.run(monday.Add(2 * time.Hour)); sum.Scanned != 3 {
		t.Fatalf("first look: %s", sum)
	}
	if sum := h.run(monday.Add(3 * time.Hour)); sum.Scanned != 0 {
		t.Fatalf("second run looked at %d letters", sum.Scanned)
	}
	// Reminder 1 after one business day instead of two: due on Tuesday.
	var changed []*policy.Policy
	for _, p := range h.esc.Policies.Policies() {
		c := *p
		if c.Name == "taushetsbelagt" {
			c.Reminders.FirstAfter = 1
		}
		changed = append(changed, &c)
	}
	h.esc.Policies = policy.NewSet(changed...)
	tuesday := monday.AddDate(0, 0, 1).Add(time.Hour)
	if sum := h.run(tuesday); sum.Scanned != 3 || sum.Orgs != 1 || !strings.Contains(sum.String(), "3 open shipments looked at (all, as the policies changed)") {
		t.Fatalf("after the policy change: %s; want every letter looked at and reminded", sum)
	}
	// The summary line says the run looked only at the letters whose step
	// may be due: "0 open shipments" read as "no letter open" (QA walk).
	if sum := h.run(tuesday.Add(time.Minute)); sum.Scanned != 0 || !strings.Contains(sum.String(), "0 open shipments looked at (whose next step may be due)") {
		t.Fatalf("the run after: looked at %d letters: %s", sum.Scanned, sum)
	}
	h.take()
	// The channel says the first letter failed: paper at once.
	res := []store.PollResult{{Due: store.Due{ID: ids[0], ChannelID: "x", State: model.StateAvailable, SentAt: monday},
		Source: "svarut", ObservedAt: tuesday, Status: "IKKE_LEVERT", State: model.StateFailed}}
	if _, err := h.st.ApplyPoll(context.Background(), res); err != nil {
		t.Fatal(err)
	}
	if sum := h.run(tuesday.Add(2 * time.Minute)); sum.Scanned != 1 || sum.PrintDue != 1 {
		t.Fatalf("after the failure: %s; want the failed letter looked at and print due", sum)
	}
}

// A registration under the recorded policies stores the first step's
// time, so the first run does not look at the new letters at all.
func TestRegistrationStoresTheFirstStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run(monday) // records the policies
	h.st.ScheduleRegistrations(h.esc.Policies.Fingerprint(), FirstStep(h.esc.Policies))
	defer h.st.ScheduleRegistrations("", nil)
	h.register(confidential(firmaA, 2)...)
	h.contacts(firmaA)
	if sum := h.run(monday.Add(2 * time.Hour)); sum.Scanned != 0 {
		t.Fatalf("looked at %d new letters before their first step", sum.Scanned)
	}
	// Registered as sent at 10:00 (the harness makes them available at
	// 11:00 afterwards): the stored time is a lower bound, so the run looks
	// at 10:00 on Wednesday, finds nothing due yet, and sends at 11:00.
	if sum := h.run(due1.Add(-time.Hour)); sum.Scanned != 2 || sum.Orgs != 0 {
		t.Fatalf("at the registered first step: %s", sum)
	}
	if sum := h.run(due1); sum.Scanned != 2 || sum.Orgs != 1 {
		t.Fatalf("at the first step: %s", sum)
	}
}
