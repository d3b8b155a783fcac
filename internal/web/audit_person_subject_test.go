package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestAuditViewOfOneOrganisationsPersonIsItsInAudit: an unscoped admin's
// audit log filtered by a person only org B writes to (the DPO's person
// filter, on /audit and in the API) is org B's in the audit log, as the
// admin's search for that person is (aboutNarrowed). Before, the view's
// entry (view_audit, its filter with the masked person in the detail) was
// every organisation's (*): org A's compliance officer read in its own
// /audit the masked id of org B's recipient, which the search's own entry
// keeps from it.
func TestAuditViewOfOneOrganisationsPersonIsItsInAudit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	items := []model.NewShipment{
		{Channel: "svarut", ChannelID: storetest.ChannelID("audit-person-subject", 0), SenderOrg: orgA, SenderUnit: "Skole",
			RecipientKind: "org", RecipientID: "974760673", Title: "Vedtak", Confidential: true, Class: "taushetsbelagt",
			SentAt: now.Add(-10 * 24 * time.Hour)},
		{Channel: "svarut", ChannelID: storetest.ChannelID("audit-person-subject", 1), SenderOrg: orgB, SenderUnit: "Helse",
			RecipientKind: "person", RecipientID: "01017012343", Title: "Vedtak", Confidential: true, Class: "taushetsbelagt",
			SentAt: now.Add(-10 * 24 * time.Hour)},
	}
	if _, _, err := e.st.Register(ctx, items, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	root := e.loggedIn("root", "admin", "", "")
	_, page := root.get("/audit")
	code, loc, body := root.post("/audit", url.Values{"csrf": {csrf(page)}, "person": {"01017012343"}})
	if code != 303 {
		t.Fatalf("audit person filter: %d %.300s", code, body)
	}
	if code, body := root.get(loc); code != 200 {
		t.Fatalf("%s: %d %.300s", loc, code, body)
	}
	if code, body := e.get("/api/v1/audit?person=010170*****&"+url.Values{"rid": {ridOf(loc)}}.Encode(), e.token("admin", "", "")); code != 200 {
		t.Fatalf("API audit person filter: %d %.300s", code, body)
	}
	_, a := e.get("/api/v1/audit?limit=1000", e.token("compliance", orgA, ""))
	if strings.Contains(a, "010170") {
		t.Errorf("org A's audit log shows org B's recipient (masked) from an unscoped admin's view of the audit log: %.600s", a)
	}
	_, b := e.get("/api/v1/audit?limit=1000&action=view_audit", e.token("compliance", orgB, ""))
	if strings.Count(b, "010170") < 2 {
		t.Errorf("org B's audit log lacks the admin's views of the audit log by its recipient: %.600s", b)
	}
}

func ridOf(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	return u.Query().Get("rid")
}
