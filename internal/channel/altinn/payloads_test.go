package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// TestRealPayloads runs the adapter on details answers as Altinn's own
// client library published them (testdata/payloads/altinn): captured
// answers with PascalCase fields, 0192: and urn ids, five and six
// fractional digits with +00:00, Notifications V2, a top-level status
// AttachmentsDownloaded, a mock without a top-level status, and a
// ProblemDetails 400. The evidence keeps none of the content, recipient
// or notification addresses.
func TestRealPayloads(t *testing.T) {
	dir := "../../../testdata/payloads/altinn/"
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		file      string
		status    string
		state     model.State
		since     time.Time // the state's time
		available time.Time // when earlier than since
		org, pers string    // the recipient found
		err       error
	}{
		{file: "details-published-tt02-2024-11-raw.json", status: "Published", state: model.StateAvailable,
			since: at("2024-11-14T11:06:56.208705+00:00"), org: "213872702"},
		{file: "details-published-with-notifications.json", status: "Published", state: model.StateAvailable,
			since: at("2024-11-14T11:06:56.208705+00:00"), pers: "13896396174"},
		{file: "details-published-notification-v2.json", status: "Published", state: model.StateAvailable,
			since: at("2025-05-16T09:55:28.64087+00:00"), org: "313756270"},
		{file: "details-attachmentsdownloaded.json", status: "AttachmentsDownloaded", state: model.StateOpened,
			since: at("2025-05-16T09:57:11.21523+00:00"), available: at("2025-05-16T09:55:28.64087+00:00"), org: "313756270"},
		{file: "details-minimal-mock.json", status: "Published", state: model.StateAvailable, org: "213872702"},
		{file: "problem-400-bad-request.json", err: channel.ErrBadRecord},
	} {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile(dir + c.file)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				ID string `json:"correspondenceId"`
			}
			_ = json.Unmarshal(body, &doc)
			id := doc.ID
			if id == "" {
				id = uuid(1)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/"+id+"/details") {
					t.Errorf("asked for %s", r.URL.Path)
				}
				w.Header().Set("Content-Type", "application/json")
				if c.err != nil {
					w.Header().Set("Content-Type", "application/problem+json")
					w.WriteHeader(400)
				}
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			hc, _ := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, Logger: slog.New(slog.DiscardHandler), MaxRetries: -1})
			cl, err := New(Config{BaseURL: srv.URL, ResourceID: resourceID, Logger: slog.New(slog.DiscardHandler)}, hc, &mutableToken{tok: mpToken})
			if err != nil {
				t.Fatal(err)
			}
			obs, err := cl.Status(context.Background(), []string{id})
			if err != nil {
				t.Fatal(err)
			}
			o := obs[0]
			if c.err != nil {
				if !errors.Is(o.Err, c.err) || !strings.Contains(o.Err.Error(), "Bad Request") {
					t.Errorf("%v, want %v with the problem's title", o.Err, c.err)
				}
				return
			}
			if o.Err != nil || o.Status != c.status || o.State != c.state || !o.ChangedAt.Equal(c.since) || !o.AvailableAt.Equal(c.available) {
				t.Errorf("read as %s %s since %s, available %s (%v); want %s %s since %s, available %s",
					o.Status, o.State, o.ChangedAt, o.AvailableAt, o.Err, c.status, c.state, c.since, c.available)
			}
			for _, kept := range []string{"messageBody", "messageTitle", "emailAddress", "mobileNumber", "recipient", "notifications"} {
				if bytes.Contains(o.Payload, []byte(`"`+kept+`"`)) {
					t.Errorf("the evidence keeps %q: %s", kept, o.Payload)
				}
			}
			d, err := cl.details(context.Background(), id)
			if err != nil || d.found.Recipient != c.org || d.found.PersonID != c.pers {
				t.Errorf("recipient org %q person %q (%v), want %q %q", d.found.Recipient, d.found.PersonID, err, c.org, c.pers)
			}
		})
	}
}
