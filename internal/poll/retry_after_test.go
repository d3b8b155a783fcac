package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel/altinn"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/storetest"
)

// A channel that answers 429 with a Retry-After longer than the HTTP
// client waits itself (an hour here) is left alone: the cycle asks it no
// more than a request or two, and every letter of the cycle waits at least
// the hour before it is asked again (SPEC: retries honour Retry-After).
// What was already in flight when the first 429 came (Altinn's adapter asks
// eight letters at a time) may still be asked; nothing after.
func TestPollerHonoursALongRetryAfter(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond) // as PostgreSQL keeps it
	const n = 40
	ships := storetest.Register(t, st, altinnLetters(n)...)
	var calls atomic.Int64
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	al := altinnAt(t, logger, httpclient.Options{}, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		rw.Header().Set("Content-Type", "application/problem+json")
		rw.Header().Set("Retry-After", "3600")
		rw.WriteHeader(http.StatusTooManyRequests)
		rw.Write([]byte(`{"title":"Too Many Requests","status":429}`))
	}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	p.Poll(ctx, al) //nolint:errcheck // the channel refuses: an error is expected
	t.Logf("requests in the cycle: %d for %d letters", calls.Load(), n)
	if c := calls.Load(); c > 8 {
		t.Errorf("the channel said 429 Retry-After: 3600, and the cycle went on asking it: %d requests", c)
	}
	for _, s := range ships {
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		if next.Before(now.Add(time.Hour)) {
			t.Errorf("letter %s is polled again at %s, %s after the 429, before the channel's Retry-After (1h)",
				s.ID, next.Format(time.RFC3339), next.Sub(now))
			break
		}
	}
}

// altinnAt is an Altinn adapter asking h (an httptest server closed with
// the test), its HTTP client opts with name, base URL and logger filled in.
func altinnAt(t *testing.T, logger *slog.Logger, opts httpclient.Options, h http.Handler) *altinn.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.Name, opts.BaseURL, opts.Logger = "altinn", srv.URL, logger
	hc, err := httpclient.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	al, err := altinn.New(altinn.Config{BaseURL: srv.URL, ResourceID: "r", Logger: logger}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return al
}

// altinnLetters are n letters on Altinn (storetest.Letter's).
func altinnLetters(n int) (out []model.NewShipment) {
	for i := 0; i < n; i++ {
		it := storetest.Letter(i)
		it.Channel = "altinn"
		out = append(out, it)
	}
	return out
}

// A feed (Digital Post's event log) that answers 429 with a Retry-After of
// an hour is not read again within the hour, and is read as usual after it.
func TestFeedHonoursALongRetryAfter(t *testing.T) {
	w := newFeedWorld(t)
	ctx := context.Background()
	var log bytes.Buffer
	p, ch := w.poller(&log), w.adapter(t)
	w.clock.Advance(time.Hour)
	w.register(t, "A", "B", "C", "D")
	w.throttle.Store(true)
	if _, err := p.Poll(ctx, ch); err == nil {
		t.Fatal("a read answered 429 did not fail")
	}
	first := w.asked.Load()
	if first == 0 {
		t.Fatal("the log was not asked at all")
	}
	w.throttle.Store(false)
	w.clock.Advance(30 * time.Minute)
	if _, err := p.Poll(ctx, ch); err != nil {
		t.Fatalf("within the hour: %v", err)
	}
	if n := w.asked.Load(); n != first {
		t.Errorf("the log was asked %d times within the hour it asked to be left alone", n-first)
	}
	w.clock.Advance(31 * time.Minute)
	sum, err := p.Poll(ctx, ch)
	if err != nil {
		t.Fatalf("after the hour: %v", err)
	}
	if w.asked.Load() == first || sum.Polled == 0 {
		t.Errorf("after the hour the log was not read (%d requests, %d entries)", w.asked.Load()-first, sum.Polled)
	}
}
