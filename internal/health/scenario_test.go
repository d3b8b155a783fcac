package health_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/policy"
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
	rows, err := w.st.AlertNotices(t.Context(), 10)
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
	rows, err := st.AlertNotices(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status]++
	}
	return out
}

// TestRejectionSpikeScenario: for twelve hours 90% of Barnevernstjenesten's
// letters are rejected. Exactly one rejection_spike alert fires for that
// unit, naming the rejected letters; it resolves once the spike has left
// the window.
func TestRejectionSpikeScenario(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "rejections", 1, nil)
	start := w.now
	want := "rejection_spike channel=svarut sender=964338531 unit=Barnevernstjenesten"
	fired := w.watch(start.Add(12*time.Hour), 30*time.Minute, only(want))
	if fired.IsZero() || fired.After(start.Add(6*time.Hour)) {
		t.Fatalf("rejection_spike fired at %s, want within six hours", fired.Sub(start))
	}
	w.step(start.Add(12*time.Hour + 30*time.Minute))
	res := w.eval()
	truth := w.truth(sim.IncidentRejected, nil)
	if got := active(res); !reflect.DeepEqual(got, []string{want}) || truth < 10 || affected(res, "rejection_spike") != truth {
		t.Fatalf("at +12h30m: %v, affected %d, the simulator's truth %d", got, affected(res, "rejection_spike"), truth)
	}
	// The first notice, then one every four hours.
	notices := 1 + int(w.now.Sub(fired)/(4*time.Hour))
	ms, hooks := w.mails(), w.hook.take()
	if len(ms) != notices || len(hooks) != notices || !strings.HasPrefix(ms[0].Subject, "[postvakt] FIRING rejection_spike: 1 alert, ") {
		t.Fatalf("e-mails %v, %d webhook messages; want %d (fired at +%s, repeated every 4h)", subjects(ms), len(hooks), notices, fired.Sub(start))
	}
	// A day after the spike it has left the window: resolved.
	w.walk(start.Add(36*time.Hour+30*time.Minute), 2*time.Hour)
	res = w.eval()
	var resolved []string
	for _, a := range res.Resolved {
		resolved = append(resolved, a.Rule+" "+a.Labels.String())
	}
	for w.now.Before(start.Add(37*time.Hour)) && len(resolved) == 0 {
		w.step(w.now.Add(10 * time.Minute))
		for _, a := range w.eval().Resolved {
			resolved = append(resolved, a.Rule+" "+a.Labels.String())
		}
	}
	if !reflect.DeepEqual(resolved, []string{want}) {
		t.Fatalf("resolved %v", resolved)
	}
	if ms := w.mails(); !reflect.DeepEqual(subjects(ms)[len(ms)-1:], []string{"[postvakt] RESOLVED rejection_spike: 1 alert"}) {
		t.Fatalf("e-mails %v", subjects(ms))
	}
	// The log names the unit by its id, never by its name (it says what
	// the unit's letters are about).
	var logged int
	for _, line := range strings.Split(w.logs.String(), "\n") {
		if strings.Contains(line, "Barnevernstjenesten") {
			t.Errorf("the log names the unit: %s", line)
		}
		if strings.Contains(line, "health alert") && strings.Contains(line, "unit_id=") && strings.Contains(line, "alert=") {
			logged++
		}
	}
	if logged != 2 {
		t.Errorf("%d log lines of the alert firing and resolved by unit id, want 2:\n%s", logged, w.logs.String())
	}
	w.checkLogs()
}

