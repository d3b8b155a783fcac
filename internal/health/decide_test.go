package health

import (
	"testing"
	"time"

	"postvakt/internal/policy"
	"postvakt/internal/store"
)

func TestNeedsUpdate(t *testing.T) {
	now := time.Date(2026, 5, 12, 12, 0, 0, 0, time.UTC)
	repeat := 4 * time.Hour
	firing := store.Alert{Status: store.AlertFiring}
	muted := store.Alert{Status: store.AlertFiring, Inhibited: true}
	resolved := store.Alert{Status: store.AlertResolved}
	last := func(seq int, tr, status string, ago time.Duration) *store.AlertNoticeState {
		return &store.AlertNoticeState{Seq: seq, Transition: tr, Status: status, At: now.Add(-ago)}
	}
	told := func(l *store.AlertNoticeState) *store.AlertNoticeState { l.Told = true; return l }
	F, R := store.TransitionFiring, store.TransitionResolved
	for _, tt := range []struct {
		name  string
		alert store.Alert
		last  *store.AlertNoticeState
		want  Decision
	}{
		{"fires: first notification", firing, nil, Decision{true, 1, F}},
		{"fired just now: nothing", firing, last(1, F, store.AlertNoticeSent, time.Minute), Decision{}},
		{"fired within the interval: nothing", firing, last(1, F, store.AlertNoticeSent, repeat-time.Second), Decision{}},
		{"interval over: repeat", firing, last(1, F, store.AlertNoticeSent, repeat), Decision{true, 2, F}},
		{"second repeat", firing, last(2, F, store.AlertNoticeSent, 5*time.Hour), Decision{true, 3, F}},
		{"failed: again with the same number", firing, last(1, F, store.AlertNoticeFailed, time.Minute), Decision{true, 1, F}},
		{"in flight: nothing", firing, last(1, F, store.AlertNoticePending, 5*time.Hour), Decision{}},
		{"unknown outcome: not again, but repeats later", firing, last(1, F, store.AlertNoticeUnknown, time.Hour), Decision{}},
		{"unknown outcome, interval over: repeat", firing, last(1, F, store.AlertNoticeUnknown, repeat), Decision{true, 2, F}},
		{"muted: nothing", muted, nil, Decision{}},
		{"muted after firing: no repeat", muted, last(1, F, store.AlertNoticeSent, 5*time.Hour), Decision{}},
		{"resolved after firing was told: resolved", resolved, last(3, F, store.AlertNoticeSent, time.Minute), Decision{true, 4, R}},
		{"resolved after an unknown firing: resolved", resolved, last(1, F, store.AlertNoticeUnknown, time.Minute), Decision{true, 2, R}},
		{"resolved, firing never told: nothing", resolved, nil, Decision{}},
		{"resolved, firing failed: nothing", resolved, last(1, F, store.AlertNoticeFailed, time.Minute), Decision{}},
		{"resolved, a repeat failed after the firing was told: resolved", resolved, told(last(2, F, store.AlertNoticeFailed, time.Minute)), Decision{true, 3, R}},
		{"resolved, firing in flight: wait", resolved, last(1, F, store.AlertNoticePending, time.Minute), Decision{}},
		{"resolution told: nothing", resolved, last(2, R, store.AlertNoticeSent, time.Minute), Decision{}},
		{"resolution failed: again", resolved, last(2, R, store.AlertNoticeFailed, time.Minute), Decision{true, 2, R}},
		{"resolution unknown: never again", resolved, last(2, R, store.AlertNoticeUnknown, time.Minute), Decision{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsUpdate(tt.alert, tt.last, repeat, now); got != tt.want {
				t.Errorf("NeedsUpdate = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	now := time.Date(2026, 5, 12, 12, 0, 0, 0, time.UTC)
	l := func(ch string) store.Labels { return store.Labels{"channel": ch} }
	fp := func(rule, ch string) string { return store.Fingerprint(rule, l(ch)) }
	firing := []store.Alert{
		{ID: 1, Fingerprint: fp("stuck", "svarut"), Rule: "stuck", Labels: l("svarut"), Affected: 3},
		{ID: 2, Fingerprint: fp("stuck", "altinn"), Rule: "stuck", Labels: l("altinn"), Affected: 5},
		{ID: 3, Fingerprint: fp("channel_silent", "altinn"), Rule: "channel_silent", Labels: l("altinn")},
	}
	conds := []Condition{
		{Rule: "stuck", Labels: l("svarut"), Affected: 7, Summary: "more"},           // update
		{Rule: "stuck", Labels: l("altinn"), Affected: 5, Inhibited: true},           // update, muted
		{Rule: "channel_silent", Labels: l("svarut"), Affected: 2},                   // new
		{Rule: "rejection_spike", Labels: l("svarut"), Affected: 9, Inhibited: true}, // muted: nothing
		{Rule: "stuck", Labels: l("svarut"), Affected: 7, Summary: "more"},           // duplicate
	}
	c := Diff(firing, conds, func(string) time.Duration { return 0 }, now)
	if len(c.Update) != 2 || c.Update[0].ID != 1 || c.Update[0].Affected != 7 || c.Update[0].Summary != "more" ||
		c.Update[1].ID != 2 || !c.Update[1].Inhibited {
		t.Errorf("updates: %+v", c.Update)
	}
	if len(c.Fire) != 1 || c.Fire[0].Rule != "channel_silent" || c.Fire[0].Labels["channel"] != "svarut" ||
		c.Fire[0].Fingerprint != fp("channel_silent", "svarut") || c.Fire[0].StartedAt != now {
		t.Errorf("fired: %+v", c.Fire)
	}
	if len(c.Resolve) != 1 || c.Resolve[0] != 3 {
		t.Errorf("resolved: %v", c.Resolve)
	}
}

// keep_firing_for: a firing alert whose condition is gone keeps firing, as
// last seen, until its condition last held keep_firing_for ago; a
// condition back within it updates the same alert.
func TestDiffKeepsFiring(t *testing.T) {
	now := time.Date(2026, 5, 12, 12, 0, 0, 0, time.UTC)
	keep := func(rule string) time.Duration {
		if rule == "off" {
			return 0
		}
		return 15 * time.Minute
	}
	l := store.Labels{"channel": "svarut", "unit": "A"}
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	alert := func(rule string, held *time.Time, updated time.Duration) store.Alert {
		return store.Alert{ID: 7, Fingerprint: store.Fingerprint(rule, l), Rule: rule, Labels: l, Status: store.AlertFiring,
			Affected: 6, Summary: "as last seen", StartedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-updated), HeldAt: held}
	}
	cond := func(rule string) []Condition {
		return []Condition{{Rule: rule, Labels: l, Affected: 13, Summary: "now"}}
	}
	for _, tt := range []struct {
		name           string
		alert          store.Alert
		conds          []Condition
		kept, resolved bool
		updated        bool // updated with the condition, held now
	}{
		{"gone a minute: kept as last seen", alert("unit_delivery_drop", ago(time.Minute), time.Minute), nil, true, false, false},
		{"gone just under keep_firing_for: kept", alert("unit_delivery_drop", ago(15*time.Minute-time.Second), time.Minute), nil, true, false, false},
		{"gone keep_firing_for: resolved", alert("unit_delivery_drop", ago(15*time.Minute), time.Minute), nil, false, true, false},
		{"back within it: the same alert, updated", alert("unit_delivery_drop", ago(5*time.Minute), time.Minute), cond("unit_delivery_drop"), false, false, true},
		{"keep_firing_for 0s: resolved at once", alert("off", ago(time.Minute), time.Minute), nil, false, true, false},
		{"an alert of before held_at: its last update counts", alert("unit_delivery_drop", nil, 20*time.Minute), nil, false, true, false},
		{"an alert of before held_at, updated lately: kept", alert("unit_delivery_drop", nil, 2*time.Minute), nil, true, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Diff([]store.Alert{tt.alert}, tt.conds, keep, now)
			if len(c.Fire) != 0 {
				t.Errorf("fired %+v: the same fingerprint is the same alert", c.Fire)
			}
			if got := len(c.Resolve) == 1 && c.Resolve[0] == 7; got != tt.resolved || len(c.Resolve) > 1 {
				t.Errorf("resolved %v, want resolved %v", c.Resolve, tt.resolved)
			}
			if !tt.kept && !tt.updated {
				if len(c.Update) != 0 {
					t.Errorf("updated %+v", c.Update)
				}
				return
			}
			if len(c.Update) != 1 || c.Update[0].ID != 7 || c.Update[0].HeldAt == nil {
				t.Fatalf("updates %+v, want alert 7", c.Update)
			}
			u := c.Update[0]
			switch {
			case tt.kept:
				held := tt.alert.UpdatedAt
				if tt.alert.HeldAt != nil {
					held = *tt.alert.HeldAt
				}
				if u.Affected != 6 || u.Summary != "as last seen" || !u.HeldAt.Equal(held) {
					t.Errorf("kept: affected %d, summary %q, held %s; want as last seen, held %s", u.Affected, u.Summary, u.HeldAt, held)
				}
				// Its page and mail say its figures are as of then.
				if at, ok := Kept(u); !ok || !at.Equal(held) {
					t.Errorf("kept: Kept %s %v, want as of %s", at, ok, held)
				}
			case tt.updated:
				if u.Affected != 13 || u.Summary != "now" || !u.HeldAt.Equal(now) {
					t.Errorf("updated: affected %d, summary %q, held %s", u.Affected, u.Summary, u.HeldAt)
				}
				if at, ok := Kept(u); ok {
					t.Errorf("updated: Kept as of %s; its figures are now's", at)
				}
			}
		})
	}
}

// A channel_silent alert kept firing after its channel spoke again still
// mutes the channel's stuck letters, as its condition did.
func TestInhibitKept(t *testing.T) {
	now := time.Date(2026, 5, 12, 12, 0, 0, 0, time.UTC)
	cfg := policy.DefaultHealth()
	silent := store.Labels{"channel": "svarut"}
	held := now.Add(-5 * time.Minute)
	firing := []store.Alert{{ID: 1, Fingerprint: store.Fingerprint(policy.RuleChannelSilent, silent), Rule: policy.RuleChannelSilent,
		Labels: silent, Status: store.AlertFiring, HeldAt: &held}}
	conds := []Condition{{Rule: policy.RuleStuck, Labels: store.Labels{"channel": "svarut", "unit": "A"}},
		{Rule: policy.RuleStuck, Labels: store.Labels{"channel": "altinn", "unit": "A"}}}
	got := InhibitKept(cfg.Inhibit, conds, firing, cfg.KeepFiringFor, now)
	if len(got) != 2 || !got[0].Inhibited || got[1].Inhibited {
		t.Errorf("kept channel_silent of svarut: %+v", got)
	}
	if got := InhibitKept(cfg.Inhibit, conds, firing, cfg.KeepFiringFor, now.Add(20*time.Minute)); got[0].Inhibited {
		t.Errorf("resolving channel_silent still mutes: %+v", got)
	}
}

func TestCounts(t *testing.T) {
	l := func(ch, unit string) store.Labels { return store.Labels{"channel": ch, "unit": unit} }
	got := Counts([]store.Alert{
		{Rule: "stuck", Status: store.AlertFiring, Labels: l("svarut", "A"), UnitID: 17},
		{Rule: "never_opening_org", Status: store.AlertFiring, Labels: store.Labels{"org": "974760673"}},
		{Rule: "never_opening_org", Status: store.AlertFiring, Labels: store.Labels{"org": "987654325"}},
		{Rule: "stuck", Status: store.AlertFiring, Labels: l("svarut", "B"), Inhibited: true},
		{Rule: "stuck", Status: store.AlertResolved, Labels: l("svarut", "C")},
		{Rule: "unit_delivery_drop", Status: store.AlertFiring, Labels: store.Labels{"channel": "digitalpost", "sender": "64942212", "system": "SEPO"}},
	})
	// The unit by its id, never by its name (A).
	want := map[[4]string]int{{"stuck", "svarut", "17", ""}: 1, {"never_opening_org", "", "", ""}: 2, {"unit_delivery_drop", "digitalpost", "", "SEPO"}: 1}
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: %d, want %d", k, got[k], n)
		}
	}
}
