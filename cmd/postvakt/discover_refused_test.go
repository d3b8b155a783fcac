package main_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// TestDiscoverNamesWhyALetterWasNotRead: a listed letter whose details
// Altinn will not give (401 with its code 4001: the caller may not read
// it) is not registered, and the log says so, with Altinn's answer. Before,
// the log named the first field the empty letter failed validation on
// ("recipient_id: required"), as though Altinn's record of it were bad.
func TestDiscoverNamesWhyALetterWasNotRead(t *testing.T) {
	s, env := simEnv(t)
	env = append(env, "DATABASE_URL="+pgtest.New(t))
	since := s.Now().Add(-15 * 24 * time.Hour)
	var refused string
	for _, r := range s.Shipments() {
		if r.Channel == "altinn" && r.SentAt.After(since) {
			refused = r.ChannelID
		}
	}
	if refused == "" {
		t.Fatalf("the demo has no Altinn letter since %s", since)
	}
	frontAltinn(t, env, func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, refused+"/details") {
			return false
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"title":"You must use a bearer token that belongs to the sender or recipient","status":401,"errorCode":4001}`))
		return true
	})
	out, stderr, code := runEnv(t, env, "discover", "--channel", "altinn", "--since", since.Format(time.RFC3339), "--sender-org", "964338531")
	if code != 0 {
		t.Fatalf("discover: exit %d\n%s\n%s", code, out, stderr)
	}
	var line string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, refused) && strings.Contains(l, "not registered") {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, "4001") || strings.Contains(line, "recipient") {
		t.Errorf("the log about the letter Altinn refused to tell about: %q; want Altinn's refusal (4001), not a field of the letter\n%s", line, stderr)
	}
}
