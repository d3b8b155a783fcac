package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

func streamed(t *testing.T, st *store.Store, now time.Time, all bool) map[string]store.OpenShipment {
	t.Helper()
	out := map[string]store.OpenShipment{}
	for sh, err := range st.OpenShipments(context.Background(), now, all, 2) {
		if err != nil {
			t.Fatal(err)
		}
		out[sh.ID] = sh
	}
	return out
}

// The escalation run's work queue: only letters whose next step may be
// due, every open one on request; next-step times are stored only over the
// value the run read (a reset by the poll wins); a failed letter is due at
// once.
func TestOpenShipmentsFollowNextStepTimes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[1], orgs[2])
	now := time.Now()
	due := streamed(t, st, now, false)
	if len(due) != 3 {
		t.Fatalf("fresh letters due: %d, want all 3 (never looked at)", len(due))
	}
	later, never := now.Add(48*time.Hour), (*time.Time)(nil)
	steps := []store.NextStep{
		{ShipmentID: ids[0], Seen: due[ids[0]].NextStepAt, At: &later},
		{ShipmentID: ids[1], Seen: due[ids[1]].NextStepAt, At: never},
	}
	if n, err := st.ScheduleNextSteps(ctx, steps); err != nil || n != 2 {
		t.Fatalf("stored %d (%v), want 2", n, err)
	}
	due = streamed(t, st, now, false)
	if len(due) != 1 || due[ids[2]].ID == "" {
		t.Fatalf("due now: %v, want only %s", keys(due), ids[2])
	}
	if got := streamed(t, st, later, false); len(got) != 2 || got[ids[1]].ID != "" {
		t.Fatalf("due at the stored time: %v, want %s and %s", keys(got), ids[0], ids[2])
	}
	if got := streamed(t, st, now, true); len(got) != 3 {
		t.Fatalf("every open letter: %d, want 3", len(got))
	}
	// A write over a value the run did not read is refused.
	stale := now.Add(-time.Hour)
	if n, err := st.ScheduleNextSteps(ctx, []store.NextStep{{ShipmentID: ids[0], Seen: &stale, At: nil}}); err != nil || n != 0 {
		t.Fatalf("stale write stored %d (%v), want 0", n, err)
	}
	// The poll sees the letter fail: it needs paper at once.
	res := []store.PollResult{{Due: store.Due{ID: ids[0], ChannelID: "x", State: model.StateRegistered, SentAt: now},
		Source: "svarut", ObservedAt: now, Status: "IKKE_LEVERT", State: model.StateFailed}}
	if _, err := st.ApplyPoll(ctx, res); err != nil {
		t.Fatal(err)
	}
	if got := streamed(t, st, time.Now(), false); got[ids[0]].State != model.StateFailed {
		t.Fatalf("failed letter not due at once: %v", keys(got))
	}
}

// Registrations store the first step's time only under the policies the
// escalation run recorded.
func TestRegistrationSchedule(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	first := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	st.ScheduleRegistrations("fp-1", func(model.NewShipment) *time.Time { return &first })
	before := registerFor(t, st, orgs[0])
	if err := st.RecordEscalationFingerprint(ctx, "fp-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if fp, err := st.EscalationFingerprint(ctx); err != nil || fp != "fp-1" {
		t.Fatalf("fingerprint %q (%v)", fp, err)
	}
	after := registerFor(t, st, orgs[1])
	due := streamed(t, st, first.Add(-time.Minute), false)
	if _, ok := due[before[0]]; !ok {
		t.Error("a letter registered before the policies were recorded is not due at once")
	}
	if _, ok := due[after[0]]; ok {
		t.Error("a letter registered under the recorded policies is due before its first step")
	}
	if got := streamed(t, st, first, false); got[after[0]].ID == "" {
		t.Error("the letter is not due at its first step's time")
	}
	st.ScheduleRegistrations("fp-2", func(model.NewShipment) *time.Time { return &first })
	other := registerFor(t, st, orgs[2])
	if _, ok := streamed(t, st, first.Add(-time.Minute), false)[other[0]]; !ok {
		t.Error("a time computed under other policies was kept")
	}
}

func keys(m map[string]store.OpenShipment) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
