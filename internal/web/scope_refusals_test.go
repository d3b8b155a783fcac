package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"postvakt/internal/store"
)

// TestOtherScopesBatchAlertManualAudited: a print batch, an alert or a
// manual-handling case of another organisation or unit is answered 404,
// as one that does not exist (the answer does not tell it does), and the
// attempt is logged and audited as a refusal, as a letter's is (README,
// Roles). An id that names nothing is answered the same, and audits
// nothing.
func TestOtherScopesBatchAlertManualAudited(t *testing.T) {
	e := newPrintEnv(t)
	got := e.seed(4) // 964338531: 0 and 2 Barnevernstjenesten, 1 and 3 NAV
	db := e.st.DB()
	batch := e.heldAndManual(got[0], got[1])
	alert := e.alertFor("NAV")
	other := e.loggedIn("olga", "compliance", "974760673", "") // another organisation's officer
	unit := e.loggedIn("berit", "unit", "964338531", "Barnevernstjenesten")
	_, page := other.get("/")
	otherCSRF := csrf(page)
	_, page = unit.get("/")
	unitCSRF := csrf(page)
	e.refused([]refusal{
		{"another organisation's print batch", other, "GET", fmt.Sprintf("/print/%d", batch), "", nil, true},
		{"releasing it", other, "POST", fmt.Sprintf("/print/%d/release", batch), otherCSRF,
			url.Values{"digest": {"x"}, "shipments": {"1"}}, true},
		{"a batch that does not exist", other, "GET", fmt.Sprintf("/print/%d", batch+100), "", nil, false},
		{"another organisation's alert", other, "GET", "/alerts/" + strconv.FormatInt(alert.ID, 10), "", nil, true},
		{"an alert that does not exist", other, "GET", "/alerts/" + strconv.FormatInt(alert.ID+100, 10), "", nil, false},
		{"another unit's manual case", unit, "POST", "/manual/" + got[1].ID + "/resolve", unitCSRF,
			url.Values{"resolution": {"not_needed"}, "note": {"x"}}, true},
	})
	var stage string
	if err := db.Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, got[1].ID); err != nil || stage != "manual" {
		t.Errorf("the other unit's manual case: stage %q (%v), want still manual", stage, err)
	}
}

