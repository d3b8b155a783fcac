package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
)

// Class names a failed call's kind without its content: a 503 whose
// plain-text body names a person is "HTTP 503", a server that does not
// answer in time "timeout", one that refuses the connection "network
// error" (and errors.Is ErrNetwork, which the others are not); an error
// not of Do is "".
func TestClass(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(300 * time.Millisecond)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("order for Kari Nordmann on hold"))
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, err := New(Options{Name: "t", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/busy", "HTTP 503"},
		{"/slow", "timeout"},
		{closed.URL + "/x", "network error"},
	} {
		_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: tc.path})
		if got := Class(err); got != tc.want || strings.Contains(got, "Nordmann") {
			t.Errorf("%s: class %q of %v, want %q", tc.path, got, err, tc.want)
		}
		if network := errors.Is(err, ErrNetwork); network != (tc.want == "network error") {
			t.Errorf("%s: errors.Is(%v, ErrNetwork) = %v", tc.path, err, network)
		}
	}
	if got := Class(context.Canceled); got != "cancelled" {
		t.Errorf("class of a cancel %q", got)
	}
	if got := Class(http.ErrBodyNotAllowed); got != "" {
		t.Errorf("class of another error %q, want none", got)
	}
}

// noWait is a Clock whose Sleep returns at once.
type noWait struct{}

func (noWait) Now() time.Time                                   { return time.Now() }
func (noWait) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// TestNotReached: a call certainly never reached the remote when every
// attempt failed connecting (refused, retried too) or the breaker was open;
// an answer, a timeout, or a connection dropped after the request was
// written may have been acted on (a print order placed).
func TestNotReached(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		case "/drop":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // read the request, answered nothing
			}
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, err := New(Options{Name: "t", BaseURL: srv.URL, MaxRetries: 2, BreakerThreshold: -1, Timeout: 50 * time.Millisecond, Clock: noWait{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{closed.URL + "/x", true},
		{"/busy", false},
		{"/slow", false},
		{"/drop", false},
	} {
		_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: tc.path})
		if err == nil {
			t.Fatalf("%s: no error", tc.path)
		}
		if got := NotReached(err); got != tc.want {
			t.Errorf("%s: NotReached(%v) = %v, want %v", tc.path, err, got, tc.want)
		}
	}
	// Preparing an attempt failed (a token that could not be renewed):
	// not reached when it was the first, reached when an earlier attempt
	// had its 503.
	for _, failFrom := range []int{1, 2} {
		calls := 0
		_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/busy", Prepare: func(context.Context, *resty.Request) error {
			if calls++; calls >= failFrom {
				return errors.New("token endpoint down")
			}
			return nil
		}})
		if !errors.Is(err, ErrNotSent) || NotReached(err) != (failFrom == 1) {
			t.Errorf("preparing attempt %d failed: %v, NotReached %v; want ErrNotSent, not reached only when the first failed", failFrom, err, NotReached(err))
		}
	}
	b, err := New(Options{Name: "t", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: 1, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = b.Do(context.Background(), Request{Method: http.MethodPost, Path: "/busy"})
	_, err = b.Do(context.Background(), Request{Method: http.MethodPost, Path: "/busy"})
	if !errors.Is(err, ErrCircuitOpen) || !NotReached(err) {
		t.Errorf("with the breaker open: %v, NotReached %v; want the circuit open, not reached", err, NotReached(err))
	}
}

// TestNotReachedAfterTransportReplay: a request with an Idempotency-Key is
// replayable, and Go's transport writes it again by itself on a new
// connection when a reused one broke after the request went out; when
// that redial fails, the call's last error is a failed connection, but the
// request did reach the remote: not NotReached.
func TestNotReachedAfterTransportReplay(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/warm" {
			return // keeps the connection for reuse
		}
		srv.Listener.Close() // no new connection from now on
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close() // the order was read; no answer
		}
	}))
	defer srv.Close()
	c, err := New(Options{Name: "t", BaseURL: srv.URL, MaxRetries: -1, BreakerThreshold: -1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/warm"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/order", Prepare: func(_ context.Context, r *resty.Request) error {
		r.SetHeader("Idempotency-Key", "k1").SetHeader("Content-Type", "application/json").SetBody([]byte(`{"a":1}`))
		return nil
	}})
	if err == nil {
		t.Fatal("no error")
	}
	t.Logf("the call's error: %v", err)
	if NotReached(err) {
		t.Errorf("NotReached(%v) = true for an order the remote read", err)
	}
}

// TestStopAsking: an answer about the service, not the one request, stops
// the run's other calls to it: a final 429 (with a Retry-After or none), a
// 503 asking for longer than the client waits, a 401 or a 403; the error
// says which and still carries the answer (its Retry-After). A 503 the
// client may retry later, a 404, a 400, no answer and an open breaker are
// that request's failure: the others are asked.
func TestStopAsking(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name  string
		step  step   // the answer; code 0: none (the connection refused)
		want  string // the why; "": not a stop
		after time.Duration
	}{
		{"429 with a Retry-After", step{code: 429, retryAfter: "3600"}, "it is throttling this run's requests: ", time.Hour},
		{"429 without", step{code: 429}, "it is throttling this run's requests: ", 0},
		{"503 asking for longer than the client waits", step{code: 503, retryAfter: "10800"}, "it is throttling this run's requests: ", time.Hour},
		{"401", step{code: 401}, "it refused this run's requests (HTTP 401): ", 0},
		{"403", step{code: 403, body: `{"title":"Forbidden"}`}, "it refused this run's requests (HTTP 403): ", 0},
		{"503", step{code: 503}, "", 0},
		{"404", step{code: 404}, "", 0},
		{"400", step{code: 400}, "", 0},
		{"no answer", step{}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := closed.URL
			if tt.step.code != 0 {
				srv, _ := scripted(t, tt.step)
				base = srv.URL
			}
			c := newTestClient(t, Options{BaseURL: base, Clock: newFakeClock(), MaxRetries: -1, BreakerThreshold: -1})
			_, err := get(c)
			if err == nil {
				t.Fatal("the call did not fail")
			}
			stop := StopAsking(fmt.Errorf("print order: %w", err))
			if tt.want == "" {
				if stop != nil {
					t.Errorf("StopAsking(%v) = %v, want nil: that request's failure", err, stop)
				}
				return
			}
			if stop == nil || !strings.HasPrefix(stop.Error(), tt.want) || !strings.HasSuffix(stop.Error(), err.Error()) {
				t.Fatalf("StopAsking(%v) = %v, want %q and the answer", err, stop, tt.want)
			}
			if wait, throttled := Throttled(stop); wait != tt.after || throttled != strings.Contains(tt.want, "throttling") {
				t.Errorf("Throttled of the stop: %s %v, want the answer's wait %s", wait, throttled, tt.after)
			}
		})
	}
	if stop := StopAsking(nil); stop != nil {
		t.Errorf("StopAsking(nil) = %v", stop)
	}
	c := newTestClient(t, Options{BaseURL: closed.URL, MaxRetries: -1, BreakerThreshold: 1})
	_, _ = get(c)
	if _, err := get(c); !errors.Is(err, ErrCircuitOpen) || StopAsking(err) != nil {
		t.Errorf("breaker open: %v, StopAsking %v; want the breaker's error, no stop", err, StopAsking(err))
	}
}
