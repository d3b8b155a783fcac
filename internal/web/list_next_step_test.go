package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// nextStepCells are a list page's "next step" cells by the letter's id.
func nextStepCells(page string) map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`(?s)<td class="next-step">(.*?)</td><td><a class="evidence" href="/shipments/([^"]+)"`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out[m[2]] = strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(html.UnescapeString(m[1]), ""))
	}
	return out
}

// TestListShowsNextStep: with the shipped policies, a list page says each
// waiting letter's next step and the date it comes due, the first step of
// the outlook its evidence page and the API give (reminder 1 of the
// unopened SvarUt letter, due Wednesday 2026-11-25; a Danish letter to a
// citizen goes to the unit's manual handling through Digital Post's
// physical post, on the date its outlook says); an opened letter has none.
// Without policies the column stays empty, as the evidence page says
// nothing then.
func TestListShowsNextStep(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	waiting, opened := outlookLetters(t, e)
	dk, due := danishLetter(t, e)
	dkDue := due.In(calendar.Oslo).Format("2006-01-02")

	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/list?list=all")
	cells := nextStepCells(page)
	for id, want := range map[string]string{waiting.ID: "reminder 1 2026-11-25", opened.ID: "", dk.ID: "manual handling " + dkDue} {
		if got, ok := cells[id]; !ok || got != want {
			t.Errorf("next step of %s: %q (shown %v), want %q", id, got, ok, want)
		}
	}
	if !strings.Contains(page, ">Next step</th>") {
		t.Error("the list has no Next step column")
	}

	plain := newEnv(t)
	w, _ := outlookLetters(t, plain)
	_, page = plain.loggedIn("kari", "compliance", "964338531", "").get("/list?list=all")
	if c, ok := nextStepCells(page)[w.ID]; !ok || c != "" {
		t.Errorf("without policies the next step is %q (shown %v), want an empty cell", c, ok)
	}
}

// danishLetter registers a Danish letter to a citizen, sent Monday
// 2026-11-23, whose print is the sending unit's manual handling through
// Digital Post's physical post, and returns it with the day that step
// comes due as its outlook (GET /api/v1/shipments/{id}) says.
func danishLetter(t *testing.T, e *env) (store.Shipment, time.Time) {
	t.Helper()
	got, _, err := e.st.Register(t.Context(), []model.NewShipment{{Channel: "digitalpost", ChannelID: "0b6d3c5e-1f2a-4b3c-8d4e-000000000009",
		SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: "person", RecipientID: "0101801234", Title: "Afgørelse",
		Confidential: true, Class: "fortrolig", SentAt: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)}}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.do("GET", "/api/v1/shipments/"+got[0].ID, e.token("compliance", "964338531", ""), "")
	steps, _ := body["outlook"].(map[string]any)["steps"].([]any)
	if len(steps) == 0 || steps[0].(map[string]any)["via"] != "digitalpost" {
		t.Fatalf("the Danish letter's outlook: %v, want print via digitalpost first", body["outlook"])
	}
	due, err := time.Parse(time.RFC3339, steps[0].(map[string]any)["due"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return got[0], due
}

// TestListSaysAReminderWaitsForTheSendWindow: a reminder whose day has
// passed but whose policy's send window is closed now (Monday 13:00 Oslo,
// window 14:00-16:00) is held by the window until it opens; the list said
// "(overdue: taken at the next run)", which the next run outside the
// window does not do. A reminder whose window is open is still taken at
// the next run.
func TestListSaysAReminderWaitsForTheSendWindow(t *testing.T) {
	set := policytest.Files(t, map[string]string{
		"default.yaml": "name: default\ncalendar: NO\nreminders: {first_after: 1, repeat_every: 5, max: 2}\nprint: {after: 15}\n" +
			"send_window: {from: \"08:00\", to: \"16:00\", timezone: Europe/Oslo}\n",
		"late.yaml": "name: late\npriority: 1\nmatch: {class: [sent]}\ncalendar: NO\nreminders: {first_after: 1, repeat_every: 5, max: 2}\n" +
			"print: {after: 15}\nsend_window: {from: \"14:00\", to: \"16:00\", timezone: Europe/Oslo}\n",
	})
	e := newEnvWith(t, web.WithPolicies(set))
	sent := time.Date(2026, 11, 16, 11, 0, 0, 0, time.UTC) // a week before the test's clock
	var items []model.NewShipment
	for i, class := range []string{"taushetsbelagt", "sent"} {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("window", i),
			SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: "org", RecipientID: "974760673",
			Title: "Vedtak", Confidential: true, Class: class, SentAt: sent})
	}
	got, _, err := e.st.Register(t.Context(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []struct{ accept, open, held string }{
		{"en", "reminder 1 2026-11-17 (overdue: taken at the next run)",
			"reminder 1 2026-11-17 (overdue: held by the send window until 2026-11-23 14:00)"},
		{"nb", "påminnelse 1 2026-11-17 (forfalt: tas ved neste kjøring)",
			"påminnelse 1 2026-11-17 (forfalt: holdes av sendevinduet til 2026-11-23 14:00)"},
	} {
		_, page := e.loggedIn("kari-"+lang.accept, "compliance", "964338531", "").getIn(lang.accept, "/list?list=all")
		cells := nextStepCells(page)
		for id, want := range map[string]string{got[0].ID: lang.open, got[1].ID: lang.held} {
			if c := cells[id]; c != want {
				t.Errorf("%s: next step of %s: %q, want %q", lang.accept, id, c, want)
			}
		}
	}
}
