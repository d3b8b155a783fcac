package digitalpost

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
)

var quiet = slog.New(slog.DiscardHandler)

// simStart is where the simulator's clock stands.
var simStart = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// exchange is one request the adapter sent and the simulator's answer.
type exchange struct {
	query  url.Values
	status int
	body   []byte
}

// world is a simulator with Danish letters behind a recording server.
type world struct {
	sim   *sim.Sim
	url   string // the server's base URL
	mu    sync.Mutex
	seen  []exchange
	fault func(w http.ResponseWriter, r *http.Request) bool // answers instead of the simulator when it returns true
}

const dpScenarioYAML = `
start: "2025-03-10T09:00:00Z"
organisations: {count: 0}
shipments: {count: 0}
digitalpost:
  companies: 6
  citizens: 12
  citizen_share: 0.6
  letters: 120
  sent_from: -6d
  sent_to: -30m
  open: {chance: 0.7, delay: {min: 1h, max: 2d}}
  physical_post_chance: 0.5
  physical_post_delay: {min: 3d, max: 4d}
  delayed_share: 0.1
  recall_chance: 0.5
  unknown_tag_chance: 0.2
  recipient_system_share: 0.2
  log:
    late_chance: 0.1
    late_delay: {min: 1m, max: 8m}
    duplicate_chance: 0.1
    page_size_cap: 40
`

func newWorld(t *testing.T, scenarioYAML string) *world {
	t.Helper()
	w := &world{}
	srv := simtest.New(t, simtest.Parse(t, scenarioYAML), simtest.Options{Seed: 11, Start: simStart, Sim: sim.Options{Logger: quiet},
		Wrap: w.record})
	w.sim, w.url = srv.Sim, srv.URL
	return w
}

// record answers by the world's fault when it takes the request, else by
// the simulator, keeping what the simulator answered.
func (w *world) record(simulator http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		fault := w.fault
		w.mu.Unlock()
		if fault != nil && fault(rw, r) {
			return
		}
		rec := httptest.NewRecorder()
		simulator.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			rw.Header()[k] = v
		}
		rw.WriteHeader(rec.Code)
		_, _ = rw.Write(rec.Body.Bytes())
		w.mu.Lock()
		w.seen = append(w.seen, exchange{query: r.URL.Query(), status: rec.Code, body: bytes.Clone(rec.Body.Bytes())})
		w.mu.Unlock()
	})
}

func (w *world) exchanges() []exchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]exchange(nil), w.seen...)
}

// client is an adapter pointed at the world with the simulator's credentials.
func (w *world) client(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	o := w.sim.Options()
	cfg := Config{BaseURL: w.url + "/apis/v1", SystemID: o.DigitalPostSystemID, APIToken: o.DigitalPostAPIToken,
		PageSize: 1000, Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	return newClient(t, cfg, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1, Secrets: []string{cfg.APIToken}})
}

// newClient is an adapter on cfg over an httpclient with opts, named for
// the channel, at cfg.BaseURL and quiet.
func newClient(t testing.TB, cfg Config, opts httpclient.Options) *Client {
	t.Helper()
	opts.Name, opts.BaseURL, opts.Logger = Name, cfg.BaseURL, quiet
	hc, err := httpclient.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
