package httpclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

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
