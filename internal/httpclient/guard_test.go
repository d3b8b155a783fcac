package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
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

func TestBreakerOpensAndRecovers(t *testing.T) {
	var healthy atomic.Bool
	srv, hits := counting(t, func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(500)
		}
	})
	clock := newFakeClock()
	reg := prometheus.NewRegistry()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, MaxRetries: -1, BreakerThreshold: 2, BreakerCooldown: 10 * time.Second, Registerer: reg})
	state := func() float64 {
		return metricValue(t, reg, "postvakt_http_client_breaker_state", map[string]string{"channel": "test"})
	}

	for range 2 {
		if _, err := get(c); errors.Is(err, ErrCircuitOpen) || err == nil {
			t.Fatalf("err = %v, want the server's 500", err)
		}
	}
	if state() != 2 {
		t.Fatalf("breaker gauge %v, want 2 (open)", state())
	}
	_, err := get(c)
	var coe *CircuitOpenError
	if !errors.Is(err, ErrCircuitOpen) || !errors.As(err, &coe) || !coe.Until.Equal(clock.Now().Add(10*time.Second)) {
		t.Fatalf("err = %v, want CircuitOpenError until now+10s", err)
	}
	if hits.Load() != 2 {
		t.Fatalf("hits = %d: an open breaker must not send", hits.Load())
	}

	// After the cool-down one probe goes through; it fails, so it opens again.
	clock.Advance(10 * time.Second)
	if _, err := get(c); err == nil || errors.Is(err, ErrCircuitOpen) || hits.Load() != 3 {
		t.Fatalf("probe: err %v hits %d", err, hits.Load())
	}
	if _, err := get(c); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("after failed probe err = %v, want open", err)
	}

	// Next probe succeeds: closed, calls flow again.
	clock.Advance(10 * time.Second)
	healthy.Store(true)
	for i := range 3 {
		if _, err := get(c); err != nil {
			t.Fatalf("call %d after recovery: %v", i, err)
		}
	}
	if state() != 0 || hits.Load() != 6 {
		t.Fatalf("gauge %v hits %d, want closed and 6", state(), hits.Load())
	}
	if v := metricValue(t, reg, "postvakt_http_client_requests_total", map[string]string{"outcome": "circuit_open"}); v != 2 {
		t.Errorf("requests_total{circuit_open} = %v, want 2", v)
	}
}

func TestBreakerIgnoresClientErrors(t *testing.T) {
	srv, _ := scripted(t, step{code: 404})
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), BreakerThreshold: 1})
	for range 3 {
		if _, err := get(c); errors.Is(err, ErrCircuitOpen) {
			t.Fatal("a 404 opened the breaker: the server is healthy")
		}
	}
}

func TestBreakerHalfOpenLetsOneProbe(t *testing.T) {
	b := newBreaker(1, time.Second, nil)
	now := time.Unix(0, 0)
	b.done(now, false, false)
	now = now.Add(time.Second)
	probe, err := b.allow(now)
	if !probe || err != nil {
		t.Fatalf("first after cool-down: probe=%v err=%v", probe, err)
	}
	if _, err := b.allow(now); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second while probing: err=%v, want open", err)
	}
	b.abandon(true) // the probe was canceled: the next caller probes
	if probe, err := b.allow(now); !probe || err != nil {
		t.Fatalf("after abandon: probe=%v err=%v", probe, err)
	}
}

func TestRateLimit(t *testing.T) {
	srv, hits := scripted(t, step{code: 200})
	clock := newFakeClock()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, RatePerSecond: 10, RateBurst: 2})
	for range 5 {
		if _, err := get(c); err != nil {
			t.Fatal(err)
		}
	}
	var total time.Duration
	for _, d := range clock.Sleeps() {
		total += d
	}
	// A burst of 2 passes at once; the other 3 wait 100ms each.
	if hits.Load() != 5 || total != 300*time.Millisecond {
		t.Fatalf("hits %d waited %v (%v), want 300ms", hits.Load(), total, clock.Sleeps())
	}
}

