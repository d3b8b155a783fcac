package web_test

import (
	"net/http"
	"reflect"
	"slices"
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

// nextStepLetters are a letter of each kind of next step: reminder 1 due
// (the unopened SvarUt letter), print due at once (the same, failed: the
// channel could not deliver it), manual handling (the Danish letter), and
// none (the opened one), by name.
func nextStepLetters(t *testing.T, e *env) map[string]store.Shipment {
	t.Helper()
	waiting, opened := outlookLetters(t, e)
	failed := storetest.Register(t, e.st, model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID("next-step", 1),
		SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: "org", RecipientID: "974760673", Title: "Vedtak",
		Confidential: true, Class: "taushetsbelagt", SentAt: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)})[0]
	storetest.Set(t, e.st, []string{failed.ID}, storetest.State(model.StateFailed))
	dk, _ := danishLetter(t, e)
	return map[string]store.Shipment{"reminder": waiting, "print": failed, "manual": dk, "none": opened}
}

// pageStep is a list page's next-step cell ("reminder 1 2026-11-25",
// "manual handling 2026-12-07") as the step's code and the Oslo day.
func pageStep(t *testing.T, cell string) (code, day string) {
	t.Helper()
	if cell == "" {
		return "", ""
	}
	// A step whose day has come says so after the day (step.overdue).
	cell = strings.TrimSuffix(cell, " (overdue: taken at the next run)")
	words, day := cell[:max(len(cell)-11, 0)], cell[max(len(cell)-10, 0):]
	for _, c := range []struct{ prefix, code string }{{"reminder ", "reminder"}, {"print", "print"}, {"manual handling", "manual"}} {
		if strings.HasPrefix(words, c.prefix) {
			return c.code, day
		}
	}
	t.Fatalf("the list page's next step %q is no step", cell)
	return "", ""
}

// TestExportsShowNextStep: with the shipped policies, the CSV and XLSX
// exports of a list carry each letter's next step in two columns after the
// list's, next_step (its code: reminder, print, manual) and next_step_at
// (when it comes due), the step the list page shows for the same letter:
// reminder 1 due Wednesday 2026-11-25 12:00 Oslo for the unopened letter,
// print due at once (now) for the failed one, manual handling for the
// Danish letter, nothing for the opened one. The CSV gives codes and UTC
// times (RFC 3339) as its other columns; the XLSX for people the headers
// and the step in the reader's language and a date cell on the Oslo
// clock. Without policies the columns are there and empty, as the page's.
func TestExportsShowNextStep(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	letters := nextStepLetters(t, e)
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/list?list=all")
	cells := nextStepCells(page)
	want := map[string]struct{ code, at string }{
		"reminder": {"reminder", "2026-11-25T11:00:00Z"},
		"print":    {"print", now.UTC().Format(time.RFC3339)},
		"manual":   {"manual", ""}, // as the page says: its day checked below
		"none":     {"", ""},
	}

	csvRows := byID(t, browserCSVRows(t, b.download("/export?list=all&format=csv")), "next_step", "next_step_at")
	for name, sh := range letters {
		got, ok := csvRows[sh.ID]
		cell, shown := cells[sh.ID]
		if !ok || !shown {
			t.Errorf("%s: in the CSV %v, on the page %v; want both", name, ok, shown)
			continue
		}
		code, day := pageStep(t, cell)
		if got[0] != code || got[0] != want[name].code {
			t.Errorf("%s: CSV next_step %q, the page %q, want %q", name, got[0], cell, want[name].code)
		}
		at, err := time.Parse(time.RFC3339, got[1])
		if day == "" && got[1] != "" || day != "" && (err != nil || at.In(calendar.Oslo).Format("2006-01-02") != day) {
			t.Errorf("%s: CSV next_step_at %q, the page's day %q", name, got[1], day)
		}
		if want[name].at != "" && got[1] != want[name].at {
			t.Errorf("%s: CSV next_step_at %q, want %q", name, got[1], want[name].at)
		}
	}

	xlsx := byID(t, xlsxRows(t, b.download("/export?list=all&format=xlsx")), "Neste steg", "Neste steg forfaller") // the download's language: nb
	words := map[string]string{"reminder": "påminnelse", "print": "utskrift", "manual": "manuell behandling"}
	for name, sh := range letters {
		got, ok := xlsx[sh.ID]
		code, day := pageStep(t, cells[sh.ID])
		if !ok || got[0] != words[code] || !strings.HasPrefix(got[1], day) || (day == "") != (got[1] == "") {
			t.Errorf("%s: XLSX %v (listed %v), want %q and a time on %q as the page %q", name, got, ok, words[code], day, cells[sh.ID])
		}
	}
	if got := xlsx[letters["reminder"].ID]; got[1] != "2026-11-25 12:00" {
		t.Errorf("the reminder's XLSX time %q, want 2026-11-25 12:00 (Oslo)", got[1])
	}

	plain := newEnv(t)
	w, _ := outlookLetters(t, plain)
	body := plain.loggedIn("kari", "compliance", "964338531", "").download("/export?list=all&format=csv")
	if got := byID(t, browserCSVRows(t, body), "next_step", "next_step_at")[w.ID]; got[0] != "" || got[1] != "" {
		t.Errorf("without policies the CSV's next step is %v, want empty cells", got)
	}
}

