package altinn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
)

// hfAdapter builds the adapter against a server that answers every details
// request with answer (no token source: the server checks none).
func hfAdapter(t *testing.T, answer http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(answer)
	t.Cleanup(srv.Close)
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: log, Clock: &spectest.Clock{},
		BackoffBase: 1, MaxConcurrent: 16})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: srv.URL, ResourceID: "kommune-taushetsbelagt-post", Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSpecOnlyAltinnsOwn404MeansNotKnown: Altinn Correspondence answers a
// correspondence it does not have with its own problem body
// (CorrespondenceErrors.CorrespondenceNotFound: HTTP 404, "code":
// "CORR-01001", "errorCode": 1001; ProblemDetailsHelper.ToProblemResult in
// Altinn/altinn-correspondence). A 404 that is not that answer — a router's
// or proxy's "404 page not found", an HTML page, a gateway's JSON of its own
// — says nothing about the letter: it is what every letter gets when the
// base URL or the platform's routing is wrong or mid-deploy. The adapter
// reads every 404 as ErrNotKnown, so after poll.UnknownGrace every letter of
// every batch is marked unknown_to_channel (an EventUnknown "the channel has
// never heard of this shipment" in its evidence) and its reminders are held
// back (escalate: Unheard). SvarUt's adapter already tells its own 404
// from a proxy's (svarutsOwn); Altinn's needs the same.
func TestSpecOnlyAltinnsOwn404MeansNotKnown(t *testing.T) {
	ids := []string{
		"5d1f3a2e-8c4b-4e6f-9a1b-000000000001",
		"5d1f3a2e-8c4b-4e6f-9a1b-000000000002",
		"5d1f3a2e-8c4b-4e6f-9a1b-000000000003",
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		notKnown    bool // the letters are Altinn's "not found"
	}{
		{"Altinn's CorrespondenceNotFound", "application/problem+json",
			`{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,` +
				`"detail":"The requested correspondence was not found","code":"CORR-01001",` +
				`"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","errorCode":1001}`, true},
		{"a router's plain-text 404", "text/plain; charset=utf-8", "404 page not found\n", false},
		{"an ingress's HTML 404", "text/html", "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>\n", false},
		{"a gateway's own JSON 404", "application/json", `{ "statusCode": 404, "message": "Resource not found" }`, false},
		{"a problem of another error", "application/problem+json", `{"title":"Not Found","status":404,"detail":"The resource was not found","errorCode":"RES-00404"}`, false},
		{"a JSON 404 that is no problem", "application/json", `{"error":"not found"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hfAdapter(t, func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/details") {
					t.Errorf("unexpected request %s", r.URL.Path)
				}
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, tt.body)
			})
			obs, err := c.Status(context.Background(), ids)
			if tt.notKnown {
				if err != nil {
					t.Fatalf("Status: %v", err)
				}
				for _, o := range obs {
					if !errors.Is(o.Err, channel.ErrNotKnown) {
						t.Errorf("%s: %v, want ErrNotKnown for Altinn's own 404", o.ChannelID, o.Err)
					}
				}
				return
			}
			if err != nil {
				return // the call failed as a whole: right, nothing is said of the letters
			}
			for _, o := range obs {
				if errors.Is(o.Err, channel.ErrNotKnown) {
					t.Errorf("%s: %v — a 404 that is not Altinn's CorrespondenceNotFound marks the letter unknown to the channel", o.ChannelID, o.Err)
				}
			}
		})
	}
}
