package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
	"postvakt/internal/web"
)

// The overview's cards say one follow-up within its deadline and one
// organisation without an address in the singular, each count its own
// plural form (they read "(1 åpne innen fristen)" and "1 virksomheter
// uten adresse"), in nb, da and en.
func TestOverviewCardsSingular(t *testing.T) {
	e := newEnv(t)
	got := e.seed(1) // one letter of Barnevernstjenesten to 974760673
	ctx := context.Background()
	if n, err := e.st.OpenFollowUps(ctx, now, now.Add(7*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("open follow-ups: %d %v", n, err)
	}
	res, err := e.st.ClaimNotification(ctx, store.Claim{Org: "974760673", Now: now,
		Items: []model.ReminderItem{{ShipmentID: got[0].ID, Reminder: 1}}})
	if err != nil || res.Notification == nil || res.Notification.Status != store.NotifyNoAddress {
		t.Fatalf("no-address reminder: %+v %v", res, err)
	}
	b := e.loggedIn("sak", "unit", "964338531", "Barnevernstjenesten")
	for lang, want := range map[string][]string{
		"nb": {"oppfølginger over fristen (1 åpen innen fristen)", "påminnelser med ukjent utfall; 1 virksomhet uten adresse"},
		"da": {"opfølgninger over fristen (1 åben inden for fristen)", "påmindelser med ukendt udfald; 1 organisation uden adresse"},
		"en": {"follow-ups overdue (1 open within its deadline)", "reminders with an unknown outcome; 1 organisation without an address"},
	} {
		code, page := b.getIn(lang, "/")
		for _, w := range want {
			if code != http.StatusOK || !strings.Contains(page, w) {
				t.Errorf("%s: %d, want %q in the cards:\n%s", lang, code, w, cards(page))
			}
		}
	}
}

func cards(page string) string {
	i, j := strings.Index(page, `<ul class="cards"`), strings.Index(page, `<section id="alerts">`)
	if i < 0 || j < i {
		return page
	}
	return page[i:j]
}

// The incident report's page names the audit log and the sending unit as
// the menu, the search and the other pages do: "tilgangsloggen",
// "avsenderenhet" (it said "revisjonsloggen", "sendende enhet").
func TestIncidentPageWordsAsElsewhere(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("kari", "compliance", "", "")
	code, page := b.getIn("nb", "/incidents?from=2026-01-01&to=2026-01-31")
	if code != http.StatusOK || !strings.Contains(page, "tilgangsloggen") || !strings.Contains(page, "per avsenderenhet") {
		t.Errorf("/incidents: %d, want tilgangsloggen and avsenderenhet:\n%s", code, page)
	}
	for _, old := range []string{"revisjonslogg", "sendende enhet"} {
		if strings.Contains(page, old) {
			t.Errorf("/incidents still says %q", old)
		}
	}
}

// The overview's "Åpnet innen 7 dager" chart of a unit without letters says
// there is nothing to show (it drew an empty frame and said nothing), and
// the unopened chart says nothing is unopened.
func TestOverviewChartsSayNothingToShow(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("sak", "unit", "964338531", "Barnevernstjenesten")
	code, page := b.getIn("nb", "/")
	if code != http.StatusOK || !strings.Contains(page, `<p class="muted" id="rate-none">Ingenting å vise ennå: ingen uke har taushetsbelagte brev som har hatt 7 dager på å bli åpnet.</p>`) ||
		!strings.Contains(page, `<p class="muted" id="unopened-none">Ingenting uåpnet.</p>`) {
		t.Errorf("/: %d, want the charts to say there is nothing to show:\n%s", code, page)
	}
	if strings.Contains(page, `id="chart-rate"`) || strings.Contains(page, `id="chart-unopened"`) {
		t.Error("an empty chart is still drawn")
	}
}

// A list's "Neste steg" whose date has passed says it is overdue and taken
// at the next run (it showed "påminnelse 1 2026-10-19" as if to come); one
// still ahead says nothing more.
func TestListNextStepOverdue(t *testing.T) {
	e := newEnvWith(t, web.WithPolicies(policytest.Shipped(t)))
	got := e.seed(1) // sent 40 days ago, never reminded
	waiting, _ := outlookLetters(t, e)
	b := e.loggedIn("sak", "unit", "964338531", "Barnevernstjenesten")
	for lang, want := range map[string]string{"nb": "(forfalt: tas ved neste kjøring)", "da": "(forfalden: tages ved næste kørsel)",
		"en": "(overdue: taken at the next run)"} {
		_, page := b.getIn(lang, "/list?list=all")
		cells := nextStepCells(page)
		if c := cells[got[0].ID]; !strings.HasSuffix(c, want) {
			t.Errorf("%s: the overdue next step reads %q, want it to end %q", lang, c, want)
		}
		if c, ok := cells[waiting.ID]; ok && strings.Contains(c, want) {
			t.Errorf("%s: a next step ahead reads %q", lang, c)
		}
	}
}

// A follow-up posted after the letter was opened is refused 409 with a
// link back to the letter (the page's only link was to the start page).
func TestRefusedFollowUpLinksBackToTheLetter(t *testing.T) {
	e, b, id, page := onLetterPage(t)
	if !strings.Contains(page, `id="followup-form"`) {
		t.Fatal("the unopened letter's page offers no follow-up form")
	}
	storetest.Set(t, e.st, []string{id}, storetest.State(model.StateOpened))
	form := url.Values{"csrf": {csrf(page)}, "decision": {"closed"}, "note": {"ringte"}}
	code, body := b.doIn(languages["nb"], "POST", "/shipments/"+id+"/followup", form)
	if code != http.StatusConflict || !strings.Contains(body, `<a href="/shipments/`+id+`" id="back-to-letter">Tilbake til brevet</a>`) {
		t.Errorf("follow-up of the opened letter: %d, want 409 linking back to the letter:\n%s", code, body)
	}
}

// A letter sent again ("sendt på nytt") links back to the letter it was
// sent for, as that one links to it ("Sendt på nytt som"); it had none.
func TestResentLetterLinksToTheOriginal(t *testing.T) {
	_, b, id, page := onLetterPage(t)
	form := url.Values{"csrf": {csrf(page)}, "decision": {"resent"}, "new_channel": {"svarut"},
		"new_channel_id": {"00000000-0000-4000-8000-0000000000c1"}, "note": {"sendt på nytt etter telefon"}}
	code, loc, body := b.post("/shipments/"+id+"/followup", form)
	if code != http.StatusSeeOther {
		t.Fatalf("resend: %d %.500s", code, body)
	}
	_, page = b.getIn("nb", strings.TrimSuffix(loc, "#followup"))
	m := regexp.MustCompile(`<dt>Sendt på nytt som</dt><dd><a href="/shipments/([0-9a-f-]{36})">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the original does not link to its resend:\n%s", page)
	}
	_, page = b.getIn("nb", "/shipments/"+m[1])
	if want := `<p id="resent-from">Sendt på nytt for: <a href="/shipments/` + id + `">`; !strings.Contains(page, want) {
		t.Errorf("the resend does not link back to %s: no %s in\n%s", id, want, page)
	}
	_, page = b.getIn("nb", "/shipments/"+id)
	if strings.Contains(page, `id="resent-from"`) {
		t.Error("the original says it was resent for something")
	}
}

// onLetterPage is a fresh environment with one unopened letter of
// Barnevernstjenesten (seed) whose caseworker is logged in and on the
// letter's page in Norwegian.
func onLetterPage(t *testing.T) (e *env, b *browser, id, page string) {
	t.Helper()
	e = newEnv(t)
	id = e.seed(1)[0].ID
	b = e.loggedIn("sak", "unit", "964338531", "Barnevernstjenesten")
	_, page = b.getIn("nb", "/shipments/"+id)
	return e, b, id, page
}

// The incident report takes its dates as Norwegians write them, 01.11.2026,
// as well as 2026-11-01 (it refused the first), and so does the search, by
// the one rule (parseDay); a two-digit year is still refused.
func TestDatesAsNorwegiansWriteThem(t *testing.T) {
	e := newEnv(t)
	e.seed(1)
	b := e.loggedIn("kari", "compliance", "", "")
	_, iso := b.getIn("nb", "/incidents?from=2026-10-01&to=2026-11-30")
	code, dotted := b.getIn("nb", "/incidents?from=01.10.2026&to=30.11.2026")
	if code != http.StatusOK || strings.Contains(dotted, `aria-invalid="true"`) || !strings.Contains(dotted, `<caption class="visually-hidden">1 brev</caption>`) ||
		strings.Count(dotted, "<tr") != strings.Count(iso, "<tr") {
		t.Errorf("/incidents with 01.10.2026-30.11.2026: %d, want the report of 2026-10-01-2026-11-30:\n%s", code, dotted)
	}
	if code, _ := b.getIn("nb", "/incidents?from=01.10.26&to=30.11.2026"); code != http.StatusBadRequest {
		t.Errorf("/incidents with a two-digit year: %d, want 400", code)
	}
	_, page := b.getIn("nb", "/search")
	code, loc, body := b.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {"974760673"}, "from": {"01.10.2026"}, "to": {"30.11.2026"}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "from=2026-10-01") || !strings.Contains(loc, "to=2026-11-30") {
		t.Errorf("search with 01.10.2026-30.11.2026: %d %s, want the list of 2026-10-01-2026-11-30\n%.500s", code, loc, body)
	}
}
