package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestAlertsOfSelectorAndNone: AlertsOf keeps an organisation's alerts by
// their sender label, else by their selector's scope, and those about no
// organisation for everyone; the same rule as Alert.Org in Go (the web
// checks single alerts with that).
func TestAlertsOfSelectorAndNone(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	mk := func(unit string, labels store.Labels, sel store.IncidentFilter) store.Alert {
		labels["unit"] = unit
		return store.Alert{Rule: "stuck", Severity: "critical", Affected: 1, Summary: "x", Labels: labels, Selector: sel}
	}
	fire := []store.Alert{
		mk("selX", store.Labels{"channel": "svarut"}, store.IncidentFilter{Scope: store.Scope{SenderOrg: "X"}}),
		mk("none", store.Labels{"channel": "svarut"}, store.IncidentFilter{}),
		mk("labY-selX", store.Labels{"channel": "svarut", "sender": "Y"}, store.IncidentFilter{Scope: store.Scope{SenderOrg: "X"}}),
		mk("emptylabel-selY", store.Labels{"channel": "svarut", "sender": ""}, store.IncidentFilter{Scope: store.Scope{SenderOrg: "Y"}}),
	}
	if _, err := st.ApplyAlerts(ctx, store.AlertChanges{Now: now, Fire: fire}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	as, err := st.AlertsOf(ctx, "X", now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		got[a.Labels["unit"]] = true
	}
	t.Logf("X sees %v", got)
	if !got["selX"] || !got["none"] || got["labY-selX"] || got["emptylabel-selY"] {
		t.Errorf("AlertsOf(X) = %v", got)
	}
	all, err := st.AlertsOf(ctx, "", now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(fire) {
		t.Fatalf("AlertsOf(\"\") = %d alerts, want %d", len(all), len(fire))
	}
	for _, a := range all {
		if inSQL, inGo := got[a.Labels["unit"]], a.Org() == "" || a.Org() == "X"; inSQL != inGo {
			t.Errorf("alert %s (Org %q): listed for X %v, Org says %v", a.Labels["unit"], a.Org(), inSQL, inGo)
		}
	}
}
