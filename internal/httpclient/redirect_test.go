package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-resty/resty/v2"
)

// TestRedirectKeepsCredentials: a service (or a proxy in front of it) that
// redirects to another address must not get the request's credentials
// sent there. net/http drops Authorization only for another host name, not
// for another port or scheme, and never drops a service's own credential
// header (SvarUt's IntegrasjonPassord); so a redirect leaving the origin
// (scheme, host and port) is not followed: its 3xx is the answer. A
// redirect within the origin is followed.
func TestRedirectKeepsCredentials(t *testing.T) {
	const passord = "Hemmelig-IntegrasjonPassord-42"
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("IntegrasjonPassord") != "" || r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent to %s after a redirect: %v", r.Host, RedactHeader(r.Header))
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer elsewhere.Close()
	eu, _ := url.Parse(elsewhere.URL)
	otherHost := "http://localhost:" + eu.Port() + "/v2/x" // another host name
	otherPort := elsewhere.URL + "/v2/x"                   // 127.0.0.1, another port
	for _, tt := range []struct {
		name, location string
		code           int
		followed       bool
	}{
		{"302 to another host", otherHost, http.StatusFound, false},
		{"307 to another host", otherHost, http.StatusTemporaryRedirect, false},
		{"308 to another port", otherPort, http.StatusPermanentRedirect, false},
		{"302 within the origin", "/v2/moved", http.StatusFound, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/moved" {
					if r.Header.Get("IntegrasjonPassord") != passord {
						t.Errorf("the credential did not follow a redirect within the origin")
					}
					w.WriteHeader(http.StatusOK)
					return
				}
				w.Header().Set("Location", tt.location)
				w.WriteHeader(tt.code)
			}))
			defer srv.Close()
			c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), Secrets: []string{passord}})
			resp, err := c.Do(context.Background(), Request{Op: "status", Method: http.MethodGet, Path: "/v2/x",
				Prepare: func(_ context.Context, r *resty.Request) error {
					r.SetHeader("Authorization", "Bearer token-1")
					r.SetHeader("IntegrasjonPassord", passord)
					return nil
				}})
			if tt.followed {
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("Do = %v, %v; want the redirect within the origin followed", resp, err)
				}
				return
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.code || se.Temporary() {
				t.Fatalf("Do = %v; want the %d as the answer", err, tt.code)
			}
			if strings.Contains(err.Error(), passord) || !strings.Contains(err.Error(), "redirect") {
				t.Errorf("error %q: want it to say the redirect was not followed, without the credential", err)
			}
		})
	}
}
