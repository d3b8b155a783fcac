package altinn

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpclient"
)

// TestDetailsEvidenceMasksNationalIDs: the evidence kept of an Altinn
// details answer (Observation.Payload and .History) is its status fields;
// a free-text statusText or sendersReference naming a person by national
// id must be kept masked, as SvarUt's history texts are.
func TestDetailsEvidenceMasksNationalIDs(t *testing.T) {
	const id = "0195a7b8-1111-7222-8333-944455556666"
	const fnr = "01017012345"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"correspondenceId":"` + id + `","sendersReference":"sak 2026/17 ` + fnr + `",
"status":"Read","statusText":"Read by ` + fnr + `","statusChanged":"2026-11-18T10:00:00+00:00",
"created":"2026-11-18T09:00:00+00:00","sender":"urn:altinn:organization:identifier-no:964338531",
"recipient":"urn:altinn:organization:identifier-no:974760673",
"statusHistory":[{"status":"Published","statusText":"Published","statusChanged":"2026-11-18T09:00:00+00:00"},
{"status":"Read","statusText":"Lest av ` + fnr + `","statusChanged":"2026-11-18T10:00:00+00:00"}]}`))
	}))
	defer srv.Close()
	hc, err := httpclient.New(httpclient.Options{Name: "altinn", BaseURL: srv.URL, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: srv.URL, ResourceID: "r", Logger: slog.New(slog.DiscardHandler), BatchTime: 10 * time.Second}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := c.Status(context.Background(), []string{id})
	if err != nil || len(obs) != 1 {
		t.Fatalf("status: %v %v", obs, err)
	}
	if strings.Contains(string(obs[0].Payload), fnr) {
		t.Errorf("evidence payload keeps the national id unmasked: %s", obs[0].Payload)
	}
	if strings.Contains(string(obs[0].History), fnr) {
		t.Errorf("evidence history keeps the national id unmasked: %s", obs[0].History)
	}
}
