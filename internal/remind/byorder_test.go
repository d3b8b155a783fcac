package remind_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"postvakt/internal/logtest"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
)

// byOrderWorld is a business (hnFirma) with n unopened Altinn letters from
// Bergen kommune and no e-mail address postvakt can use (none imported,
// none looked up), Altinn's fake, mailpit, and the reminder; with
// notifications false, Altinn Notifications is not configured.
func byOrderWorld(t *testing.T, n int, notifications bool) (*fakeAltinn, *store.Store, remind.Group, *remind.Reminder, *mailpittest.Server) {
	t.Helper()
	f := newFakeAltinn(t)
	st, g := hnLetters(t, "altinn", hnFirma, n)
	for i := range g.Shipments {
		g.Shipments[i].SenderOrgName = "Bergen kommune"
	}
	mp := mailpittest.Start(t)
	r := hnReminder(t, st, mp.SMTPAddr, f, "")
	if !notifications {
		r.Orders = nil
	}
	return f, st, g, r, mp
}

// byOrderRow is what the notification log holds of a reminder.
type byOrderRow struct {
	Status     string `db:"status"`
	OrderID    string `db:"order_id"`
	Recipients int    `db:"recipients"`
	LastError  string `db:"last_error"`
}

func byOrderNotification(t *testing.T, st *store.Store, id int64) byOrderRow {
	t.Helper()
	var row byOrderRow
	if err := st.DB().Get(&row, `SELECT status, order_id, cardinality(recipients) AS recipients, last_error
		FROM notifications WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return row
}

// A business without an e-mail address is reminded through Altinn
// Notifications alone: one order to its organisation number, e-mail
// preferred, else an SMS that names the sender, the number of letters and
// altinn.no, and no title; no e-mail. The reminder is recorded sent with
// the order (the letters counted as reminded, the evidence says how), and
// the next run orders nothing again.
func TestByOrderReachesBusinessWithoutEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, mp := byOrderWorld(t, 2, true)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusSent || out.OrderID == "" || out.Err != nil {
		t.Fatalf("deliver: %+v %v, want sent with an order", out, err)
	}
	orders := f.Orders()
	if len(orders) != 1 {
		t.Fatalf("%d orders, want 1", len(orders))
	}
	o := orders[0]
	if o.OrgNumber != hnFirma || o.ChannelSchema != "EmailPreferred" || o.ID != out.OrderID {
		t.Fatalf("order to %s by %s (%s), want %s by EmailPreferred (%s)", o.OrgNumber, o.ChannelSchema, o.ID, hnFirma, out.OrderID)
	}
	for _, want := range []string{"Bergen kommune", "2 brev", hnFirma, "altinn.no"} {
		if !strings.Contains(o.SMS, want) {
			t.Errorf("SMS %q lacks %q", o.SMS, want)
		}
	}
	if n := utf8.RuneCountInString(o.SMS); n > 160 {
		t.Errorf("SMS of %d characters, want one SMS (at most 160): %q", n, o.SMS)
	}
	if strings.Contains(o.Raw, "HEMMELIG") || strings.Contains(o.Raw, "Barnevern") {
		t.Fatalf("confidential content in the order: %s", o.Raw)
	}
	if msgs := mp.Messages(t); len(msgs) != 0 {
		t.Fatalf("%d e-mails, want none (no address)", len(msgs))
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || row.OrderID != out.OrderID || row.Recipients != 0 {
		t.Fatalf("notification %+v, want sent with order %s and no addresses", row, out.OrderID)
	}
	var counted int
	if err := st.DB().Get(&counted, `SELECT count(*) FROM shipments WHERE reminders_sent = 1 AND stage = 'reminded'`); err != nil || counted != 2 {
		t.Fatalf("%d letters counted as reminded (%v), want 2", counted, err)
	}
	var events []string
	if err := st.DB().Select(&events, `SELECT message FROM shipment_events WHERE kind = $1 AND payload->>'order_id' = $2`,
		store.EventReminder, out.OrderID); err != nil || len(events) != 2 || !strings.Contains(events[0], "through Altinn Notifications") {
		t.Fatalf("reminder events %q (%v), want 2 saying through Altinn Notifications", events, err)
	}
	// The next run: already sent, nothing ordered again.
	again, err := r.Deliver(ctx, g, now.Add(time.Hour), false)
	if err != nil || again.Status != remind.StatusNothing {
		t.Fatalf("next run: %+v %v, want nothing", again, err)
	}
	if placed, failed, err := r.RetryOrders(ctx, now.Add(time.Hour), nil); err != nil || placed != 0 || len(failed) != 0 {
		t.Fatalf("retry orders: %d %v %v, want nothing to place", placed, failed, err)
	}
	if n, _ := f.Posts(); n != 1 {
		t.Fatalf("%d order requests, want 1", n)
	}
}

// Without Altinn Notifications configured, a business without an e-mail
// address stays no_address (listed for the compliance officer), as before.
func TestByOrderNotConfiguredStaysNoAddress(t *testing.T) {
	t.Parallel()
	f, st, g, r, _ := byOrderWorld(t, 1, false)
	out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusNoAddress {
		t.Fatalf("deliver: %+v %v, want no_address", out, err)
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "no_address" {
		t.Fatalf("notification %+v, want no_address", row)
	}
	if n, _ := f.Posts(); n != 0 {
		t.Fatalf("%d order requests, want none", n)
	}
}

// A Danish business (CVR) gets no order: Altinn knows no CVR number.
func TestByOrderNotForDanishBusiness(t *testing.T) {
	t.Parallel()
	f := newFakeAltinn(t)
	st, g := hnLetters(t, "digitalpost", "64942212", 1)
	mp := mailpittest.Start(t)
	r := hnReminder(t, st, mp.SMTPAddr, f, "")
	out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
	if err != nil || out.Status != remind.StatusNoAddress {
		t.Fatalf("deliver: %+v %v, want no_address", out, err)
	}
	if n, _ := f.Posts(); n != 0 {
		t.Fatalf("%d order requests, want none", n)
	}
}

// Altinn commits the order but its answers are lost (a gateway answers
// 502 to this run's request and the HTTP client's retries): the order may
// have been placed, so the reminder is unknown, not failed: no later claim
// supersedes it with an order for other letters. The next run's
// RetryOrders places it again under the same idempotencyId, which Altinn
// answers with the same order: one order in Altinn, the reminder sent with
// it and its letter counted.
func TestByOrderLostAnswerOrderedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	var down, committed atomic.Bool
	down.Store(true)
	f.Fail = func(w http.ResponseWriter, req *http.Request) bool {
		if !down.Load() || req.Header.Get("X-Committing") != "" {
			return false
		}
		if !committed.Swap(true) {
			f.mu.Lock()
			raw := f.posts[len(f.posts)-1]
			f.posts = f.posts[:len(f.posts)-1]
			f.mu.Unlock()
			req2 := req.Clone(req.Context())
			req2.Header.Set("X-Committing", "1")
			req2.Body = ioNopCloser(raw)
			f.futureOrders(&discardWriter{h: http.Header{}}, req2) // committed in Altinn
			f.mu.Lock()
			f.codes = f.codes[:len(f.codes)-1]
			f.mu.Unlock()
		}
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		return true
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusUnknown || out.Err == nil {
		t.Fatalf("deliver: %+v %v, want unknown", out, err)
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "unknown" || row.OrderID != "" {
		t.Fatalf("notification %+v, want unknown without order", row)
	}
	// A letter more comes due: the unknown reminder is not superseded
	// (its letter stays out of the new one).
	next, err := r.Deliver(ctx, g, now.Add(time.Hour), false)
	if err != nil || next.Status != remind.StatusNothing {
		t.Fatalf("next run: %+v %v, want nothing sent", next, err)
	}
	posts, _ := f.Posts()
	down.Store(false)
	placed, failed, err := r.RetryOrders(ctx, now.Add(time.Hour), nil)
	if err != nil || placed != 1 || len(failed) != 0 {
		t.Fatalf("retry orders: %d %v %v, want the unknown reminder's order placed", placed, failed, err)
	}
	orders := f.Orders()
	if len(orders) != 1 {
		t.Fatalf("%d orders in Altinn, want the one committed first", len(orders))
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || row.OrderID != orders[0].ID {
		t.Fatalf("notification %+v, want sent with order %s", row, orders[0].ID)
	}
	if n, codes := f.Posts(); n != posts+1 || codes[len(codes)-1] != http.StatusOK {
		t.Fatalf("answers %v (%d requests, %d before), want one more, 200 (the same order)", codes, n, posts)
	}
	var counted int
	if err := st.DB().Get(&counted, `SELECT reminders_sent FROM shipments`); err != nil || counted != 1 {
		t.Fatalf("reminders_sent %d (%v), want 1", counted, err)
	}
}

// Altinn is down (503) and never got the order: unknown all the same (it
// cannot be told apart), and placed by the next run's RetryOrders: 201,
// one order.
func TestByOrderAltinnDownPlacedNextRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	var down atomic.Bool
	down.Store(true)
	f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return down.Load()
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusUnknown {
		t.Fatalf("deliver: %+v %v, want unknown", out, err)
	}
	// Still down at the next run: tried, not placed, waits (RetryAfter).
	if placed, failed, err := r.RetryOrders(ctx, now.Add(15*time.Minute), nil); err != nil || placed != 0 || len(failed) != 1 {
		t.Fatalf("retry while down: %d %v %v", placed, failed, err)
	}
	before, _ := f.Posts()
	if _, _, err := r.RetryOrders(ctx, now.Add(20*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.Posts(); n != before {
		t.Fatalf("%d order requests within the wait, want %d", n, before)
	}
	down.Store(false)
	if placed, _, err := r.RetryOrders(ctx, now.Add(30*time.Minute), nil); err != nil || placed != 1 {
		t.Fatalf("retry after the wait: %d %v, want placed", placed, err)
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || len(f.Orders()) != 1 || row.OrderID != f.Orders()[0].ID {
		t.Fatalf("notification %+v, %d orders: want sent with the one order", row, len(f.Orders()))
	}
}

// Altinn has no contact information for the business either (422
// NOT-00001): the reminder is failed with Altinn's words, not asked again
// at the next run (15 minutes on) but after its wait, as a refused e-mail.
func TestByOrderRefusedWaits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	f.NoContact[hnFirma] = true
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusFailed {
		t.Fatalf("deliver: %+v %v, want failed", out, err)
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "failed" || !strings.Contains(row.LastError, "NOT-00001") {
		t.Fatalf("notification %+v, want failed naming NOT-00001", row)
	}
	// Two runs later (20 minutes, past the first 10-minute wait), the
	// second try; it is refused again and the wait doubles.
	for _, at := range []time.Duration{5 * time.Minute, 11 * time.Minute, 25 * time.Minute} {
		if _, err := r.Deliver(ctx, g, now.Add(at), false); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := f.Posts(); n != 2 {
		t.Fatalf("%d order requests, want 2 (at 0 and after the 10-minute wait)", n)
	}
}

// crashAfterOrder is a run that stopped after the order's send had begun
// and Altinn had it: claimed, order kept, begun, ordered, nothing
// recorded; after the lease the reminder is unknown.
func crashAfterOrder(t *testing.T, st *store.Store, g remind.Group, r *remind.Reminder, now time.Time) int64 {
	t.Helper()
	return crashInSend(t, st, g, r, now, true)
}

// crashInSend is a run that stopped after the order's send had begun,
// with the order placed at Altinn (placed) or not yet: the reminder's id,
// unknown after its lease.
func crashInSend(t *testing.T, st *store.Store, g remind.Group, r *remind.Reminder, now time.Time, placed bool) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := st.ClaimReminders(ctx, []store.Claim{{Org: g.Org, Items: g.Shipments, Now: now, ByOrder: true}})
	if err != nil || res[0].Notification == nil || !res[0].Send {
		t.Fatalf("claim: %+v %v, want a pending reminder to send", res, err)
	}
	n := res[0].Notification
	order, err := remind.OrderRequest(n.ID, n.Key, g.Org, "", remind.Compose(g.Org, "", g.Shipments, nil, r.From, n.Key, now),
		remind.SMS(g.Org, g.Shipments))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PrepareNotificationOrder(ctx, n.ID, order); err != nil {
		t.Fatal(err)
	}
	if err := st.BeginSend(ctx, n.ID, n.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if placed {
		if _, err := r.Orders.Notifier.Order(ctx, order); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ExpirePendingNotifications(ctx, now.Add(time.Hour), 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if row := byOrderNotification(t, st, n.ID); row.Status != "unknown" {
		t.Fatalf("after the lease: %+v, want unknown", row)
	}
	return n.ID
}

// A run that stopped after the order's send had begun leaves the reminder
// unknown (after its lease), as an e-mail. The next run's RetryOrders
// places its order again under the same idempotencyId: Altinn answers the
// order it has, and the reminder is sent with it. One order in Altinn.
func TestByOrderCrashSettledOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	id := crashAfterOrder(t, st, g, r, now)
	if placed, _, err := r.RetryOrders(ctx, now.Add(time.Hour), nil); err != nil || placed != 1 {
		t.Fatalf("retry orders: %d %v, want the unknown reminder settled", placed, err)
	}
	if row := byOrderNotification(t, st, id); row.Status != "sent" || len(f.Orders()) != 1 || row.OrderID != f.Orders()[0].ID {
		t.Fatalf("notification %+v, %d orders: want sent with the one order", row, len(f.Orders()))
	}
}

// Released by the compliance officer instead, the reminder is claimed and
// ordered again under the same idempotencyId: one order in Altinn.
func TestByOrderUnknownReleasedOrderedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	id := crashAfterOrder(t, st, g, r, now)
	if err := st.ReleaseNotification(ctx, id, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	out, err := r.Deliver(ctx, g, now.Add(2*time.Hour), false)
	if err != nil || out.Status != remind.StatusSent || out.NotificationID != id {
		t.Fatalf("released: %+v %v, want sent", out, err)
	}
	if orders := f.Orders(); len(orders) != 1 || orders[0].ID != out.OrderID {
		t.Fatalf("%d orders in Altinn, want the first one (%s)", len(orders), out.OrderID)
	}
}

// A reminder by order alone whose order waits after a failure (Altinn
// down, asking for three hours by its Retry-After), released by the
// compliance officer and claimed again, starts its order afresh (the claim
// clears the earlier try's order_next_at and order_attempts): its outcome
// unknown again (Altinn still down), RetryOrders places the new try's order
// at the claim's time, not after the earlier try's three hours, and,
// failing, waits a first failure's 10 minutes (model.RetryAfter(1)), not a
// second's 20.
func TestByOrderReleasedOrderStartsAfresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	var down atomic.Bool
	var retryAfter atomic.Value
	down.Store(true)
	retryAfter.Store("10800")
	f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
		if !down.Load() {
			return false
		}
		if s := retryAfter.Load().(string); s != "" {
			w.Header().Set("Retry-After", s)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	nextAt := func(id int64) time.Time {
		t.Helper()
		var next time.Time
		if err := st.DB().Get(&next, `SELECT order_next_at FROM notifications WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return next
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusUnknown {
		t.Fatalf("deliver: %+v %v, want unknown", out, err)
	}
	tried := now.Add(15 * time.Minute)
	if placed, failed, err := r.RetryOrders(ctx, tried, nil); err != nil || placed != 0 || len(failed) != 1 {
		t.Fatalf("retry while down: %d %v %v", placed, failed, err)
	}
	if next := nextAt(out.NotificationID); !next.Equal(tried.Add(3 * time.Hour)) {
		t.Fatalf("earlier try's order waits until %s, want Altinn's three hours (%s)", next.UTC(), tried.Add(3*time.Hour))
	}
	claim := now.Add(time.Hour)
	if err := st.ReleaseNotification(ctx, out.NotificationID, claim); err != nil {
		t.Fatal(err)
	}
	retryAfter.Store("")
	again, err := r.Deliver(ctx, g, claim, false)
	if err != nil || again.Status != remind.StatusUnknown || again.NotificationID != out.NotificationID {
		t.Fatalf("deliver after the release: %+v %v, want unknown, notification %d reused", again, err, out.NotificationID)
	}
	if placed, failed, err := r.RetryOrders(ctx, claim, nil); err != nil || placed != 0 || len(failed) != 1 {
		t.Fatalf("retry at the claim's time, Altinn still down: %d placed, %d failed, %v; want the new order tried (1 failed)",
			placed, len(failed), err)
	}
	if next := nextAt(out.NotificationID); !next.Equal(claim.Add(10 * time.Minute)) {
		t.Fatalf("the new order waits until %s (%s), want a first failure's 10 minutes", next.UTC(), next.Sub(claim))
	}
	down.Store(false)
	if placed, _, err := r.RetryOrders(ctx, claim.Add(10*time.Minute), nil); err != nil || placed != 1 {
		t.Fatalf("retry after the wait: %d %v, want placed", placed, err)
	}
	if row := byOrderNotification(t, st, out.NotificationID); row.Status != "sent" || len(f.Orders()) != 1 || row.OrderID != f.Orders()[0].ID {
		t.Fatalf("notification %+v, %d orders: want sent with the one order", row, len(f.Orders()))
	}
}

// The dry run previews the order, with its SMS text, and orders nothing.
func TestByOrderDryRun(t *testing.T) {
	t.Parallel()
	f, st, g, r, _ := byOrderWorld(t, 3, true)
	out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), true)
	if err != nil || out.Status != remind.StatusPreview || !strings.Contains(out.SMS, "3 brev") {
		t.Fatalf("dry run: %+v %v, want a preview with the SMS", out, err)
	}
	var rows int
	if err := st.DB().Get(&rows, `SELECT count(*) FROM notifications`); err != nil || rows != 0 {
		t.Fatalf("%d notifications (%v), want none", rows, err)
	}
	if n, _ := f.Posts(); n != 0 {
		t.Fatalf("%d order requests, want none", n)
	}
}

