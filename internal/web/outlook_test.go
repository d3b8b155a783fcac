package web_test

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// outlookLetters registers two confidential SvarUt letters of NAV to an
// organisation, sent Monday 2026-11-23 12:00 Oslo time (an hour before the
// test's clock); the second is then opened.
func outlookLetters(t *testing.T, e *env) (waiting, opened store.Shipment) {
	t.Helper()
	sent := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)
	var items []model.NewShipment
	for i := range 2 {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("outlook", i),
			SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: "org", RecipientID: "974760673",
			Title: "Vedtak", Confidential: true, Class: "taushetsbelagt", SentAt: sent})
	}
	got, _, err := e.st.Register(t.Context(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, e.st, []string{got[1].ID}, storetest.State(model.StateOpened))
	return got[0], got[1]
}

// TestLetterOutlook: with the shipped policies, an unopened confidential
// letter to an organisation is governed by taushetsbelagt (its page links it
// to the policy on /rules), and its page and
// GET /api/v1/shipments/{id} give the dates policy explain gives: reminder
// 1 two business days after it was sent (Wed 2026-11-25 12:00 Oslo),
// reminder 2 five (Mon 2026-11-30), print through the provider ten (Mon
// 2026-12-07), all inside the 08-16 window. An opened letter has no future
// steps, and says why, in every language.
func TestLetterOutlook(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	waiting, opened := outlookLetters(t, e)
	tok := e.token("unit", "964338531", "NAV")

	code, body := e.do("GET", "/api/v1/shipments/"+waiting.ID, tok, "")
	o, _ := body["outlook"].(map[string]any)
	if code != http.StatusOK || o == nil {
		t.Fatalf("GET the waiting letter: %d, outlook %v", code, body["outlook"])
	}
	steps, _ := o["steps"].([]any)
	want := []struct{ step, n, due, via string }{
		{"reminder", "1", "2026-11-25T11:00:00Z", ""},
		{"reminder", "2", "2026-11-30T11:00:00Z", ""},
		{"print", "", "2026-12-07T11:00:00Z", "provider"},
	}
	if o["policy"] != "taushetsbelagt" || o["why"] != nil || o["reminders_not_sent"] != nil || len(steps) != len(want) {
		t.Fatalf("outlook %v; want policy taushetsbelagt with 3 steps, no why", o)
	}
	for i, w := range want {
		s := steps[i].(map[string]any)
		n := ""
		if v, ok := s["n"].(float64); ok {
			n = fmt.Sprint(v)
		}
		via, _ := s["via"].(string)
		if s["step"] != w.step || n != w.n || s["due"] != w.due || s["send_from"] != w.due || via != w.via {
			t.Errorf("step %d: %v; want %s %s due and sent from %s via %q", i, s, w.step, w.n, w.due, w.via)
		}
	}

	code, body = e.do("GET", "/api/v1/shipments/"+opened.ID, tok, "")
	o, _ = body["outlook"].(map[string]any)
	if steps, _ := o["steps"].([]any); code != http.StatusOK || o["policy"] != "taushetsbelagt" || o["why"] != "ended" || len(steps) != 0 {
		t.Errorf("GET the opened letter: %d, outlook %v; want taushetsbelagt, why ended, no steps", code, o)
	}

	b := e.loggedIn("nils", "unit", "964338531", "NAV")
	_, page := b.get("/shipments/" + waiting.ID)
	page = html.UnescapeString(page)
	for _, w := range []string{`id="policy"><a href="/rules#policy-taushetsbelagt">taushetsbelagt</a><`, "<strong>reminder 1</strong>: due 2026-11-25 12:00",
		"<strong>reminder 2</strong>: due 2026-11-30 12:00", "<strong>print</strong>: due 2026-12-07 12:00"} {
		if !strings.Contains(page, w) {
			t.Errorf("the waiting letter's page lacks %q", w)
		}
	}
	_, doc := b.get("/shipments/" + waiting.ID + "/evidence.json")
	if !strings.Contains(doc, `"policy": "taushetsbelagt"`) && !strings.Contains(doc, `"policy":"taushetsbelagt"`) {
		t.Errorf("evidence.json names no policy: %.400s", doc)
	}

	says := map[string]string{
		"en": "None: the letter's state is “opened”.",
		"nb": "Ingen: brevet har status «åpnet».",
		"da": "Ingen: brevet har status »åbnet«.",
	}
	for _, lang := range i18n.Languages {
		code, page := b.getIn(lang, "/shipments/"+opened.ID)
		page = html.UnescapeString(page)
		if code != http.StatusOK || !strings.Contains(page, says[lang]) || strings.Contains(page, `id="next-step-list"`) {
			t.Errorf("%s: the opened letter's page (%d) does not say %q, or lists steps", lang, code, says[lang])
		}
		if i := strings.Index(page, "⟦"); i >= 0 {
			t.Errorf("%s: untranslated key %.60s", lang, page[i:])
		}
		if _, page := b.getIn(lang, "/shipments/"+waiting.ID); strings.Contains(page, "⟦") {
			t.Errorf("%s: the waiting letter's page has an untranslated key", lang)
		}
	}
}

// TestLetterOutlookWithoutPolicies: a server given no policies says nothing
// of a policy or of future steps, rather than something false.
func TestLetterOutlookWithoutPolicies(t *testing.T) {
	e := newEnv(t)
	waiting, _ := outlookLetters(t, e)
	code, body := e.do("GET", "/api/v1/shipments/"+waiting.ID, e.token("compliance", "", ""), "")
	if _, has := body["outlook"]; code != http.StatusOK || has {
		t.Errorf("GET: %d, outlook %v; want none", code, body["outlook"])
	}
	_, page := e.loggedIn("kari", "compliance", "", "").get("/shipments/" + waiting.ID)
	if strings.Contains(page, `id="next-steps"`) || strings.Contains(page, `id="policy"`) {
		t.Error("the page shows a policy or next steps without policies")
	}
}
