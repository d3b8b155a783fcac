package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestFollowUpAPI records and reads a follow-up decision through the JSON
// API, as a case-management system would: the evidence page's rules, the
// scope of the token, the audit.
func TestFollowUpAPI(t *testing.T) {
	e := newEnv(t)
	got := e.seed(4) // 0 and 2 Barnevernstjenesten, 1 and 3 NAV
	nav := e.token("unit", "964338531", "NAV")
	path := "/api/v1/shipments/" + got[1].ID + "/followup"

	if code, out := e.do("GET", path, nav, ""); code != http.StatusNotFound {
		t.Errorf("follow-up before any: %d %v, want 404", code, out)
	}
	for _, tc := range []struct {
		name, body string
		want       int
		says       string
	}{
		{"not JSON", `decision=closed`, http.StatusBadRequest, "JSON object"},
		{"unknown field", `{"decision":"closed","title":"x"}`, http.StatusBadRequest, "unknown field"},
		{"no decision", `{}`, http.StatusBadRequest, "one of: resent, new_letter"},
		{"unknown decision", `{"decision":"ignore"}`, http.StatusBadRequest, "one of:"},
		{"assessed without note", `{"decision":"consequences_assessed"}`, http.StatusBadRequest, "consequences"},
		{"resend without id", `{"decision":"resent","new_channel":"altinn"}`, http.StatusBadRequest, "new shipment"},
		{"resend with the old id", `{"decision":"resent","new_channel":"svarut","new_channel_id":"` + got[1].ChannelID + `"}`,
			http.StatusBadRequest, "new channel id"},
		{"resend with another unit's letter's id", `{"decision":"resent","new_channel":"svarut","new_channel_id":"` + got[0].ChannelID + `"}`,
			http.StatusConflict, "another sender's letter"},
		{"a NUL in the note", `{"decision":"consequences_assessed","note":"x\u0000"}`, http.StatusBadRequest, "The note: contains the control character"},
		{"a lone surrogate in the note", `{"decision":"consequences_assessed","note":"x\ud800"}`, http.StatusBadRequest, "surrogate"},
		{"a second object", `{"decision":"closed"}{"decision":"new_letter"}`, http.StatusBadRequest, "more after the object"},
	} {
		code, out := e.do("POST", path, nav, tc.body)
		if msg, _ := out["error"].(string); code != tc.want || !strings.Contains(msg, tc.says) {
			t.Errorf("%s: %d %v, want %d saying %q", tc.name, code, out, tc.want, tc.says)
		}
	}
	if code, _ := e.do("POST", "/api/v1/shipments/"+got[0].ID+"/followup", nav, `{"decision":"closed"}`); code != http.StatusNotFound {
		t.Errorf("another unit's shipment: %d, want 404 (as no such shipment)", code)
	}
	if code, _ := e.do("POST", path, e.token("operations", "", ""), `{"decision":"closed"}`); code != http.StatusForbidden {
		t.Errorf("operations role: %d, want 403", code)
	}
	if code, _ := e.do("POST", "/api/v1/shipments/00000000-0000-4000-8000-000000000000/followup", nav, `{"decision":"closed"}`); code != http.StatusNotFound {
		t.Errorf("no such shipment: %d, want 404", code)
	}

	code, out := e.do("POST", path, nav, `{"decision":"resent","new_channel":"altinn","new_channel_id":"7e000000-0000-4000-8000-000000000007","note":"sent by Altinn",
		"missed_statutory_deadline":true}`)
	if code != http.StatusCreated || out["decision"] != "resent" || out["note"] != "sent by Altinn" ||
		out["missed_statutory_deadline"] != true || !strings.HasPrefix(out["decided_by"].(string), "token:") {
		t.Fatalf("record: %d %v", code, out)
	}
	if _, leaked := out["recipient_id"]; leaked || strings.Contains(fmt.Sprint(out), got[1].Recipient.ID) {
		t.Errorf("the follow-up names the recipient: %v", out)
	}
	newID, _ := out["new_shipment_id"].(string)
	code, resent := e.do("GET", "/api/v1/shipments/"+newID, nav, "")
	if code != http.StatusOK || resent["channel"] != "altinn" || resent["channel_id"] != "7e000000-0000-4000-8000-000000000007" || resent["sender_unit"] != "NAV" {
		t.Errorf("the resent shipment: %d %v", code, resent)
	}
	if code, again := e.do("GET", path, nav, ""); code != http.StatusOK || again["decision"] != "resent" || again["new_shipment_id"] != newID {
		t.Errorf("read back: %d %v", code, again)
	}
	if !e.audited("token:unit-test", "followup", got[1].ID) || !e.audited("token:unit-test", "view_followup", got[1].ID) {
		t.Error("recording or reading the follow-up was not audited")
	}

	// The list: decided follow-ups only with all=true; the token's scope.
	ctx := context.Background()
	// Letters unread for a day or more: the seeded ones, not the one
	// resent just now (sent at now).
	if _, err := e.st.OpenFollowUps(ctx, store.MinAgeBound(now, 1), now.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	ids := func(query, token string) []string {
		t.Helper()
		code, out := e.do("GET", "/api/v1/followups"+query, token, "")
		if code != http.StatusOK {
			t.Fatalf("list %s: %d %v", query, code, out)
		}
		var ids []string
		for _, f := range out["followups"].([]any) {
			ids = append(ids, f.(map[string]any)["shipment_id"].(string))
		}
		return ids
	}
	if open := ids("", nav); len(open) != 1 || open[0] != got[3].ID {
		t.Errorf("NAV's open follow-ups: %v, want only %s", open, got[3].ID)
	}
	if all := ids("?all=true", nav); len(all) != 2 {
		t.Errorf("NAV's follow-ups: %v, want 2", all)
	}
	if all := ids("?all=true&limit=1000", e.token("compliance", "964338531", "")); len(all) != 4 {
		t.Errorf("the organisation's follow-ups: %v, want 4", all)
	}
	if code, _ := e.do("GET", "/api/v1/followups?limit=0", nav, ""); code != http.StatusBadRequest {
		t.Errorf("limit=0: %d, want 400", code)
	}

	// An opened letter needs no follow-up.
	storetest.Set(t, e.st, []string{got[3].ID}, storetest.State(model.StateOpened))
	if code, out := e.do("POST", "/api/v1/shipments/"+got[3].ID+"/followup", nav, `{"decision":"closed"}`); code != http.StatusConflict {
		t.Errorf("opened letter: %d %v, want 409", code, out)
	}
}

// TestFollowUpAPIPages: GET /api/v1/followups pages by keyset as
// /api/v1/shipments: a page of limit follow-ups and the next_cursor of the
// next page, empty on the last; walking the cursors gives every follow-up
// once, in the order of one long page; a cursor the server did not make is
// a 400.
func TestFollowUpAPIPages(t *testing.T) {
	e := newEnv(t)
	e.seed(5)
	if _, err := e.st.OpenFollowUps(context.Background(), store.MinAgeBound(now, 1), now.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	tok := e.token("compliance", "964338531", "")
	ids := func(out map[string]any) []string {
		var ids []string
		for _, f := range out["followups"].([]any) {
			ids = append(ids, f.(map[string]any)["shipment_id"].(string))
		}
		return ids
	}
	code, one := e.do("GET", "/api/v1/followups?limit=1000", tok, "")
	if code != http.StatusOK || one["next_cursor"] != "" {
		t.Fatalf("one page: %d %v, want every follow-up and an empty next_cursor", code, one)
	}
	want := ids(one)
	if len(want) != 5 {
		t.Fatalf("%d follow-ups, want the 5 seeded", len(want))
	}
	var walked []string
	cursor, pages := "", 0
	for {
		code, out := e.do("GET", "/api/v1/followups?limit=2&cursor="+cursor, tok, "")
		if code != http.StatusOK {
			t.Fatalf("page %d: %d %v", pages+1, code, out)
		}
		walked = append(walked, ids(out)...)
		pages++
		if cursor, _ = out["next_cursor"].(string); cursor == "" || pages > 5 {
			break
		}
	}
	if pages != 3 || strings.Join(walked, ",") != strings.Join(want, ",") {
		t.Errorf("walked %d pages of %v, want 3 pages of %v", pages, walked, want)
	}
	if code, out := e.do("GET", "/api/v1/followups?cursor=not-a-cursor", tok, ""); code != http.StatusBadRequest {
		t.Errorf("a made-up cursor: %d %v, want 400", code, out)
	}
}

// TestResendOfALetterNamedBeforeTheBidiRule: a letter registered before
// names with a text direction control were refused (its unit's name holds
// U+202B…U+202C, as an Arabic name pasted from a word processor does) is
// still followed up: the resend inherits the letter's own unit and class,
// which the person recording it cannot change. A new letter with that
// name is refused as before.
func TestResendOfALetterNamedBeforeTheBidiRule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := svarutLetter("00000000-0000-4000-8000-0000000000d1")
	old.SenderUnit = "\u202Bوحدة\u202C"
	got, _, err := e.st.Register(ctx, []model.NewShipment{old}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	code, out := e.do("POST", "/api/v1/shipments/"+got[0].ID+"/followup", e.token("admin", "", ""),
		`{"decision":"resent","new_channel":"svarut","new_channel_id":"00000000-0000-4000-8000-0000000000d2"}`)
	if code != http.StatusCreated {
		t.Fatalf("resend of a letter whose stored unit name has a bidi control: %d %v, want 201", code, out)
	}
	newID, _ := out["new_shipment_id"].(string)
	if code, resent := e.do("GET", "/api/v1/shipments/"+newID, e.token("admin", "", ""), ""); code != http.StatusOK || resent["sender_unit"] != old.SenderUnit {
		t.Errorf("the resent letter: %d %v, want the old letter's unit", code, resent)
	}
	fresh := svarutLetter("00000000-0000-4000-8000-0000000000d3")
	fresh.SenderUnit = old.SenderUnit
	if errs := fresh.Validate(now, nil); len(errs) == 0 || errs[0].Field != "sender_unit" {
		t.Errorf("a new letter with the name: %v, want sender_unit refused", errs)
	}
}
