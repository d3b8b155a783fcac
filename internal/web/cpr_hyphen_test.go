package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRegisterCPRWithHyphen: through the API a CPR number written
// DDMMYY-SSSS is registered as its ten digits, and the same letter
// registered again with the ten digits is found (200), not another
// recipient (409). Another separator is a 422 saying how a CPR number is
// written, without quoting it.
func TestRegisterCPRWithHyphen(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	body := func(cpr string) string {
		return `{"channel":"digitalpost","channel_id":"0b6d3c5e-1f2a-4b3c-8d4e-000000000201","sender_org":"64942212","sender_unit":"Socialforvaltningen",
		 "recipient":{"kind":"person","id":"` + cpr + `"},"title":"Afgørelse","confidential":true,"class":"fortrolig","sent_at":"2026-11-23T11:00:00Z"}`
	}
	if code, out := e.do("POST", "/api/v1/shipments", tok, body("010180-1234")); code != http.StatusCreated {
		t.Fatalf("a CPR number with its hyphen: %d %v, want 201", code, out)
	}
	var ident string
	if err := e.st.DB().Get(&ident, `SELECT ident FROM recipients WHERE kind = 'person'`); err != nil || ident != "0101801234" {
		t.Errorf("stored recipient %q (%v), want 0101801234", ident, err)
	}
	if code, out := e.do("POST", "/api/v1/shipments", tok, body("0101801234")); code != http.StatusOK {
		t.Errorf("the same letter with the ten digits: %d %v, want 200 (registered already)", code, out)
	}
	code, out := e.do("POST", "/api/v1/shipments", tok, strings.Replace(body("010180.1234"), "201", "202", 1))
	if s := fmt.Sprint(out); code != http.StatusUnprocessableEntity || !strings.Contains(s, "DDMMYY-SSSS") || strings.Contains(s, "0180") {
		t.Errorf("a dot between: %d %v, want 422 saying how a CPR number is written, without it", code, out)
	}
}

// TestFilterByCPRWithHyphen: a CPR number written DDMMYY-SSSS is the
// person's ten digits wherever a recipient is read from a query: the
// API's list finds the person's letter by it (before: 400, "recipient
// must be an organisation number or a person id"), and the summary, the
// UI's list filter and the audit log's person filter refuse it as the
// person id it is, in no URL (before: "not an organisation number", and
// the audit log's "must be a national id").
func TestFilterByCPRWithHyphen(t *testing.T) {
	e := newEnv(t)
	tok := e.token("admin", "", "")
	const reg = `{"channel":"digitalpost","channel_id":"0b6d3c5e-1f2a-4b3c-8d4e-000000000301","sender_org":"64942212","sender_unit":"Socialforvaltningen",
		 "recipient":{"kind":"person","id":"0101801234"},"title":"Afgørelse","confidential":true,"class":"fortrolig","sent_at":"2026-11-23T11:00:00Z"}`
	if code, out := e.do("POST", "/api/v1/shipments", tok, reg); code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, out)
	}
	for _, q := range []string{"recipient=010180-1234", "recipient=0101801234", "list=search&recipient=010180-1234"} {
		code, page := e.do("GET", "/api/v1/shipments?"+q, tok, "")
		if rows, _ := page["shipments"].([]any); code != http.StatusOK || len(rows) != 1 {
			t.Errorf("GET /api/v1/shipments?%s: %d %v, want the person's one letter", q, code, page)
		}
	}
	// The summary takes the UI's filter: a person id, so written too, is
	// refused as one.
	if code, out := e.do("GET", "/api/v1/summary?recipient=010180-1234", tok, ""); code != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(out), "does not belong in a URL") {
		t.Errorf("GET /api/v1/summary?recipient=010180-1234: %d %v, want 400 saying a person id does not belong in a URL", code, out)
	}

	pw := e.user("ola", "admin", "", "")
	b := e.browser()
	b.login("ola", pw)
	for _, path := range []string{"/list?list=all&recipient=010180-1234", "/audit?person=010180-1234"} {
		code, page := b.getIn("en", path)
		if code != http.StatusBadRequest || !strings.Contains(page, "does not belong in a URL") {
			t.Errorf("%s: %d, want 400 saying a person id does not belong in a URL:\n%s", path, code, page)
		}
	}
}
