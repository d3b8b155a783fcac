package httpclient

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// script answers the n-th request (0-based) with steps[n], the last step
// repeating.
type step struct {
	code       int
	retryAfter string
	body       string
}

func scripted(t *testing.T, steps ...step) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var i atomic.Int32
	return counting(t, func(w http.ResponseWriter, r *http.Request) {
		s := steps[min(int(i.Add(1))-1, len(steps)-1)]
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		w.WriteHeader(s.code)
		_, _ = w.Write([]byte(s.body))
	})
}

// counting serves h, counting the requests it gets; the server closes when
// the test ends.
func counting(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "test"
	}
	if opts.Jitter == nil {
		opts.Jitter = noJitter
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func get(c *Client) (*Response, error) {
	return c.Do(context.Background(), Request{Op: "status", Method: http.MethodGet, Path: "/x"})
}

func TestRetry5xxThenSuccess(t *testing.T) {
	srv, hits := scripted(t, step{code: 503}, step{code: 500}, step{code: 200, body: "ok"})
	clock := newFakeClock()
	reg := prometheus.NewRegistry()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, BackoffBase: 100 * time.Millisecond, Registerer: reg})
	resp, err := get(c)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if string(resp.Body) != "ok" || resp.Attempts != 3 || hits.Load() != 3 {
		t.Fatalf("body %q attempts %d hits %d", resp.Body, resp.Attempts, hits.Load())
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	if got := clock.Sleeps(); !equalDurations(got, want) {
		t.Fatalf("sleeps %v, want %v (exponential backoff)", got, want)
	}
	if v := metricValue(t, reg, "postvakt_http_client_retries_total", map[string]string{"channel": "test", "op": "status"}); v != 2 {
		t.Errorf("retries_total = %v, want 2", v)
	}
	if v := metricValue(t, reg, "postvakt_http_client_requests_total", map[string]string{"outcome": "server_error"}); v != 2 {
		t.Errorf("requests_total{server_error} = %v, want 2", v)
	}
	if v := metricValue(t, reg, "postvakt_http_client_requests_total", map[string]string{"outcome": "ok"}); v != 1 {
		t.Errorf("requests_total{ok} = %v, want 1", v)
	}
}

func TestBackoffCappedAndJittered(t *testing.T) {
	c := newTestClient(t, Options{BackoffBase: time.Second, BackoffMax: 5 * time.Second})
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 10: 5 * time.Second} {
		if got := c.backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	for range 100 {
		if d := halfJitter(time.Second); d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("halfJitter(1s) = %v, outside [0.5s, 1s]", d)
		}
	}
}

func TestNoRetryOnClientError(t *testing.T) {
	srv, hits := scripted(t, step{code: 404, body: `{"message":"finnes ikke"}`})
	clock := newFakeClock()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock})
	resp, err := get(c)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 404 || se.Temporary() {
		t.Fatalf("err = %v, want *StatusError 404", err)
	}
	if resp == nil || resp.StatusCode != 404 || hits.Load() != 1 || len(clock.Sleeps()) != 0 {
		t.Fatalf("resp %v hits %d sleeps %v: a 404 must not be retried", resp, hits.Load(), clock.Sleeps())
	}
	if !strings.Contains(string(se.Body), "finnes ikke") {
		t.Errorf("StatusError.Body %q lacks the evidence", se.Body)
	}
}

func TestRetryAfter(t *testing.T) {
	clock := newFakeClock()
	date := clock.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat)
	past := clock.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name string
		step step
		want time.Duration
	}{
		{"429 seconds", step{code: 429, retryAfter: "7"}, 7 * time.Second},
		{"503 http-date", step{code: 503, retryAfter: date}, 20 * time.Second},
		// "Come back now" (0, or a date already past by our clock) does
		// not make the retry immediate: the client's own backoff still
		// spaces out attempts against a service that is struggling.
		{"503 zero", step{code: 503, retryAfter: "0"}, 250 * time.Millisecond},
		{"429 past date", step{code: 429, retryAfter: past}, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv, hits := scripted(t, tt.step, step{code: 200})
			c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, BackoffBase: 250 * time.Millisecond})
			if _, err := get(c); err != nil {
				t.Fatalf("Do: %v", err)
			}
			if got := clock.Sleeps(); hits.Load() != 2 || !equalDurations(got, []time.Duration{tt.want}) {
				t.Fatalf("hits %d sleeps %v, want one wait of %v", hits.Load(), got, tt.want)
			}
		})
	}
}

func TestRetryAfterBeyondCapEndsCall(t *testing.T) {
	srv, hits := scripted(t, step{code: 429, retryAfter: "3600"}, step{code: 200})
	clock := newFakeClock()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, RetryAfterMax: time.Minute})
	_, err := get(c)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter != time.Hour {
		t.Fatalf("err = %#v, want 429 with RetryAfter 1h", err)
	}
	if hits.Load() != 1 || len(clock.Sleeps()) != 0 {
		t.Fatalf("hits %d sleeps %v: must not wait an hour nor hammer", hits.Load(), clock.Sleeps())
	}
}

