package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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