// TestOtherOrganisationsAdminObjectsAudited: another organisation's user,
// API token, sending unit or reminder to settle is answered 404 to a
// scoped admin or compliance officer, as one that does not exist, and the
// attempt is logged and audited as a refusal, as a letter's is (README,
// Roles); nothing is changed. An id that names nothing is answered the
// same, and audits nothing.
func TestOtherOrganisationsAdminObjectsAudited(t *testing.T) {
	e := newEnv(t)
	_, b := e.seedTwoOrgs()
	ctx := context.Background()
	db := e.st.DB()
	// Org B's user, token, unit and a reminder of an unknown outcome
	// listing only org B's letter.
	e.user("b-user", "compliance", orgB, "")
	e.token("compliance", orgB, "")
	if _, err := e.st.SaveUnits(ctx, []store.Unit{{SenderOrg: orgB, Name: "Skole", ContactEmail: "skole@b.example"}}); err != nil {
		t.Fatal(err)
	}
	var user, token, unit int64
	var hash string
	if err := db.QueryRow(`SELECT id, password_hash FROM users WHERE name = 'b-user'`).Scan(&user, &hash); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&token, `SELECT id FROM api_tokens WHERE sender_org = $1`, orgB); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&unit, `SELECT u.id FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE o.orgnr = $1`, orgB); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddContact(ctx, "910859897", "post@recipient.example"); err != nil {
		t.Fatal(err)
	}
	reminder := e.unknownReminder(t, "910859897", b)

	admin := e.loggedIn("a-admin", "admin", orgA, "")
	officer := e.loggedIn("a-officer", "compliance", orgA, "")
	_, page := admin.get("/settings")
	adminCSRF := csrf(page)
	_, page = officer.get("/settings")
	officerCSRF := csrf(page)
	e.refused([]refusal{
		{"disabling org B's user", admin, "POST", fmt.Sprintf("/admin/users/%d/disable", user), adminCSRF, nil, true},
		{"a new password for org B's user", admin, "POST", fmt.Sprintf("/admin/users/%d/password", user), adminCSRF, nil, true},
		{"org B's user's access", admin, "POST", fmt.Sprintf("/admin/users/%d/access", user), adminCSRF,
			url.Values{"role": {"compliance"}, "sender_org": {orgA}}, true},
		{"a user that does not exist", admin, "POST", fmt.Sprintf("/admin/users/%d/disable", user+1000), adminCSRF, nil, false},
		{"revoking org B's token", admin, "POST", fmt.Sprintf("/admin/tokens/%d/revoke", token), adminCSRF, nil, true},
		{"a token that does not exist", admin, "POST", fmt.Sprintf("/admin/tokens/%d/revoke", token+1000), adminCSRF, nil, false},
		{"org B's unit's addresses", admin, "POST", fmt.Sprintf("/admin/units/%d", unit), adminCSRF,
			url.Values{"contact_email": {"evil@a.example"}}, true},
		{"a unit that does not exist", admin, "POST", fmt.Sprintf("/admin/units/%d", unit+1000), adminCSRF,
			url.Values{"contact_email": {"evil@a.example"}}, false},
		{"releasing org B's reminder (admin)", admin, "POST", fmt.Sprintf("/reminders/%d/release", reminder), adminCSRF, nil, true},
		{"confirming it (compliance officer)", officer, "POST", fmt.Sprintf("/reminders/%d/confirm", reminder), officerCSRF, nil, true},
		{"a reminder that does not exist", officer, "POST", fmt.Sprintf("/reminders/%d/release", reminder+1000), officerCSRF, nil, false},
	})
	var after struct {
		Disabled bool   `db:"disabled"`
		Hash     string `db:"password_hash"`
		Role     string `db:"role"`
		Org      string `db:"sender_org"`
	}
	if err := db.Get(&after, `SELECT disabled_at IS NOT NULL AS disabled, password_hash, role, sender_org
		FROM users WHERE id = $1`, user); err != nil {
		t.Fatal(err)
	}
	if after.Disabled || after.Hash != hash || after.Role != "compliance" || after.Org != orgB {
		t.Errorf("org B's user changed: %+v", after)
	}
	var revoked bool
	if err := db.Get(&revoked, `SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = $1`, token); err != nil || revoked {
		t.Errorf("org B's token revoked %v (%v)", revoked, err)
	}
	var contact string
	if err := db.Get(&contact, `SELECT contact_email FROM sender_units WHERE id = $1`, unit); err != nil || contact != "skole@b.example" {
		t.Errorf("org B's unit's contact address %q (%v), want skole@b.example", contact, err)
	}
	var status string
	if err := db.Get(&status, `SELECT status FROM notifications WHERE id = $1`, reminder); err != nil || status != "unknown" {
		t.Errorf("org B's reminder: status %q (%v), want still unknown", status, err)
	}
}

// refusal is a request of a browser for another scope's object, or for
// one that does not exist, that must be answered 404; audited: it is
// audited as a refusal (an object that does not exist is not).
type refusal struct {
	name    string
	b       *browser
	method  string // GET, or POST with csrf and form
	path    string
	csrf    string
	form    url.Values
	audited bool
}

// refused sends each request and checks its answer and its audit entry.
func (e *env) refused(cs []refusal) {
	e.t.Helper()
	for _, c := range cs {
		before := e.refusals()
		var code int
		if c.method == "GET" {
			code, _ = c.b.get(c.path)
		} else {
			form := url.Values{"csrf": {c.csrf}}
			for k, v := range c.form {
				form[k] = v
			}
			code, _, _ = c.b.post(c.path, form)
		}
		if code != http.StatusNotFound {
			e.t.Errorf("%s: %d, want 404", c.name, code)
		}
		if audited := e.refusals() > before; audited != c.audited {
			e.t.Errorf("%s: audited as a refusal %v, want %v", c.name, audited, c.audited)
		}
	}
}
