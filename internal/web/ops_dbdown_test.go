package web_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/web"
)

// TestHealthzIsLivenessNotDatabase: /healthz answers whether the process
// lives, /readyz whether the database serves it. With the database gone,
// /healthz stays 200 (a liveness failure would restart every replica over
// an outage a restart does not mend) while /readyz says 503 "database
// unreachable"; the process's stalled loops are what make /healthz 503.
func TestHealthzIsLivenessNotDatabase(t *testing.T) {
	live := &fakeLiveness{}
	e := newEnvWith(t, web.WithLiveness(live))
	if code, body := e.get("/healthz", ""); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz with the database up: %d %s", code, body)
	}
	e.st.DB().Close() // the database goes away under the running server
	if code, body := e.get("/healthz", ""); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz with the database down: %d %s, want 200", code, body)
	}
	if code, body := e.get("/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
		t.Errorf("/readyz with the database down: %d %s, want 503 database unreachable", code, body)
	}
	live.set(errors.New("job poll: no tick for 6m0s past its time: the scheduler is stalled"))
	if code, body := e.get("/healthz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "stalled") {
		t.Errorf("/healthz with the scheduler stalled: %d %s, want 503", code, body)
	}
	if !strings.Contains(e.log.String(), "job poll") {
		t.Errorf("the stalled loop is not logged:\n%s", e.log.String())
	}
}

type fakeLiveness struct {
	mu  sync.Mutex
	err error
}

func (f *fakeLiveness) set(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

func (f *fakeLiveness) Stalled(time.Time) error { f.mu.Lock(); defer f.mu.Unlock(); return f.err }

// TestOpsPageSaysDatabaseUnreachable: with the database gone, the operator
// who had /ops open (a session the database confirmed before) gets the
// page saying the database is unreachable, not a bare 500.
func TestOpsPageSaysDatabaseUnreachable(t *testing.T) {
	e := newEnv(t)
	tok := e.token("operations", "", "")
	get := func() (int, string) { return e.get("/ops", tok) }
	if code, body := get(); code != 200 || !strings.Contains(body, "Database") {
		t.Fatalf("/ops with the database up: %d", code)
	}
	e.st.DB().Close() // the database goes away under the running server
	code, body := get()
	if code != 200 || !strings.Contains(body, "unreachable") {
		t.Fatalf("/ops with the database down: %d %.200s; want the page saying the database is unreachable", code, body)
	}
}

// TestReadyzLogsAnOutageOnce: through a database outage the readiness
// probe (a load balancer's, every second) logs what it found once, saying
// what was being done with the error, not a line per probe, and neither
// does the request log: an hour's outage was 3,600 lines each.
func TestReadyzLogsAnOutageOnce(t *testing.T) {
	e := newEnv(t)
	if code, body := e.get("/readyz", ""); code != http.StatusOK {
		t.Fatalf("/readyz with the database up: %d %s", code, body)
	}
	e.st.DB().Close() // the database goes away under the running server
	for range 5 {
		if code, body := e.get("/readyz", ""); code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz with the database down: %d %s, want 503", code, body)
		}
	}
	var lines []string
	for _, l := range strings.Split(e.log.String(), "\n") {
		if strings.Contains(l, "readiness") || strings.Contains(l, "path=/readyz") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `msg="readiness: the database does not answer"`) ||
		!strings.Contains(lines[0], "error=") {
		t.Errorf("5 failed probes logged %d lines, want the one saying the database does not answer with its error:\n%s",
			len(lines), strings.Join(lines, "\n"))
	}
}

// TestOpsStuckCountsNotShownWithDatabaseDown: with the database gone, /ops
// says so and shows no count of what waits on a person: it read none, and
// "0 letters in manual handling" during an outage would tell the
// operator nothing is stuck.
func TestOpsStuckCountsNotShownWithDatabaseDown(t *testing.T) {
	e := newEnv(t)
	tok := e.token("operations", "", "")
	get := func() string { _, body := e.get("/ops", tok); return body }
	if body := get(); !strings.Contains(body, `id="stuck-manual"`) {
		t.Fatalf("/ops with the database up shows no stuck counts: %.300s", body)
	}
	e.st.DB().Close()
	body := get()
	if !strings.Contains(body, "unreachable") {
		t.Fatalf("/ops with the database down: %.200s; want it saying the database is unreachable", body)
	}
	for _, id := range []string{"stuck-refused", "stuck-manual", "stuck-print-lost", "stuck-unknown", "stuck-notices-unknown", "stuck-no-address"} {
		if strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("/ops with the database down shows the count %s it did not read", id)
		}
	}
	// Nor does it say that nothing fires, no channel was polled, no notice
	// went or the schema is current: none of it was read.
	for _, claim := range []string{"No alert is firing", "No channel has been polled yet", "No alert has been sent", `id="channels"`, `id="schema">current`} {
		if strings.Contains(body, claim) {
			t.Errorf("/ops with the database down says %q, read from nothing", claim)
		}
	}
	if !strings.Contains(body, `id="ops-unread"`) {
		t.Errorf("/ops with the database down does not say what it cannot show: %.300s", body)
	}
}

// TestOpsWithoutNotificationOrders: a server that places no Altinn
// Notifications orders (a Denmark-only deployment) shows no row of refused
// orders on /ops, as its menu shows no Refused orders page; one that does
// shows it.
func TestOpsWithoutNotificationOrders(t *testing.T) {
	for _, on := range []bool{true, false} {
		e := newEnvWith(t, web.WithNotificationOrders(on))
		_, body := e.get("/ops", e.token("operations", "", ""))
		if got := strings.Contains(body, `id="stuck-refused"`); got != on {
			t.Errorf("orders %v: the refused-orders row shown %v:\n%.300s", on, got, body)
		}
		if !on && strings.Contains(body, "Altinn") {
			t.Errorf("without Notifications orders /ops speaks of Altinn")
		}
		if !strings.Contains(body, `id="stuck-manual"`) {
			t.Errorf("orders %v: no manual-handling row", on)
		}
	}
}
