package main_test

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// TestStopKeepsListeningForTheBalancer: SIGTERM while no job runs (the
// common case: the jobs run for seconds every few minutes) keeps the
// listener open for POSTVAKT_STOP_DRAIN, /readyz answering 503 stopping
// and the UI answering, so that a load balancer probing /readyz takes the
// replica out of rotation before its listener closes (README, Stopping).
// Before, with nothing to drain, the listener closed at once: the requests
// the balancer still sent it until its probes failed were refused.
func TestStopKeepsListeningForTheBalancer(t *testing.T) {
	db := pgtest.New(t)
	addr, cmd, logs := startServe(t, db, "POSTVAKT_STOP_DRAIN=4s")
	defer cmd.Process.Kill()
	cmd.Process.Signal(syscall.SIGTERM)
	signalled := time.Now()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "shutting down"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not begin its stop:\n%s", tail(logs.String(), 10))
		}
	}
	time.Sleep(time.Second) // a balancer's probe a second after the signal
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatalf("/readyz a second after SIGTERM, with POSTVAKT_STOP_DRAIN=4s: %v; want 503 stopping (the listener open)\n%s",
			err, tail(logs.String(), 6))
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"stopping"`) {
		t.Errorf("/readyz during the drain: %d %s, want 503 stopping", resp.StatusCode, b)
	}
	if resp, err := http.Get("http://" + addr + "/login"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login during the drain: %v %v, want 200 (requests still served)", resp, err)
	} else {
		resp.Body.Close()
	}
	code, _ := waitExit(cmd)
	took := time.Since(signalled)
	if code != 0 || took < 4*time.Second || took > 15*time.Second || !strings.Contains(logs.String(), "postvakt stopped") {
		t.Errorf("serve exited %d %s after the signal; want 0 after the 4 s drain, with its last line\n%s", code, took.Round(time.Millisecond), tail(logs.String(), 6))
	}
}
