package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// new_channel and new_channel_id register the letter sent again, with
// decision resent only. Given with another decision they were dropped
// without a word: the integrator that sent the new letter's id with
// new_letter believed it watched, and postvakt never polled it. Refused
// (400 naming them), nothing recorded.
func TestFollowUpAPIRefusesNewChannelWithoutResend(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	tok := e.token("compliance", "964338531", "")
	path := "/api/v1/shipments/" + got[0].ID + "/followup"
	const id = "6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b"
	for _, body := range []string{
		`{"decision":"new_letter","new_channel":"svarut","new_channel_id":"` + id + `"}`,
		`{"decision":"closed","new_channel_id":"` + id + `"}`,
		`{"decision":"consequences_assessed","note":"assessed","new_channel":"altinn"}`,
	} {
		code, out := e.do("POST", path, tok, body)
		if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "new_channel") {
			t.Errorf("%s: %d %v, want 400 naming new_channel", body, code, out)
		}
	}
	if code, out := e.do("GET", path, tok, ""); code != http.StatusNotFound {
		t.Errorf("after the refusals: %d %v, want no follow-up recorded", code, out)
	}
	if code, out := e.do("POST", path, tok, `{"decision":"new_letter","new_channel":"","new_channel_id":""}`); code != http.StatusCreated {
		t.Errorf("new_letter with the fields empty: %d %v, want 201", code, out)
	}
}