func TestLimiterRealTime(t *testing.T) {
	l := NewLimiter(200, 1, nil)
	start := time.Now()
	for range 5 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 4 tokens at 200/s = 20ms at least.
	if el := time.Since(start); el < 18*time.Millisecond || el > time.Second {
		t.Fatalf("5 waits took %v, want about 20ms", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := NewLimiter(0.001, 1, nil)
	_ = slow.Wait(ctx) // takes the burst token
	if err := slow.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a canceled ctx = %v", err)
	}
}

func TestConcurrencyBound(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}))
	defer srv.Close()
	c := newTestClient(t, Options{BaseURL: srv.URL, MaxConcurrent: 2})
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := get(c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak concurrency %d, want ≤ 2", p)
	}
}

// TestSecretsNeverLogged runs a failing-then-succeeding call with debug
// logging on, against a server that echoes the credentials it got into its
// error body, and checks that no secret reaches the log or the error.
func TestSecretsNeverLogged(t *testing.T) {
	const (
		token    = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImtzOmZpa3MifQ.c2lnbmF0dXJl"
		passord  = "Hemmelig-IntegrasjonPassord-42"
		password = "basic-auth-pass-99"
	)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/x" && (r.Header.Get("IntegrasjonPassord") != passord || r.Header.Get("Authorization") != "Bearer "+token) {
			t.Errorf("credentials did not arrive: %v", r.Header)
		}
		u, p, _ := r.BasicAuth()
		w.WriteHeader(500)
		// A careless server echoing what it got.
		fmt.Fprintf(w, "error for %s, headers %v, user %s pass %s, password=%s", r.URL, r.Header, u, p, passord)
		n.Add(1)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), Logger: logger, MaxRetries: 2, Secrets: []string{passord, password}})
	_, err := c.Do(context.Background(), Request{Op: "status", Method: http.MethodPost, Path: "/v2/x", Prepare: func(_ context.Context, r *resty.Request) error {
		r.SetHeader("Authorization", "Bearer "+token)
		r.SetHeader("IntegrasjonPassord", passord)
		r.SetHeader("IntegrasjonId", "integrasjon-1")
		r.SetBody(map[string]any{"forsendelseIds": []string{"a"}})
		return nil
	}})
	if err == nil {
		t.Fatal("want the final 500")
	}
	// HTTP Basic: the header is redacted by name, the password echoed back
	// in clear text by the server because it is listed in Secrets.
	_, _ = c.Do(context.Background(), Request{Op: "v1", Method: http.MethodGet, Path: "/v1", Prepare: func(_ context.Context, r *resty.Request) error {
		r.SetBasicAuth("kommune", password)
		return nil
	}})
	out := buf.String() + err.Error()
	for _, secret := range []string{token, passord, password, "c2lnbmF0dXJl", "a29tbXVuZTpiYXNpYy1hdXRoLXBhc3MtOTk="} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q appears in the log or error:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "retrying request") || !strings.Contains(out, Redacted) || !strings.Contains(out, "integrasjon-1") {
		t.Errorf("log lacks the retry records or the redacted headers:\n%s", out)
	}
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer x")
	h.Set("IntegrasjonPassord", "p")
	h.Set("X-Client-Secret", "s")
	h.Set("IntegrasjonId", "id")
	r := RedactHeader(h)
	if r.Get("Authorization") != Redacted || r.Get("IntegrasjonPassord") != Redacted || r.Get("X-Client-Secret") != Redacted {
		t.Fatalf("not redacted: %v", r)
	}
	if r.Get("IntegrasjonId") != "id" || h.Get("Authorization") != "Bearer x" {
		t.Fatalf("redacted too much or changed the original: %v %v", r, h)
	}
}

// TestQueryNotLogged: a path with a query string (which may carry an id)
// is logged and reported without it.
func TestQueryNotLogged(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("recipient") != "0101701234" {
			t.Errorf("the query did not arrive: %s", r.URL)
		}
		w.WriteHeader(503)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), Logger: logger, MaxRetries: 1})
	_, err := c.Do(context.Background(), Request{Op: "events", Method: http.MethodGet, Path: "/events/?recipient=0101701234&page=2"})
	if err == nil {
		t.Fatal("want the final 503")
	}
	out := buf.String() + err.Error()
	if strings.Contains(out, "0101701234") || !strings.Contains(out, "/events/") || !strings.Contains(out, "retrying request") {
		t.Errorf("the query string in the log or error, or no log of the path:\n%s", out)
	}
}

