package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"postvakt/internal/model"
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
	for _, c := range []struct {
		name    string
		b       *browser
		method  string
		path    string
		form    url.Values
		audited bool
	}{
		{"another organisation's print batch", other, "GET", fmt.Sprintf("/print/%d", batch), nil, true},
		{"releasing it", other, "POST", fmt.Sprintf("/print/%d/release", batch),
			url.Values{"csrf": {otherCSRF}, "digest": {"x"}, "shipments": {"1"}}, true},
		{"a batch that does not exist", other, "GET", fmt.Sprintf("/print/%d", batch+100), nil, false},
		{"another organisation's alert", other, "GET", "/alerts/" + strconv.FormatInt(alert.ID, 10), nil, true},
		{"an alert that does not exist", other, "GET", "/alerts/" + strconv.FormatInt(alert.ID+100, 10), nil, false},
		{"another unit's manual case", unit, "POST", "/manual/" + got[1].ID + "/resolve",
			url.Values{"csrf": {unitCSRF}, "resolution": {"not_needed"}, "note": {"x"}}, true},
	} {
		before := e.refusals()
		var code int
		if c.method == "GET" {
			code, _ = c.b.get(c.path)
		} else {
			code, _, _ = c.b.post(c.path, c.form)
		}
		if code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", c.name, code)
		}
		if audited := e.refusals() > before; audited != c.audited {
			t.Errorf("%s: audited as a refusal %v, want %v", c.name, audited, c.audited)
		}
	}
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
	res, err := e.st.ClaimNotification(ctx, store.Claim{Org: "910859897", Now: now,
		Items: []model.ReminderItem{{ShipmentID: b.ID, Reminder: 1}}})
	if err != nil || res.Notification == nil {
		t.Fatalf("claim a reminder of org B's letter: %+v %v", res, err)
	}
	reminder := res.Notification.ID
	db.MustExec(`UPDATE notifications SET status = 'unknown' WHERE id = $1`, reminder)

	admin := e.loggedIn("a-admin", "admin", orgA, "")
	officer := e.loggedIn("a-officer", "compliance", orgA, "")
	_, page := admin.get("/settings")
	adminCSRF := csrf(page)
	_, page = officer.get("/settings")
	officerCSRF := csrf(page)
	for _, c := range []struct {
		name    string
		b       *browser
		csrf    string
		path    string
		form    url.Values
		audited bool
	}{
		{"disabling org B's user", admin, adminCSRF, fmt.Sprintf("/admin/users/%d/disable", user), nil, true},
		{"a new password for org B's user", admin, adminCSRF, fmt.Sprintf("/admin/users/%d/password", user), nil, true},
		{"org B's user's access", admin, adminCSRF, fmt.Sprintf("/admin/users/%d/access", user),
			url.Values{"role": {"compliance"}, "sender_org": {orgA}}, true},
		{"a user that does not exist", admin, adminCSRF, fmt.Sprintf("/admin/users/%d/disable", user+1000), nil, false},
		{"revoking org B's token", admin, adminCSRF, fmt.Sprintf("/admin/tokens/%d/revoke", token), nil, true},
		{"a token that does not exist", admin, adminCSRF, fmt.Sprintf("/admin/tokens/%d/revoke", token+1000), nil, false},
		{"org B's unit's addresses", admin, adminCSRF, fmt.Sprintf("/admin/units/%d", unit),
			url.Values{"contact_email": {"evil@a.example"}}, true},
		{"a unit that does not exist", admin, adminCSRF, fmt.Sprintf("/admin/units/%d", unit+1000),
			url.Values{"contact_email": {"evil@a.example"}}, false},
		{"releasing org B's reminder (admin)", admin, adminCSRF, fmt.Sprintf("/reminders/%d/release", reminder), nil, true},
		{"confirming it (compliance officer)", officer, officerCSRF, fmt.Sprintf("/reminders/%d/confirm", reminder), nil, true},
		{"a reminder that does not exist", officer, officerCSRF, fmt.Sprintf("/reminders/%d/release", reminder+1000), nil, false},
	} {
		form := url.Values{"csrf": {c.csrf}}
		for k, v := range c.form {
			form[k] = v
		}
		before := e.refusals()
		if code, _, _ := c.b.post(c.path, form); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", c.name, code)
		}
		if audited := e.refusals() > before; audited != c.audited {
			t.Errorf("%s: audited as a refusal %v, want %v", c.name, audited, c.audited)
		}
	}
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
