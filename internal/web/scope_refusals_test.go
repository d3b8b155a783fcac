package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
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
	refusals := func() int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'forbidden'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
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
		before := refusals()
		var code int
		if c.method == "GET" {
			code, _ = c.b.get(c.path)
		} else {
			code, _, _ = c.b.post(c.path, c.form)
		}
		if code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", c.name, code)
		}
		if audited := refusals() > before; audited != c.audited {
			t.Errorf("%s: audited as a refusal %v, want %v", c.name, audited, c.audited)
		}
	}
	var stage string
	if err := db.Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, got[1].ID); err != nil || stage != "manual" {
		t.Errorf("the other unit's manual case: stage %q (%v), want still manual", stage, err)
	}
}
