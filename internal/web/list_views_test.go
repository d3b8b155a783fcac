package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

var listHeading = regexp.MustCompile(`<h1>([^<]*)</h1>`)

// A list drilled into an organisation (rid) or a sending unit (unit) keeps
// its name in the heading when the filter leaves no letters, as when it
// leaves some; a row id of a recipient only another organisation wrote to
// names nobody.
func TestListHeadingKeepsItsNameWhenEmpty(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.seed(6) // 974760673 gets letters of both units
	if _, _, err := e.st.Register(ctx, []model.NewShipment{{Channel: "svarut", ChannelID: storetest.ChannelID("other", 0),
		SenderOrg: orgB, SenderUnit: "Skole", RecipientKind: "org", RecipientID: "910055003", Title: "Vedtak", Confidential: true,
		Class: "taushetsbelagt", SentAt: now.Add(-10 * 24 * time.Hour)}}, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	db := e.st.DB()
	db.MustExec(`UPDATE recipients SET name = 'Oslo kommune' WHERE ident = '974760673'`)
	db.MustExec(`UPDATE recipients SET name = 'Hemmelig AS' WHERE ident = '910055003'`)
	var rid, otherRid int64
	if err := db.GetContext(ctx, &rid, `SELECT id FROM recipients WHERE ident = '974760673'`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &otherRid, `SELECT id FROM recipients WHERE ident = '910055003'`); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", orgA, "")
	heading := func(path string) string {
		t.Helper()
		code, page := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		m := listHeading.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s has no heading", path)
		}
		return m[1]
	}
	r := "/list?list=unopened&rid=" + strconv.FormatInt(rid, 10)
	for _, path := range []string{r, r + "&class=finnes-ikke"} {
		if h := heading(path); !strings.HasSuffix(h, " — 974760673 Oslo kommune") {
			t.Errorf("%s heading %q, want it to name 974760673 Oslo kommune", path, h)
		}
	}
	for _, path := range []string{"/list?list=unopened&unit=NAV", "/list?list=unopened&unit=NAV&class=finnes-ikke"} {
		if h := heading(path); !strings.HasSuffix(h, " — NAV") {
			t.Errorf("%s heading %q, want it to name NAV", path, h)
		}
	}
	if h := heading("/list?list=unopened&rid=" + strconv.FormatInt(otherRid, 10)); strings.Contains(h, "Hemmelig") || strings.Contains(h, "910055003") {
		t.Errorf("the heading %q names a recipient only another organisation wrote to", h)
	}
}

