package remind_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/remind"
)

// TestCouriersOfARunShareTheThrottle: a run's delivery workers
// (Reminder.Couriers) are one client of Altinn Notifications: after it
// answered one worker's order 429 with a Retry-After, the other workers
// of the run do not send it their next orders either (before, each worker
// kept its own throttle: up to one more request into the 429 per worker).
func TestCouriersOfARunShareTheThrottle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, st, _, r, _ := byOrderWorld(t, 0, true)
	orgs := []string{hnFirma, "964338531", "910753614", "991825827"}
	gs := altinnLetterTo(t, st, orgs)
	f.Fail = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "10800")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	cs := r.Couriers(2)
	for _, c := range cs {
		defer c.Close()
	}
	for w, part := range [][]remind.Group{gs[:2], gs[2:]} {
		for i, res := range cs[w].Deliver(ctx, part, now, false) {
			if res.Err != nil || res.Outcome.Status != remind.StatusFailed {
				t.Fatalf("worker %d, %s: %+v %v, want failed", w, part[i].Org, res.Outcome, res.Err)
			}
		}
	}
	if n, _ := f.Posts(); n != 1 {
		t.Fatalf("%d orders posted by the run's two workers after Altinn answered 429 with Retry-After 3h; want 1", n)
	}
}