// TestOutageMay2020: from the start the provider loses half of the
// letters it accepts, for two days — SvarUt's, and Danish Digital Post's,
// which validates the letters and then fails half of them (the provider
// told nobody; Copenhagen found out 13 days later and had the lists three
// weeks after that). A stuck alert for the channel fires within two
// simulated hours; at the end of the outage the stuck alerts, one per unit
// (forvaltning), name exactly the letters the simulator lost (the units'
// lists are the incident report); once the units record their follow-ups
// from the report, the alerts resolve, and the resolution reaches the SMTP
// server and the webhook receiver.
func TestOutageMay2020(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ scenario, channel, sender string }{
		{"outage", "svarut", "964338531"},
		{"testdata/copenhagen-may.yaml", "digitalpost", "64942212"},
	} {
		t.Run(tc.channel, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, tc.scenario, 1, nil)
			start := w.now
			fired := w.watch(start.Add(2*time.Hour), 15*time.Minute, prefixed("stuck channel="+tc.channel+" "))
			if fired.IsZero() {
				t.Fatal("no stuck alert within two hours of the outage starting")
			}
			t.Logf("the first stuck alert fired %s after the outage started", fired.Sub(start))
			w.walk(start.Add(50*time.Hour), 2*time.Hour)
			res := w.eval()
			units := map[string]bool{}
			for _, a := range active(res) {
				if !strings.HasPrefix(a, "stuck channel="+tc.channel+" sender="+tc.sender+" unit=") {
					t.Fatalf("unexpected alert %q", a)
				}
				units[a] = true
			}
			lost := w.truth(sim.IncidentProviderOutage, nil) + w.truth(sim.IncidentRedelivered, nil) // none re-delivered yet
			if len(units) != 7 || len(res.Firing) != 7 || affected(res, "stuck") != lost || lost < 500 {
				t.Fatalf("%d units' stuck alerts with %d letters; the simulator lost %d", len(units), affected(res, "stuck"), lost)
			}
			if len(w.mails()) == 0 || len(w.hook.take()) == 0 {
				t.Fatal("the stuck alerts reached neither the SMTP server nor the webhook")
			}
			// Each unit records a follow-up for all its letters at once,
			// from the alert's incident report: the alerts resolve.
			for _, a := range res.Firing {
				n, err := w.st.RecordIncidentFollowUps(t.Context(), store.IncidentFollowUps{Filter: a.Selector,
					Reason: fmt.Sprintf("alert %d", a.ID), Deadline: w.now.Add(10 * 24 * time.Hour), Decision: store.DecisionNewLetter,
					Note: "written anew", Actor: "user:kari", At: w.now})
				if err != nil || n != a.Affected {
					t.Fatalf("follow-ups of alert %d: %d of %d, %v", a.ID, n, a.Affected, err)
				}
			}
			// (kept firing for keep_firing_for after they last held)
			w.step(w.now.Add(policy.DefaultKeepFiringFor))
			if res := w.eval(); len(res.Firing) != 0 || len(res.Resolved) != 7 {
				t.Fatalf("after the follow-ups: firing %v, %d resolved", active(res), len(res.Resolved))
			}
			ms, hooks := w.mails(), w.hook.take()
			if !reflect.DeepEqual(subjects(ms), []string{"[postvakt] RESOLVED stuck: 7 alerts"}) ||
				len(hooks) != 1 || hooks[0].Status != "resolved" || len(hooks[0].Alerts) != 7 || hooks[0].Alerts[0].EndsAt.IsZero() {
				t.Fatalf("resolution: e-mails %v, webhook %+v", subjects(ms), hooks)
			}
			w.checkLogs()
		})
	}
}

// TestDroppedDecember2019: from the start, for a day, nothing
// Sosialtjenesten sends reaches the channel. unit_delivery_drop fires for
// that unit within one business day, and only it; it names every dropped
// letter; the unit recovers, records its follow-ups, and the alert
// resolves.
func TestDroppedDecember2019(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "dropped", 1, nil)
	start := w.now
	want := "unit_delivery_drop channel=svarut sender=964338531 unit=Sosialtjenesten"
	fired := w.watch(start.Add(26*time.Hour), time.Hour, only(want))
	if fired.IsZero() || fired.After(start.Add(24*time.Hour)) {
		t.Fatalf("unit_delivery_drop fired at %s, want within a day", fired.Sub(start))
	}
	t.Logf("unit_delivery_drop fired %s after the unit's letters stopped arriving", fired.Sub(start))
	res := w.eval()
	truth := w.truth(sim.IncidentUnitLost, nil)
	if got := active(res); !reflect.DeepEqual(got, []string{want}) || truth < 10 || affected(res, "unit_delivery_drop") != truth {
		t.Fatalf("at +26h: %v, affected %d, the simulator's truth %d", got, affected(res, "unit_delivery_drop"), truth)
	}
	if len(w.mails()) == 0 || len(w.hook.take()) == 0 {
		t.Fatal("the alert reached neither the SMTP server nor the webhook")
	}
	a := res.Firing[0]
	if _, err := w.st.RecordIncidentFollowUps(t.Context(), store.IncidentFollowUps{Filter: a.Selector, Deadline: w.now.Add(240 * time.Hour),
		Decision: store.DecisionNewLetter, Actor: "user:kari", At: w.now}); err != nil {
		t.Fatal(err)
	}
	// The unit's letters arrive again since +24h: the alert resolves once
	// its latest letters were delivered.
	var resolved bool
	for w.now.Before(start.Add(40*time.Hour)) && !resolved {
		w.step(w.now.Add(time.Hour))
		res := w.eval()
		checkOnly(t, "+"+w.now.Sub(start).String(), res, want)
		resolved = len(res.Resolved) == 1
	}
	if !resolved {
		t.Fatal("unit_delivery_drop did not resolve after the unit recovered")
	}
	if ms := w.mails(); len(ms) != 1 || ms[0].Subject != "[postvakt] RESOLVED unit_delivery_drop: 1 alert" {
		t.Fatalf("e-mails %v", subjects(ms))
	}
	w.checkLogs()
}

