package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// An unscoped admin's lists narrowed to another organisation's unit, class
// or recipient are audited as about that organisation: organisation A's
// compliance officer does not read C's unit name, class or recipient in
// A's audit log; C's officer does (from an independent review of the web's
// security).
func TestAuditOfNarrowedListsIsTheirOrganisations(t *testing.T) {
	e := newEnv(t)
	const orgC = "920000002"
	got, _, err := e.st.Register(context.Background(), []model.NewShipment{
		{Channel: "svarut", ChannelID: storetest.ChannelID("au", 1), SenderOrg: orgA, SenderUnit: "UnitAlpha",
			RecipientKind: "org", RecipientID: "974760673", Title: "t", Confidential: true, Class: "klAlpha", SentAt: now.Add(-20 * 24 * time.Hour)},
		{Channel: "svarut", ChannelID: storetest.ChannelID("au", 2), SenderOrg: orgC, SenderUnit: "Barnevern Gamma",
			RecipientKind: "person", RecipientID: "01017012343", Title: "t", Confidential: true, Class: "klGammaSecret", SentAt: now.Add(-20 * 24 * time.Hour)},
	}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	var gammaID int64
	if err := e.st.DB().Get(&gammaID, `SELECT id FROM sender_units WHERE name = 'Barnevern Gamma'`); err != nil {
		t.Fatal(err)
	}
	root := e.loggedIn("root", "admin", "", "")
	for _, p := range []string{"/list?list=all&unit=" + url.QueryEscape("Barnevern Gamma"), "/list?list=all&unit_id=" + strconv.FormatInt(gammaID, 10),
		"/list?list=all&class=klGammaSecret", "/unopened?list=all&unit_id=" + strconv.FormatInt(gammaID, 10), "/shipments/" + got[1].ID} {
		if code, body := root.get(p); code != http.StatusOK {
			t.Fatalf("GET %s: %d %.200s", p, code, body)
		}
	}
	_, page := root.get("/search")
	if code, loc, body := root.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {"01017012343"}}); code != http.StatusSeeOther {
		t.Fatalf("search: %d %s %.300s", code, loc, body)
	} else if code, _ := root.get(loc); code != http.StatusOK {
		t.Fatalf("search list: %d", code)
	}
	officer := e.loggedIn("comp-a", "compliance", orgA, "")
	_, audit := officer.get("/audit")
	export := string(officer.download("/audit/export?format=csv"))
	for _, leak := range []string{"Gamma", "klGammaSecret", "010170", got[1].ID} {
		for name, body := range map[string]string{"/audit": audit, "/audit/export": export} {
			if i := strings.Index(body, leak); i >= 0 {
				t.Errorf("org A's officer reads %q in %s: …%s…", leak, name, body[max(0, i-200):min(len(body), i+60)])
			}
		}
	}
	// C's officer reads them: the unit's list, the class's, the search.
	_, auditC := e.loggedIn("comp-c", "compliance", orgC, "").get("/audit")
	for _, want := range []string{"unit=Barnevern Gamma", "class=klGammaSecret", "recipient=010170*****"} {
		if !strings.Contains(auditC, want) {
			t.Errorf("org C's officer does not read %q in the audit log", want)
		}
	}
}
