package health_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

// checkOnly fails unless the firing, unmuted alerts are a subset of want.
func checkOnly(t *testing.T, at string, res health.Result, want ...string) {
	t.Helper()
	allowed := map[string]bool{}
	for _, w := range want {
		allowed[w] = true
	}
	for _, a := range active(res) {
		if !allowed[a] {
			t.Fatalf("%s: unexpected alert %q (firing: %v)", at, a, active(res))
		}
	}
}

// TestSilentChannel: SvarUt changes nothing from +1h to +12h. Exactly one
// alert, channel_silent for svarut, fires within an hour and a quarter of
// the silence (no change for an hour, and letters overdue), names every
// letter the silence holds back, is repeated after four hours, and
// resolves (and says so) once the channel catches up.
func TestSilentChannel(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "silent", 1, nil)
	start := w.now
	want := "channel_silent channel=svarut"
	var fired time.Time
	for w.now.Before(start.Add(6*time.Hour + 30*time.Minute)) {
		w.step(w.now.Add(15 * time.Minute))
		res := w.eval()
		at := "+" + w.now.Sub(start).String()
		if w.now.Before(start.Add(2 * time.Hour)) {
			checkOnly(t, at, res) // silence shorter than an hour: nothing
		} else {
			checkOnly(t, at, res, want)
		}
		if fired.IsZero() && len(active(res)) == 1 {
			fired = w.now
		}
	}
	if fired.IsZero() || fired.After(start.Add(2*time.Hour+15*time.Minute)) {
		t.Fatalf("channel_silent fired at %s, want within 1h15m of the silence starting at +1h", fired.Sub(start))
	}
	res := w.eval()
	if got := active(res); !reflect.DeepEqual(got, []string{want}) {
		t.Fatalf("at +6h30m: %v", got)
	}
	truth := w.truth(sim.IncidentSilent, nil)
	if truth < 10 || affected(res, "channel_silent") != truth {
		t.Fatalf("affected %d, the simulator's truth %d", affected(res, "channel_silent"), truth)
	}
	// Told once by e-mail and webhook, repeated after four hours only.
	ms := w.mails()
	hooks := w.hook.take()
	if len(ms) != 2 || len(hooks) != 2 {
		t.Fatalf("%d e-mails, %d webhook messages by +6h30m; want the first and one repeat: %v", len(ms), len(hooks), subjects(ms))
	}
	if !strings.HasPrefix(ms[0].Subject, "[postvakt] FIRING channel_silent: 1 alert, ") {
		t.Errorf("subject %q", ms[0].Subject)
	}
	for _, m := range ms {
		if !strings.Contains(m.Text, "SvarUt shipment ") || !strings.Contains(m.Text, "https://postvakt.example/alerts/") {
			t.Errorf("the e-mail does not list the letters:\n%s", m.Text)
		}
	}
	if !strings.Contains(ms[1].Text, "still firing") || ms[1].Created.Sub(ms[0].Created) < 0 {
		t.Errorf("second e-mail is not a repeat:\n%s", ms[1].Text)
	}
	h := hooks[0]
	if h.Version != "4" || h.Status != "firing" || h.GroupLabels["alertname"] != "channel_silent" || len(h.Alerts) != 1 ||
		h.Alerts[0].Labels["channel"] != "svarut" || h.Alerts[0].Labels["severity"] != "critical" ||
		h.Alerts[0].Annotations["affected"] == "" || !h.Alerts[0].EndsAt.IsZero() {
		t.Errorf("webhook message %+v", h)
	}
	// The repeat came four hours after the first notice: not earlier.
	var firstAt, repeatAt time.Time
	rows, err := w.st.Notices(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Destination != health.DestWebhook {
			continue
		}
		if firstAt.IsZero() || r.SentAt.Before(firstAt) {
			repeatAt, firstAt = firstAt, *r.SentAt
		} else {
			repeatAt = *r.SentAt
		}
	}
	if d := repeatAt.Sub(firstAt); d < 4*time.Hour || d > 4*time.Hour+15*time.Minute {
		t.Errorf("repeat %s after the first notice, want 4h (the repeat interval)", d)
	}
	// The channel catches up at +12h: resolved, and told so.
	w.walk(start.Add(12*time.Hour+15*time.Minute), time.Hour)
	res = w.eval()
	if len(res.Firing) != 0 || len(res.Resolved) != 1 || res.Resolved[0].Rule != "channel_silent" {
		t.Fatalf("after the silence: firing %v, resolved %+v", active(res), res.Resolved)
	}
	ms, hooks = w.mails(), w.hook.take()
	if !reflect.DeepEqual(subjects(ms), []string{"[postvakt] RESOLVED channel_silent: 1 alert"}) ||
		len(hooks) != 1 || hooks[0].Status != "resolved" || hooks[0].Alerts[0].EndsAt.IsZero() {
		t.Fatalf("resolution: e-mails %v, webhook %+v", subjects(ms), hooks)
	}
	// Nothing more, however often it is evaluated.
	w.step(w.now.Add(5 * time.Minute))
	if res := w.eval(); len(res.Firing)+len(res.Resolved) != 0 || len(w.mails())+len(w.hook.take()) != 0 {
		t.Fatalf("after resolving: %+v", res)
	}
	w.checkLogs()
}

// notices counts the notice log's rows by status.
func notices(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	rows, err := st.Notices(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status]++
	}
	return out
}

var _ = fmt.Sprint
