package printing_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestRegisterThrottledNotAskedAgain: Enhetsregisteret answering 429
// (Retry-After an hour) asks postvakt to slow down. The address lookups
// went on asking it about every other organisation of the run, each one
// more request into the throttle; now the organisations after it are not
// asked this run: each of their lookups waits out the Retry-After as the
// throttled one does.
func TestRegisterThrottledNotAskedAgain(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	orgs := storetest.OrgNumbers(4)
	var letters []model.NewShipment
	for i, org := range orgs {
		l := storetest.Letter(i)
		l.RecipientID = org
		letters = append(letters, l)
	}
	ids := storetest.IDs(storetest.Register(t, st, letters...))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("VARSLET"))
	now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	var asked atomic.Int64
	reg := httpfake.New(t, nil)
	reg.Handle("GET /enheter/{nr}", func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"status":429}`))
	})
	svc := registerService(t, st, reg)
	if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
		t.Fatalf("order: %v", err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("Enhetsregisteret asked %d times after its 429, want once", n)
	}
	for i, id := range ids {
		var state string
		var due time.Time
		if err := st.DB().QueryRow(`SELECT state, due_at FROM print_orders WHERE shipment_id = $1`, id).Scan(&state, &due); err != nil {
			t.Fatal(err)
		}
		if state != store.PrintStateLookup || due.Before(now.Add(time.Hour)) {
			t.Errorf("letter to %s: %s, due %s; want its lookup waiting the register's hour", orgs[i], state, due)
		}
	}
}
