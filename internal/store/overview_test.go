package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The overview's numbers are the same read live and from the rollups, and
// a unit scope narrows them.
func TestOverviewLiveEqualsRollup(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	var items []model.NewShipment
	for i := 0; i < 12; i++ {
		s := sample(i)
		s.ChannelID = "ov-" + string(rune('a'+i))
		if i%3 == 0 {
			s.SenderUnit = "NAV"
		}
		items = append(items, s)
	}
	got := storetest.Register(t, st, items...)
	st.DB().MustExec(`UPDATE shipments SET state = 'opened', state_changed_at = sent_at + interval '2 days' WHERE id = $1`, got[1].ID)
	st.DB().MustExec(`UPDATE shipments SET state = 'rejected', state_changed_at = sent_at + interval '9 days' WHERE id = $1`, got[2].ID)
	read := func(scope store.Scope) ([]store.UnopenedDay, []store.Week, bool) {
		days, asOf, err := st.UnopenedByDay(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		weeks, wAsOf, err := st.Weeks(ctx, scope, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return days, weeks, asOf != nil && wAsOf != nil
	}
	for _, scope := range []store.Scope{{}, {SenderOrg: items[0].SenderOrg, SenderUnit: "NAV"}} {
		st.DB().MustExec(`UPDATE list_rollups SET refreshed_at = NULL, overview_refreshed_at = NULL`)
		liveDays, liveWeeks, fromRollup := read(scope)
		if fromRollup {
			t.Fatal("read from rollups before any refresh")
		}
		if err := st.RefreshListSummaries(ctx); err != nil {
			t.Fatal(err)
		}
		days, weeks, fromRollup := read(scope)
		if !fromRollup {
			t.Fatal("not read from the rollups after a refresh")
		}
		if !reflect.DeepEqual(days, liveDays) || !reflect.DeepEqual(weeks, liveWeeks) {
			t.Errorf("scope %+v: rollup %v %v, live %v %v", scope, days, weeks, liveDays, liveWeeks)
		}
		n, sent := 0, 0
		for _, d := range days {
			n += d.N
		}
		for _, w := range weeks {
			sent += w.Sent
		}
		want, wantSent := 10, 12
		if scope.SenderUnit != "" {
			want, wantSent = 4, 4
		}
		if n != want || sent != wantSent {
			t.Errorf("scope %+v: %d unopened, %d sent; want %d, %d", scope, n, sent, want, wantSent)
		}
		if last := weeks[len(weeks)-1]; scope.SenderUnit == "" && last.Unopened+2 != 12 && len(weeks) == 1 {
			t.Errorf("unopened at the end: %+v", last)
		}
	}
}
