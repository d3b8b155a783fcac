package health_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/sim"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestCopenhagenDecember2019: nothing the sending route "BUF – sikker
// mail (SEPO)" sends reaches Digital Post (no event, ever), while the
// other forvaltninger's letters arrive. unit_delivery_drop fires for it,
// and only it, within a working day (Copenhagen: 4 weeks, a citizen
// asked), naming every letter of it that should have arrived by then.
func TestCopenhagenDecember2019(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "testdata/copenhagen-dec.yaml", 1, nil)
	start := w.now
	want := "unit_delivery_drop channel=digitalpost sender=64942212 unit=\"BUF – sikker mail (SEPO)\""
	fired := w.watch(start.Add(10*time.Hour), 30*time.Minute, only(want))
	if fired.IsZero() || fired.After(start.Add(8*time.Hour)) {
		t.Fatalf("unit_delivery_drop fired at +%s, want within a working day (8 h)", fired.Sub(start))
	}
	t.Logf("unit_delivery_drop fired %s after the unit's letters stopped arriving", fired.Sub(start))
	res := w.eval()
	if got := active(res); !reflect.DeepEqual(got, []string{want}) {
		t.Fatalf("at +10h: %v", got)
	}
	// Every letter of the unit that should have arrived by now: sent
	// before the alert's cut-off (its channel's delivery time ago).
	cut := res.Firing[0].Selector.To
	truth := w.truth(sim.IncidentNeverArrived, func(r sim.ShipmentRecord) bool { return r.SentAt.Before(cut) })
	if truth < 10 || affected(res, "unit_delivery_drop") != truth {
		t.Fatalf("affected %d, the simulator's truth %d", affected(res, "unit_delivery_drop"), truth)
	}
	// The first notice, then one every four hours.
	notices := 1 + int(w.now.Sub(fired)/(4*time.Hour))
	ms := w.mails()
	posts := w.hook.take()
	if len(ms) != notices || !strings.HasPrefix(ms[0].Subject, "[postvakt] FIRING unit_delivery_drop: 1 alert, ") || len(posts) != notices {
		t.Fatalf("e-mails %v, want %d", subjects(ms), notices)
	}
	// The mail and the webhook name the unit by its id, never by its name
	// (it says what the unit's letters are about); the page has it.
	unitID, err := w.st.UnitID(context.Background(), "64942212", "BUF – sikker mail (SEPO)")
	if err != nil || unitID == 0 {
		t.Fatalf("the unit's id: %d %v", unitID, err)
	}
	label := fmt.Sprintf("unit_id=%d", unitID)
	for _, m := range ms {
		if !strings.Contains(m.Text, label) || strings.Contains(m.Text, "SEPO)") || strings.Contains(m.Text, "sikker mail") {
			t.Errorf("the e-mail names the unit, or not by %s:\n%s", label, m.Text)
		}
	}
	for _, p := range posts {
		if len(p.Alerts) != 1 || p.Alerts[0].Labels["unit_id"] != strconv.FormatInt(unitID, 10) || strings.Contains(p.Body, "sikker mail") {
			t.Errorf("the webhook message names the unit, or not by its id %d:\n%s", unitID, p.Body)
		}
	}
	w.checkLogs()
}

