package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"postvakt/internal/store"
)

// TestUnitChangeAuditedOrNotChanged: changing a unit's contact and
// manager addresses on the admin page (where its follow-up and escalation
// mails go) changed them and then wrote the audit entry on its own, only
// logging a failure: with the audit log refusing, a unit's mails went to
// new addresses with no entry saying who sent them there, and the page
// said saved. Changed and audited in one transaction, they are neither
// when the entry cannot be written; the audit log back, the same form
// saves them, the entry about the unit's organisation.
func TestUnitChangeAuditedOrNotChanged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.st.SaveUnits(ctx, []store.Unit{{SenderOrg: "964338531", Name: "Skole", ContactEmail: "skole@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	us, err := e.st.Units(ctx, store.Scope{SenderOrg: "964338531"})
	if err != nil || len(us) != 1 {
		t.Fatal(us, err)
	}
	b := e.loggedIn("root", "admin", "", "")
	_, page := b.get("/admin/units")
	form := url.Values{"csrf": {csrf(page)}, "contact_email": {"ny@bergen.kommune.no"}, "manager_email": {"leder@bergen.kommune.no"}}
	path := fmt.Sprintf("/admin/units/%d", us[0].ID)
	restore := refuseAudit(t, e, "unit_change")
	if code, body := b.doIn("en", "POST", path, form); code != http.StatusInternalServerError {
		t.Errorf("POST %s with the audit log refusing: %d, want 500\n%.300s", path, code, body)
	}
	if got, _ := e.st.Units(ctx, store.Scope{SenderOrg: "964338531"}); len(got) != 1 || got[0].ContactEmail != "skole@bergen.kommune.no" || got[0].ManagerEmail != "" {
		t.Errorf("unit with the audit log refusing: %+v, want its addresses unchanged", got)
	}
	restore()
	if code, body := b.doIn("en", "POST", path, form); code != http.StatusSeeOther {
		t.Errorf("POST %s, the audit log back: %d, want 303\n%.300s", path, code, body)
	}
	if got, _ := e.st.Units(ctx, store.Scope{SenderOrg: "964338531"}); len(got) != 1 || got[0].ContactEmail != "ny@bergen.kommune.no" {
		t.Errorf("unit, the audit log back: %+v, want the new addresses", got)
	}
	var subject string
	if err := e.st.DB().Get(&subject, `SELECT subject_org FROM audit_log WHERE action = 'unit_change'`); err != nil || subject != "964338531" {
		t.Errorf("unit_change entry about %q (%v), want one about 964338531", subject, err)
	}
}
