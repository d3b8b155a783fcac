package main_test

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopAnswersNotReadyWhileDraining: from the SIGTERM on, while serve
// lets a begun reminder finish (the drain), /readyz answers 503
// {"status":"stopping"}, so that a load balancer takes the replica out of
// rotation before its listener closes; /healthz stays 200 (the process is
// not to be restarted) and the UI and API still answer the requests that
// arrive meanwhile. Then serve exits 0.
func TestStopAnswersNotReadyWhileDraining(t *testing.T) {
	smtp := startSlowSMTP(t, 8*time.Second) // the drain lasts as long as the message in flight
	db, env := stopSetup(t, 1, smtp.ln.Addr().String())
	addr, cmd, logs := startServe(t, db, env...)
	defer cmd.Process.Kill()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s during the drain: %v\n%s", path, err, tail(logs.String(), 10))
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before the stop: %d %s", code, body)
	}
	select {
	case <-smtp.dataCh:
	case <-time.After(30 * time.Second):
		t.Fatalf("no reminder begun:\n%s", tail(logs.String(), 20))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	// The signal is handled asynchronously: wait for the stop's first log
	// line, then ask while the reminder's relay still stalls.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "shutting down"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not begin its stop:\n%s", tail(logs.String(), 10))
		}
	}
	code, body := get("/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"stopping"`) {
		t.Errorf("/readyz during the drain: %d %s, want 503 stopping", code, body)
	}
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz during the drain: %d %s, want 200 (a stopping replica is not to be restarted)", code, body)
	}
	if code, _ := get("/login"); code != http.StatusOK {
		t.Errorf("GET /login during the drain: %d, want 200 (requests still served)", code)
	}
	if code, body := get("/api/v1/openapi.json"); code != http.StatusOK {
		t.Errorf("GET /api/v1/openapi.json during the drain: %d %.200s, want 200", code, body)
	}
	if data, taken, _ := smtp.counts(); taken != 0 || data != 1 {
		t.Fatalf("the reminder's relay answered (%d of %d) before the requests: the test did not ask during the drain", taken, data)
	}
	if code, took := waitExit(cmd); code != 0 {
		t.Errorf("serve exited %d after %s:\n%s", code, took, tail(logs.String(), 10))
	}
}