// The SMS names the senders by count when there are several, in one
// message in the letters' language; never a title or a unit.
func TestByOrderSMSText(t *testing.T) {
	t.Parallel()
	ss := []remind.Shipment{
		{ShipmentID: "a", Channel: "altinn", SenderOrg: "964338531", SenderOrgName: "Bergen kommune", SenderUnit: "Barnevernstjenesten", Reminder: 1},
		{ShipmentID: "b", Channel: "svarut", SenderOrg: "974760673", Reminder: 1},
	}
	if got := remind.SMS(hnFirma, ss); !strings.HasPrefix(got, "Påminnelse: 2 avsendere har sendt 2 brev til org.nr. "+hnFirma) ||
		strings.Contains(got, "Barnevern") {
		t.Errorf("two senders: %q", got)
	}
	if got := remind.SMS(hnFirma, ss[1:]); !strings.Contains(got, "org.nr. 974760673 har sendt et brev til org.nr. "+hnFirma) {
		t.Errorf("one sender without a name: %q", got)
	}
}

// The log line of a refused order says what follows: refused for good
// (422 NOT-00001), it is not tried again before its wait and is refused
// again until the organisation can be reached; refused otherwise (a 429),
// a run after its wait tries again.
func TestByOrderRefusedLogSaysWhatFollows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		noContact bool
		status    int
		want      []string
		not       []string
	}{
		{name: "for good", noContact: true,
			want: []string{"refused the order for good", "not tried again before its wait", "NOT-00001"},
			not:  []string{"the next run tries again", "not for good"}},
		{name: "too many requests", status: http.StatusTooManyRequests,
			want: []string{"refused the order (not for good)", "tries again"},
			not:  []string{"refused the order for good", "not tried again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _, g, r, _ := byOrderWorld(t, 1, true)
			logger, buf := logtest.New()
			r.Logger = logger
			if tc.noContact {
				f.NoContact[hnFirma] = true
			}
			if tc.status != 0 {
				f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
					w.WriteHeader(tc.status)
					return true
				}
			}
			out, err := r.Deliver(context.Background(), g, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), false)
			if err != nil || out.Status != remind.StatusFailed {
				t.Fatalf("deliver: %+v %v, want failed", out, err)
			}
			var line string
			for _, l := range strings.Split(buf.String(), "\n") {
				if strings.Contains(l, "reminder not sent") {
					line = l
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("log line %q does not say %q", line, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(line, n) {
					t.Errorf("log line %q says %q", line, n)
				}
			}
		})
	}
}

