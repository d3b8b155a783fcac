package health_test

import (
	"strings"
	"testing"
	"time"
)

// TestProviderDownAllNightOneAlert: SvarUt answers no call from Monday
// 17:00 (UTC) until Tuesday 07:00: every batch fails, and the poller asks
// again after the letters' backoff (1, 2, 4 … minutes, up to 6 hours), so
// that late in the night there is an hour and more without any call. The
// unit sends a letter every 10 minutes until 19:00, all held. The channel's
// channel_silent alert fires once in the evening and keeps firing all
// night, through the hours in which the poller waits out its backoff
// (nobody answered it: the provider is still down), and resolves once,
// after the provider is back; not resolved and fired anew at each of the
// poller's failed attempts (a RESOLVED and a FIRING mail for one outage,
// every few hours).
func TestProviderDownAllNightOneAlert(t *testing.T) {
	t.Parallel()
	w := newWk(t, monday)
	w.history(40)
	w.down.from, w.down.to = monday.Add(10*time.Hour), monday.Add(24*time.Hour)
	w.send("Skoleetaten", monday, monday.Add(12*time.Hour), 10*time.Minute, func(int) bool { return false })
	w.until(monday.Add(27*time.Hour), 5*time.Minute)
	var fired, resolved []string
	for _, f := range w.fired {
		if strings.Contains(f, "channel_silent") {
			fired = append(fired, f)
		}
	}
	for _, r := range w.resolvd {
		if strings.Contains(r, "channel_silent") {
			resolved = append(resolved, r)
		}
	}
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "Mon ") {
		t.Errorf("channel_silent started firing %v over one outage, want once on Monday evening", fired)
	}
	if len(resolved) != 1 || !strings.HasPrefix(resolved[0], "Tue ") || resolved[0] < "Tue 07:00" {
		t.Errorf("channel_silent resolved %v, want once after the provider is back on Tuesday 07:00", resolved)
	}
	for _, m := range w.mp.Messages(t) {
		if strings.Contains(m.Raw, "HEMMELIG") || strings.Contains(m.Raw, "Skoleetaten") {
			t.Errorf("a title or the unit's name in an alert mail: %s", m.Subject)
		}
	}
}