// A final answer's Retry-After that the client would have waited before a
// retry goes with its error when it is a 429 (the service's rate limit:
// Throttled gives the caller the wait), not when it is a 5xx (one
// request's failure may be narrowed down), nor when there is none.
func TestLastRetryAfterGoesWithA429(t *testing.T) {
	tests := []struct {
		name string
		step step
		want time.Duration
	}{
		{"429 seconds", step{code: 429, retryAfter: "90"}, 90 * time.Second},
		{"429 zero", step{code: 429, retryAfter: "0"}, 0},
		{"429 none", step{code: 429}, 0},
		{"503 seconds", step{code: 503, retryAfter: "90"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := scripted(t, tt.step)
			c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), BackoffBase: time.Millisecond, BreakerThreshold: -1})
			_, err := get(c)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.step.code || hits.Load() != 4 {
				t.Fatalf("err = %v after %d requests, want HTTP %d after 3 retries", err, hits.Load(), tt.step.code)
			}
			if se.RetryAfter != tt.want {
				t.Errorf("RetryAfter %s, want %s", se.RetryAfter, tt.want)
			}
			if wait, _ := Throttled(err); wait != tt.want {
				t.Errorf("Throttled wait %s, want %s", wait, tt.want)
			}
		})
	}
}

// A Retry-After the caller's deadline leaves no time for ends the call at
// once, as one beyond the cap does: the answer says when to come back
// (Throttled), instead of a wait cut off by the deadline, the service's
// answer lost. One the deadline leaves time for is waited out.
func TestRetryAfterBeyondTheDeadlineEndsCall(t *testing.T) {
	tests := []struct {
		name       string
		step       step
		deadline   time.Duration // 0: none
		hits       int
		retryAfter time.Duration // of the StatusError; 0: the call succeeds
	}{
		{"429 beyond the deadline", step{code: 429, retryAfter: "30"}, 10 * time.Second, 1, 30 * time.Second},
		{"503 beyond the deadline", step{code: 503, retryAfter: "30"}, 10 * time.Second, 1, 30 * time.Second},
		{"429 within the deadline", step{code: 429, retryAfter: "2"}, 10 * time.Second, 2, 0},
		{"429 without a deadline", step{code: 429, retryAfter: "30"}, 0, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := scripted(t, tt.step, step{code: 200})
			clock := newFakeClock()
			c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock})
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			_, err := c.Do(ctx, Request{Op: "status", Method: http.MethodGet, Path: "/x"})
			if int(hits.Load()) != tt.hits {
				t.Errorf("%d requests, want %d", hits.Load(), tt.hits)
			}
			if tt.retryAfter == 0 {
				if err != nil {
					t.Errorf("err = %v, want the Retry-After waited out", err)
				}
				return
			}
			var se *StatusError
			wait, throttled := Throttled(err)
			if !errors.As(err, &se) || se.RetryAfter != tt.retryAfter || !throttled || wait != tt.retryAfter || len(clock.Sleeps()) != 0 {
				t.Errorf("err = %v (throttled %v, wait %s, sleeps %v), want the answer with RetryAfter %s at once", err, throttled, wait, clock.Sleeps(), tt.retryAfter)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{"-1", 0, false},
		// Too many digits for an int64: a longer wait than any, not none
		// (read as none, the client would ask again at once).
		{"99999999999999999999", 365 * 24 * time.Hour, true},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v,%v want %v,%v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTimeoutIsRetriedThenFails(t *testing.T) {
	srv, hits := counting(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	reg := prometheus.NewRegistry()
	c := newTestClient(t, Options{BaseURL: srv.URL, Timeout: 50 * time.Millisecond, MaxRetries: 1, BackoffBase: time.Millisecond, Registerer: reg})
	start := time.Now()
	_, err := get(c)
	if err == nil {
		t.Fatal("want a timeout error")
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("took %v: per-attempt timeout not applied", el)
	}
	if hits.Load() != 2 {
		t.Errorf("hits = %d, want 2 (one retry)", hits.Load())
	}
	if v := metricValue(t, reg, "postvakt_http_client_requests_total", map[string]string{"outcome": "timeout"}); v != 2 {
		t.Errorf("requests_total{timeout} = %v, want 2", v)
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	clock := newFakeClock()
	c := newTestClient(t, Options{BaseURL: url, Clock: clock, MaxRetries: 2, BreakerThreshold: -1})
	if _, err := get(c); err == nil {
		t.Fatal("want a connection error")
	}
	if n := len(clock.Sleeps()); n != 2 {
		t.Fatalf("%d waits, want 2 retries", n)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	srv, _ := scripted(t, step{code: 500})
	c := newTestClient(t, Options{BaseURL: srv.URL, BackoffBase: time.Hour, BackoffMax: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v, want the caller's deadline promptly", err, time.Since(start))
	}
	if c.breaker.failures != 0 {
		t.Errorf("a canceled call counted %d breaker failures", c.breaker.failures)
	}
}

func TestPrepareCalledEveryAttempt(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Header.Get("X-Attempt"))
		if len(seen) < 2 {
			w.WriteHeader(502)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock()})
	n := 0
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/", Prepare: func(_ context.Context, r *resty.Request) error {
		n++
		r.SetHeader("X-Attempt", string(rune('0'+n)))
		return nil
	}})
	mu.Lock()
	defer mu.Unlock()
	if err != nil || strings.Join(seen, ",") != "1,2" {
		t.Fatalf("err %v, attempts saw %v", err, seen)
	}
	_, err = c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/", Prepare: func(context.Context, *resty.Request) error {
		return errors.New("no token")
	}})
	if err == nil || !strings.Contains(err.Error(), "no token") {
		t.Fatalf("err = %v, want the Prepare error", err)
	}
}

func TestMetricsSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv, _ := scripted(t, step{code: 200})
	a := newTestClient(t, Options{Name: "svarut", BaseURL: srv.URL, Registerer: reg})
	b := newTestClient(t, Options{Name: "altinn", BaseURL: srv.URL, Registerer: reg})
	for _, c := range []*Client{a, b} {
		if _, err := get(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"svarut", "altinn"} {
		if v := metricValue(t, reg, "postvakt_http_client_requests_total", map[string]string{"channel": name, "outcome": "ok"}); v != 1 {
			t.Errorf("requests_total{channel=%s} = %v, want 1", name, v)
		}
		if v := metricValue(t, reg, "postvakt_http_client_request_duration_seconds", map[string]string{"channel": name}); v != 1 {
			t.Errorf("duration samples{channel=%s} = %v, want 1", name, v)
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// With as many calls in flight as the client allows, answered calls hand
// their connection to the next one: a poll cycle's history requests must
// not dial (and the channel accept) a connection per request.
func TestConnectionsReusedUnderConcurrency(t *testing.T) {
	t.Run("own transport", func(t *testing.T) { connectionsReused(t, nil) })
	// A channel's own transport (Digital Post's, with its client
	// certificate) keeps as many too.
	t.Run("given transport", func(t *testing.T) { connectionsReused(t, http.DefaultTransport.(*http.Transport).Clone()) })
}

func connectionsReused(t *testing.T, given *http.Transport) {
	const inFlight, rounds = 16, 20
	var dialled atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond) // keep the calls overlapping
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	opts := Options{BaseURL: srv.URL, MaxConcurrent: inFlight}
	if given != nil {
		opts.Transport = given
	}
	c := newTestClient(t, opts)
	for range rounds {
		var wg sync.WaitGroup
		for range inFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := get(c); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	// One connection per call in flight, and a few more: a call that
	// finds no idle connection dials one, and an answer handing its own
	// back a moment later does not cancel that dial (on a loaded machine
	// 17 were seen). Closing instead of keeping dials one per call: 320.
	if n := dialled.Load(); n > 2*inFlight {
		t.Errorf("%d connections for %d calls at most %d at a time: idle connections were closed instead of reused", n, inFlight*rounds, inFlight)
	}
}

// TestByteOrderMarkDropped: a body that starts with a UTF-8 byte order mark
// reads as the JSON after it (RFC 8259 §8.1); the mark elsewhere stays.
func TestByteOrderMarkDropped(t *testing.T) {
	srv, _ := scripted(t, step{code: 200, body: "\ufeff{\"hendelser\":[\"\ufeff\"]}"})
	resp, err := get(newTestClient(t, Options{BaseURL: srv.URL}))
	if err != nil || string(resp.Body) != "{\"hendelser\":[\"\ufeff\"]}" {
		t.Fatalf("body %q (%v), want the JSON without the leading mark", resp.Body, err)
	}
}

// TestRequestSeriesBornAtZero: an operation's first attempt shows every
// outcome's series, the others at 0, so that an alert's increase() on
// server_error or timeout sees the operation's first failure (a series
// born at 1 has no increase).
func TestRequestSeriesBornAtZero(t *testing.T) {
	srv, _ := scripted(t, step{code: 200, body: "ok"})
	reg := prometheus.NewRegistry()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), Registerer: reg})
	if _, err := get(c); err != nil {
		t.Fatalf("Do: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "postvakt_http_client_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["channel"] == "test" && labels["op"] == "status" {
				seen[labels["outcome"]] = m.GetCounter().GetValue()
			}
		}
	}
	for _, o := range []string{outcomeOK, outcomeServerError, outcomeTimeout, outcomeNetwork, outcomeRateLimited, outcomeBadResponse} {
		want := 0.0
		if o == outcomeOK {
			want = 1
		}
		if v, ok := seen[o]; !ok || v != want {
			t.Errorf("requests_total{op=status,outcome=%s} = %v (present %v), want %v", o, v, ok, want)
		}
	}
}