// An order refused for good (422 NOT-00001) on the order-only path is on
// the compliance officer's list of refused orders (RefusedNotificationOrders,
// postvakt notifications list), as one placed beside an e-mail is: once,
// recorded with the failed reminder. Recorded again (a repeated record) it
// is not recorded twice; the reminder's retry after its wait, refused
// again, keeps one entry; once Altinn can reach the business, the retry
// is sent and the entry is gone.
func TestByOrderRefusedListed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	f.NoContact[hnFirma] = true
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusFailed {
		t.Fatalf("deliver: %+v %v, want failed", out, err)
	}
	refused := func(string) []store.RefusedOrder {
		t.Helper()
		ro, err := st.RefusedNotificationOrders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ro
	}
	attempts := func() int {
		t.Helper()
		var n int
		if err := st.DB().Get(&n, `SELECT order_attempts FROM notifications WHERE id = $1`, out.NotificationID); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ro := refused("after the refusal")
	if len(ro) != 1 || ro[0].ID != out.NotificationID || ro[0].Org != hnFirma || !ro[0].ByOrder || ro[0].Shipments != 1 ||
		!strings.Contains(ro[0].Error, "NOT-00001") || !ro[0].RefusedAt.Equal(now) {
		t.Fatalf("refused orders %+v, want reminder %d's, by order, NOT-00001, at %s", ro, out.NotificationID, now)
	}
	if n := attempts(); n != 1 {
		t.Fatalf("order_attempts %d, want 1", n)
	}
	// The same outcome recorded again (a retried record) changes nothing.
	notPending, err := st.RecordReminders(ctx, []store.ReminderOutcome{{ID: out.NotificationID, Status: "failed",
		Cause: "notification order: refused: NOT-00001", OrderRefused: true}}, now.Add(time.Minute))
	if err != nil || len(notPending) != 1 {
		t.Fatalf("record again: %v %v, want it not pending", notPending, err)
	}
	if ro := refused("recorded again"); len(ro) != 1 || !ro[0].RefusedAt.Equal(now) || attempts() != 1 {
		t.Fatalf("recorded again: %+v, %d attempts; want the one refusal at %s", ro, attempts(), now)
	}
	// RetryOrders does not place it (the reminder failed, it is not an
	// order to place), and the run after the wait is refused again: one
	// entry, at the second refusal.
	if _, _, err := r.RetryOrders(ctx, now.Add(11*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Deliver(ctx, g, now.Add(11*time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.Posts(); n != 2 {
		t.Fatalf("%d order requests, want 2", n)
	}
	if ro := refused("refused again"); len(ro) != 1 || ro[0].ID != out.NotificationID || !ro[0].RefusedAt.Equal(now.Add(11*time.Minute)) {
		t.Fatalf("refused again: %+v, want one entry at the second refusal", ro)
	}
	// Altinn reaches it now: the retry is sent, and nothing is refused.
	delete(f.NoContact, hnFirma)
	again, err := r.Deliver(ctx, g, now.Add(time.Hour), false)
	if err != nil || again.Status != remind.StatusSent {
		t.Fatalf("deliver: %+v %v, want sent", again, err)
	}
	if ro := refused("sent"); len(ro) != 0 {
		t.Fatalf("after the order was placed: refused %+v, want none", ro)
	}
}

// A reminder by order alone whose outcome is unknown (a run stopped after
// its send began, before Altinn had the order) is settled by RetryOrders;
// refused for good there, it is failed and on the list of refused orders,
// once.
func TestByOrderUnknownRefusedListed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, _ := byOrderWorld(t, 1, true)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	id := crashInSend(t, st, g, r, now, false)
	f.NoContact[hnFirma] = true
	settleAt := now.Add(2 * time.Hour)
	for range 2 {
		if _, _, err := r.RetryOrders(ctx, settleAt, nil); err != nil {
			t.Fatal(err)
		}
	}
	if row := byOrderNotification(t, st, id); row.Status != "failed" {
		t.Fatalf("notification %+v, want failed", row)
	}
	ro, err := st.RefusedNotificationOrders(ctx)
	if err != nil || len(ro) != 1 || ro[0].ID != id || !ro[0].ByOrder || !ro[0].RefusedAt.Equal(settleAt) {
		t.Fatalf("refused orders %+v %v, want reminder %d's at %s", ro, err, id, settleAt)
	}
	if posts, _ := f.Posts(); posts != 1 {
		t.Fatalf("%d order requests, want 1 (the settling one)", posts)
	}
}

// The SMS is one SMS whatever the sender's name: a long name drops its
// number, then is cut to fit; a short one keeps both.
func TestByOrderSMSFitsOneSMS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want, not string
	}{
		{name: "Bergen kommune", want: "Bergen kommune (org.nr. 964338531) har sendt"},
		{name: "Statsforvalteren i Vestfold og Telemark", want: "Statsforvalteren i Vestfold og Telemark har sendt", not: "964338531"},
		{name: "Statsforvalteren i Vestfold og Telemark, avdeling for oppvekst og utdanning i Tønsberg", want: "Statsforvalteren i Vestfold", not: "Tønsberg"},
	} {
		ss := make([]remind.Shipment, 12)
		for i := range ss {
			ss[i] = remind.Shipment{ShipmentID: fmt.Sprint(i), Channel: "altinn", SenderOrg: "964338531", SenderOrgName: tc.name, Reminder: 1}
		}
		got := remind.SMS(hnFirma, ss)
		if n := utf8.RuneCountInString(got); n > 160 {
			t.Errorf("%s: SMS of %d characters, want one SMS (at most 160): %q", tc.name, n, got)
		}
		if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) || !strings.HasSuffix(got, "altinn.no.") {
			t.Errorf("%s: %q, want %q in it and not %q", tc.name, got, tc.want, tc.not)
		}
	}
	// 1,307 letters: the count grouped with a plain space, which GSM-7 has
	// (a no-break space would make it a UCS-2 SMS of 70 characters a part).
	many := make([]remind.Shipment, 1307)
	for i := range many {
		many[i] = remind.Shipment{ShipmentID: fmt.Sprint(i), Channel: "altinn", SenderOrg: "964338531", SenderOrgName: "Bergen kommune", Reminder: 1}
	}
	if got := remind.SMS(hnFirma, many); !strings.Contains(got, "1 307") || strings.ContainsRune(got, '\u00a0') {
		t.Errorf("SMS for 1,307 letters: %q, want 1 307 with a plain space", got)
	}
}
