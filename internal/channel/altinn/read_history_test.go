package altinn

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
)

// TestReadInTheHistoryIsNotUndone: a top-level status that says less than
// the history (Fetched or Published named although the history has the
// letter Read: the latest entry rather than the highest) leaves the letter
// opened since its Read, its status as sent; a history without a reading
// leaves it as the top-level status says (available since Published).
func TestReadInTheHistoryIsNotUndone(t *testing.T) {
	read := []event{{"Published", t0}, {"Read", t0.Add(time.Hour)}, {"Fetched", t0.Add(2 * time.Hour)}}
	cases := []struct {
		top   string
		hist  []event
		state model.State
		since time.Time // EnteredAt, or ChangedAt when that is zero
	}{
		{"Fetched", read, model.StateOpened, t0.Add(time.Hour)},
		{"Published", read, model.StateOpened, t0.Add(time.Hour)},
		{"Fetched", []event{{"Published", t0}, {"Fetched", t0.Add(2 * time.Hour)}}, model.StateAvailable, t0},
	}
	f := newFake(t)
	var ids []string
	for i, c := range cases {
		f.add(&fakeCorr{id: uuid(i + 1), created: t0, history: c.hist, top: c.top})
		ids = append(ids, uuid(i+1))
	}
	obs, err := newAdapter(t, f, setup{}).Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		o := obs[i]
		since := o.EnteredAt
		if since.IsZero() {
			since = o.ChangedAt
		}
		if o.Err != nil || o.Status != c.top || o.State != c.state || !since.Equal(c.since) {
			t.Errorf("top %s over %v: %s %s since %s (%v); want %s since %s", c.top, c.hist, o.Status, o.State, since, o.Err, c.state, c.since)
		}
	}
}