// TestAPIShowsNextStep: GET /api/v1/shipments gives each listed letter
// its next step as {"step","n","at"}, the one the list page shows (null
// for the opened letter), and GET /api/v1/shipments/{id} the same for the
// letter itself; without policies it is null (the OpenAPI document, which
// every answer is checked against, requires the field on both).
func TestAPIShowsNextStep(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	letters := nextStepLetters(t, e)
	_, page := e.loggedIn("kari", "compliance", "964338531", "").get("/list?list=all")
	cells := nextStepCells(page)
	tok := e.token("compliance", "964338531", "")
	_, list := e.do("GET", "/api/v1/shipments?list=all", tok, "")
	listed := map[string]any{}
	for _, s := range list["shipments"].([]any) {
		m := s.(map[string]any)
		if _, ok := m["next_step"]; !ok {
			t.Errorf("listed letter %v has no next_step", m["id"])
		}
		listed[m["id"].(string)] = m["next_step"]
	}
	for name, sh := range letters {
		code, day := pageStep(t, cells[sh.ID])
		_, one := e.do("GET", "/api/v1/shipments/"+sh.ID, tok, "")
		for where, v := range map[string]any{"list": listed[sh.ID], "letter": one["next_step"]} {
			if code == "" {
				if v != nil {
					t.Errorf("%s in the %s: next_step %v, want null as the page's empty cell", name, where, v)
				}
				continue
			}
			n, _ := v.(map[string]any)
			s, _ := n["at"].(string)
			at, err := time.Parse(time.RFC3339, s)
			if n == nil || n["step"] != code || err != nil || at.In(calendar.Oslo).Format("2006-01-02") != day {
				t.Errorf("%s in the %s: next_step %v, want %s due on %s as the page %q", name, where, v, code, day, cells[sh.ID])
			}
			if code == "reminder" && (n["n"] != 1.0 || n["at"] != "2026-11-25T11:00:00Z") {
				t.Errorf("%s in the %s: next_step %v, want reminder 1 at 2026-11-25T11:00:00Z", name, where, v)
			}
		}
	}

	plain := newEnv(t)
	w, _ := outlookLetters(t, plain)
	ptok := plain.token("compliance", "964338531", "")
	_, list = plain.do("GET", "/api/v1/shipments?list=all", ptok, "")
	_, one := plain.do("GET", "/api/v1/shipments/"+w.ID, ptok, "")
	for where, v := range map[string]any{"list": list["shipments"].([]any)[0].(map[string]any)["next_step"], "letter": one["next_step"]} {
		if v != nil {
			t.Errorf("without policies the %s's next_step is %v, want null", where, v)
		}
	}
}

