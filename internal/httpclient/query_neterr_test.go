package httpclient

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-resty/resty/v2"
)

// TestQueryNotLoggedOnNetworkError: a request's path as logs and errors
// show it has no query string (which may carry an id or a key) also when
// the service cannot be reached: the transport's *url.Error, which quotes
// the whole URL, is not passed on whole (a query set by Prepare, as Digital
// Post's read and Altinn's search do, and one in the path alike).
func TestQueryNotLoggedOnNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Options{BaseURL: base, Clock: newFakeClock(), Logger: logger, MaxRetries: 1, BreakerThreshold: -1})
	_, err := c.Do(context.Background(), Request{Op: "events", Method: http.MethodGet, Path: "/events/?recipient=0101701234&page=2",
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetQueryParam("messageUUID", "a1b2c3d4-secret-in-query")
			return nil
		}})
	if err == nil {
		t.Fatal("want a connection error")
	}
	out := buf.String() + err.Error()
	if !strings.Contains(out, "/events/") || !strings.Contains(out, "retrying request") {
		t.Fatalf("no log of the path:\n%s", out)
	}
	for _, leak := range []string{"0101701234", "a1b2c3d4-secret-in-query"} {
		if strings.Contains(out, leak) {
			t.Errorf("the query string (%s) in the log or error of a network failure:\n%s", leak, out)
		}
	}
}
