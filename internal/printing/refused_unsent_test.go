package printing_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestCreateRefusedUnseenIsNeverSent: the provider answers a create with
// a 4xx that takes no order (401 after its API key was rotated, 403, 404
// from a wrong path, 429), and the letter is opened before the provider
// takes orders again. Such an answer says the order was not placed, as a
// connection refused does: the letter is skipped, no order placed. Before,
// the 4xx counted as a send that may have reached the provider: once the
// key was fixed the order was placed for the letter read meanwhile, and
// only a cancel in time kept it from being printed.
func TestCreateRefusedUnseenIsNeverSent(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letter(1))
			f, srv := newFakeProvider(t)
			var refusing atomic.Bool
			refusing.Store(true)
			srv.Script(func(w http.ResponseWriter, _ int) bool {
				if refusing.Load() {
					w.WriteHeader(status)
					return true
				}
				return false
			})
			svc := ordered(t, st, srv.URL, ids, now)
			if sum, err := svc.Drain(ctx, now); err != nil || sum.Retried != 1 {
				t.Fatalf("first drain: %s, %v; want the order retried", sum, err)
			}
			channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Minute))
			refusing.Store(false)
			sum, err := svc.Drain(ctx, now.Add(25*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			placed := len(f.orders)
			f.mu.Unlock()
			var state string
			if err := st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			if placed != 0 || state != store.PrintStateSkipped || sum.Skipped != 1 {
				t.Errorf("after HTTP %d and the letter opened: %d orders at the provider, print %s (%s); want none, skipped",
					status, placed, state, sum)
			}
		})
	}
}