// TestCopenhagenShipped: the shipped copenhagen scenario as it stands at
// its start, judged by the shipped defaults (policy.DefaultHealth, which
// policies/health.yaml spells out): both incidents lie within the default
// lookback. The outage of 10 to 5 days ago (half the letters validated in
// it never available; their re-delivery lies ahead) raises a stuck alert
// for each forvaltning in which the incidents hold back the rule's count of
// letters (10; all seven, with this seed), and the sender system SEPO,
// whose letters have not reached Digital Post for four days, one
// unit_delivery_drop with the label system=SEPO: exactly these, each
// naming exactly the letters the simulator marked. The sending route "BUF – sikker mail (SEPO)", whose
// every letter is SEPO's, raises nothing of its own: its unit_delivery_drop
// and stuck alerts fire muted, explained by the system's. A letter the
// sender scheduled for later delivery
// (DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY) is not stuck. The alerts
// reach the SMTP server and the webhook receiver, the system's with its
// label.
func TestCopenhagenShipped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "copenhagen", 1, nil)
	res := w.eval()
	const route = "BUF – sikker mail (SEPO)"
	const drop = "unit_delivery_drop channel=digitalpost sender=64942212 system=SEPO"
	var stuck, drops []string
	for _, a := range active(res) {
		switch {
		case strings.HasPrefix(a, "stuck channel=digitalpost sender=64942212 unit=") && !strings.Contains(a, route):
			stuck = append(stuck, a)
		case a == drop:
			drops = append(drops, a)
		default:
			t.Errorf("unexpected alert %q", a)
		}
	}
	// A stuck alert for every forvaltning in which the incidents hold back
	// at least the rule's count (10) of letters; the others hold back fewer.
	held := func(r sim.ShipmentRecord) bool {
		return r.Incident == sim.IncidentProviderOutage || r.Incident == sim.IncidentRedelivered || r.Incident == sim.IncidentNeverArrived
	}
	perUnit := map[string]int{}
	for _, r := range w.sim.Shipments() {
		if held(r) && r.SenderUnit != route && !r.SentAt.Before(w.now.Add(-w.ev.Config.Stuck.Lookback)) {
			perUnit[r.SenderUnit]++
		}
	}
	for u, n := range perUnit {
		alerted := slices.ContainsFunc(stuck, func(a string) bool { return strings.Contains(a, u) })
		if alerted != (n >= w.ev.Config.Stuck.Count) {
			t.Errorf("%s holds back %d letters; stuck alert: %v", u, n, alerted)
		}
	}
	if len(stuck) < 5 || len(drops) != 1 {
		t.Fatalf("%d stuck alerts, %d system drops: %v", len(stuck), len(drops), active(res))
	}
	// Each alert names exactly the letters the incidents hold back within
	// its selector: a forvaltning's stuck alert the letters the outage
	// caught (none re-delivered yet) and its SEPO letters; the system's
	// alert SEPO's letters that never arrived.
	outage := 0
	for _, a := range res.Firing {
		sel := a.Selector
		in := func(r sim.ShipmentRecord) bool { return !r.SentAt.Before(sel.From) && r.SentAt.Before(sel.To) }
		want := 0
		for _, r := range w.sim.Shipments() {
			switch {
			case a.Rule == "stuck" && r.SenderUnit == a.Labels["unit"] && held(r) && in(r):
				want++
				if r.Incident != sim.IncidentNeverArrived {
					outage++
				}
			case a.Rule == "unit_delivery_drop" && r.SenderSystem == "SEPO" && r.Incident == sim.IncidentNeverArrived && in(r):
				want++
			}
		}
		if a.Affected != want || want == 0 {
			t.Errorf("%s %s names %d letters; the simulator holds back %d", a.Rule, a.Labels, a.Affected, want)
		}
	}
	if outage < 50 {
		t.Errorf("the stuck alerts name %d letters of the outage", outage)
	}
	// The route's own conditions hold, muted (a muted condition starts no
	// alert): the system's alert explains them.
	f, err := w.ev.Gather(t.Context(), w.now)
	if err != nil {
		t.Fatal(err)
	}
	var muted []string
	for _, c := range health.Evaluate(w.ev.Config, f) {
		if c.Inhibited {
			muted = append(muted, c.Rule+" "+c.Labels["unit"])
		}
	}
	if want := []string{"stuck " + route, "unit_delivery_drop " + route}; !reflect.DeepEqual(muted, want) {
		t.Errorf("muted %v, want %v", muted, want)
	}
	// Told: one e-mail and one webhook message per rule; the system's
	// alert carries its label.
	ms, hooks := w.mails(), w.hook.take()
	if got := subjects(ms); len(got) != 2 || !strings.HasPrefix(got[0], fmt.Sprintf("[postvakt] FIRING stuck: %d alerts, ", len(stuck))) ||
		!strings.HasPrefix(got[1], "[postvakt] FIRING unit_delivery_drop: 1 alert, ") {
		t.Fatalf("e-mails %v", got)
	}
	var sepo int
	for _, h := range hooks {
		for _, a := range h.Alerts {
			if a.Labels["alertname"] == "unit_delivery_drop" && a.Labels["system"] == "SEPO" && a.Labels["unit"] == "" && a.Status == "firing" {
				sepo++
			}
		}
	}
	if len(hooks) != 2 || sepo != 1 {
		t.Fatalf("%d webhook messages, %d with the SEPO alert: %+v", len(hooks), sepo, hooks)
	}
	w.checkLogs()
}