// TestBergenNeverOpening: Bergen's 162 organisations that never open
// (nobody has the access role), with their 1,307 unopened confidential
// letters. With never_opening_org counting every letter (letters: 1, over
// ten years), exactly one alert per such organisation fires, 162 in all,
// naming exactly the 1,307 letters; they go out as one e-mail and one
// webhook message. When the organisations get the role and open their
// post, the alerts resolve.
func TestBergenNeverOpening(t *testing.T) {
	t.Parallel()
	base, err := os.ReadFile("../sim/scenarios/bergen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scenario := filepath.Join(t.TempDir(), "bergen-access.yaml")
	extra := "\nincidents:\n  - {kind: access_granted, from: 2d, to: 3d}\n"
	if err := os.WriteFile(scenario, append(base, extra...), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := policy.DefaultHealth()
	cfg.NeverOpening.Letters, cfg.NeverOpening.Over = 1, 3650*24*time.Hour
	w := newWorld(t, scenario, 1, cfg)
	res := w.eval()
	orgs := map[string]bool{}
	for _, o := range w.sim.Organisations() {
		if o.NeverOpens {
			orgs[o.OrgNr] = true
		}
	}
	for _, a := range res.Firing {
		if a.Rule != "never_opening_org" || !orgs[a.Labels["org"]] || a.Inhibited {
			t.Fatalf("unexpected alert %s %s", a.Rule, a.Labels)
		}
		delete(orgs, a.Labels["org"])
	}
	truth := w.truth(sim.IncidentNeverOpened, nil)
	if len(res.Firing) != 162 || len(orgs) != 0 || truth != 1307 || affected(res, "never_opening_org") != truth {
		t.Fatalf("%d alerts (%d never-opening organisations without one), %d letters; the simulator's truth: 162 organisations, %d letters",
			len(res.Firing), len(orgs), affected(res, "never_opening_org"), truth)
	}
	ms, hooks := w.mails(), w.hook.take()
	if !reflect.DeepEqual(subjects(ms), []string{"[postvakt] FIRING never_opening_org: 162 alerts, 1,307 letters"}) ||
		len(hooks) != 1 || len(hooks[0].Alerts) != 162 || hooks[0].Alerts[0].Labels["severity"] != "info" {
		t.Fatalf("e-mails %v, webhook %d messages", subjects(ms), len(hooks))
	}
	// Not repeated within its interval (7 days), however often evaluated.
	w.step(w.now.Add(24 * time.Hour))
	if res := w.eval(); len(res.Firing) != 162 || len(w.mails())+len(w.hook.take()) != 0 {
		t.Fatalf("a day later: %d firing, and something was sent again", len(res.Firing))
	}
	// They get the role on day 2 and open everything by day 3.
	w.walk(w.now.Add(2*24*time.Hour+time.Hour), 12*time.Hour)
	res = w.eval()
	if len(res.Firing) != 0 {
		t.Fatalf("after the organisations opened their post: %d still firing", len(res.Firing))
	}
	if !reflect.DeepEqual(subjects(w.mails()), []string{"[postvakt] RESOLVED never_opening_org: 162 alerts"}) {
		t.Fatal("the resolution was not e-mailed")
	}
	w.checkLogs()
}

// TestDemoRaisesOnlyItsIncident: the demo world (make run's scenario and
// seed), evaluated every two hours over its first three days, raises
// exactly the alert its script asks for, unit_delivery_drop for
// Bymiljøetaten (whose last SvarUt letters never reached the channel), from
// the first evaluation on, and no other: the rest of the world is ordinary
// traffic, which must raise nothing (never_opening_org waits for letters
// fourteen days old by default; the demo's policies shorten it). Every
// alert e-mail is about that alert.
func TestDemoRaisesOnlyItsIncident(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "demo", 1, nil)
	start := w.now
	want := []string{"unit_delivery_drop channel=svarut sender=964338531 unit=Bymiljøetaten"}
	for {
		res := w.eval()
		if got := active(res); !reflect.DeepEqual(got, want) {
			t.Fatalf("+%s: the demo raised %v, want %v", w.now.Sub(start), got, want)
		}
		if !w.now.Before(start.Add(72 * time.Hour)) {
			break
		}
		w.step(w.now.Add(2 * time.Hour))
	}
	ms := subjects(w.mails())
	if len(ms) == 0 {
		t.Fatal("the demo's alert was not e-mailed")
	}
	for _, s := range ms {
		if !strings.HasPrefix(s, "[postvakt] FIRING unit_delivery_drop: 1 alert") {
			t.Fatalf("the demo sent %q", s)
		}
	}
}
