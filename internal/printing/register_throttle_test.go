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
	st, orgs, ids := fourOrgsWaiting(t)
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

// TestRegisterRefusingNotAskedAgain: Enhetsregisteret's address (a proxy
// in front of it) refusing the request itself (401, 403; a web page for a
// 404 at a wrong POSTVAKT_REGISTER_URL) says the register cannot be asked
// now, not that an organisation is unknown: the names job leaves it alone
// for the run, and so do the address lookups now. Before, every other
// organisation of the run was asked into the same refusal. Each lookup is
// retried later, none sent to manual handling.
func TestRegisterRefusingNotAskedAgain(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		ctype  string
		body   string
	}{
		{"401", http.StatusUnauthorized, "application/json", `{"error":"unauthorized"}`},
		{"403", http.StatusForbidden, "application/json", `{"error":"forbidden"}`},
		{"404 web page", http.StatusNotFound, "text/html", `<html><body>Not Found</body></html>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, orgs, ids := fourOrgsWaiting(t)
			now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
			var asked atomic.Int64
			reg := httpfake.New(t, nil)
			reg.Script(func(w http.ResponseWriter, _ int) bool {
				asked.Add(1)
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
				return true
			})
			svc := registerService(t, st, reg)
			if err := svc.Order(ctx, ids, "taushetsbelagt", false, now); err != nil {
				t.Fatalf("order: %v", err)
			}
			if n := asked.Load(); n != 1 {
				t.Errorf("register asked %d times after refusing the first request, want once", n)
			}
			for i, id := range ids {
				var state string
				if err := st.DB().QueryRow(`SELECT state FROM print_orders WHERE shipment_id = $1`, id).Scan(&state); err != nil {
					t.Fatal(err)
				}
				if state != store.PrintStateLookup {
					t.Errorf("letter to %s: %s; want its lookup retried later", orgs[i], state)
				}
			}
		})
	}
}

// fourOrgsWaiting is a store with one letter to each of four
// organisations, available and unopened: what the lookups of a run go
// through one organisation after another. It returns the organisations'
// numbers and their letters' ids, in one order.
func fourOrgsWaiting(t *testing.T) (*store.Store, []string, []string) {
	t.Helper()
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
	return st, orgs, ids
}