// TestCopenhagenSEPO: the December 2019 shape per sender system. Every
// forvaltning sends a tenth of its letters through SEPO, and for five hours
// none of SEPO's letters reaches Digital Post. Per unit it hides (each
// unit's latest letters mostly arrive); unit_delivery_drop for the system
// SEPO fires, and nothing else, within a working day, naming every letter
// of SEPO that should have arrived by then; its incident report lists them
// per forvaltning. It is told by e-mail and webhook (again every four
// hours). SEPO works again from +5h: the alert resolves once SEPO's latest
// letters arrive, and says so. The letters it lost are still lost: where a
// forvaltning holds back enough of them, its stuck alert (muted while the
// system's fired) names exactly those. Koncern IT's list — the incident
// report of the system SEPO — has them all; once their follow-ups are
// recorded from it, nothing fires.
func TestCopenhagenSEPO(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "testdata/copenhagen-sepo.yaml", 1, nil)
	start := w.now
	want := "unit_delivery_drop channel=digitalpost sender=64942212 system=SEPO"
	var fired time.Time
	var a store.Alert
	for w.now.Before(start.Add(5 * time.Hour)) {
		w.step(w.now.Add(30 * time.Minute))
		res := w.eval()
		checkOnly(t, "+"+w.now.Sub(start).String(), res, want)
		for _, f := range res.Firing {
			if !f.Inhibited {
				a = f
				if fired.IsZero() {
					fired = w.now
				}
			}
		}
	}
	if fired.IsZero() {
		t.Fatal("the system's unit_delivery_drop did not fire by +5h (within a working day)")
	}
	t.Logf("unit_delivery_drop for SEPO fired %s after its letters stopped arriving", fired.Sub(start))
	truth := w.truth(sim.IncidentNeverArrived, func(r sim.ShipmentRecord) bool { return r.SentAt.Before(a.Selector.To) })
	if truth < 3 || a.Affected != truth || a.Selector.System != "SEPO" || a.Selector.Unit != "" {
		t.Fatalf("affected %d, the simulator's truth %d (selector %+v)", a.Affected, truth, a.Selector)
	}
	sum, err := w.st.IncidentSummary(t.Context(), a.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) < 2 {
		t.Errorf("the report of SEPO's letters lists %d units: %+v", len(sum), sum)
	}
	notices := 1 + int(w.now.Sub(fired)/(4*time.Hour))
	ms, hooks := w.mails(), w.hook.take()
	if len(ms) != notices || !strings.HasPrefix(ms[0].Subject, "[postvakt] FIRING unit_delivery_drop: 1 alert, ") ||
		!strings.Contains(ms[0].Text, "system=SEPO") || len(hooks) != notices || hooks[0].Alerts[0].Labels["system"] != "SEPO" {
		t.Fatalf("e-mails %v, webhook %+v; want %d", subjects(ms), hooks, notices)
	}
	// SEPO works again.
	var resolved bool
	var stuck int
	for w.now.Before(start.Add(9 * time.Hour)) {
		w.step(w.now.Add(30 * time.Minute))
		res := w.eval()
		for _, r := range res.Resolved {
			resolved = resolved || r.Fingerprint == a.Fingerprint
		}
		for _, f := range res.Firing {
			if f.Inhibited || f.Fingerprint == a.Fingerprint {
				continue
			}
			lost := w.truth(sim.IncidentNeverArrived, func(r sim.ShipmentRecord) bool {
				return r.SenderUnit == f.Labels["unit"] && !r.SentAt.Before(f.Selector.From) && r.SentAt.Before(f.Selector.To)
			})
			if f.Rule != "stuck" || f.Affected != lost {
				t.Fatalf("+%s: %s %s names %d letters; SEPO lost %d of the unit's", w.now.Sub(start), f.Rule, f.Labels, f.Affected, lost)
			}
			stuck++
		}
	}
	t.Logf("%d stuck alert evaluations for SEPO's lost letters after it recovered", stuck)
	if !resolved {
		t.Fatal("the SEPO alert did not resolve after SEPO's letters arrived again")
	}
	var resolutions []string
	ms, hooks = w.mails(), w.hook.take()
	for _, m := range ms {
		if strings.HasPrefix(m.Subject, "[postvakt] RESOLVED unit_delivery_drop") {
			resolutions = append(resolutions, m.Subject)
		}
	}
	var hookResolved bool
	for _, h := range hooks {
		for _, x := range h.Alerts {
			hookResolved = hookResolved || (x.Status == "resolved" && x.Labels["system"] == "SEPO")
		}
	}
	if !reflect.DeepEqual(resolutions, []string{"[postvakt] RESOLVED unit_delivery_drop: 1 alert"}) || !hookResolved {
		t.Fatalf("resolution: e-mails %v, webhook %+v", subjects(ms), hooks)
	}
	// Koncern IT's list: every letter SEPO registered that never reached
	// Digital Post, from the incident report by sender system; the units
	// record their follow-ups from it.
	list := store.IncidentFilter{Channel: "digitalpost", System: "SEPO", States: []model.State{model.StateRegistered}, From: start, To: w.now}
	if n, err := w.st.CountIncident(t.Context(), list); err != nil || n != w.truth(sim.IncidentNeverArrived, nil) {
		t.Fatalf("SEPO's report: %d letters (%v); the simulator lost %d", n, err, w.truth(sim.IncidentNeverArrived, nil))
	}
	if _, err := w.st.RecordIncidentFollowUps(t.Context(), store.IncidentFollowUps{Filter: list, Reason: "SEPO",
		Deadline: w.now.Add(10 * 24 * time.Hour), Decision: store.DecisionNewLetter, Actor: "user:kit", At: w.now}); err != nil {
		t.Fatal(err)
	}
	w.step(w.now.Add(30 * time.Minute))
	if res := w.eval(); len(res.Firing) != 0 {
		t.Fatalf("after the follow-ups: firing %v", active(res))
	}
	w.checkLogs()
}

