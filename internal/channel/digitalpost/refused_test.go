package digitalpost

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// TestRefusedCredentialsNameTheSettings: the event log's declared answers
// are 200, 401 and 403 (the notes): a 401 refuses the Basic header (the
// sender system's id and API token), a 403 the caller (the OCES3
// certificate not registered on that sender system, or the system not
// allowed the log). Either refuses every read and look-up until the
// settings change; the error said "HTTP 401" and a body's size, naming no
// setting. It names them now (never the token), and is still the
// StatusError it was (the poller's stop-asking and backoff read it).
func TestRefusedCredentialsNameTheSettings(t *testing.T) {
	const systemID, token = "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "hemmeligt-api-token"
	for _, c := range []struct {
		code int
		want []string
	}{
		{http.StatusUnauthorized, []string{"POSTVAKT_DIGITALPOST_SYSTEM_ID", "POSTVAKT_DIGITALPOST_API_TOKEN"}},
		{http.StatusForbidden, []string{"OCES3 certificate", "POSTVAKT_DIGITALPOST_CERT_FILE", "POSTVAKT_DIGITALPOST_SYSTEM_ID"}},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != systemID || p != token || r.URL.Path != "/apis/v1/events/" {
				t.Errorf("asked %s as %q", r.URL.Path, r.Header.Get("Authorization"))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.code)
			w.Write([]byte(`{"timestamp":"2023-08-25T00:49:34.437+00:00","status":` + http.StatusText(c.code) + `,"path":"/apis/v1/events/"}`))
		}))
		defer srv.Close()
		cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: systemID, APIToken: token, Logger: quiet},
			httpclient.Options{MaxRetries: -1, BreakerThreshold: -1, Secrets: []string{token}})
		readErr := cl.Events(context.Background(), time.Now().Add(-time.Hour), time.Time{}, func([]channel.FeedEvent) error { return nil })
		_, lookupErr := cl.Status(context.Background(), []string{"2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e8f"})
		for what, err := range map[string]error{"read": readErr, "look-up": lookupErr} {
			var se *httpclient.StatusError
			if !errors.As(err, &se) || se.StatusCode != c.code || httpclient.StopAsking(err) == nil {
				t.Errorf("%d %s: %v; want the log's HTTP %d, which stops the asking", c.code, what, err, c.code)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%d %s: %v; want it to name %s", c.code, what, err, w)
				}
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("%d %s: the error quotes the token: %v", c.code, what, err)
			}
		}
	}
}

// TestRefusedCallerStopsTheBatch: a 401 or 403 on one letter's look-up
// refuses the caller, not the letter (the log's refusals are about the
// sender system and its certificate), so the batch's other letters are not
// asked: each was refused the same, a batch of 50 made 50 refused calls a
// cycle. They get the first refusal, as after the log's rate limit.
func TestRefusedCallerStopsTheBatch(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		var asked atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked.Add(1)
			w.WriteHeader(code)
		}))
		defer srv.Close()
		cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", APIToken: "tok",
			Concurrency: 1, Logger: quiet}, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1})
		ids := []string{"2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e80", "2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e81",
			"2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e82", "2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e83"}
		_, err := cl.Status(context.Background(), ids)
		var se *httpclient.StatusError
		if !errors.As(err, &se) || se.StatusCode != code {
			t.Errorf("%d: %v; want the call's refusal", code, err)
		}
		if n := asked.Load(); n != 1 {
			t.Errorf("%d: the log was asked %d times for %d letters; want once", code, n, len(ids))
		}
	}
}
