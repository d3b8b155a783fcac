package poll_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/channel/altinn"
	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
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

// Altinn's rate limit answered with a Retry-After the client would wait out
// itself (90 s, within its two-minute cap) but the batch's time has no room
// for (BatchTime 1 s here, 60 s by default) is still the channel's: the
// cycle stops asking, and no letter is asked again before the 90 s. The
// wait was cut off by the batch's end instead, the 429 lost: the letter in
// flight failed on its own ("no answer within the batch's time"), the rest
// were "not asked" and due again a minute later, and the cycle went on.
func TestRetryAfterBeyondTheBatchTimeIsHonoured(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	const n = 40
	ships := storetest.Register(t, st, altinnLetters(n)...)
	var calls atomic.Int64
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 1 {
			rw.Header().Set("Content-Type", "application/problem+json")
			rw.Header().Set("Retry-After", "90")
			rw.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(rw, `{"title":"Too Many Requests","status":429}`)
			return
		}
		parts := strings.Split(r.URL.Path, "/")
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00+00:00","status":"Published","statusChanged":"2026-11-20T10:01:00+00:00","statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-11-20T10:01:00+00:00"}]}`,
			parts[len(parts)-2])
	}))
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	al, err := altinn.New(altinn.Config{BaseURL: srv.URL, ResourceID: "r", Logger: logger, BatchTime: time.Second}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	p.Poll(ctx, al) //nolint:errcheck // the channel refuses: an error is expected
	if c := calls.Load(); c > 9 {
		t.Errorf("the channel said 429 Retry-After: 90, and the cycle went on asking it: %d requests", c)
	}
	early := 0
	for _, s := range ships {
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		if next.Before(now.Add(90 * time.Second)) {
			early++
		}
	}
	if early > 0 {
		t.Errorf("%d of %d letters are asked again before the 90 s the channel's 429 asked for", early, n)
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

// altinnDetails is an Altinn client (altinnAt, a quiet log) whose details
// of a correspondence are body(its id), as JSON.
func altinnDetails(t *testing.T, body func(id string) string) *altinn.Client {
	t.Helper()
	return altinnAt(t, slog.New(slog.DiscardHandler), httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1},
		http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			parts := strings.Split(r.URL.Path, "/")
			rw.Header().Set("Content-Type", "application/json")
			fmt.Fprint(rw, body(parts[len(parts)-2]))
		}))
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

// Altinn answers every letter's details (the status) without a
// statusHistory; the history asked for then is answered 429 with
// Retry-After: 3600. The rate limit is the channel's, not one letter's: the
// cycle asks no further history (what was in flight may still come back),
// and every letter waits the hour before it is asked again.
func TestHistory429StopsAskingTheChannel(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	const n = 24
	storetest.Register(t, st, altinnLetters(n)...)
	var mu sync.Mutex
	seen := map[string]int{}
	var throttled atomic.Int64
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	al := altinnAt(t, logger, httpclient.Options{}, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		id := parts[len(parts)-2]
		mu.Lock()
		seen[id]++
		k := seen[id]
		mu.Unlock()
		if k > 1 { // the history asked for separately
			throttled.Add(1)
			rw.Header().Set("Content-Type", "application/problem+json")
			rw.Header().Set("Retry-After", "3600")
			rw.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(rw, `{"title":"Too Many Requests","status":429}`)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(rw, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00Z","status":"Published","statusChanged":"2026-11-20T11:00:00Z","isConfidential":true}`, id)
	}))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	p.Poll(ctx, al) //nolint:errcheck
	first := throttled.Load()
	if first > 4 { // what was in flight (History: 4 workers) may still be asked
		t.Errorf("the channel answered 429 Retry-After: 3600 to a history request, and the cycle asked %d more histories", first-1)
	}
	early := 0
	var ids []string
	if err := st.DB().Select(&ids, `SELECT shipment_id FROM poll_queue`); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if next.Before(now.Add(time.Hour)) {
			early++
		}
	}
	if early > 0 {
		t.Errorf("%d of %d letters are asked again before the hour the channel's 429 asked for", early, n)
	}
}

// rateLimitedMidNarrowing: a batch call (SvarUt's status-sok) fails with a
// 500 because of one letter; while the poller narrows the batch down, the
// channel's rate limit kicks in and every further call is a 429.
type rateLimitedMidNarrowing struct {
	mu     sync.Mutex
	calls  int
	poison string
}

