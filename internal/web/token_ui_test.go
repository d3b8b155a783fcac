package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBearerTokenCannotSendUIForms: a bearer token fetches UI pages (GET
// /export, /metrics: README, API) but sends none of the UI's forms. A form
// is a person's, from their session with its CSRF token; a token carries
// none, and were its forms taken every token would be a second,
// undocumented API (a sender system's token resolving manual cases and
// releasing print batches, which have no API route; an admin token making
// users). Each is refused 403 saying to use the API, logged and audited,
// and nothing is done.
func TestBearerTokenCannotSendUIForms(t *testing.T) {
	e := newPrintEnv(t)
	got := e.seed(4) // 964338531's
	batch := e.heldAndManual(got[0], got[2])
	db := e.st.DB()
	admin := e.token("admin", "", "")
	system := e.token("compliance", "964338531", "")
	unit := e.token("unit", "964338531", "Barnevernstjenesten")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path, token string, form url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	refusals := func() int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'forbidden' AND detail = 'a bearer token sent a UI form'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		name, token, path string
		form              url.Values
	}{
		{"an admin token making an unscoped admin", admin, "/admin/users",
			url.Values{"name": {"made-by-token"}, "role": {"admin"}}},
		{"an admin token making a token", admin, "/admin/tokens",
			url.Values{"name": {"made-by-token"}, "role": {"admin"}}},
		{"a sender system's token resolving a manual case", system, "/manual/" + got[2].ID + "/resolve",
			url.Values{"resolution": {"not_needed"}, "note": {"x"}}},
		{"a sender system's token releasing a print batch", system, fmt.Sprintf("/print/%d/release", batch),
			url.Values{"digest": {"x"}, "shipments": {"1"}}},
		{"a sender system's token deciding a follow-up", system, "/shipments/" + got[0].ID + "/followup",
			url.Values{"decision": {"closed"}, "note": {"x"}}},
		{"a unit's token with a CSRF field of its own", unit, "/shipments/" + got[0].ID + "/followup",
			url.Values{"csrf": {""}, "decision": {"closed"}, "note": {"x"}}},
		{"a token extending a session", system, "/session/extend", url.Values{}},
	} {
		before := refusals()
		code, body := send("POST", c.path, c.token, c.form)
		if code != http.StatusForbidden || !strings.Contains(body, "a bearer token may only fetch UI pages (GET); use the API under /api/v1") {
			t.Errorf("%s: %d %q, want 403 saying to use the API", c.name, code, body)
		}
		if refusals() != before+1 {
			t.Errorf("%s: not audited as a refusal", c.name)
		}
	}
	if !strings.Contains(e.log.String(), "why=\"a bearer token sent a UI form\"") {
		t.Error("the refusals are not logged")
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM users WHERE name = 'made-by-token'`); err != nil || n != 0 {
		t.Errorf("users made by a token: %d (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM api_tokens WHERE name = 'made-by-token'`); err != nil || n != 0 {
		t.Errorf("tokens made by a token: %d (%v)", n, err)
	}
	var stage string
	if err := db.Get(&stage, `SELECT stage FROM shipments WHERE id = $1`, got[2].ID); err != nil || stage != "manual" {
		t.Errorf("the manual case: stage %q (%v), want still manual", stage, err)
	}
	var state string
	if err := db.Get(&state, `SELECT state FROM print_orders WHERE batch_id = $1`, batch); err != nil || state != "held" {
		t.Errorf("the print batch's order: %q (%v), want still held", state, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM followups`); err != nil || n != 0 {
		t.Errorf("follow-ups decided by a token: %d (%v)", n, err)
	}
	// What a script does fetch with its token still answers.
	if code, _ := send("GET", "/export?format=csv", system, nil); code != http.StatusOK {
		t.Errorf("GET /export with a token: %d, want 200", code)
	}
}
