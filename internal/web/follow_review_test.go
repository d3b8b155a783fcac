package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A caseworker records follow-ups for every letter of an incident from
// /incidents. The single form and the API refuse a note that is not text
// (NUL), one over 10,000 characters, and "consequences assessed" without
// saying what (README: "`consequences_assessed` needs a note"); the bulk
// form records hundreds of letters at once and must not take what the
// single form refuses, nor answer a 500.
func TestFollowBulkFollowUpNote(t *testing.T) {
	e := newEnv(t)
	e.seed(40) // 20 of Barnevernstjenesten, 20 of NAV
	b := e.loggedIn("kari", "unit", "964338531", "NAV")
	_, page := b.get("/incidents")
	q := url.Values{"from": {"2026-10-01"}, "to": {"2026-11-30"}}
	for _, tc := range []struct {
		name, decision, note string
	}{
		{"assessed without a note", store.DecisionAssessed, ""},
		{"a NUL in the note", store.DecisionClosed, "lukket\x00"},
		{"a note of 20,000 characters", store.DecisionClosed, strings.Repeat("x", 20000)},
	} {
		e.st.DB().MustExec(`DELETE FROM followups`)
		form := url.Values{"csrf": {csrf(page)}, "decision": {tc.decision}, "days": {"14"}, "note": {tc.note}}
		for k, v := range q {
			form[k] = v
		}
		code, loc, body := b.post("/incidents/followups", form)
		var n int
		if err := e.st.DB().Get(&n, `SELECT count(*) FROM followups WHERE decision IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
		if code != http.StatusBadRequest || n != 0 {
			t.Errorf("%s: %d %s, %d follow-ups decided; want 400 and none (as the letter's form)\n%.300s", tc.name, code, loc, n, body)
		}
	}
	// Only NAV's letters were touched, never Barnevernstjenesten's.
	fus, err := e.st.FollowUps(context.Background(), store.Scope{SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}, true, 100)
	if err != nil || len(fus) != 0 {
		t.Errorf("another unit's letters followed up: %d %v", len(fus), err)
	}
}

// An unread letter's follow-up is opened; the recipient then reads the
// letter. The unit can no longer record a decision (409 for an opened
// letter), yet the follow-up stays open in GET /api/v1/followups (and so
// in /followups, the overview's overdue count, the overdue mail and the
// compliance digest) for good.
func TestFollowReadLetterFollowUpStuckOpen(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2)
	ctx := context.Background()
	if _, err := e.st.OpenFollowUps(ctx, now.AddDate(0, 0, -30), now.AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	// The recipient reads it: the poller writes the channel's LEST.
	sh := got[1]
	if w, err := e.st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: sh.ID, ChannelID: sh.ChannelID, State: sh.State, SentAt: sh.SentAt},
		Source: sh.Channel, ObservedAt: now, Status: "LEST", State: model.StateOpened, ChangedAt: now}}); err != nil || w.Changed != 1 {
		t.Fatalf("the letter read: %+v %v", w, err)
	}
	nav := e.token("unit", "964338531", "NAV")
	if code, _ := e.do("POST", "/api/v1/shipments/"+got[1].ID+"/followup", nav, `{"decision":"closed"}`); code != http.StatusConflict {
		t.Fatalf("decision on a read letter: %d, want 409 (README)", code)
	}
	code, out := e.do("GET", "/api/v1/followups", nav, "")
	if code != 200 {
		t.Fatal(code)
	}
	for _, f := range out["followups"].([]any) {
		m := f.(map[string]any)
		if m["shipment_id"] == got[1].ID {
			t.Errorf("the read letter's follow-up is listed open (state %v, deadline %v passed), and no decision may be recorded for it", m["state"], m["deadline"])
		}
	}
}
