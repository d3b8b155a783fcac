package remind

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// scopedTokens gives the simulator's Altinn tokens (exchanged) with
// first's scopes until a service refuses one (Invalidate), then with
// second's: a client whose scopes were fixed between two tokens.
type scopedTokens struct {
	mu            sync.Mutex
	first, second TokenSource
	refused       int
}

func (s *scopedTokens) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	src := s.first
	if s.refused > 0 {
		src = s.second
	}
	s.mu.Unlock()
	return src.Token(ctx)
}

func (s *scopedTokens) Invalidate(string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused++
	return true
}

func (a *altinnSim) scoped(t *testing.T, first, second string) *scopedTokens {
	t.Helper()
	return &scopedTokens{first: a.altinn(t, first), second: a.altinn(t, second)}
}

// Against the simulator, which checks each Altinn API's own scope as the
// service's policy does (403 without a body): an order whose token has
// altinn:serviceowner but not notifications.create is refused, the token
// renewed once, and the same order (the same idempotencyId) placed once
// with the new one. So too Profile's lookup with a token without its
// scope.
func TestSimulatorRefusedScopeRenewedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAltinnSim(t)
	tokens := a.scoped(t, "altinn:serviceowner", NotificationsScope)
	request, err := OrderRequest(1, "k1", firma, "", &Message{Subject: "Påminnelse", Body: "Brev venter"}, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := (&Notifier{HTTP: a.client(t, a.URL+"/notifications/api/v1"), Tokens: tokens}).Order(ctx, request)
	if err != nil || id == "" || tokens.refused != 1 {
		t.Fatalf("order: %q %v, %d renewals; want it placed after one renewal", id, err, tokens.refused)
	}
	idem := `"idempotencyId":"` + OrderIdempotencyID("k1") + `"`
	if n := strings.Count(a.Bodies(), idem); n != 2 {
		t.Fatalf("%d requests with %s, want 2 (refused, then placed)", n, idem)
	}
	if orders := a.Sim.NotificationOrders(); len(orders) != 1 || orders[0].ID != id || orders[0].IdempotencyID != OrderIdempotencyID("k1") {
		t.Fatalf("simulator has orders %+v, want the one placed", orders)
	}

	tokens = a.scoped(t, "altinn:serviceowner", ProfileScope)
	var orgs []string
	for _, o := range a.Sim.Organisations() {
		if o.NotificationAddresses > 0 {
			orgs = append(orgs, o.OrgNr)
		}
	}
	found, err := (&Profile{HTTP: a.client(t, a.URL+"/profile/api/v1"), Tokens: tokens}).Lookup(ctx, orgs)
	if err != nil || len(found) == 0 || tokens.refused != 1 {
		t.Fatalf("lookup: %d found, %v, %d renewals; want addresses after one renewal", len(found), err, tokens.refused)
	}
}
