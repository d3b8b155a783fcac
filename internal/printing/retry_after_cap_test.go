package printing_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// farRetryAfter answers 503 with a Retry-After a century ahead (an HTTP
// date, as a misconfigured proxy in front of the provider may send).
func farRetryAfter(w http.ResponseWriter, _ int) bool {
	w.Header().Set("Retry-After", time.Now().AddDate(100, 0, 0).UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusServiceUnavailable)
	return true
}

// TestRetryAfterCenturyAheadIsBounded: a Retry-After a century ahead
// postpones neither a status poll nor a create by a century (the letter
// would never be printed, nor its order followed): the wait the provider
// asks for is honoured up to a day, as an Altinn Notifications order's is
// (remind's orderRetryAt). Before the fix both were put off by 100 years.
func TestRetryAfterCenturyAheadIsBounded(t *testing.T) {
	t.Run("status poll", func(t *testing.T) {
		w := newLostWorld(t, 1)
		w.srv.Script(farRetryAfter)
		at := w.t0.Add(time.Hour) // its first status poll
		w.poll(at)
		var next time.Time
		if err := w.st.DB().Get(&next, `SELECT lease_until FROM print_orders WHERE shipment_id = $1`, w.ids[0]); err != nil {
			t.Fatal(err)
		}
		if next.After(at.Add(24*time.Hour)) || !next.After(at) {
			t.Errorf("the status poll is asked again at %s, %s after it failed; want within a day", next.UTC(), next.Sub(at))
		}
	})
	t.Run("create", func(t *testing.T) {
		ctx := context.Background()
		st := storetest.Open(t)
		ids, now := printable(t, st, storetest.Letter(0))
		_, srv := newFakeProvider(t)
		srv.Script(farRetryAfter)
		svc := ordered(t, st, srv.URL, ids, now)
		if _, err := svc.Drain(ctx, now); err != nil {
			t.Fatal(err)
		}
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_attempt_at FROM print_outbox WHERE shipment_id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		if next.After(now.Add(24*time.Hour)) || !next.After(now) {
			t.Errorf("the create is sent again at %s, %s after it failed; want within a day", next.UTC(), next.Sub(now))
		}
	})
}
