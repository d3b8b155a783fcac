package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

func items(n int, ids ...string) []model.ReminderItem {
	out := make([]model.ReminderItem, len(ids))
	for i, id := range ids {
		out[i] = model.ReminderItem{ShipmentID: id, Reminder: n}
	}
	return out
}

func TestNotificationKey(t *testing.T) {
	a := store.NotificationKey("974760673", []model.ReminderItem{{ShipmentID: "b", Reminder: 1}, {ShipmentID: "a", Reminder: 1}})
	b := store.NotificationKey("974760673", []model.ReminderItem{{ShipmentID: "a", Reminder: 1}, {ShipmentID: "b", Reminder: 1}})
	if a != b || len(a) != 64 {
		t.Fatalf("key depends on order or is not a SHA-256: %s %s", a, b)
	}
	for _, other := range []string{
		store.NotificationKey("964338531", items(1, "a", "b")),
		store.NotificationKey("974760673", items(2, "a", "b")),
		store.NotificationKey("974760673", items(1, "a")),
	} {
		if other == a {
			t.Fatal("different organisation, reminder number or shipment set gave the same key")
		}
	}
}

func TestContacts(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	n, err := st.ReplaceContacts(ctx, []store.Contact{{Org: orgs[0], Email: "b@x.no"}, {Org: orgs[0], Email: "a@x.no"}, {Org: orgs[1], Email: "c@y.no"}}, "test")
	if err != nil || n != 2 {
		t.Fatalf("replace: %d %v", n, err)
	}
	if got, _ := st.ContactEmails(ctx, orgs[0]); !reflect.DeepEqual(got, []string{"a@x.no", "b@x.no"}) {
		t.Fatalf("contacts = %v", got)
	}
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: orgs[0], Email: "new@x.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ContactEmails(ctx, orgs[0]); !reflect.DeepEqual(got, []string{"new@x.no"}) {
		t.Fatalf("after replace: %v, want only the new address", got)
	}
	if got, _ := st.ContactEmails(ctx, orgs[1]); !reflect.DeepEqual(got, []string{"c@y.no"}) {
		t.Fatalf("an organisation not in the import lost its addresses: %v", got)
	}
	if got, err := st.ContactEmails(ctx, orgs[2]); err != nil || len(got) != 0 {
		t.Fatalf("no contacts: %v %v", got, err)
	}
}

func TestClaimSendRecord(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[0], orgs[0])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	setState(t, st, ids[2], model.StateOpened, model.StageNone) // opened between decision and send
	c := store.Claim{Org: orgs[0], Items: items(1, ids...), Recipients: []string{"post@x.no"}, Now: now}

	prev, err := st.PreviewNotification(ctx, c)
	if err != nil || !prev.Send || len(prev.Notification.Items) != 2 {
		t.Fatalf("preview: %+v %v", prev, err)
	}
	var rows int
	if err := st.DB().Get(&rows, `SELECT count(*) FROM notifications`); err != nil || rows != 0 {
		t.Fatalf("preview left %d rows (%v)", rows, err)
	}

	res, err := st.ClaimNotification(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Send || res.Notification.Status != store.NotifyPending || len(res.Notification.Items) != 2 {
		t.Fatalf("claim = %+v", res)
	}
	if len(res.Dropped) != 1 || res.Dropped[0].ShipmentID != ids[2] {
		t.Fatalf("dropped = %+v, want the opened shipment", res.Dropped)
	}
	if res.Notification.Key != store.NotificationKey(orgs[0], items(1, ids[0], ids[1])) {
		t.Fatal("key is not the key of the remaining items")
	}
	// The same claim again, while the first is in flight: nothing to send.
	again, err := st.ClaimNotification(ctx, c)
	if err != nil || again.Send || again.Notification != nil || len(again.Dropped) != 3 {
		t.Fatalf("second claim while pending: %+v %v", again, err)
	}

	sentAt := now.Add(time.Minute)
	if err := st.MarkNotificationSent(ctx, res.Notification.ID, "<k@postvakt>", sentAt); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:2] {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.RemindersSent != 1 || sh.Stage != model.StageReminded {
			t.Fatalf("after sent: reminders_sent=%d stage=%s", sh.RemindersSent, sh.Stage)
		}
		ev := sh.Events[len(sh.Events)-1]
		if ev.Kind != store.EventReminder || !ev.ObservedAt.Equal(sentAt) || !strings.Contains(string(ev.Payload), `"notification_id":`) {
			t.Fatalf("reminder event = %+v", ev)
		}
	}
	var last *time.Time
	if err := st.DB().Get(&last, `SELECT last_reminded_at FROM shipments WHERE id = $1`, ids[0]); err != nil || last == nil || !last.Equal(sentAt) {
		t.Fatalf("last_reminded_at = %v (%v)", last, err)
	}
	if err := st.MarkNotificationSent(ctx, res.Notification.ID, "<k@postvakt>", sentAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("marking sent twice: %v, want refused", err)
	}
	// Reminder 1 again for the same shipments: already counted.
	done, err := st.ClaimNotification(ctx, c)
	if err != nil || done.Notification != nil || done.Send {
		t.Fatalf("claim after sent: %+v %v", done, err)
	}
	// Reminder 2 is a new message.
	r2, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[0], Items: items(2, ids[0], ids[1]), Recipients: []string{"post@x.no"}, Now: now.AddDate(0, 0, 3)})
	if err != nil || !r2.Send {
		t.Fatalf("reminder 2: %+v %v", r2, err)
	}
}

