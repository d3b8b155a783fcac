package remind_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
)

// profileAddrs are hnFirma's notification addresses in Altinn Profile:
// its daglig leder's, which Altinn Notifications sends an order to too.
var profileAddrs = []string{"dagligleder@firma.example.no", "post@firma.example.no"}

// profileWorld is byOrderWorld (Altinn Notifications on) where the
// business's only addresses are the ones looked up in Altinn Profile
// (cached in the store, as a run's Resolver leaves them), and mailpit
// started with args.
func profileWorld(t *testing.T, n int, args ...string) (*fakeAltinn, *store.Store, remind.Group, *remind.Reminder, *mailpittest.Server) {
	t.Helper()
	f := newFakeAltinn(t)
	st, g := hnLetters(t, "altinn", hnFirma, n)
	f.Addresses[hnFirma] = profileAddrs
	if err := st.StoreLookedUpContacts(context.Background(), []string{hnFirma}, map[string][]string{hnFirma: profileAddrs},
		time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t, args...)
	return f, st, g, hnReminder(t, st, mp.SMTPAddr, f, ""), mp
}

// recipientsOf are the messages' recipients, each message's sorted and
// joined.
func recipientsOf(ms []mailpittest.Message) []string {
	var out []string
	for _, m := range ms {
		var to []string
		for _, a := range m.To {
			to = append(to, a.Address)
		}
		sort.Strings(to)
		out = append(out, strings.Join(to, ","))
	}
	return out
}

// profileRow is what the notification log holds of the reminder's route.
type profileRow struct {
	Status     string   `db:"status"`
	Recipients []string `db:"-"`
	Rcpts      string   `db:"rcpts"`
	OrderID    string   `db:"order_id"`
	HasRequest bool     `db:"has_request"`
	Refused    bool     `db:"refused"`
	OrderError string   `db:"order_error"`
	LastError  string   `db:"last_error"`
}

