package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// One claim transaction for a batch of organisations: a letter opened
// meanwhile is dropped on its own (the rest of its organisation's message
// and the other organisations go on); claiming the same reminders again
// claims nothing new (no second message); one record statement counts the
// sent ones once, and recording again counts nothing twice; a failed one
// is claimed again, a sent one never.
func TestClaimAndRecordRemindersBatch(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[0], orgs[1], orgs[2])
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Hour))
	a1, a2, b1, c1 := ids[0], ids[1], ids[2], ids[3]
	storetest.Set(t, st, []string{a2}, storetest.State(model.StateOpened)) // after the run decided
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	claims := []store.Claim{
		{Org: orgs[0], Items: []model.ReminderItem{item(a1), item(a2)}, Recipients: []string{"post-a@example.no"}, Now: now},
		{Org: orgs[1], Items: []model.ReminderItem{item(b1)}, Recipients: []string{"post-b@example.no"}, Now: now},
		{Org: orgs[2], Items: []model.ReminderItem{item(c1)}, Recipients: []string{"post-c@example.no"}, Now: now},
	}
	res, err := st.ClaimReminders(ctx, claims)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results for 3 claims", len(res))
	}
	for i, r := range res {
		if !r.Send || r.Busy || r.Notification == nil {
			t.Fatalf("claim %d: %+v, want it to be sent", i, r)
		}
	}
	if a := res[0]; len(a.Notification.Items) != 1 || a.Notification.Items[0].ShipmentID != a1 ||
		len(a.Dropped) != 1 || a.Dropped[0].ShipmentID != a2 || a.Dropped[0].Reason != model.DropClosed {
		t.Fatalf("organisation with an opened letter: items %+v, dropped %+v; want a1 listed, a2 dropped as closed", a.Notification.Items, a.Dropped)
	}
	if res[0].Recorded != 1 || res[1].Recorded != 1 || res[2].Recorded != 1 {
		t.Fatalf("decisions recorded %d/%d/%d, want one per listed letter", res[0].Recorded, res[1].Recorded, res[2].Recorded)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := st.DB().Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The same reminders claimed again (a second worker, a run after a
	// crash): nothing to send, the same rows, no new decision events.
	again, err := st.ClaimReminders(ctx, claims)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		listed := 0
		for _, d := range r.Dropped {
			if d.Reason == model.DropListed {
				listed++
			}
		}
		if r.Send || r.Notification != nil || r.Recorded != 0 || listed != 1 || len(r.Dropped) != len(claims[i].Items) {
			t.Fatalf("second claim %d: %+v, want nothing to send, the letter dropped as listed in the first", i, r)
		}
	}
	if n := count(`SELECT count(*) FROM notifications`); n != 3 {
		t.Fatalf("%d notifications, want 3", n)
	}
	if n := count(`SELECT count(*) FROM shipment_events WHERE kind = $1`, store.EventDecision); n != 3 {
		t.Fatalf("%d decision events, want 3", n)
	}
	// One record statement: A and B sent, C failed.
	out := func(r store.ClaimResult, status model.NotifyStatus) store.ReminderOutcome {
		return store.ReminderOutcome{ID: r.Notification.ID, Status: status, MessageID: "<m@x>", Cause: "", Items: r.Notification.Items}
	}
	outs := []store.ReminderOutcome{out(res[0], store.NotifySent), out(res[1], store.NotifySent), out(res[2], store.NotifyFailed)}
	outs[2].Cause = "451 try later"
	notPending, err := st.RecordReminders(ctx, outs, now.Add(time.Second))
	if err != nil || len(notPending) != 0 {
		t.Fatalf("record: not pending %v, %v", notPending, err)
	}
	sent := func(id string) int {
		return count(`SELECT reminders_sent FROM shipments WHERE id = $1`, id)
	}
	if sent(a1) != 1 || sent(a2) != 0 || sent(b1) != 1 || sent(c1) != 0 {
		t.Fatalf("reminders_sent a1=%d a2=%d b1=%d c1=%d, want 1 0 1 0", sent(a1), sent(a2), sent(b1), sent(c1))
	}
	// Recording again counts nothing twice.
	notPending, err = st.RecordReminders(ctx, outs[:2], now.Add(2*time.Second))
	if err != nil || len(notPending) != 2 {
		t.Fatalf("record again: not pending %v, %v; want both reported", notPending, err)
	}
	if sent(a1) != 1 || count(`SELECT count(*) FROM shipment_events WHERE kind = $1`, store.EventReminder) != 2 {
		t.Fatalf("recorded twice: a1 reminders_sent %d", sent(a1))
	}
	// A third claim at once: the sent ones are never sent again, and the
	// failed one waits for its retry (model.RetryAfter).
	soon, err := st.ClaimReminders(ctx, claims)
	if err != nil {
		t.Fatal(err)
	}
	if soon[0].Send || soon[1].Send || soon[2].Send || len(soon[2].Dropped) != 1 || soon[2].Dropped[0].Reason != model.DropRetryLater {
		t.Fatalf("claim at once: send %v/%v/%v, dropped %+v; want the failed one held back", soon[0].Send, soon[1].Send, soon[2].Send, soon[2].Dropped)
	}
	// Once the retry is due: only the failed one, its row reused.
	later := slices.Clone(claims)
	for i := range later {
		later[i].Now = now.Add(time.Second + model.RetryAfter(1))
	}
	third, err := st.ClaimReminders(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	if third[0].Send || third[1].Send || !third[2].Send || third[2].Notification.ID != res[2].Notification.ID {
		t.Fatalf("third claim: send %v/%v/%v, want only the failed one again (its row reused)", third[0].Send, third[1].Send, third[2].Send)
	}
}

// twoLetters is a store with two letters of one organisation waiting.
func twoLetters(t *testing.T) (*store.Store, []string) {
	t.Helper()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[0])
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Hour))
	return st, ids
}

