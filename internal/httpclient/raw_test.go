package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-resty/resty/v2"
)

// TestRawShowsNoCredentials: StatusError.Raw is what the poller keeps of
// a failed answer as the evidence's raw payload (shown in the UI); a
// careless server (or gateway) that echoes the request's headers or form
// in its error page must not put the credentials there, any more than in
// the error's message.
func TestRawShowsNoCredentials(t *testing.T) {
	const (
		token   = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImtzOmZpa3MifQ.c2lnbmF0dXJl"
		passord = "Hemmelig-IntegrasjonPassord-42"
	)
	for _, tt := range []struct {
		name, contentType string
		code              int
	}{
		{"text 500", "text/plain", http.StatusInternalServerError},
		{"html 401", "text/html", http.StatusUnauthorized},
		{"json 400", "application/json", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.code)
				if strings.HasPrefix(tt.contentType, "application/json") {
					fmt.Fprintf(w, `{"error":"invalid","message":"got Authorization %s and IntegrasjonPassord %s"}`,
						r.Header.Get("Authorization"), r.Header.Get("IntegrasjonPassord"))
					return
				}
				fmt.Fprintf(w, "<p>headers %v</p>", r.Header)
			}))
			defer srv.Close()
			c := newTestClient(t, Options{BaseURL: srv.URL, Clock: newFakeClock(), MaxRetries: -1, Secrets: []string{passord}})
			_, err := c.Do(context.Background(), Request{Op: "status", Method: http.MethodGet, Path: "/v2/x",
				Prepare: func(_ context.Context, r *resty.Request) error {
					r.SetHeader("Authorization", "Bearer "+token)
					r.SetHeader("IntegrasjonPassord", passord)
					return nil
				}})
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a StatusError", err)
			}
			raw := se.Raw()
			for _, secret := range []string{token, passord, "c2lnbmF0dXJl"} {
				if strings.Contains(raw, secret) {
					t.Errorf("Raw() shows %q:\n%s", secret, raw)
				}
			}
			if !strings.Contains(raw, Redacted) {
				t.Errorf("Raw() = %q, want the echo shown with the credentials redacted", raw)
			}
		})
	}
}
