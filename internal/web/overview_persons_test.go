package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestOverviewTopOrgsNotCitizens: in a Danish deployment the overview's
// "receiving organisations with most unopened letters" lists the
// organisations (CVR numbers) only, however many more unopened letters
// citizens have, and the citizens' letters are one line under them
// ("Borgere: 3 uåbnede breve"), no CPR number shown, masked or not; the
// same when the counts come from the rollups. A deployment whose
// recipients are organisations only shows no such line.
func TestOverviewTopOrgsNotCitizens(t *testing.T) {
	e := newEnv(t)
	registerCitizensAndOrg(t, e, "030")
	b := e.loggedIn("kari", "compliance", "64942212", "")
	top := regexp.MustCompile(`(?s)<table id="top-orgs">.*?</table>`)
	e.liveThenRollup(func(rollup bool) {
		code, page := b.getDa("/")
		if code != http.StatusOK {
			t.Fatalf("overview: %d", code)
		}
		orgs := top.FindString(page)
		if !strings.Contains(orgs, "14691804") || strings.Contains(orgs, "010180") || strings.Contains(orgs, "020280") {
			t.Errorf("rollup %v: the top organisations are not the organisation alone: %s", rollup, orgs)
		}
		if !strings.Contains(page, `<p id="top-persons">Borgere: 3 uåbnede breve`) {
			t.Errorf("rollup %v: no line of the citizens' 3 unopened letters: %s", rollup, page[strings.Index(page, `<section id="top"`):])
		}
		if i := strings.Index(page, `id="chart-orgs"`); i < 0 || strings.Contains(page[i:strings.Index(page, `<table id="top-orgs"`)], "010180") {
			t.Errorf("rollup %v: the chart shows a citizen (or is missing)", rollup)
		}
	})

	plain := newEnv(t)
	plain.seed(2) // two organisations
	_, page := plain.loggedIn("kari", "compliance", "", "").getDa("/")
	if strings.Contains(page, `id="top-persons"`) {
		t.Errorf("organisations only: a persons' line: %s", page[strings.Index(page, `<section id="top"`):])
	}
}

// registerCitizensAndOrg registers, for Københavns Kommune's
// Socialforvaltningen (64942212), four unopened Digital Post letters: three
// to two citizens and one to an organisation (14691804), their channel ids
// ending in idPart and 0-3.
func registerCitizensAndOrg(t *testing.T, e *env, idPart string) {
	t.Helper()
	letter := func(i int, kind, id string) model.NewShipment {
		return copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-00000000"+idPart+string(rune('0'+i)), kind, id, now.Add(-time.Duration(5+i)*24*time.Hour))
	}
	if _, _, err := e.st.Register(context.Background(), []model.NewShipment{letter(0, "person", "0101801234"), letter(1, "person", "0101801234"),
		letter(2, "person", "0202801234"), letter(3, "org", "14691804")}, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
}

// liveThenRollup runs check on the counts read live, then again once the
// rollups are refreshed (read from them).
func (e *env) liveThenRollup(check func(rollup bool)) {
	e.t.Helper()
	check(false)
	if err := e.st.RefreshListSummaries(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	check(true)
}