func profileNotification(t *testing.T, st *store.Store, id int64) profileRow {
	t.Helper()
	var row profileRow
	if err := st.DB().Get(&row, `SELECT status, array_to_string(recipients, ',') AS rcpts, order_id,
			order_request IS NOT NULL AS has_request, order_refused_at IS NOT NULL AS refused, order_error, last_error
		FROM notifications WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if row.Rcpts != "" {
		row.Recipients = strings.Split(row.Rcpts, ",")
	}
	return row
}

// One reminder, not two: with Altinn Notifications on, a business whose
// only e-mail addresses are Altinn Profile's (the very addresses
// Notifications sends to) is reminded by the order alone; no e-mail goes to
// those addresses besides. One with an address an operator imported gets
// its e-mail there, and the order beside it, as before. The evidence says
// which way it went; a later run sends and orders nothing again.
func TestProfileAddressesOneReminder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		imported bool
		route    remind.Route
		mails    []string
		evidence string
	}{
		{"Profile's addresses only: the order alone", false, remind.RouteOrder, nil, "through Altinn Notifications"},
		{"an imported address: the e-mail to it and the order beside", true, remind.RouteEmail, []string{"post@example.no"}, "by e-mail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r, mp := profileWorld(t, 2)
			if c.imported {
				if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: hnFirma, Email: "post@example.no"}}, "test"); err != nil {
					t.Fatal(err)
				}
			}
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			out, err := r.Deliver(ctx, g, now, false)
			if err != nil || out.Status != remind.StatusSent || out.Route != c.route || out.OrderID == "" || out.OrderErr != nil {
				t.Fatalf("deliver: %+v %v, want sent by %s with an order", out, err, c.route)
			}
			if got := recipientsOf(mp.Messages(t)); !reflect.DeepEqual(got, c.mails) {
				t.Fatalf("e-mails to %q, want %q", got, c.mails)
			}
			if orders := f.Orders(); len(orders) != 1 || orders[0].OrgNumber != hnFirma {
				t.Fatalf("%d orders, want 1 to %s", len(orders), hnFirma)
			}
			var events []string
			if err := st.DB().Select(&events, `SELECT message FROM shipment_events WHERE kind = $1 AND payload->>'notification_id' = $2::text`,
				store.EventReminder, out.NotificationID); err != nil || len(events) != 2 || !strings.Contains(events[0], c.evidence) ||
				strings.Contains(events[0], "refused") {
				t.Fatalf("reminder events %q (%v), want 2 saying %q", events, err, c.evidence)
			}
			later := now.Add(time.Hour)
			if again, err := r.Deliver(ctx, g, later, false); err != nil || again.Status != remind.StatusNothing {
				t.Fatalf("next run: %+v %v, want nothing", again, err)
			}
			if placed, failed, err := r.RetryOrders(ctx, later, nil); err != nil || placed != 0 || len(failed) != 0 {
				t.Fatalf("retry orders: %d %v %v, want nothing to place", placed, failed, err)
			}
			if n, _ := f.Posts(); n != 1 || len(mp.Messages(t)) != len(c.mails) {
				t.Fatalf("%d order requests and %d e-mails after the next run, want 1 and %d", n, len(mp.Messages(t)), len(c.mails))
			}
		})
	}
}

// An order Altinn refuses (422 NOT-00001 for good; a 400, a setting of
// postvakt's) was not placed: the business is still reminded, by e-mail
// to its Altinn Profile addresses, in the same run. The order is given
// up: never placed beside that e-mail later (the reminder twice), and one
// refused for good is listed as an order refused beside an e-mail. The
// evidence says by e-mail; the notification keeps Altinn's answer.
func TestProfileAddressesOrderRefusedFallsBackToEmail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		refuse  func(f *fakeAltinn)
		forGood bool
	}{
		{"422 NOT-00001", func(f *fakeAltinn) { f.NoContact[hnFirma] = true }, true},
		{"400", func(f *fakeAltinn) {
			f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
				validationProblem(w, map[string][]string{"Recipient.RecipientOrganization.ResourceId": {"ResourceId must have a valid syntax."}})
				return true
			}
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r, mp := profileWorld(t, 1)
			c.refuse(f)
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			out, err := r.Deliver(ctx, g, now, false)
			if err != nil || out.Status != remind.StatusSent || out.Route != remind.RouteEmail || out.OrderErr == nil || out.OrderID != "" {
				t.Fatalf("deliver: %+v %v, want sent by e-mail with the order's refusal", out, err)
			}
			if got := recipientsOf(mp.Messages(t)); !reflect.DeepEqual(got, []string{strings.Join(profileAddrs, ",")}) {
				t.Fatalf("e-mails to %q, want one to the Profile addresses", got)
			}
			row := profileNotification(t, st, out.NotificationID)
			if row.Status != "sent" || !reflect.DeepEqual(row.Recipients, profileAddrs) || row.HasRequest || row.OrderID != "" ||
				row.Refused != c.forGood || row.OrderError == "" || !strings.Contains(row.LastError, "refused the order") {
				t.Fatalf("notification %+v, want sent by e-mail to the Profile addresses, its order given up", row)
			}
			refused, err := st.RefusedNotificationOrders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if listed := len(refused) == 1 && refused[0].ID == out.NotificationID && !refused[0].ByOrder; listed != c.forGood {
				t.Fatalf("refused orders %+v; listed as refused beside an e-mail: want %v", refused, c.forGood)
			}
			var events []string
			if err := st.DB().Select(&events, `SELECT message FROM shipment_events WHERE kind = $1`, store.EventReminder); err != nil ||
				len(events) != 1 || !strings.Contains(events[0], "by e-mail") || !strings.Contains(events[0], "2 address(es)") ||
				!strings.Contains(events[0], "Altinn Notifications refused its order") {
				t.Fatalf("reminder events %q (%v), want one saying by e-mail to 2 addresses, the order refused", events, err)
			}
			// Altinn takes orders again: the given-up order is not placed
			// beside the e-mail, at once or a day later; nothing is sent.
			f.Fail, f.NoContact = nil, map[string]bool{}
			for _, at := range []time.Duration{time.Hour, 25 * time.Hour} {
				if placed, failed, err := r.RetryOrders(ctx, now.Add(at), nil); err != nil || placed != 0 || len(failed) != 0 {
					t.Fatalf("retry orders: %d %v %v, want nothing to place", placed, failed, err)
				}
				if again, err := r.Deliver(ctx, g, now.Add(at), false); err != nil || again.Status != remind.StatusNothing {
					t.Fatalf("next run: %+v %v, want nothing", again, err)
				}
			}
			if n, _ := f.Posts(); n != 1 || len(f.Orders()) != 0 || len(mp.Messages(t)) != 1 {
				t.Fatalf("%d order requests, %d orders, %d e-mails; want 1, 0, 1", n, len(f.Orders()), len(mp.Messages(t)))
			}
		})
	}
}

// killedAt is the store as a courier finds it whose process is killed (kill
// -9) at one point of a reminder's fallback: before the fallback is
// recorded (fallback), or after its e-mail went, before its outcome is
// recorded (record). Nothing after that point reaches the database.
type killedAt struct {
	*store.Store
	fallback, record bool
}

func (k *killedAt) FallBackToEmail(ctx context.Context, id int64, recipients []string, cause string, refused bool, now time.Time) error {
	if k.fallback {
		return errors.New("killed")
	}
	return k.Store.FallBackToEmail(ctx, id, recipients, cause, refused, now)
}

func (k *killedAt) RecordReminders(ctx context.Context, outs []store.ReminderOutcome, now time.Time) ([]int64, error) {
	if k.record {
		return nil, errors.New("killed")
	}
	return k.Store.RecordReminders(ctx, outs, now)
}

// A process killed while a refused order's reminder falls back to e-mail
// never reminds twice, and still reminds: killed after the e-mail went
// (before its outcome was recorded) the reminder is unknown after its
// lease, never sent again by itself nor ordered; killed before the
// fallback was recorded (nothing sent) it is unknown by order, settled by
// placing the order again (refused again: failed), and a later run sends
// the e-mail, once.
func TestProfileAddressesFallbackKilled(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name            string
		kill            killedAt
		mails, requests int // after the later runs
	}{
		{"after the e-mail", killedAt{record: true}, 1, 1},
		{"before the fallback", killedAt{fallback: true}, 1, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r, mp := profileWorld(t, 1)
			f.NoContact[hnFirma] = true
			k := c.kill
			k.Store = st
			r.Log, r.Orders.Log = &k, &k
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			if _, err := r.Deliver(ctx, g, now, false); err == nil {
				t.Fatal("deliver: no error, want the kill's")
			}
			// The restarted process: the store as it is.
			r.Log, r.Orders.Log = st, st
			if _, err := st.ExpirePendingNotifications(ctx, now.Add(time.Hour), 10*time.Minute); err != nil {
				t.Fatal(err)
			}
			var status string
			if err := st.DB().Get(&status, `SELECT status FROM notifications`); err != nil || status != "unknown" {
				t.Fatalf("after the lease: %q %v, want unknown", status, err)
			}
			for _, at := range []time.Duration{time.Hour, 2 * time.Hour, 25 * time.Hour} {
				if _, _, err := r.RetryOrders(ctx, now.Add(at), nil); err != nil {
					t.Fatal(err)
				}
				if _, err := r.Deliver(ctx, g, now.Add(at), false); err != nil {
					t.Fatal(err)
				}
			}
			if n, _ := f.Posts(); n != c.requests || len(mp.Messages(t)) != c.mails || len(f.Orders()) != 0 {
				t.Fatalf("%d order requests, %d e-mails, %d orders; want %d, %d, 0", n, len(mp.Messages(t)), len(f.Orders()), c.requests, c.mails)
			}
		})
	}
}

// The fallback e-mail refused too (the mail server refuses every address
// for good): the reminder is failed and waits as any failed reminder
// does, not tried again at every run; after its wait it goes by order
// first again.
func TestProfileAddressesFallbackFailedWaits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, mp := profileWorld(t, 1, "--enable-chaos")
	f.NoContact[hnFirma] = true
	mp.SetChaos(t, 550)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusFailed || out.Route != remind.RouteEmail {
		t.Fatalf("deliver: %+v %v, want failed by e-mail", out, err)
	}
	row := profileNotification(t, st, out.NotificationID)
	if row.Status != "failed" || len(row.Recipients) != 0 || !strings.Contains(row.LastError, "the e-mail failed too") {
		t.Fatalf("notification %+v, want failed saying both refusals", row)
	}
	for _, at := range []time.Duration{5 * time.Minute, 11 * time.Minute} {
		if _, err := r.Deliver(ctx, g, now.Add(at), false); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := f.Posts(); n != 2 {
		t.Fatalf("%d order requests, want 2 (at 0 and after the 10-minute wait)", n)
	}
}

// A reminder whose order Altinn refused and whose fallback e-mail failed
// too, claimed again after Altinn Notifications was switched off, goes by
// plain e-mail to the Profile addresses: its evidence says by e-mail and
// nothing of a refused order (the notification row is reused, and kept the
// earlier try's order_error: the evidence said "Altinn Notifications
// refused its order" of an e-mail no order was placed for), and it is not
// listed as an order refused beside an e-mail.
func TestProfileAddressesFallbackFailedThenNotificationsOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, g, r, mp := profileWorld(t, 1, "--enable-chaos")
	f.NoContact[hnFirma] = true
	mp.SetChaos(t, 550)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	out, err := r.Deliver(ctx, g, now, false)
	if err != nil || out.Status != remind.StatusFailed || !out.OrderGivenUp {
		t.Fatalf("deliver: %+v %v, want failed by its fallback e-mail", out, err)
	}
	r.Orders = nil // Notifications switched off
	mp.SetChaos(t, 0)
	out, err = r.Deliver(ctx, g, now.Add(11*time.Minute), false)
	if err != nil || out.Status != remind.StatusSent || out.Route != remind.RouteEmail || out.OrderGivenUp || out.OrderErr != nil {
		t.Fatalf("deliver after Notifications was switched off: %+v %v, want sent by e-mail, no order", out, err)
	}
	if got := recipientsOf(mp.Messages(t)); !reflect.DeepEqual(got, []string{strings.Join(profileAddrs, ",")}) {
		t.Fatalf("e-mails to %q, want one to the Profile addresses", got)
	}
	row := profileNotification(t, st, out.NotificationID)
	if row.Status != "sent" || row.HasRequest || row.OrderID != "" || row.Refused || row.OrderError != "" {
		t.Fatalf("notification %+v, want sent by e-mail with no order state of the earlier try", row)
	}
	var events []string
	if err := st.DB().Select(&events, `SELECT message FROM shipment_events WHERE kind = $1`, store.EventReminder); err != nil ||
		len(events) != 1 || !strings.Contains(events[0], "by e-mail") || strings.Contains(events[0], "refused") {
		t.Fatalf("reminder events %q (%v), want one saying by e-mail, nothing refused", events, err)
	}
	if refused, err := st.RefusedNotificationOrders(ctx); err != nil || len(refused) != 0 {
		t.Fatalf("refused orders %+v (%v), want none: no order went with this e-mail", refused, err)
	}
}
