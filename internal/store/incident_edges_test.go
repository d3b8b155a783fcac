package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestIncidentEdges: a period is [from, to): a letter sent exactly at to
// is not in it; a state named twice lists no letter twice. (From an
// independent review of the incident report.)
func TestIncidentEdges(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ships := storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2), storetest.Letter(3))
	storetest.Set(t, st, storetest.IDs(ships), storetest.State(model.StateAvailable))
	sent := map[string]time.Time{}
	for _, s := range ships {
		sent[s.ID] = s.SentAt
	}
	to := ships[2].SentAt
	f := store.IncidentFilter{From: ships[0].SentAt, To: to, States: []model.State{model.StateAvailable, model.StateAvailable}}
	n := 0
	if err := st.EachIncidentLetter(ctx, f, func(r *store.IncidentRow) error {
		n++
		if !r.SentAt.Before(to) {
			t.Errorf("a letter sent at to (%v) listed", r.SentAt)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sum, err := st.IncidentSummary(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range sum {
		total += c.N
	}
	p, err := st.IncidentPage(ctx, f, 500)
	if err != nil {
		t.Fatal(err)
	}
	if total != n || len(p.Letters) != n {
		t.Errorf("summary %d, letters %d, page %d", total, n, len(p.Letters))
	}
	t.Logf("letters %d", n)
}
