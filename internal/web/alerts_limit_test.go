package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// TestReviewScopedOfficerSeesOwnAlertBehindOthers: the alert list is cut to
// its newest 1000 (page) / 10000 (API) before alertVisible filters it, so
// an organisation's own firing alert disappears from its officer's list
// once enough newer alerts about other organisations exist.
// TestScopedOfficerSeesOwnAlertBehindOthers: the alert list is cut after
// the scope is applied, so a thousand newer alerts of another organisation
// do not push the officer's own off /alerts.
func TestScopedOfficerSeesOwnAlertBehindOthers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	own := e.alertFor("NAV") // 964338531's, started at now
	n := 1000
	var others []store.Alert
	for i := 0; i < n; i++ {
		others = append(others, store.Alert{Rule: "stuck", Severity: "critical", Affected: 1, Summary: "x",
			Labels:   store.Labels{"channel": "svarut", "sender": "974760673", "unit": fmt.Sprintf("U%d", i)},
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: "974760673"}, Channel: "svarut"}})
	}
	if _, err := e.st.ApplyAlerts(ctx, store.AlertChanges{Now: now.Add(1), Fire: others}); err != nil {
		t.Fatal(err)
	}
	tok := e.token("compliance", "964338531", "")
	code, page := e.get("/alerts", tok)
	if code != 200 {
		t.Fatalf("/alerts: %d", code)
	}
	if !strings.Contains(page, fmt.Sprintf("/alerts/%d", own.ID)) {
		t.Errorf("the officer's own firing alert %d is not on /alerts (1000 newer alerts of another organisation hide it)", own.ID)
	}
}
