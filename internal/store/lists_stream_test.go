package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// EachShipmentFacts streams the rows EachShipment streams, in its order
// and with the same values as a list's page (ListShipments), each with
// the letter's escalation facts as the escalation reads them by id
// (OpenShipmentsByIDs): an export works out the next step from the one
// query.
func TestEachShipmentFacts(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	last := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	st.DB().MustExec(`UPDATE shipments SET reminders_sent = 1, last_reminded_at = $2, escalation_step = 'reminder 1',
		next_step_at = $3 WHERE id = $1`, got[3].ID, last, last.AddDate(0, 0, 3))
	storetest.Set(t, st, []string{got[6].ID}, storetest.UnknownToChannelSince(last))
	f := store.ListFilter{List: store.ListUnopened}
	page, err := st.ListShipments(ctx, store.ListFilter{List: store.ListUnopened, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(page.Rows))
	for i, r := range page.Rows {
		ids[i] = r.ID
	}
	facts, err := st.OpenShipmentsByIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.ListRow
	err = st.EachShipmentFacts(ctx, f, func(r *store.ListRow, o *store.OpenShipment) error {
		rows = append(rows, *r)
		if want := facts[r.ID]; !reflect.DeepEqual(*o, want) {
			t.Errorf("the facts of %s:\n%+v\nwant\n%+v", r.ID, *o, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 || !reflect.DeepEqual(rows, page.Rows) {
		t.Errorf("streamed %d rows, want the page's %d:\n%+v\n%+v", len(rows), len(page.Rows), rows, page.Rows)
	}
	if o := facts[got[3].ID]; o.EscalationStep != "reminder 1" || o.NextStepAt == nil || o.LastRemindedAt == nil {
		t.Errorf("the reminded letter's facts %+v: want its step, next step and last reminder", o)
	}
}

// A compliance officer answering a court or Datatilsynet must say, letter
// by letter, when it was reminded and when its print was ordered and
// placed: the export's stream (EachShipmentFacts) reads each letter's
// first reminder (its sent reminders' earliest: not one whose outcome is
// unknown, nor one superseded), its print order's time and state, and
// when the print provider accepted the order (the order's placed_at,
// which the retention purge keeps), all in its one query; a letter neither reminded nor
// printed has none of them, a held print has no placing. Before, the
// export had only the last reminder.
func TestEachShipmentFactsHistory(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	db := st.DB()
	at := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	reminded, printed, held, plain := got[3].ID, got[4].ID, got[6].ID, got[7].ID
	notification := func(key, status string, sentAt *time.Time, reminder int, letters ...string) {
		var id int64
		if err := db.Get(&id, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, sent_at, updated_at)
			VALUES ($1, '974760673', $2, $3, $3, $4, $3) RETURNING id`, key, status, at.AddDate(0, 0, -10), sentAt); err != nil {
			t.Fatal(err)
		}
		for _, l := range letters {
			db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder, active) VALUES ($1, $2, $3, $4)`,
				id, l, reminder, status != "superseded")
		}
	}
	first, second := at, at.AddDate(0, 0, 7)
	notification("superseded", "superseded", nil, 1, reminded)
	notification("first", "sent", &first, 1, reminded, printed)
	notification("second", "sent", &second, 2, reminded)
	notification("unknown", "unknown", nil, 3, reminded)
	db.MustExec(`UPDATE shipments SET reminders_sent = CASE WHEN id = $1 THEN 2 ELSE 1 END, last_reminded_at = CASE WHEN id = $1 THEN $3::timestamptz ELSE $4::timestamptz END
		WHERE id IN ($1, $2)`, reminded, printed, second, first)
	ordered, placed := at.AddDate(0, 0, 14), at.AddDate(0, 0, 14).Add(3*time.Minute)
	for _, p := range []struct {
		id, state, order string
		placed           *time.Time
	}{{printed, "received", "ORD-1", &placed}, {held, "held", "", nil}} {
		db.MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, order_id, placed_at, created_at, updated_at)
			VALUES ($1, 'default', false, $5, $2, $3, $6, $4, $4)`, p.id, p.state, p.order, ordered, "k-"+p.id, p.placed)
	}

	type history struct {
		reminders       int
		first, last     *time.Time
		ordered, placed *time.Time
		printState      string
	}
	want := map[string]history{
		reminded: {reminders: 2, first: &first, last: &second},
		printed:  {reminders: 1, first: &first, last: &first, ordered: &ordered, placed: &placed, printState: "received"},
		held:     {ordered: &ordered, printState: "held"},
		plain:    {},
	}
	eq := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
	seen := 0
	err := st.EachShipmentFacts(ctx, store.ListFilter{List: store.ListAll}, func(r *store.ListRow, _ *store.OpenShipment) error {
		w, ok := want[r.ID]
		if !ok {
			return nil
		}
		seen++
		if r.RemindersSent != w.reminders || !eq(r.FirstRemindedAt, w.first) || !eq(r.LastReminded, w.last) ||
			!eq(r.PrintOrderedAt, w.ordered) || !eq(r.PrintPlacedAt, w.placed) || r.PrintState != w.printState {
			t.Errorf("%s: reminders %d first %v last %v, print ordered %v placed %v state %q; want %+v", r.ID, r.RemindersSent,
				r.FirstRemindedAt, r.LastReminded, r.PrintOrderedAt, r.PrintPlacedAt, r.PrintState, w)
		}
		return nil
	})
	if err != nil || seen != len(want) {
		t.Fatalf("streamed %d of the %d letters: %v", seen, len(want), err)
	}
}
