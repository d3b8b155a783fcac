package register_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/register"
	"postvakt/internal/storetest"
)

// TestNamesThrottledStopsForTheRun: a 429 (Retry-After an hour) is the
// register asking postvakt to slow down, not one number's trouble. The
// names job went on asking Enhetsregisteret about every other number of
// the run, and asked the CVR again number by number after its search was
// throttled; it now stops asking that register for the run, the number
// asked waiting out the Retry-After, the rest left for a later run.
func TestNamesThrottledStopsForTheRun(t *testing.T) {
	no := storetest.OrgNumbers(6)
	dk := []string{"31201004", "29811008", "12341008", "23451018"}
	for _, tc := range []struct {
		name     string
		nrs      []string
		norway   bool
		requests int64
		failed   int
	}{
		{"Enhetsregisteret", no, true, 1, 1},
		{"CVR", dk, false, 1, len(dk)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Retry-After", "3600")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"status":429}`))
			}))
			defer srv.Close()
			hc, err := httpclient.New(httpclient.Options{Name: "register", BaseURL: srv.URL, Logger: quiet, Clock: noSleep{}})
			if err != nil {
				t.Fatal(err)
			}
			var items []model.NewShipment
			for i, nr := range tc.nrs {
				l := storetest.Letter(i + 1)
				l.RecipientID = nr
				items = append(items, l)
			}
			storetest.Register(t, st, items...)
			now := time.Now().Truncate(time.Second)
			n := &register.Namer{Store: st, Log: quiet, Now: func() time.Time { return now }}
			if tc.norway {
				n.Norway = &register.Brreg{HTTP: hc}
			} else {
				n.Denmark = &register.CVR{HTTP: hc, User: "u", Password: "p"}
			}
			sum, err := n.RunOnce(ctx, now)
			t.Logf("summary %+v err %v", sum, err)
			if got := requests.Load(); got != tc.requests {
				t.Errorf("%d requests after the register's 429, want %d (it said to wait an hour)", got, tc.requests)
			}
			if sum.Failed != tc.failed || sum.Asked != tc.failed {
				t.Errorf("summary %+v, want %d asked and failed", sum, tc.failed)
			}
			var waiting int
			if err := st.DB().Get(&waiting, `SELECT count(*) FROM register_retries WHERE retry_at >= $1`, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if waiting != tc.failed {
				t.Errorf("%d numbers wait out the Retry-After, want %d", waiting, tc.failed)
			}
		})
	}
}
