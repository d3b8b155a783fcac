package main_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"postvakt/internal/pgtest"
	"postvakt/internal/storetest"
)

// TestHealthOnceFailsWhenANoticeDidNotGoOut: a stuck alert fires; its
// notice to the webhook is refused (500) and its e-mail to operations
// cannot go out (the mail server down). `health --once` exits 1 naming
// both notices by rule, notice id and kind of destination, never by the
// address, unit or title; a run whose notices all went out exits 0.
func TestHealthOnceFailsWhenANoticeDidNotGoOut(t *testing.T) {
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	stuckLetters(t, st)
	var refuse atomic.Bool
	refuse.Store(true)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer hook.Close()
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_ALERT_WEBHOOK_URL=" + hook.URL,
		"POSTVAKT_ALERT_EMAIL=drift@kommune.no", "POSTVAKT_SMTP_ADDR=127.0.0.1:1", "POSTVAKT_SMTP_TLS=none"}
	out, stderr, code := runEnv(t, env, "health", "--once")
	line := regexp.MustCompile(`not sent this run \(see the log\): .*`).FindString(stderr)
	if code != 1 || !strings.Contains(out, "FIRING rule=stuck") ||
		!regexp.MustCompile(`stuck alert notice \d+ by e-mail, stuck alert notice \d+ to the webhook$`).MatchString(line) {
		t.Fatalf("health --once with its notices not sent: exit %d, want 1 naming both\n%s\n%s", code, out, stderr)
	}
	for _, secret := range []string{"drift@kommune.no", "Barnevernstjenesten", "HEMMELIG", hook.URL} {
		if strings.Contains(line, secret) {
			t.Errorf("the error names %q: %s", secret, line)
		}
	}

	// Without e-mail and with the webhook taking it: the failed notice
	// goes out now, and the run exits 0.
	refuse.Store(false)
	env = []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_ALERT_WEBHOOK_URL=" + hook.URL}
	if out, stderr, code := runEnv(t, env, "health", "--once"); code != 0 || !strings.Contains(stderr, "sent=1 failed=0") {
		t.Fatalf("health --once with the webhook up: exit %d, want 0\n%s\n%s", code, out, stderr)
	}
}

// TestHealthOnceFailsWhenAnAlertReachesNoOne: a stuck alert fires with no
// alert address and no webhook set: nobody can be told, so `health --once`
// exits 1 naming the alert by rule and id only (not its unit). With a
// webhook that takes the post and then drops the connection unanswered,
// the notice's outcome is unknown (it is never sent again): the run exits
// 1 naming the notice; a run after that (nothing left to tell) exits 0.
func TestHealthOnceFailsWhenAnAlertReachesNoOne(t *testing.T) {
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	stuckLetters(t, st)
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies"}
	out, stderr, code := runEnv(t, env, "health", "--once")
	line := regexp.MustCompile(`not sent this run \(see the log\): .*`).FindString(stderr)
	if code != 1 || !strings.Contains(out, "FIRING rule=stuck") ||
		!regexp.MustCompile(`: stuck alert \d+ \(no recipient address\)$`).MatchString(line) {
		t.Fatalf("health --once without any alert address: exit %d, want 1 naming the alert\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(line, "Barnevernstjenesten") {
		t.Errorf("the error names the unit: %s", line)
	}

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // taken, never answered
		}
	}))
	defer hook.Close()
	env = append(env, "POSTVAKT_ALERT_WEBHOOK_URL="+hook.URL)
	out, stderr, code = runEnv(t, env, "health", "--once")
	line = regexp.MustCompile(`not sent this run \(see the log\): .*`).FindString(stderr)
	if code != 1 || !strings.Contains(stderr, "unknown=1") ||
		!regexp.MustCompile(`: stuck alert notice \d+ to the webhook \(outcome unknown\)$`).MatchString(line) {
		t.Fatalf("health --once with the webhook's outcome unknown: exit %d, want 1 naming the notice\n%s\n%s", code, out, stderr)
	}
	if out, stderr, code := runEnv(t, env, "health", "--once"); code != 0 {
		t.Fatalf("health --once with nothing left to tell: exit %d, want 0\n%s\n%s", code, out, stderr)
	}
}