// TestBodyCapped streams an endless body: the call ends with ErrBodyTooLarge
// after reading about the cap, is not retried and leaves the breaker closed.
func TestBodyCapped(t *testing.T) {
	var sent atomic.Int64
	srv, hits := counting(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat("x", 4096))
		for r.Context().Err() == nil && sent.Load() < 1<<30 {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), MaxBodyBytes: 64 << 10, BreakerThreshold: 1})
	start := time.Now()
	resp, err := get(c)
	if !errors.Is(err, ErrBodyTooLarge) || resp != nil {
		t.Fatalf("err %v resp %v, want ErrBodyTooLarge", err, resp)
	}
	if !strings.Contains(err.Error(), "65536 bytes") {
		t.Errorf("error %q does not name the cap", err)
	}
	if hits.Load() != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("%d attempts in %v: an oversized answer is not retried", hits.Load(), time.Since(start))
	}
	srv.Close()
	if s := sent.Load(); s > 64<<20 {
		t.Fatalf("server managed to send %d bytes: the read was not bounded", s)
	}
	if c.breaker.state != stateClosed {
		t.Fatalf("breaker %v after an oversized answer, want closed", c.breaker.state)
	}
	if DefaultMaxBodyBytes > 16<<20 {
		t.Fatalf("default body cap %d is not small", DefaultMaxBodyBytes)
	}
}

// TestNarrowingRetriesOnceAndSparesBreaker: calls made while narrowing a
// failing batch down are retried once at most and do not open the breaker;
// ordinary calls after them still do.
func TestNarrowingRetriesOnceAndSparesBreaker(t *testing.T) {
	srv, hits := scripted(t, step{code: 500})
	clock := newFakeClock()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, MaxRetries: 3, BreakerThreshold: 2})
	ctx := Narrowing(context.Background())
	for i := range 5 {
		_, err := c.Do(ctx, Request{Op: "status", Method: http.MethodPost, Path: "/x"})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 500 {
			t.Fatalf("narrowing call %d: %v, want the 500 (breaker must stay closed)", i, err)
		}
	}
	if hits.Load() != 10 {
		t.Fatalf("%d attempts for 5 narrowing calls, want 2 each (one retry)", hits.Load())
	}
	for range 2 {
		_, _ = c.Do(context.Background(), Request{Op: "status", Method: http.MethodPost, Path: "/x"})
	}
	if _, err := get(c); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("ordinary failures must still open the breaker: %v", err)
	}
	if hits.Load() != 18 {
		t.Fatalf("%d attempts, want 10 + 2×4", hits.Load())
	}
}

// TestSecondaryFailuresSpareBreaker: failed secondary requests (a letter's
// history after its batch's status) do not open the breaker, and are
// retried as any; the service's main calls still open it, and then it
// refuses a secondary request too.
func TestSecondaryFailuresSpareBreaker(t *testing.T) {
	srv, hits := scripted(t, step{code: 500})
	clock := newFakeClock()
	c := newTestClient(t, Options{BaseURL: srv.URL, Clock: clock, MaxRetries: 1, BreakerThreshold: 2})
	for i := range 5 {
		_, err := c.Do(context.Background(), Request{Op: "history", Method: http.MethodGet, Path: "/x", Secondary: true})
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 500 {
			t.Fatalf("secondary call %d: %v, want the 500 (breaker must stay closed)", i, err)
		}
	}
	if hits.Load() != 10 {
		t.Fatalf("%d attempts for 5 secondary calls, want 2 each (one retry)", hits.Load())
	}
	for range 2 {
		_, _ = c.Do(context.Background(), Request{Op: "status", Method: http.MethodPost, Path: "/x"})
	}
	if _, err := c.Do(context.Background(), Request{Op: "history", Method: http.MethodGet, Path: "/x", Secondary: true}); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("main calls must still open the breaker, and it refuses a secondary one: %v", err)
	}
	// Half-open: a secondary probe that fails leaves the probe to the
	// next request, which a main call's success closes the breaker with.
	clock.Advance(time.Minute)
	if _, err := c.Do(context.Background(), Request{Op: "history", Method: http.MethodGet, Path: "/x", Secondary: true}); errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("half-open breaker refused the probe: %v", err)
	}
	if c.breaker.state != stateHalfOpen || c.breaker.probing {
		t.Fatalf("breaker %v (probing %v) after a secondary probe failed, want half-open, no probe in flight", c.breaker.state, c.breaker.probing)
	}
}