func TestFailedIsRetriedUnknownIsNot(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[0], orgs[1])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	to := []string{"post@x.no"}

	// An SMTP failure: retried with the same row (same key, same Message-ID).
	first, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[0], Items: items(1, ids[0], ids[1]), Recipients: to, Now: now})
	if err != nil || !first.Send {
		t.Fatal(first, err)
	}
	if err := st.MarkNotificationFailed(ctx, first.Notification.ID, "451 try later", now); err != nil {
		t.Fatal(err)
	}
	retry, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[0], Items: items(1, ids[0], ids[1]), Recipients: to, Now: now.Add(time.Hour)})
	if err != nil || !retry.Send || retry.Notification.ID != first.Notification.ID || retry.Notification.Attempts != 2 {
		t.Fatalf("retry after failure: %+v %v", retry.Notification, err)
	}
	if err := st.MarkNotificationFailed(ctx, retry.Notification.ID, "451 again", now); err != nil {
		t.Fatal(err)
	}
	// One of them opened: the failed row is superseded by a smaller one.
	setState(t, st, ids[1], model.StateOpened, model.StageNone)
	smaller, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[0], Items: items(1, ids[0], ids[1]), Recipients: to, Now: now.Add(2 * time.Hour)})
	if err != nil || !smaller.Send || smaller.Notification.ID == first.Notification.ID || len(smaller.Notification.Items) != 1 {
		t.Fatalf("claim after one opened: %+v %v", smaller.Notification, err)
	}
	var status model.NotifyStatus
	if err := st.DB().Get(&status, `SELECT status FROM notifications WHERE id = $1`, first.Notification.ID); err != nil || status != store.NotifySuperseded {
		t.Fatalf("old failed row status %q (%v), want superseded", status, err)
	}

	// A crash while sending: pending forever. After the lease it is
	// unknown and its shipment is never sent again, whatever the set around
	// it.
	crash, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[1], Items: items(1, ids[2]), Recipients: to, Now: now})
	if err != nil || !crash.Send {
		t.Fatal(crash, err)
	}
	if err := st.BeginSend(ctx, crash.Notification.ID, crash.Notification.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ExpirePendingNotifications(ctx, now.Add(5*time.Minute), 10*time.Minute); err != nil || len(got) != 0 {
		t.Fatalf("expired inside the lease: %v %v", got, err)
	}
	expired, err := st.ExpirePendingNotifications(ctx, now.Add(11*time.Minute), 10*time.Minute)
	if err != nil || len(expired) != 1 || expired[0].ID != crash.Notification.ID || expired[0].Status != store.NotifyUnknown {
		t.Fatalf("expire: %+v %v", expired, err)
	}
	more := registerFor(t, st, orgs[1])
	next, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[1], Items: items(1, ids[2], more[0]), Recipients: to, Now: now.AddDate(0, 0, 1)})
	if err != nil || !next.Send || len(next.Notification.Items) != 1 || next.Notification.Items[0].ShipmentID != more[0] {
		t.Fatalf("claim after unknown: %+v %v; want only the new shipment", next.Notification, err)
	}
	if len(next.Dropped) != 1 || next.Dropped[0].ShipmentID != ids[2] {
		t.Fatalf("dropped = %+v", next.Dropped)
	}
	unresolved, err := st.UnresolvedNotifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range unresolved {
		if n.ID == crash.Notification.ID && n.Status == store.NotifyUnknown && n.Shipments == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("unknown notification not listed: %+v", unresolved)
	}
	// The compliance officer checked: not delivered. It goes out at the
	// next run, with no wait for a retry (its attempts start over).
	if err := st.ReleaseNotification(ctx, crash.Notification.ID, now.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	released, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[1], Items: items(1, ids[2]), Recipients: to, Now: now.AddDate(0, 0, 1).Add(time.Minute)})
	if err != nil || !released.Send || released.Notification.ID != crash.Notification.ID {
		t.Fatalf("claim after release: %+v %v", released.Notification, err)
	}
}

