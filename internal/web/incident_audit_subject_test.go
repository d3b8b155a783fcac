package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestIncidentReportOfOneOrganisationIsItsInAudit: an unscoped admin's
// incident report (the page, its export, the API's report, the follow-ups
// form, an alert's page) narrowed to a unit, a class or a receiving
// organisation that one sending organisation alone has is that
// organisation's in the audit log, as the lists' entries are (README,
// Roles: "a unit's name may tell what its letters are about"). Before, its
// entry was every organisation's (*): another organisation's compliance
// officer read org B's unit name, class and receiving organisation, and
// the sender_org and unit of org B's alert, in its own /audit.
func TestIncidentReportOfOneOrganisationIsItsInAudit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const (
		unitB  = "Rusomsorgen"
		classB = "rusvern"
		recipB = "910859897" // only org B writes to it
	)
	var items []model.NewShipment
	for i, it := range []struct{ org, unit, class, recipient string }{
		{orgA, "Skole", "taushetsbelagt", "974760673"},
		{orgB, unitB, classB, recipB},
	} {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("incident-subject", i),
			SenderOrg: it.org, SenderUnit: it.unit, RecipientKind: "org", RecipientID: it.recipient,
			Title: "Vedtak", Confidential: true, Class: it.class, SentAt: now.Add(-10 * 24 * time.Hour)})
	}
	if _, _, err := e.st.Register(ctx, items, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	us, err := e.st.Units(ctx, store.Scope{SenderOrg: orgB})
	if err != nil || len(us) != 1 {
		t.Fatal(us, err)
	}
	sel := store.IncidentFilter{Scope: store.Scope{SenderOrg: orgB}, Channel: "svarut", Unit: unitB,
		States: []model.State{model.StateRegistered}, From: now.AddDate(0, 0, -60), To: now}
	fired, err := e.st.ApplyAlerts(ctx, store.AlertChanges{Now: now, Fire: []store.Alert{{Rule: "stuck",
		Labels: store.Labels{"channel": "svarut", "sender": orgB, "unit": unitB}, Severity: "critical",
		Affected: 1, Summary: "1 letter not delivered", Selector: sel}}})
	if err != nil {
		t.Fatal(err)
	}
	period := "from=" + now.AddDate(0, 0, -30).Format("2006-01-02") + "&to=" + now.Format("2006-01-02")
	root := e.loggedIn("root", "admin", "", "")
	for _, p := range []string{
		"/incidents?" + period + "&unit=" + unitB,
		"/incidents?" + period + "&class=" + classB,
		"/incidents?" + period + "&org=" + recipB,
		"/incidents/export?format=csv&" + period + "&unit_id=" + strconv.FormatInt(us[0].ID, 10),
		"/alerts/" + strconv.FormatInt(fired[0].ID, 10),
	} {
		if code, body := root.get(p); code != 200 {
			t.Fatalf("%s: %d %.300s", p, code, body)
		}
	}
	if code, body := e.get("/api/v1/incidents/report?"+period+"&class="+classB, e.token("admin", "", "")); code != 200 {
		t.Fatalf("API report: %d %.300s", code, body)
	}
	_, page := root.get("/incidents")
	form := url.Values{"csrf": {csrf(page)}, "decision": {"closed"}, "from": {now.AddDate(0, 0, -30).Format("2006-01-02")},
		"to": {now.Format("2006-01-02")}, "unit": {unitB}}
	if code, _, body := root.post("/incidents/followups", form); code != 303 {
		t.Fatalf("incident follow-ups: %d %.300s", code, body)
	}
	_, a := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgA, ""))
	for _, leak := range []string{unitB, classB, recipB, "sender_org=" + orgB} {
		if strings.Contains(a, leak) {
			t.Errorf("org A's audit log shows %q: an unscoped admin's incident report of org B's letters", leak)
		}
	}
	_, b := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgB, ""))
	for _, want := range []string{"unit=" + unitB, "class=" + classB, "org=" + recipB, "alert " + strconv.FormatInt(fired[0].ID, 10),
		string(store.ActFollowUpIncident)} {
		if !strings.Contains(b, want) {
			t.Errorf("org B's audit log lacks %q: the admin's report of its letters", want)
		}
	}
	_ = fmt.Sprint
}
