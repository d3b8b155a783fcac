package remind_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/remind"
)

// Altinn Notifications refusing an order's token (a 401: a token it does
// not take, or none; a 403 without an error code: the token's scopes,
// after the one renewal) refuses every order of the run alike: it has no
// refusal of one order but its 400, 422 and coded 403. Each order was
// asked and refused all the same, one request and one error per reminder
// (thousands a run). The run asks no more after the first, as after a
// 429; a 403 with an error code is about that order and stops nothing.
var tokenRefusals = []struct {
	name   string
	answer func(w http.ResponseWriter, r *http.Request) bool
	stops  bool
}{
	{"401", func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}, true},
	{"403 without a body", func(w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusForbidden)
		return true
	}, true},
	{"403 with an error code", codedForbidden, false},
}

// TestRetryOrdersStopsWhenTokenRefused: RetryOrders' orders after a token
// refusal wait for a later run, no attempt counted.
func TestRetryOrdersStopsWhenTokenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range tokenRefusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, g, r := newOrderWorld(t, "svarut", hnFirma, 1, "")
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			const kept = 5
			keptOrders(t, st, "refused", g.Shipments[0].ShipmentID, kept, now.Add(-time.Hour))
			f.Fail = tc.answer
			placed, failed, err := r.RetryOrders(ctx, now, nil)
			if err != nil || placed != 0 {
				t.Fatalf("retry while refused: placed %d, %v", placed, err)
			}
			want := kept
			if tc.stops {
				want = 1
			}
			if n, _ := f.Posts(); n != want || len(failed) != want {
				t.Fatalf("%d orders posted, %d failed after Altinn answered %s; want %d", n, len(failed), tc.name, want)
			}
			var untried int
			if err := st.DB().Get(&untried, `SELECT count(*) FROM notifications WHERE key LIKE 'refused-%' AND order_attempts = 0`); err != nil {
				t.Fatal(err)
			}
			if untried != kept-want {
				t.Fatalf("%d orders without an attempt counted, want %d", untried, kept-want)
			}
		})
	}
}

// TestCourierStopsOrderingWhenTokenRefused: a run's reminders by order
// alone after a token refusal are failed as the first was (not placed,
// sent by a later run) without being sent.
func TestCourierStopsOrderingWhenTokenRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range tokenRefusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f, st, _, r, _ := byOrderWorld(t, 0, true)
			orgs := []string{hnFirma, "964338531", "910753614", "991825827"}
			gs := altinnLetterTo(t, st, orgs)
			f.Fail = tc.answer
			now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
			c := r.Courier()
			defer c.Close()
			for i, res := range c.Deliver(ctx, gs, now, false) {
				if res.Err != nil || res.Outcome.Status != remind.StatusFailed {
					t.Errorf("%s: %+v %v, want failed", orgs[i], res.Outcome, res.Err)
				}
			}
			want := len(orgs)
			if tc.stops {
				want = 1
			}
			if n, _ := f.Posts(); n != want {
				t.Fatalf("%d orders posted in one run after Altinn answered %s; want %d", n, tc.name, want)
			}
		})
	}
}
