package simtest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNewServesTheSimulator: the server answers with the simulator behind
// Wrap, which sees every request first; with KeepBodies every request's
// body is kept in order; the manual clock stands at Start and moves the
// simulator's time.
func TestNewServesTheSimulator(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	wrapped := 0
	s := New(t, Load(t, "demo"), Options{Seed: 5, Start: start, KeepBodies: true,
		Wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				wrapped++
				next.ServeHTTP(w, r)
			})
		}})
	if !s.Clock.Now().Equal(start) {
		t.Fatalf("clock at %s, want %s", s.Clock.Now(), start)
	}
	for _, body := range []string{"grant_type=one", "grant_type=two"} {
		resp, err := http.Post(s.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("token with %s: %d, want the simulator's 400 for a grant type it does not know", body, resp.StatusCode)
		}
	}
	if got := s.Bodies(); got != "grant_type=one\ngrant_type=two" {
		t.Errorf("bodies %q, want both in order", got)
	}
	if wrapped != 2 {
		t.Errorf("Wrap saw %d requests, want 2", wrapped)
	}
	before := s.Sim.Now()
	s.Clock.Advance(time.Hour)
	if d := s.Sim.Now().Sub(before); d != time.Hour {
		t.Errorf("the simulator moved %s with its clock's hour", d)
	}
}

// TestDemoRefusesTokensWithoutScopes: Demo's simulator answers Altinn as
// the service does, refusing a token without the scopes (RequireScopes)
// and injecting no faults.
func TestDemoRefusesTokensWithoutScopes(t *testing.T) {
	s := Demo(t, Options{Seed: 5})
	if o := s.Sim.Options(); !o.RequireScopes || !o.NoFaults {
		t.Fatalf("options %+v, want RequireScopes and NoFaults", o)
	}
}

// TestEnvPointsAtTheServer: Env names the server's URL and the key file.
func TestEnvPointsAtTheServer(t *testing.T) {
	s := New(t, Load(t, "demo"), Options{})
	keyFile, pub := ClientKey(t)
	if len(pub) == 0 {
		t.Fatal("no public key")
	}
	env := s.Env(keyFile)
	if env["POSTVAKT_MASKINPORTEN_KEY_FILE"] != keyFile || env["POSTVAKT_ALTINN_URL"] != s.URL || env["POSTVAKT_SIM_URL"] != s.URL+"/sim" {
		t.Fatalf("env %v", env)
	}
}
