package remind_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/storetest"
)

// TestResolverStopsWhenThrottled: Altinn Profile answering a lookup 429
// with a Retry-After asks postvakt to slow down. The organisations of
// the batches after it are not asked this run (each would be one more
// request Altinn said not to make, and with a shorter Retry-After the
// HTTP client's waits, batch after batch, held the run): they are
// unknown this run, and the next run asks them.
func TestResolverStopsWhenThrottled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFakeAltinn(t)
	f.ProfileFail = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "10800")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	orgs := []string{"974760673", "964338531", "910753614", "991825827", "987654325", "912345678"}
	res := &remind.Resolver{Book: storetest.Open(t), Batch: 2, Logger: slog.New(slog.DiscardHandler),
		Profile: &remind.Profile{HTTP: hnClient(t, f.ProfileBase()), Tokens: staticTokens("tok-profile")}}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	got, err := res.Resolve(ctx, orgs, now, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if !got.Unknown[o] {
			t.Errorf("%s: not unknown after the lookup was throttled (found %v)", o, got.Found[o])
		}
	}
	f.mu.Lock()
	n := f.lookups
	f.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d lookups after Altinn Profile answered 429 with Retry-After 3h; want 1", n)
	}
}
