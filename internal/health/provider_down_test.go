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
	fired, resolved := w.alerts("channel_silent")
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

// TestProviderDownOverWeekendStaysFiring: SvarUt answers no call from
// Saturday 02:00 until Sunday 20:00, when nobody sends: no letter is
// overdue, the failed calls alone say it is down. The poller asks after
// the letters' backoff, fewer than min_calls calls an hour after the first
// hours. The channel_silent alert fires once in the night and keeps firing
// while no call is answered, and resolves once, after the provider is
// back; not resolved (a RESOLVED mail) at 04:00 on Saturday while every
// call since still fails.
func TestProviderDownOverWeekendStaysFiring(t *testing.T) {
	t.Parallel()
	w := newWk(t, friday)
	w.history(40)
	sat := friday.Add(24 * time.Hour).Add(-6 * time.Hour) // Saturday 01:00 UTC
	w.down.from, w.down.to = sat.Add(time.Hour), sat.Add(43*time.Hour)
	w.send("Skoleetaten", friday, friday.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
	w.until(sat.Add(45*time.Hour), 15*time.Minute)
	fired, resolved := w.alerts("channel_silent")
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "Sat 02:") {
		t.Errorf("channel_silent started firing %v over one outage, want once early on Saturday", fired)
	}
	if len(resolved) != 1 || !strings.HasPrefix(resolved[0], "Sun 2") {
		t.Errorf("channel_silent resolved %v, want once after the provider is back on Sunday 20:00", resolved)
	}
	if ms := w.mp.Messages(t); len(ms) == 0 || !strings.Contains(ms[len(ms)-1].Subject, "RESOLVED channel_silent") {
		t.Errorf("the last mail is not the resolution")
	}
}