// A crash after claiming, before the send began: after the lease the row is
// failed and the next claim sends it. The run that claimed it first, were
// it only slow, can no longer begin to send it.
func TestCrashBeforeSendIsRetried(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	claim := store.Claim{Org: orgs[0], Items: items(1, ids[0]), Recipients: []string{"post@x.no"}, Now: now}
	first, err := st.ClaimNotification(ctx, claim)
	if err != nil || !first.Send {
		t.Fatal(first, err)
	}
	expired, err := st.ExpirePendingNotifications(ctx, now.Add(11*time.Minute), 10*time.Minute)
	if err != nil || len(expired) != 1 || expired[0].Status != store.NotifyFailed {
		t.Fatalf("expire a claim whose send never began: %+v %v; want failed", expired, err)
	}
	if err := st.BeginSend(ctx, first.Notification.ID, first.Notification.ClaimedAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the expired claim began to send: %v", err)
	}
	claim.Now = now.Add(time.Hour)
	again, err := st.ClaimNotification(ctx, claim)
	if err != nil || !again.Send || again.Notification.ID != first.Notification.ID {
		t.Fatalf("claim after the expiry: %+v %v; want the same row, to send", again.Notification, err)
	}
	if err := st.BeginSend(ctx, first.Notification.ID, first.Notification.ClaimedAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the first, expired claim began to send the row claimed again: %v", err)
	}
	if err := st.BeginSend(ctx, again.Notification.ID, again.Notification.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if err := st.BeginSend(ctx, again.Notification.ID, again.Notification.ClaimedAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the send began twice: %v", err)
	}
	expired, err = st.ExpirePendingNotifications(ctx, now.Add(2*time.Hour), 10*time.Minute)
	if err != nil || len(expired) != 1 || expired[0].Status != store.NotifyUnknown {
		t.Fatalf("expire a claim whose send began: %+v %v; want unknown", expired, err)
	}

	// A claim whose send failed leaves its marker; then a binary from
	// before migration 00023 (a rolling deploy) claims the row again: it
	// sets a new claimed_at and knows no marker, and sends without
	// BeginSend. Killed before its record, the row must be unknown, not
	// sent again.
	if err := st.ReleaseNotification(ctx, again.Notification.ID, now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	claim.Now = now.Add(4 * time.Hour)
	third, err := st.ClaimNotification(ctx, claim)
	if err != nil || !third.Send {
		t.Fatalf("claim after the release: %+v %v", third.Notification, err)
	}
	if err := st.MarkNotificationFailed(ctx, third.Notification.ID, "451 try later", claim.Now); err != nil {
		t.Fatal(err)
	}
	// The old binary's reuse statement, as it was before 00023.
	if _, err := st.DB().ExecContext(ctx, `UPDATE notifications SET status = 'pending', attempts = attempts + 1,
		claimed_at = $2, updated_at = $2 WHERE id = $1`, third.Notification.ID, now.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	expired, err = st.ExpirePendingNotifications(ctx, now.Add(6*time.Hour), 10*time.Minute)
	if err != nil || len(expired) != 1 || expired[0].Status != store.NotifyUnknown {
		t.Fatalf("expire an old binary's claim over a failed send's marker: %+v %v; want unknown", expired, err)
	}
}

func TestNoAddressIsRecordedOnceThenSent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[3], orgs[3])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	c := store.Claim{Org: orgs[3], Items: items(1, ids...), Now: now}
	res, err := st.ClaimNotification(ctx, c)
	if err != nil || res.Send || res.Notification == nil || res.Notification.Status != store.NotifyNoAddress {
		t.Fatalf("no address: %+v %v", res, err)
	}
	again, err := st.ClaimNotification(ctx, c)
	if err != nil || again.Send || again.Notification.ID != res.Notification.ID {
		t.Fatalf("no address again: %+v %v; want the same row", again.Notification, err)
	}
	var view []struct {
		Org       string `db:"orgnr"`
		Shipments int    `db:"shipments"`
	}
	if err := st.DB().Select(&view, `SELECT orgnr, shipments FROM notifications_no_address`); err != nil || len(view) != 1 || view[0].Org != orgs[3] || view[0].Shipments != 2 {
		t.Fatalf("no-address view: %+v %v", view, err)
	}
	c.Recipients = []string{"post@z.no"}
	c.Now = now.Add(time.Hour)
	sent, err := st.ClaimNotification(ctx, c)
	if err != nil || !sent.Send || sent.Notification.ID != res.Notification.ID || sent.Notification.Status != store.NotifyPending {
		t.Fatalf("with an address: %+v %v", sent.Notification, err)
	}
}

// TestConfirmTakesOnlyAnUnknownOutcome: a person's confirm (postvakt
// notifications confirm ID, a typo's ID) of a reminder a run has claimed
// and not sent yet is refused: it was recorded as sent, the run's send then
// found it not its own, and the reminder went nowhere while its letters
// counted it.
func TestConfirmTakesOnlyAnUnknownOutcome(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	res, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[0], Items: items(1, ids...), Recipients: []string{"post@x.no"}, Now: now})
	if err != nil || !res.Send || res.Notification.Status != store.NotifyPending {
		t.Fatalf("claim: %+v %v", res, err)
	}
	err = st.ConfirmNotificationSent(ctx, res.Notification.ID, "", now.Add(time.Minute))
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "outcome is unknown") {
		t.Errorf("confirm of a pending reminder: %v, want ErrNotFound saying it is no reminder of unknown outcome", err)
	}
	var status string
	var sent int
	if err := st.DB().Get(&status, `SELECT status FROM notifications WHERE id = $1`, res.Notification.ID); err != nil || status != "pending" {
		t.Errorf("status %q %v, want pending", status, err)
	}
	if err := st.DB().Get(&sent, `SELECT count(*) FROM shipments WHERE reminders_sent > 0`); err != nil || sent != 0 {
		t.Errorf("%d letters count a reminder never sent (%v)", sent, err)
	}
	// The run's own record of a pending one it sent is as before.
	if err := st.BeginSend(ctx, res.Notification.ID, res.Notification.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkNotificationSent(ctx, res.Notification.ID, "<m@postvakt>", now.Add(time.Minute)); err != nil {
		t.Errorf("the run's mark sent: %v", err)
	}
}