// The flat list says how many letters its first page holds: all of them
// when there is no next page; "more than" the page when there is one (the
// list counts no further); a later page says no total.
func TestListTotal(t *testing.T) {
	e := newEnv(t)
	e.seed(6)
	b := e.loggedIn("kari", "compliance", orgA, "")
	total := regexp.MustCompile(`<p class="muted" id="list-total">([^<]*)</p>`)
	_, page := b.get("/list?list=unopened")
	if m := total.FindStringSubmatch(page); m == nil || m[1] != "6 shipments" {
		t.Errorf("the whole list says %v, want 6 shipments", m)
	}
	_, page = b.doIn("nb-NO", "GET", "/list?list=unopened&limit=2", nil)
	if m := total.FindStringSubmatch(page); m == nil || !strings.HasPrefix(m[1], "Mer enn 2 forsendelser") {
		t.Errorf("a first page of 2 with more says %v, want Mer enn 2 forsendelser", m)
	}
	next := regexp.MustCompile(`href="(\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no next page")
	}
	if _, page = b.get("/list" + strings.ReplaceAll(next[1], "&amp;", "&")); total.MatchString(page) {
		t.Error("a later page says a total it does not know")
	}
	if _, page = b.get("/list?list=unopened&class=finnes-ikke"); total.MatchString(page) {
		t.Error("an empty list says a total beside 'no shipments match'")
	}
}

// A compliance officer reaches every list per receiving organisation and per
// sending unit from the list itself, with the filters kept: the rejected and
// failed letters, the manual cases and the letters their channel never heard
// of too, not only the unopened ones (SPEC: "per receiving organisation and
// per sending unit"). The grouped pages of every list have a title and say
// "No shipments match." when empty, not "Nothing unopened matches.".
func TestListViewsPerOrganisationAndUnit(t *testing.T) {
	e := newEnv(t)
	got := e.seed(6)
	db := e.st.DB()
	db.MustExec(`UPDATE shipments SET state = 'rejected' WHERE id = $1`, got[1].ID)
	db.MustExec(`UPDATE shipments SET state = 'failed' WHERE id = $1`, got[3].ID)
	b := e.loggedIn("kari", "compliance", "964338531", "")

	link := func(page, id string) string {
		t.Helper()
		i := strings.Index(page, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no link %s on the page", id)
		}
		a := page[strings.LastIndex(page[:i], "<a"):]
		a = a[:strings.Index(a, ">")]
		h := a[strings.Index(a, `href="`)+6:]
		return html.UnescapeString(h[:strings.Index(h, `"`)])
	}

	code, page := b.get("/list?list=problems&channel=svarut&cursor=")
	if code != http.StatusOK {
		t.Fatalf("problems list: %d", code)
	}
	for id, want := range map[string]string{
		"view-recipient": "/unopened?channel=svarut&list=problems",
		"view-unit":      "/units?channel=svarut&list=problems",
		"view-list":      "/list?channel=svarut&list=problems",
	} {
		if h := link(page, id); h != want {
			t.Errorf("%s on the problems list links to %q, want %q (the same list and filters)", id, h, want)
		}
	}
	if !strings.Contains(page, `id="view-list" class="on" aria-current="page"`) {
		t.Error("the flat list is not marked as the current view")
	}

	code, page = b.get(link(page, "view-unit"))
	if code != http.StatusOK || !strings.Contains(page, "Rejected, failed and expired shipments by sending unit") {
		t.Fatalf("problems by unit: %d\n%.400s", code, page)
	}
	// 2 of 6: seeded units alternate, the rejected and the failed one are both NAV's.
	if !strings.Contains(page, "2 shipments from 1 sending unit.") {
		t.Errorf("problems by unit does not count the 2 rejected/failed letters of one unit:\n%s", page)
	}
	if !strings.Contains(page, `id="view-unit" class="on" aria-current="page"`) {
		t.Error("the by-unit view is not marked as the current view")
	}
	if h := link(page, "view-recipient"); h != "/unopened?channel=svarut&list=problems" {
		t.Errorf("by unit links to %q for the organisations", h)
	}

	for _, lang := range []struct{ accept, title, none string }{
		{"en-GB", "Shipments their channel has never heard of, by receiving organisation", "No shipments match."},
		{"nb-NO", "Forsendelser kanalen aldri har hørt om, etter mottakende virksomhet", "Ingen forsendelser passer."},
		{"da-DK", "Forsendelser kanalen aldrig har hørt om, efter modtagende organisation", "Ingen forsendelser passer."},
	} {
		code, page := b.doIn(lang.accept, "GET", "/unopened?list=unknown_to_channel", nil)
		if code != http.StatusOK || strings.Contains(page, "⟦") {
			t.Errorf("%s: unknown-to-channel by organisation: %d, untranslated: %v", lang.accept, code, strings.Contains(page, "⟦"))
		}
		for _, want := range []string{"<title>" + lang.title, lang.none} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: unknown-to-channel by organisation lacks %q", lang.accept, want)
			}
		}
	}
	if _, page := b.get("/unopened?stage=closed"); !strings.Contains(page, "Nothing unopened matches.") {
		t.Error("the empty unopened summary no longer says nothing unopened matches")
	}
	// The search list (one recipient) offers no grouping.
	if _, page := b.get("/list?list=search&rid=1"); strings.Contains(page, `id="view-unit"`) {
		t.Error("the search list offers the grouped views")
	}
}

