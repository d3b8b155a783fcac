package svarut

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/httpclient/spectest"
)

// The repo's copies of SvarUt's OpenAPI files.
const specDir = "../../../testdata/specs/svarut/"

const (
	kontoID  = "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b"
	integrID = "integrasjon-id-1"
	integrPW = "IntegrasjonPassord-hemmelig-77"
	token    = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImtzOmZpa3MifQ.bWFza2lucG9ydGVu"
	v1User   = "kommune-avsender"
	v1Pass   = "v1-service-passord-55"
)

// fakeSvarUt serves SvarUt's v2 status and history API (validated against
// the OpenAPI files) and the v1 API, from a map of shipment statuses.
type fakeSvarUt struct {
	t    *testing.T
	spec *spectest.Spec
	srv  *httptest.Server

	mu       sync.Mutex
	status   map[string]fakeStatus // by id
	requests []*http.Request
	batches  [][]string
	// override, if set, answers instead of the normal handler; n counts
	// requests from 1. Return false to fall through to the normal answer.
	override func(w http.ResponseWriter, r *http.Request, n int) bool
}

type fakeStatus struct {
	status  string
	changed time.Time
}

func newFake(t *testing.T) *fakeSvarUt {
	t.Helper()
	f := &fakeSvarUt{t: t, status: map[string]fakeStatus{}}
	f.spec = spectest.Load(t, nil, specDir+"forsendelse-status-api-v2.json", specDir+"forsendelse-hendelser-api-v2.json",
		specDir+"forsendelse-status-api-v3.json")
	mux := http.NewServeMux()
	mux.Handle("POST /v2/kontoer/{konto}/forsendelser/status-sok", f.spec.Handler(t, f.guard(f.v2Status)))
	mux.Handle("POST /v3/kontoer/{konto}/forsendelser/status/sok", f.spec.Handler(t, f.guard(f.v3Status)))
	mux.Handle("GET /v2/forsendelser/{id}/hendelser", f.spec.Handler(t, f.guard(f.v2History)))
	mux.Handle("POST "+v1Base+"/statuser", f.guard(f.v1Status))
	mux.Handle("GET "+v1Base+"/{id}/historikk", f.guard(f.v1History))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSvarUt) set(id, status string, changed time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[strings.ToLower(id)] = fakeStatus{status, changed}
}

func (f *fakeSvarUt) hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// guard records the request, checks its credentials and applies override.
func (f *fakeSvarUt) guard(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r)
		n, override := len(f.requests), f.override
		f.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, v1Base) {
			if u, p, ok := r.BasicAuth(); !ok || u != v1User || p != v1Pass {
				f.t.Errorf("v1 request without the right HTTP Basic credentials: %q", r.Header.Get("Authorization"))
			}
		} else {
			if got := r.Header.Get("Authorization"); got != "Bearer "+token {
				f.t.Errorf("Authorization %q, want the Maskinporten bearer", got)
			}
			if r.Header.Get("IntegrasjonId") != integrID || r.Header.Get("IntegrasjonPassord") != integrPW {
				f.t.Errorf("IntegrasjonId/IntegrasjonPassord missing or wrong: %q/%q", r.Header.Get("IntegrasjonId"), r.Header.Get("IntegrasjonPassord"))
			}
			if r.PathValue("konto") != "" && r.PathValue("konto") != kontoID {
				f.t.Errorf("kontoId %q", r.PathValue("konto"))
			}
		}
		if override != nil && override(w, r, n) {
			return
		}
		next(w, r)
	})
}

func (f *fakeSvarUt) v2Status(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ForsendelseIDs []string `json:"forsendelseIds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("status-sok body: %v", err)
	}
	f.statuser(w, req.ForsendelseIDs)
}

// v3Status is v3's status/sok: {"id":[…]} in, v2's answer out.
func (f *fakeSvarUt) v3Status(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID []string `json:"id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ID == nil {
		f.t.Errorf("v3 status/sok body: %v, want {\"id\":[…]}", err)
	}
	f.statuser(w, req.ID)
}

// statuser answers a status search for ids: {"statuser":[…]}.
func (f *fakeSvarUt) statuser(w http.ResponseWriter, ids []string) {
	f.mu.Lock()
	f.batches = append(f.batches, ids)
	type rec struct {
		ID                 string `json:"id"`
		SisteStatusEndring string `json:"sisteStatusEndring"`
		Status             string `json:"status"`
	}
	out := struct {
		Statuser []rec `json:"statuser"`
	}{Statuser: []rec{}}
	for _, id := range ids {
		if s, ok := f.status[strings.ToLower(id)]; ok { // SvarUt answers with the canonical lower-case id
			out.Statuser = append(out.Statuser, rec{strings.ToLower(id), s.changed.Format("2006-01-02T15:04:05.000-07:00"), s.status})
		}
	}
	f.mu.Unlock()
	writeJSON(w, 200, out)
}

func (f *fakeSvarUt) v2History(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	s, ok := f.status[strings.ToLower(r.PathValue("id"))]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"status": 404, "error": "Not Found", "message": "Fant ikke forsendelse"})
		return
	}
	writeJSON(w, 200, map[string]any{"hendelser": []map[string]string{
		{"tidspunkt": s.changed.Add(-time.Hour).Format(time.RFC3339), "hendelse": "Akseptert for ekspedering"},
		{"tidspunkt": s.changed.Format(time.RFC3339), "hendelse": "Status endret til " + s.status},
	}})
}

func (f *fakeSvarUt) v1Status(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if err := json.NewDecoder(r.Body).Decode(&ids); err != nil {
		f.t.Errorf("v1 statuser body must be a JSON array of ids: %v", err)
	}
	var recs []string
	f.mu.Lock()
	f.batches = append(f.batches, ids)
	for _, id := range ids {
		if s, ok := f.status[strings.ToLower(id)]; ok {
			recs = append(recs, fmt.Sprintf(`{"forsendelsesId":{"id":%q},"sisteStatusEndring":%d,"status":%q}`, id, s.changed.UnixMilli(), s.status))
		}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"statuser":[%s]}`, strings.Join(recs, ","))
}

func (f *fakeSvarUt) v1History(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"hendelsesLogger":[{"tidspunkt":"2024-01-02T10:00:00.000+01:00","hendelse":"Forsendelse %s mottatt"}]}`, r.PathValue("id"))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// staticToken is a TokenSource for tests.
type staticToken struct{ tok string }

func (s staticToken) Token(context.Context) (string, error) { return s.tok, nil }

type setup struct {
	api     string
	batch   int
	logger  *slog.Logger
	clock   httpclient.Clock
	timeout time.Duration
	retries int
}

// newAdapter builds the adapter against f, the way the lead wires it.
func newAdapter(t *testing.T, f *fakeSvarUt, s setup) *Client {
	t.Helper()
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	cfg := Config{BaseURL: f.srv.URL, API: s.api, KontoID: kontoID, IntegrasjonID: integrID, IntegrasjonPassord: integrPW,
		User: v1User, Password: v1Pass, BatchSize: s.batch, Logger: s.logger}
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: cfg.BaseURL, Secrets: cfg.Secrets(), Logger: s.logger,
		Clock: s.clock, Timeout: s.timeout, MaxRetries: s.retries, BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, hc, staticToken{token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
