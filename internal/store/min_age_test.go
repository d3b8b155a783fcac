package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestMinAgeBoundIncludesTheBoundary: "at least N days old" (the lists' and
// the API's min_age, `report --min-age`, the follow-up of a confidential
// letter unread for POSTVAKT_FOLLOWUP_UNREAD_DAYS) includes a letter sent
// exactly N×24 h ago, and leaves out one a millisecond younger.
func TestMinAgeBoundIncludesTheBoundary(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	const days = 30
	exact := now.Add(-days * 24 * time.Hour)
	cases := []struct {
		name   string
		sentAt time.Time
		want   bool
	}{
		{"a millisecond older", exact.Add(-time.Millisecond), true},
		{"exactly N days old", exact, true},
		{"a millisecond younger", exact.Add(time.Millisecond), false},
	}
	var items []model.NewShipment
	for i, c := range cases {
		ns := sample(200 + i)
		ns.SentAt = c.sentAt
		items = append(items, ns)
	}
	got := storetest.Register(t, st, items...)
	listed := map[string]bool{}
	if err := st.EachShipment(ctx, store.ListFilter{List: store.ListUnopened, SentUntil: store.MinAgeBound(now, days)},
		func(r *store.ListRow) error { listed[r.ID] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenFollowUps(ctx, store.MinAgeBound(now, days), now.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	followed := map[string]bool{}
	open, err := st.FollowUps(ctx, store.Scope{}, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range open {
		followed[f.ShipmentID] = true
	}
	for i, c := range cases {
		if listed[got[i].ID] != c.want {
			t.Errorf("%s: in the list filtered min_age=%d is %v, want %v", c.name, days, listed[got[i].ID], c.want)
		}
		if followed[got[i].ID] != c.want {
			t.Errorf("%s: follow-up opened for unread %d days is %v, want %v", c.name, days, followed[got[i].ID], c.want)
		}
	}
}
