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