// item is the first reminder of a letter, as the escalation run decides it.
func item(id string) model.ReminderItem {
	return model.ReminderItem{ShipmentID: id, Reminder: 1, Step: "reminder 1", Policy: "taushetsbelagt", Reason: "reminder 1 due"}
}

// TestFailedTriesCarriedOver: a message that failed three times, taken
// over by a new one listing one letter more, hands on its count: the new
// message's wait after its own failure goes on from there
// (model.RetryAfter), not from a first failure.
func TestFailedTriesCarriedOver(t *testing.T) {
	ctx := context.Background()
	st, ids := twoLetters(t)
	to := []string{"post-a@example.no"}
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	var first int64
	for try := 1; try <= 3; try++ {
		res, err := st.ClaimReminders(ctx, []store.Claim{{Org: orgs[0], Items: []model.ReminderItem{item(ids[0])}, Recipients: to, Now: now}})
		if err != nil || !res[0].Send {
			t.Fatalf("try %d: %+v %v", try, res, err)
		}
		first = res[0].Notification.ID
		out := store.ReminderOutcome{ID: first, Status: store.NotifyFailed, Cause: "550 no such user", Items: res[0].Notification.Items}
		if _, err := st.RecordReminders(ctx, []store.ReminderOutcome{out}, now); err != nil {
			t.Fatal(err)
		}
		now = now.Add(model.RetryAfter(try))
	}
	res, err := st.ClaimReminders(ctx, []store.Claim{{Org: orgs[0], Items: []model.ReminderItem{item(ids[0]), item(ids[1])}, Recipients: to, Now: now}})
	if err != nil || !res[0].Send || res[0].Notification.ID == first {
		t.Fatalf("with a letter more: %+v %v; want a new message", res, err)
	}
	if res[0].Notification.Attempts != 4 {
		t.Fatalf("the new message's attempts %d, want 4 (the three failed tries handed on, and this one)", res[0].Notification.Attempts)
	}
}

// TestLetterWaitsWithItsOrganisation: while an organisation's message to
// its addresses waits for a retry, a letter of its newly due waits with it
// (one message per organisation); once the wait is over both go, in one
// message.
func TestLetterWaitsWithItsOrganisation(t *testing.T) {
	ctx := context.Background()
	st, ids := twoLetters(t)
	to := []string{"post-a@example.no"}
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	res, err := st.ClaimReminders(ctx, []store.Claim{{Org: orgs[0], Items: []model.ReminderItem{item(ids[0])}, Recipients: to, Now: now}})
	if err != nil || !res[0].Send {
		t.Fatalf("first: %+v %v", res, err)
	}
	out := store.ReminderOutcome{ID: res[0].Notification.ID, Status: store.NotifyFailed, Cause: "550 no such user", Items: res[0].Notification.Items}
	if _, err := st.RecordReminders(ctx, []store.ReminderOutcome{out}, now); err != nil {
		t.Fatal(err)
	}
	both := func(at time.Time) store.ClaimResult {
		t.Helper()
		res, err := st.ClaimReminders(ctx, []store.Claim{{Org: orgs[0], Items: []model.ReminderItem{item(ids[0]), item(ids[1])}, Recipients: to, Now: at}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	if r := both(now.Add(time.Minute)); r.Send || r.Notification != nil || len(r.Dropped) != 2 ||
		r.Dropped[0].Reason != model.DropRetryLater || r.Dropped[1].Reason != model.DropRetryLater {
		t.Fatalf("during the wait: %+v; want both letters waiting", r)
	}
	if r := both(now.Add(model.RetryAfter(1))); !r.Send || len(r.Notification.Items) != 2 || r.Notification.Attempts != 2 {
		t.Fatalf("after the wait: %+v; want one message with both letters, its second try", r)
	}
}