// The unit filter chooses a unit by its id (unit_links_test.go: no unit's
// name in a URL), so the lists offer the sending units in the officer's
// scope to choose from, and no other organisation's.
func TestUnitFilterOffersTheUnitsInScope(t *testing.T) {
	e := newEnv(t)
	e.seed(2) // 964338531: Barnevernstjenesten, NAV
	if _, err := e.st.SaveUnits(context.Background(), []store.Unit{{SenderOrg: "974760673", Name: "Skole"}}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	us, err := e.st.Units(context.Background(), store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		ids[u.Name] = u.ID
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	want := fmt.Sprintf(`<option value="">any</option><option value="%d" >Barnevernstjenesten</option><option value="%d" >NAV</option></select>`,
		ids["Barnevernstjenesten"], ids["NAV"])
	for _, p := range []string{"/unopened", "/units?list=problems", "/list?list=problems"} {
		if _, page := b.get(p); !strings.Contains(page, want) || !strings.Contains(page, `<select name="unit_id"`) {
			i := strings.Index(page, `<select name="unit_id"`)
			t.Errorf("%s offers %.300s, want %s", p, page[max(i, 0):], want)
		}
	}
	u := e.loggedIn("nav", "unit", "964338531", "NAV")
	if _, page := u.get("/unopened"); !strings.Contains(page, fmt.Sprintf(`<option value="">any</option><option value="%d" >NAV</option></select>`, ids["NAV"])) {
		t.Error("a unit's user is offered other units")
	}
	// An unscoped user's choices name each unit's organisation.
	all := e.loggedIn("all", "compliance", "", "")
	if _, page := all.get("/unopened"); !strings.Contains(page, fmt.Sprintf(`<option value="%d" >Skole (974760673)</option>`, ids["Skole"])) {
		t.Error("an unscoped user's unit choices do not tell the organisations apart")
	}
}

// The class filter matches a class exactly too, so the lists and the
// incident page offer the classes of the letters registered for the units
// in scope: a compliance officer those of the organisation's units, a
// unit's user its own unit's, never another organisation's.
func TestClassChoicesInScope(t *testing.T) {
	e := newEnv(t)
	e.seed(2) // 964338531: Barnevernstjenesten and NAV, class taushetsbelagt
	letter := func(id, org, unit, class string) model.NewShipment {
		return model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID(id, 0), SenderOrg: org, SenderUnit: unit,
			RecipientKind: "org", RecipientID: "974760673", Title: "Vedtak", Confidential: true, Class: class, SentAt: now.Add(-24 * time.Hour)}
	}
	if _, _, err := e.st.Register(context.Background(), []model.NewShipment{letter("bv", "964338531", "Barnevernstjenesten", "barnevern"),
		letter("skole", "974760673", "Skole", "elevmappe")}, store.SourceAPI, "test"); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	u := e.loggedIn("nav", "unit", "964338531", "NAV")
	const officer = `<datalist id="class-choices"><option value="barnevern"><option value="taushetsbelagt"></datalist>`
	const unit = `<datalist id="class-choices"><option value="taushetsbelagt"></datalist>`
	report := "/incidents?from=" + now.AddDate(0, 0, -7).Format("2006-01-02") + "&to=" + now.Format("2006-01-02")
	for _, c := range []struct{ page, input string }{
		{"/unopened", `list="class-choices"`},
		{"/units?list=problems", `list="class-choices"`},
		{"/list?list=problems", `list="class-choices"`},
		{"/incidents", `name="class" list="class-choices"`},
		{report, `name="class" list="class-choices"`},
	} {
		if code, page := b.get(c.page); code != http.StatusOK || !strings.Contains(page, officer) || !strings.Contains(page, c.input) {
			i := strings.Index(page, `<datalist id="class-choices"`)
			t.Errorf("%s (%d) offers %.120s, want %s on %s", c.page, code, page[max(i, 0):], officer, c.input)
		}
		if _, page := u.get(c.page); !strings.Contains(page, unit) {
			t.Errorf("%s: a unit's user is offered the classes of other units' letters", c.page)
		}
	}
}