// byID are the cells of columns cols of an export's rows (the header
// first, the id in the first column) by the letter's id.
func byID(t *testing.T, rows [][]string, cols ...string) map[string][]string {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("the export is empty")
	}
	var at []int
	for _, c := range cols {
		i := slices.Index(rows[0], c)
		if i < 0 {
			t.Fatalf("the export's header %v has no column %q", rows[0], c)
		}
		at = append(at, i)
	}
	out := map[string][]string{}
	for _, r := range rows[1:] {
		cells := make([]string, len(at))
		for j, i := range at {
			if i < len(r) {
				cells[j] = r[i]
			}
		}
		out[r[0]] = cells
	}
	return out
}

// TestRegistrationShowsNextStep: POST /api/v1/shipments answers each
// stored letter with its next step, as GET /api/v1/shipments/{id} (and so
// the lists) gives it: reminder 1 at Wednesday 2026-11-25 12:00 Oslo for a
// confidential SvarUt letter to an organisation sent Monday, manual
// handling for a Danish letter to a citizen; the same when the letters are
// registered again (200). Without policies it is null, and there (the
// OpenAPI document, which every answer is checked against, requires it).
func TestRegistrationShowsNextStep(t *testing.T) {
	body := `[{"channel":"svarut","channel_id":"6f1c2d3e-4b5a-4c6d-8e7f-000000000101","sender_org":"964338531","sender_unit":"NAV",
	 "recipient":{"kind":"org","id":"974760673"},"title":"Vedtak","confidential":true,"class":"taushetsbelagt","sent_at":"2026-11-23T11:00:00Z"},
	 {"channel":"digitalpost","channel_id":"0b6d3c5e-1f2a-4b3c-8d4e-000000000102","sender_org":"64942212","sender_unit":"Socialforvaltningen",
	 "recipient":{"kind":"person","id":"0101801234"},"title":"Afgørelse","confidential":true,"class":"fortrolig","sent_at":"2026-11-23T11:00:00Z"}]`
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	tok := e.token("admin", "", "")
	for _, want := range []int{http.StatusCreated, http.StatusOK} {
		code, out := e.do("POST", "/api/v1/shipments", tok, body)
		ships, _ := out["shipments"].([]any)
		if code != want || len(ships) != 2 {
			t.Fatalf("POST: %d %v, want %d with both letters", code, out, want)
		}
		for i, wantStep := range []string{"reminder", "manual"} {
			m := ships[i].(map[string]any)
			n, _ := m["next_step"].(map[string]any)
			_, one := e.do("GET", "/api/v1/shipments/"+m["id"].(string), tok, "")
			if n == nil || n["step"] != wantStep || !reflect.DeepEqual(n, one["next_step"]) {
				t.Errorf("%d: letter %d's next_step %v, want %s as GET gives it: %v", code, i, m["next_step"], wantStep, one["next_step"])
			}
			if i == 0 && (n["n"] != 1.0 || n["at"] != "2026-11-25T11:00:00Z") {
				t.Errorf("%d: the SvarUt letter's next_step %v, want reminder 1 at 2026-11-25T11:00:00Z", code, n)
			}
		}
	}

	plain := newEnv(t)
	code, out := plain.do("POST", "/api/v1/shipments", plain.token("admin", "", ""), body)
	ships, _ := out["shipments"].([]any)
	if code != http.StatusCreated || len(ships) != 2 {
		t.Fatalf("POST without policies: %d %v", code, out)
	}
	for i, s := range ships {
		if v, ok := s.(map[string]any)["next_step"]; !ok || v != nil {
			t.Errorf("without policies letter %d's next_step is %v (there: %v), want null", i, v, ok)
		}
	}
}