// A sender system's drop explains only the letters that never reached the
// channel: when some of a unit's stuck letters did reach it (accepted, then
// held by the provider), the unit's stuck alert is not muted, even if every
// one of its letters came from the dropping system (the route "BUF – sikker
// mail (SEPO)" of the shipped scenario).
func TestSystemDropDoesNotMuteAcceptedStuckLetters(t *testing.T) {
	t.Parallel()
	// Without the inhibit rules, which mute the route's stuck alert for
	// its own unit_delivery_drop while its latest letters stay unreached:
	// this test is about Explained alone.
	cfg := policy.DefaultHealth()
	cfg.Inhibit = nil
	w := newWorld(t, "copenhagen", 1, cfg)
	const route = "BUF – sikker mail (SEPO)"
	// The route's letters of the lookback, oldest first: those that never
	// arrived, and the others. Depending on the hour the test runs at, the
	// scenario's provider outage leaves some of the others accepted and
	// stuck; they are made delivered here, so that before, every stuck
	// letter of the route is one that never reached the channel.
	var recs []sim.ShipmentRecord
	var others []string
	for cid, r := range w.recs {
		id, ok := w.ids[cid]
		if !ok || r.SenderUnit != route || r.SentAt.Before(w.now.Add(-w.ev.Config.Stuck.Lookback)) {
			continue
		}
		if r.Incident == sim.IncidentNeverArrived {
			recs = append(recs, r)
		} else {
			others = append(others, id)
		}
	}
	if len(others) > 0 {
		storetest.Set(t, w.st, others, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute))
	}
	// The half that reaches the channel below is the oldest: letters the
	// stuck rule counts, while the system's latest letters stay unreached
	// and its drop fires.
	slices.SortFunc(recs, func(a, b sim.ShipmentRecord) int {
		if c := a.SentAt.Compare(b.SentAt); c != 0 {
			return c
		}
		return strings.Compare(a.ChannelID, b.ChannelID)
	})
	var lost []string
	for _, r := range recs {
		lost = append(lost, w.ids[r.ChannelID])
	}
	if len(lost) < 2*w.ev.Config.Stuck.Count {
		t.Fatalf("the route lost %d letters: the test proves too little", len(lost))
	}
	muted := func() bool {
		f, err := w.ev.Gather(t.Context(), w.now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range health.Evaluate(w.ev.Config, f) {
			if c.Rule == "stuck" && c.Labels["unit"] == route {
				return c.Inhibited
			}
		}
		t.Fatal("the route has no stuck condition")
		return false
	}
	if !muted() {
		t.Fatal("before: the route's stuck letters all never reached the channel, and its alert is not muted")
	}
	// Half of them reached the channel after all, and stay stuck there.
	storetest.Set(t, w.st, lost[:len(lost)/2], storetest.State(model.StateAccepted))
	if muted() {
		t.Fatal("the route's stuck alert is muted, though the channel accepted half of its stuck letters")
	}
}
