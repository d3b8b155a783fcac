package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The overview shows, under one "as of", the unopened
// letters by age (overview_unopened_days), the top organisations and the
// persons' line (unopened_by_recipient_total) and the top units
// (unopened_by_unit). RefreshListSummaries refreshed these one statement
// after another, each with its own snapshot, so letters registered or
// opened while it ran were in one rollup and not in another: the same
// page's totals disagreed for a whole minute (review finding). Here a
// writer registers letters while the rollups refresh; after each refresh
// the three totals must agree.
func TestRollupsAreOneSnapshot(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s := sample(i)
			s.ChannelID = fmt.Sprintf("00000000-0000-4000-9000-%012d", i)
			if _, _, err := st.Register(ctx, []model.NewShipment{s}, store.SourceAPI, "test"); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	storetest.Register(t, st, sample(999999))
	var bad []string
	for r := 0; r < 40 && len(bad) == 0; r++ {
		if err := st.RefreshListSummaries(ctx); err != nil {
			t.Fatal(err)
		}
		var days, recip, units int
		if err := st.DB().QueryRow(`SELECT (SELECT COALESCE(sum(n),0) FROM overview_unopened_days),
			(SELECT COALESCE(sum(n),0) FROM unopened_by_recipient_total),
			(SELECT COALESCE(sum(n),0) FROM unopened_by_unit)`).Scan(&days, &recip, &units); err != nil {
			t.Fatal(err)
		}
		if days != recip || recip != units {
			bad = append(bad, fmt.Sprintf("refresh %d: by age %d, by organisation %d, by unit %d", r, days, recip, units))
		}
	}
	if len(bad) > 0 {
		t.Errorf("one refresh, three different totals of the unopened letters on the same overview: %v", bad)
	}
}
