package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestAvailableAtFromTheChannel: a letter first seen opened is available
// since the time the channel gives for that (an Altinn history's
// Published), not since it was read; without such a time, since its state
// changed; a time after the change is not taken.
func TestAvailableAtFromTheChannel(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	items := storetest.Letters(4)
	ids := storetest.IDs(storetest.Register(t, st, items...))
	sent := items[0].SentAt
	read, published := sent.Add(5*time.Hour), sent.Add(time.Hour)
	var res []store.PollResult
	for i, avail := range []time.Time{published, {}, read.Add(time.Hour)} {
		res = append(res, store.PollResult{Due: store.Due{ID: ids[i], ChannelID: items[i].ChannelID, State: model.StateRegistered, SentAt: sent},
			Source: "altinn", ObservedAt: read.Add(2 * time.Hour), Status: "Read", State: model.StateOpened, ChangedAt: read, AvailableAt: avail})
	}
	// Read at 15:00, then Confirmed at 17:00: opened since the Read, the
	// status Confirmed dated by its own time.
	res = append(res, store.PollResult{Due: store.Due{ID: ids[3], ChannelID: items[3].ChannelID, State: model.StateRegistered, SentAt: sent},
		Source: "altinn", ObservedAt: read.Add(3 * time.Hour), Status: "Confirmed", State: model.StateOpened, ChangedAt: read.Add(2 * time.Hour),
		EnteredAt: read, AvailableAt: published})
	if w, err := st.ApplyPoll(ctx, res); err != nil || w.Changed != 4 {
		t.Fatalf("apply: %+v %v", w, err)
	}
	for i, want := range []time.Time{published, read, read, published} {
		var changed, avail time.Time
		if err := st.DB().QueryRowx(`SELECT state_changed_at, available_at FROM shipments WHERE id = $1`, ids[i]).Scan(&changed, &avail); err != nil {
			t.Fatal(err)
		}
		if !changed.Equal(read) || !avail.Equal(want) {
			t.Errorf("letter %d: opened %s, available %s; want opened %s, available %s", i, changed, avail, read, want)
		}
	}
}
