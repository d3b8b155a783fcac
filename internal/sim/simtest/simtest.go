// Package simtest is a test helper: the simulator of every outside service
// (internal/sim) on a manual clock behind a loopback server that is closed
// when the test ends, for the tests that talk to it over HTTP — the
// adapters', the reminders', the poller's and the health rules'. It imports
// nothing of postvakt's but the simulator, so what the tests run against
// stays the simulator's reading of the services.
package simtest

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/sim"
)

// Options say how a simulator is started; the zero value is seed 0 with
// the clock at the present second.
type Options struct {
	// Seed is the world's seed.
	Seed int64
	// Start is where the manual clock stands; zero: now, to the second, UTC.
	Start time.Time
	// Sim are the simulator's own options; a nil Logger discards its log.
	Sim sim.Options
	// Wrap, if not nil, makes the server's handler from the simulator's: a
	// test's own answers (a fault, a throttle) or records around it.
	Wrap func(simulator http.Handler) http.Handler
	// KeepBodies keeps the body of every request the server receives
	// (Server.Bodies), before Wrap sees it.
	KeepBodies bool
}

// Server is a simulator being served.
type Server struct {
	Sim   *sim.Sim
	Clock *sim.ManualClock
	URL   string // the server's base URL, as httptest gives it

	mu     sync.Mutex
	bodies []string
}

// Load returns the simulator's shipped scenario name, failing the test
// when there is none.
func Load(tb testing.TB, name string) *sim.Scenario {
	tb.Helper()
	sc, err := sim.Load(name)
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// Parse returns the scenario a test writes in YAML, failing the test when
// it is not one.
func Parse(tb testing.TB, yaml string) *sim.Scenario {
	tb.Helper()
	sc, err := sim.Parse([]byte(yaml))
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// New starts the simulator on sc with o behind a loopback server, closed
// when the test ends.
func New(tb testing.TB, sc *sim.Scenario, o Options) *Server {
	tb.Helper()
	start := o.Start
	if start.IsZero() {
		start = time.Now().UTC().Truncate(time.Second)
	}
	if o.Sim.Logger == nil {
		o.Sim.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Clock: sim.NewManualClock(start)}
	var err error
	if s.Sim, err = sim.New(sc, o.Seed, s.Clock, o.Sim); err != nil {
		tb.Fatal(err)
	}
	h := s.Sim.Handler()
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	if o.KeepBodies {
		h = s.keepBodies(h)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// keepBodies records each request's body and hands the request on with it.
func (s *Server) keepBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		next.ServeHTTP(w, r)
	})
}

// Bodies returns the body of every request the server received so far, one
// after the other, each on lines of its own (Options.KeepBodies).
func (s *Server) Bodies() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.bodies, "\n")
}

// ClientKey makes a Maskinporten client key in the test's temporary folder
// (sim.ClientKey) and returns its file and its public key, which
// Options.Sim.ClientPublicKeyPEM takes to make the token endpoint check
// grant signatures.
func ClientKey(tb testing.TB) (keyFile string, publicPEM []byte) {
	tb.Helper()
	keyFile, publicPEM, err := sim.ClientKey(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return keyFile, publicPEM
}

// Env is the environment that points postvakt at the server, as sim.Env
// gives it, with the Maskinporten client key in keyFile.
func (s *Server) Env(keyFile string) map[string]string {
	env := map[string]string{"POSTVAKT_MASKINPORTEN_KEY_FILE": keyFile}
	for _, l := range s.Sim.Env(s.URL) {
		k, v, _ := strings.Cut(l, "=")
		env[k] = v
	}
	return env
}

// Demo starts the shipped demo world with o, without faults and refusing a
// token without the scopes the real service needs, as the service does
// (sim.Options NoFaults and RequireScopes): the world the Altinn tests
// check renewal, look-ups and orders against.
func Demo(tb testing.TB, o Options) *Server {
	tb.Helper()
	o.Sim.NoFaults, o.Sim.RequireScopes = true, true
	return New(tb, Load(tb, "demo"), o)
}
