package poll_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/poll"
	"postvakt/internal/storetest"
)

// A 429 whose Retry-After is a date far in the future (a broken gateway: "Fri,
// 31 Dec 9999 23:59:59 GMT") is honoured for at most an hour
// (httpclient.MaxHonouredWait): its letters are asked again within a day,
// not in centuries, and the process asks the channel again two days later.
func TestFarFutureRetryAfterDoesNotSilenceTheChannelForever(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	ships := storetest.Register(t, st, altinnLetters(4)...)
	var throttle atomic.Bool
	throttle.Store(true)
	var calls atomic.Int64
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	al := altinnAt(t, logger, httpclient.Options{}, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if throttle.Load() {
			rw.Header().Set("Content-Type", "application/problem+json")
			rw.Header().Set("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")
			rw.WriteHeader(http.StatusTooManyRequests)
			rw.Write([]byte(`{"title":"Too Many Requests","status":429}`))
			return
		}
		rw.WriteHeader(http.StatusNotFound)
	}))
	clock := now
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return clock }})
	p.Poll(ctx, al) //nolint:errcheck
	for _, s := range ships {
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		if next.After(now.Add(24 * time.Hour)) {
			t.Errorf("letter %s is next polled %s from now (%s): one bad Retry-After parks it for good", s.ID, next.Sub(now).Round(time.Hour), next.Format(time.RFC3339))
			break
		}
	}
	throttle.Store(false)
	before := calls.Load()
	clock = now.Add(48 * time.Hour)
	storetest.Set(t, st, nil, storetest.NextPollAt(now)) // even with its letters due again
	p.Poll(ctx, al)                                      //nolint:errcheck
	if calls.Load() == before {
		t.Errorf("two days after one 429 with a far-future Retry-After the process still never asks the channel")
	}
}
