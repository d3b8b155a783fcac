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