func (c *rateLimitedMidNarrowing) Name() string   { return "svarut" }
func (c *rateLimitedMidNarrowing) BatchSize() int { return 40 }
func (c *rateLimitedMidNarrowing) Status(_ context.Context, ids []string) ([]channel.Observation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.calls > 1 {
		return nil, &httpclient.StatusError{StatusCode: 429, Body: []byte(`{"status":429}`)}
	}
	for _, id := range ids {
		if id == c.poison {
			return nil, &httpclient.StatusError{StatusCode: 500, Body: []byte(`{"status":500}`)}
		}
	}
	out := make([]channel.Observation, 0, len(ids))
	for _, id := range ids {
		out = append(out, channel.Observation{ChannelID: id, Status: "LEST", State: model.StateOpened})
	}
	return out, nil
}

// A 429 met while narrowing a failed batch ends the narrowing: every letter
// of the batch not answered waits as failed (the call's error, its
// backoff): none is taken for a letter the channel's answer "did not
// mention" (unknown to the channel, and past the grace sent to print).
func TestRateLimitWhileNarrowingLeavesNoLetterUnknown(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 40) // sent an hour before t0: past UnknownGrace
	ch := &rateLimitedMidNarrowing{poison: "id-3"}
	var log bytes.Buffer
	_, _ = newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	unknown := 0
	for _, sh := range ships {
		got, err := st.Shipment(ctx, sh.ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if got.UnknownToChannelSince != nil {
			unknown++
		}
	}
	if unknown > 0 {
		t.Errorf("%d of 40 letters marked unknown to SvarUt after a 429 during narrowing (calls %d): they were never asked", unknown, ch.calls)
	}
}

// SvarUt still answering 429 after the client's retries, with a
// Retry-After the client waits itself (90 s: under its two-minute cap), is
// the channel's rate limit as a longer one is: the client waited before
// each retry, not after the last answer, so the letters of the batch wait
// that Retry-After although their own backoff is a minute, and the
// process asks the channel nothing before it (README, Channels). The
// answer is the OpenAPI files' default, an ErrorMessage.
func TestPollerHonoursTheLast429sRetryAfter(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
	ships := storetest.Register(t, st, storetest.Letter(1), storetest.Letter(2), storetest.Letter(3))
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "90")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"timestamp":%d,"status":429,"error":"Too Many Requests","errorId":"6a1c0f4e-8b2d-4e3f-9a10-7c5d3e2f1b00","path":%q,"message":"For mange forespørsler"}`,
			time.Now().UnixMilli(), r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	waits := &sleepless{}
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, Logger: logger, Clock: waits})
	if err != nil {
		t.Fatal(err)
	}
	su, err := svarut.New(svarut.Config{BaseURL: srv.URL, KontoID: "2b2d3c3e-3f3a-4b4c-8d8e-9f9a0b0c0d0e",
		IntegrasjonID: "integrasjon", IntegrasjonPassord: "passord", Logger: logger}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return clock }})
	p.Poll(ctx, su) //nolint:errcheck // the channel refuses: an error is expected
	if n := calls.Load(); n != 4 || waits.total() != 3*90*time.Second {
		t.Fatalf("%d requests, %s waited: want the first and three retries, each after the 90 s asked", n, waits.total())
	}
	for _, s := range ships {
		var next time.Time
		if err := st.DB().Get(&next, `SELECT next_poll_at FROM poll_queue WHERE shipment_id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		if next.Before(now.Add(90 * time.Second)) {
			t.Errorf("letter %s is polled again %s after the last 429, before its Retry-After (90 s)", s.ID, next.Sub(now))
		}
	}
	clock = now.Add(poll.Backoff(1) + time.Second)
	p.Poll(ctx, su) //nolint:errcheck
	if n := calls.Load(); n != 4 {
		t.Errorf("the channel was asked %d times more %s after a 429 asking for 90 s", n-4, clock.Sub(now))
	}
	clock = now.Add(91 * time.Second)
	p.Poll(ctx, su) //nolint:errcheck
	if calls.Load() == 4 {
		t.Errorf("after the 90 s the channel was not asked again")
	}
}

// sleepless is an HTTP client's clock that waits for nothing and adds up
// the waits it was asked for.
type sleepless struct {
	mu     sync.Mutex
	waited time.Duration
}

func (s *sleepless) Now() time.Time { return time.Now() }

func (s *sleepless) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waited += d
	return ctx.Err()
}

func (s *sleepless) total() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waited
}
