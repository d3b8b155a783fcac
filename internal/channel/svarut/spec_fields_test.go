package svarut

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
)

// hfAdapter builds a v2 adapter against a status-sok server answering
// statuser, the records as the v3 OpenAPI file (ForsendelseStatus) and
// the v2 one shape them.
func hfAdapter(t *testing.T, statuser string) *Client {
	t.Helper()
	const konto = "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v2/kontoer/"+konto+"/forsendelser/status-sok" {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		var req struct {
			ForsendelseIDs []string `json:"forsendelseIds"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.ForsendelseIDs) == 0 {
			t.Errorf("StatusSok body: %v %v", req, err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"statuser":[` + statuser + `]}`))
	}))
	t.Cleanup(srv.Close)
	log := slog.New(slog.DiscardHandler)
	cfg := Config{BaseURL: srv.URL, KontoID: konto, IntegrasjonID: "i", IntegrasjonPassord: "p", Logger: log}
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, Logger: log, BackoffBase: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSpecSlettetIsGone: specs/README.md's table of normalised states puts
// SvarUt's SLETTET (v3 ForsendelseStatus enum) in the row "closed by hand /
// gone", beside MANUELT_HANDTERT and Altinn's PurgedByRecipient and
// PurgedByAltinn (which this codebase maps to expired + DispositionClosed),
// and the notes say SLETTET is "files and metadata deleted for retention".
// The adapter maps it Keep: no disposition, the last state kept, so an
// unread letter whose files SvarUt has deleted stays "available": postvakt
// goes on reminding the organisation of a letter nobody can open any more,
// and orders print for it, as if nothing had happened. Whatever its state,
// a SLETTET letter must end postvakt's escalation (DispositionClosed), as
// PurgedByAltinn does for Altinn. (The poller drops the disposition of a
// KeepState observation, so a fix that keeps the state needs poll.result to
// keep Closed too.)
func TestSpecSlettetIsGone(t *testing.T) {
	const id = "d6b23522-ddf3-462a-8140-16e59e1f476d"
	tests := []struct {
		status string
		disp   channel.Disposition
	}{
		{"MANUELT_HANDTERT", channel.DispositionClosed}, // the row's other SvarUt value: passes today
		{"SLETTET", channel.DispositionClosed},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			c := hfAdapter(t, `{"id":"`+id+`","sisteStatusEndring":"2025-03-04T10:11:12.345+01:00","status":"`+tt.status+`"}`)
			obs, err := c.Status(context.Background(), []string{id})
			if err != nil || len(obs) != 1 {
				t.Fatalf("Status: %v %v", obs, err)
			}
			o := obs[0]
			if o.Err != nil || o.Status != tt.status {
				t.Fatalf("%+v", o)
			}
			if o.Disposition != tt.disp {
				t.Errorf("%s: disposition %q (state %q, keep %v), want %q: the letter is gone from SvarUt and its escalation must end",
					tt.status, o.Disposition, o.State, o.KeepState, tt.disp)
			}
			if o.State == model.StateOpened {
				t.Errorf("%s must not read as opened", tt.status)
			}
		})
	}
}

// TestSpecManueltHandtertAfterAFailure: KS documents MANUELT_HANDTERT as
// "Forsendelsen er manuelt avsluttet, f.eks. pga en feilsituasjon" (closed
// by hand, e.g. because of an error: svarut-rest-klient json/
// forsendelseStatus.json), so it follows IKKE_LEVERT (a digital-only
// shipment that could not be delivered) or v3's FEILET_UNDER_MOTTAK. The
// adapter maps those two to failed and MANUELT_HANDTERT to expired, and
// model's lifecycle has no failed → expired: ApplyPoll refuses the change
// ("impossible transition failed → expired: not applied"), and with it the
// DispositionClosed that ends escalation. The letter stays failed, which
// makes print due at once: SvarUt's administrator closed it by hand and
// postvakt still orders paper. What the adapter reports for
// MANUELT_HANDTERT must be applicable after what it reported for the
// failure before it.
func TestSpecManueltHandtertAfterAFailure(t *testing.T) {
	const id = "d6b23522-ddf3-462a-8140-16e59e1f476d"
	rec := func(status, at string) string {
		return `{"id":"` + id + `","sisteStatusEndring":"` + at + `","status":"` + status + `"}`
	}
	for _, failure := range []string{"IKKE_LEVERT", "FEILET_UNDER_MOTTAK"} {
		t.Run(failure, func(t *testing.T) {
			before, err := hfAdapter(t, rec(failure, "2025-03-04T10:11:12.345+01:00")).Status(context.Background(), []string{id})
			if err != nil || before[0].Err != nil {
				t.Fatalf("%s: %v %v", failure, before, err)
			}
			after, err := hfAdapter(t, rec("MANUELT_HANDTERT", "2025-03-05T09:00:00.000+01:00")).Status(context.Background(), []string{id})
			if err != nil || after[0].Err != nil {
				t.Fatalf("MANUELT_HANDTERT: %v %v", after, err)
			}
			from, o := before[0].State, after[0]
			if o.KeepState {
				if o.Disposition != channel.DispositionClosed {
					t.Errorf("MANUELT_HANDTERT kept the state without closing the letter")
				}
				return
			}
			if from != o.State {
				if err := model.CheckTransition(from, o.State); err != nil {
					t.Errorf("%s (%s) then MANUELT_HANDTERT (%s, %s): %v — the store refuses the change and the letter stays %s, print due",
						failure, from, o.State, o.Disposition, err, from)
				}
			}
		})
	}
}
