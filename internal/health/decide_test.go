package health

import (
	"testing"
	"time"

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
	c := Diff(firing, conds, now)
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

func TestCounts(t *testing.T) {
	l := func(ch, unit string) store.Labels { return store.Labels{"channel": ch, "unit": unit} }
	got := Counts([]store.Alert{
		{Rule: "stuck", Status: store.AlertFiring, Labels: l("svarut", "A")},
		{Rule: "never_opening_org", Status: store.AlertFiring, Labels: store.Labels{"org": "974760673"}},
		{Rule: "never_opening_org", Status: store.AlertFiring, Labels: store.Labels{"org": "987654325"}},
		{Rule: "stuck", Status: store.AlertFiring, Labels: l("svarut", "B"), Inhibited: true},
		{Rule: "stuck", Status: store.AlertResolved, Labels: l("svarut", "C")},
		{Rule: "unit_delivery_drop", Status: store.AlertFiring, Labels: store.Labels{"channel": "digitalpost", "sender": "64942212", "system": "SEPO"}},
	})
	want := map[[4]string]int{{"stuck", "svarut", "A", ""}: 1, {"never_opening_org", "", "", ""}: 2, {"unit_delivery_drop", "digitalpost", "", "SEPO"}: 1}
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: %d, want %d", k, got[k], n)
		}
	}
}
