package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// A sending unit's name says what its letters are about
// (Barnevernstjenesten): the UI's links and filters name a unit by its
// id, so that no name ends up in access logs, proxies' logs or browsers'
// histories; an older link by name still filters, its page's links by id;
// and an id widens no one's scope.

// pageURLs are the URLs a page links to or submits to: its hrefs and its
// forms' actions, unescaped.
func pageURLs(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?:href|action)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// unitIDs are the sending units' ids by name in scope.
func unitIDs(t *testing.T, st *store.Store, scope store.Scope) map[string]int64 {
	t.Helper()
	us, err := st.Units(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, u := range us {
		out[u.Name] = u.ID
	}
	return out
}

// noUnitNameIn fails when a URL of the page names a unit (in the query as
// unit=, or its name anywhere, escaped or not).
func noUnitNameIn(t *testing.T, path, page string) {
	t.Helper()
	for _, u := range pageURLs(page) {
		dec, _ := url.QueryUnescape(u)
		for _, name := range []string{"Barnevernstjenesten", "NAV"} {
			if strings.Contains(dec, name) {
				t.Errorf("%s links to %s, which names the unit %s", path, u, name)
			}
		}
		if q, err := url.Parse(u); err == nil && q.Query().Has("unit") {
			t.Errorf("%s links to %s, by a unit's name", path, u)
		}
	}
}

func TestUnitLinksCarryNoUnitName(t *testing.T) {
	e := newEnv(t)
	e.seed(6) // 964338531: Barnevernstjenesten 0, 2, 4; NAV 1, 3, 5
	ids := unitIDs(t, e.st, store.Scope{SenderOrg: "964338531"})
	bv, nav := ids["Barnevernstjenesten"], ids["NAV"]
	if bv == 0 || nav == 0 {
		t.Fatalf("units %v", ids)
	}
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	pages := map[string]string{}
	for _, p := range []string{"/", "/units", "/units?list=problems", "/unopened", "/list?list=unopened",
		fmt.Sprintf("/list?list=unopened&unit_id=%d", bv), fmt.Sprintf("/units?list=unopened&unit_id=%d", nav)} {
		code, page := kari.get(p)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", p, code)
		}
		noUnitNameIn(t, p, page)
		pages[p] = page
	}
	// The summary by unit and the overview drill into a unit by its id.
	for _, p := range []string{"/units", "/"} {
		for _, id := range []int64{bv, nav} {
			if !strings.Contains(pages[p], fmt.Sprintf("unit_id=%d", id)) {
				t.Errorf("%s has no link to unit %d by its id", p, id)
			}
		}
	}
	// The filter form chooses a unit by its id.
	want := fmt.Sprintf(`<option value="%d" selected>Barnevernstjenesten</option>`, bv)
	if p := fmt.Sprintf("/list?list=unopened&unit_id=%d", bv); !strings.Contains(pages[p], want) ||
		!strings.Contains(pages[p], `<select name="unit_id"`) {
		t.Errorf("%s: the unit filter is not a choice by id (want %s)", p, want)
	}
	// A list by id is that unit's letters, its heading naming it.
	code, page := kari.get(fmt.Sprintf("/list?list=unopened&unit_id=%d", bv))
	if code != http.StatusOK || strings.Count(page, `class="evidence"`) != 3 || !strings.Contains(page, "— Barnevernstjenesten") ||
		strings.Contains(page, "<td>NAV</td>") {
		t.Errorf("list by unit id: %d, %d letters\n%.2000s", code, strings.Count(page, `class="evidence"`), page)
	}
	if code, _ := kari.get("/list?list=unopened&unit_id=x"); code != http.StatusBadRequest {
		t.Errorf("a bad unit_id: %d, want 400", code)
	}
}

// An old link (a bookmark) naming the unit still filters, and the page's
// links name it by id from there on.
func TestUnitLinkByNameStillFilters(t *testing.T) {
	e := newEnv(t)
	e.seed(6)
	nav := unitIDs(t, e.st, store.Scope{SenderOrg: "964338531"})["NAV"]
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	for _, p := range []string{"/list?list=unopened&unit=NAV", "/units?list=unopened&unit=NAV", "/unopened?unit=NAV"} {
		code, page := kari.get(p)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", p, code)
		}
		noUnitNameIn(t, p, page)
		if !strings.Contains(page, fmt.Sprintf("unit_id=%d", nav)) {
			t.Errorf("%s: its links do not carry the unit's id", p)
		}
	}
	_, page := kari.get("/list?list=unopened&unit=NAV")
	if n := strings.Count(page, `class="evidence"`); n != 3 || strings.Contains(page, "<td>Barnevernstjenesten</td>") {
		t.Errorf("the old link lists %d letters, want NAV's 3", n)
	}
	code, csv := kari.get("/export?list=unopened&unit=NAV&format=csv")
	if code != http.StatusOK || strings.Contains(csv, "Barnevernstjenesten") || !strings.Contains(csv, "NAV") {
		t.Errorf("export by the old link: %d\n%s", code, csv)
	}
	if !e.audited("user:kari", "export", "unit=NAV") {
		t.Error("the export's audit entry does not name its unit")
	}
}