// TestConfirmKeepsTheSendTime: a reminder whose outcome was unknown and
// that a person confirms days later was sent when its send began (its
// claim): the letter's last reminder, and the evidence event, carry that
// time, so the next reminder counts from it; the event says when it was
// confirmed. The courier's own record keeps its time.
func TestConfirmKeepsTheSendTime(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0])
	claimedAt := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	res, err := st.ClaimNotification(ctx, store.Claim{Org: orgs[0], Items: items(1, ids...), Recipients: []string{"post@x.no"}, Now: claimedAt})
	if err != nil || !res.Send {
		t.Fatalf("claim: %+v %v", res, err)
	}
	if err := st.MarkNotificationUnknown(ctx, res.Notification.ID, "connection dropped after the data", claimedAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	confirmedAt := time.Date(2026, 11, 9, 14, 0, 0, 0, time.UTC)
	if err := st.ConfirmNotificationSent(ctx, res.Notification.ID, "<k@postvakt>", confirmedAt); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Last     time.Time `db:"last_reminded_at"`
		Observed time.Time `db:"observed_at"`
		Message  string    `db:"message"`
	}
	if err := st.DB().Get(&got, `SELECT s.last_reminded_at, e.observed_at, e.message FROM shipments s
		JOIN shipment_events e ON e.shipment_id = s.id AND e.kind = 'reminder' WHERE s.id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if !got.Last.Equal(claimedAt) || !got.Observed.Equal(claimedAt) || !strings.Contains(got.Message, "confirmed as sent on 2026-11-09 14:00 UTC") {
		t.Errorf("confirmed on %s: last reminder %s, event at %s %q; want both at the claim, %s, and the confirmation named",
			confirmedAt.Format(time.RFC3339), got.Last.UTC().Format(time.RFC3339), got.Observed.UTC().Format(time.RFC3339), got.Message,
			claimedAt.Format(time.RFC3339))
	}

	// The courier's record (a late acceptance included) is dated when made.
	ids = registerFor(t, st, orgs[1])
	res, err = st.ClaimNotification(ctx, store.Claim{Org: orgs[1], Items: items(1, ids...), Recipients: []string{"post@y.no"}, Now: claimedAt})
	if err != nil || !res.Send {
		t.Fatalf("claim: %+v %v", res, err)
	}
	if err := st.MarkNotificationSent(ctx, res.Notification.ID, "<k2@postvakt>", claimedAt.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&got.Last, `SELECT last_reminded_at FROM shipments WHERE id = $1`, ids[0]); err != nil || !got.Last.Equal(claimedAt.Add(2*time.Minute)) {
		t.Errorf("recorded by the courier: last reminder %s (%v), want %s", got.Last, err, claimedAt.Add(2*time.Minute))
	}
}

// TestBeginSendGivesBackReminderOfLetterFailedAfterClaim: BeginSend's
// re-check applies the claim's rule (model.Eligible: a letter no longer
// waiting, failed included, is left out), so a reminder whose letter
// failed between the claim and the send is given back, not sent listing a
// letter the channel could not deliver.
func TestBeginSendGivesBackReminderOfLetterFailedAfterClaim(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	org := storetest.OrgNumbers(1)[0]
	l := storetest.Letter(1)
	l.RecipientID = org
	ships := storetest.Register(t, st, l)
	ids := storetest.IDs(ships)
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	res, err := st.ClaimNotification(ctx, store.Claim{Org: org, Recipients: []string{"post@example.no"}, Now: now,
		Items: []model.ReminderItem{{ShipmentID: ids[0], Reminder: 1, Step: "reminder 1"}}})
	if err != nil || !res.Send {
		t.Fatalf("claim: %+v %v", res, err)
	}
	// The poll learns the letter failed (e.g. SvarUt IKKE_LEVERT).
	w, err := st.ApplyPoll(ctx, []store.PollResult{{
		Due:    store.Due{ID: ids[0], ChannelID: ships[0].ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: ships[0].SentAt},
		Source: "svarut", ObservedAt: now, Status: "IKKE_LEVERT", State: model.StateFailed}})
	if err != nil || w.Changed != 1 {
		t.Fatalf("poll: %+v %v", w, err)
	}
	// What the claim would say now.
	if why := model.Eligible(model.ReminderItem{ShipmentID: ids[0], Reminder: 1},
		model.LockedShipment{Found: true, State: model.StateFailed, Stage: model.StageNone}, model.Attempt{Now: now}); why == model.DropNone {
		t.Fatalf("model.Eligible keeps a failed letter: the test's premise is wrong")
	}
	err = st.BeginSend(ctx, res.Notification.ID, res.Notification.ClaimedAt)
	if !errors.Is(err, store.ErrListedLetterChanged) {
		t.Errorf("BeginSend after the listed letter failed: %v; want ErrListedLetterChanged (the claim's own rule drops a failed letter)", err)
	}
}