// A unit's user cannot widen their scope by another unit's id (nor another
// organisation's officer theirs): an id outside the scope lists nothing.
func TestUnitIDWidensNoScope(t *testing.T) {
	e := newEnv(t)
	e.seed(6)
	e.seedTwoOrgs() // a letter of orgA's and orgB's Skole each
	ids := unitIDs(t, e.st, store.Scope{})
	bvID := unitIDs(t, e.st, store.Scope{SenderOrg: orgA})["Barnevernstjenesten"]
	skoleB := unitIDs(t, e.st, store.Scope{SenderOrg: orgB})["Skole"]
	if bvID == 0 || skoleB == 0 || len(ids) < 3 {
		t.Fatalf("units %v", ids)
	}
	navUser := e.loggedIn("nav", "unit", orgA, "NAV")
	officerA := e.loggedIn("kari", "compliance", orgA, "")
	for _, tc := range []struct {
		who  *browser
		path string
	}{
		{navUser, fmt.Sprintf("/list?list=unopened&unit_id=%d", bvID)},
		{navUser, fmt.Sprintf("/units?list=unopened&unit_id=%d", bvID)},
		{navUser, fmt.Sprintf("/export?list=unopened&unit_id=%d&format=csv", bvID)},
		{navUser, "/list?list=unopened&unit=Barnevernstjenesten"},
		{officerA, fmt.Sprintf("/list?list=unopened&unit_id=%d", skoleB)},
		{officerA, fmt.Sprintf("/export?list=all&unit_id=%d&format=csv", skoleB)},
	} {
		code, page := tc.who.get(tc.path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", tc.path, code)
		}
		if strings.Contains(page, "Barnevernstjenesten</td>") || strings.Contains(page, "two-orgs-1") ||
			strings.Contains(page, `class="evidence"`) || strings.Contains(page, `class="drill"`) ||
			strings.Count(page, "\n") > 1 && strings.HasPrefix(tc.path, "/export") {
			t.Errorf("%s shows letters outside the scope:\n%.1500s", tc.path, page)
		}
	}
	// The unit's user is offered only their own unit.
	_, page := navUser.get("/list?list=unopened")
	if strings.Contains(page, fmt.Sprintf(`<option value="%d"`, bvID)) || strings.Contains(page, ">Barnevernstjenesten</option>") {
		t.Error("a unit's user is offered another unit")
	}
}

// The request log never carries a query: an old link's unit name is not
// logged.
func TestRequestLogHasNoUnitName(t *testing.T) {
	e := newEnv(t)
	e.seed(2)
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	for _, p := range []string{"/list?list=unopened&unit=Barnevernstjenesten", "/units?unit=Barnevernstjenesten",
		"/export?list=unopened&unit=Barnevernstjenesten&format=csv"} {
		kari.get(p)
	}
	for _, line := range strings.Split(e.log.String(), "\n") {
		if strings.Contains(line, "Barnevernstjenesten") {
			t.Errorf("log line names the unit: %s", line)
		}
	}
}

// The incident report's form chooses a unit by its id too, and its links
// (exports, the follow-up form) carry the id; an older link by name still
// reports that unit's letters, and an id outside the scope reports none.
func TestIncidentUnitByID(t *testing.T) {
	e := newEnv(t)
	e.seed(6)
	ids := unitIDs(t, e.st, store.Scope{SenderOrg: "964338531"})
	bv, nav := ids["Barnevernstjenesten"], ids["NAV"]
	period := url.Values{"from": {now.AddDate(0, 0, -60).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}}
	q := func(k, v string) string {
		c := url.Values{k: {v}}
		for k, v := range period {
			c[k] = v
		}
		return c.Encode()
	}
	kari := e.loggedIn("kari", "compliance", "964338531", "")
	if _, page := kari.get("/incidents"); !strings.Contains(page, fmt.Sprintf(`<option value="%d" >NAV</option>`, nav)) ||
		!strings.Contains(page, `<select name="unit_id"`) {
		t.Errorf("the incident form does not offer the units by id")
	}
	for _, p := range []string{"/incidents?" + q("unit", "NAV"), "/incidents?" + q("unit_id", fmt.Sprint(nav))} {
		code, page := kari.get(p)
		if code != http.StatusOK || strings.Count(page, `<a href="/shipments/`) != 3 || strings.Contains(page, "<td>Barnevernstjenesten</td>") {
			t.Errorf("%s: %d, %d letters, want NAV's 3", p, code, strings.Count(page, `<a href="/shipments/`))
		}
		noUnitNameIn(t, p, page)
		if !strings.Contains(page, fmt.Sprintf("unit_id=%d", nav)) || !strings.Contains(page, fmt.Sprintf(`<option value="%d" selected>NAV</option>`, nav)) {
			t.Errorf("%s: the links and the form do not name the unit by its id", p)
		}
		if !strings.Contains(page, fmt.Sprintf(`<input type="hidden" name="unit_id" value="%d">`, nav)) {
			t.Errorf("%s: the follow-up form does not carry the unit's id", p)
		}
	}
	code, csv := kari.get("/incidents/export?format=csv&" + q("unit_id", fmt.Sprint(bv)))
	if code != http.StatusOK || strings.Count(csv, "Barnevernstjenesten") != 3 || strings.Contains(csv, "NAV") {
		t.Errorf("export by unit id: %d\n%s", code, csv)
	}
	// A unit's user: another unit's id reports nothing.
	navUser := e.loggedIn("nav", "unit", "964338531", "NAV")
	for _, p := range []string{"/incidents?" + q("unit_id", fmt.Sprint(bv)), "/incidents/export?format=csv&" + q("unit_id", fmt.Sprint(bv))} {
		if code, page := navUser.get(p); code != http.StatusOK || strings.Contains(page, "Barnevernstjenesten") ||
			strings.Contains(page, `<a href="/shipments/`) {
			t.Errorf("%s for NAV's user: %d\n%.1500s", p, code, page)
		}
	}
}
