package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// listFixture registers six letters of organisation 964338531 (seed: even
// ones of Barnevernstjenesten, odd ones of NAV; recipients 974760673,
// 964338531 and the person 01017012343 in turn; sent 40 to 35 days ago)
// and sets them apart, one fact each: 0 rejected, 1 in manual handling,
// 2 unknown to its channel, 3 opened, 4 of class "ordinaer", 5 sent two
// days ago.
func (e *env) listFixture() []store.Shipment {
	e.t.Helper()
	got := e.seed(6)
	storetest.Set(e.t, e.st, []string{got[0].ID}, storetest.State(model.StateRejected))
	storetest.Set(e.t, e.st, []string{got[1].ID}, storetest.Stage(model.StageManual))
	storetest.Set(e.t, e.st, []string{got[2].ID}, storetest.UnknownToChannelSince(now.Add(-24*time.Hour)))
	storetest.Set(e.t, e.st, []string{got[3].ID}, storetest.State(model.StateOpened))
	if _, err := e.st.DB().Exec(`UPDATE shipments SET class = 'ordinaer' WHERE id = $1`, got[4].ID); err != nil {
		e.t.Fatal(err)
	}
	storetest.Set(e.t, e.st, []string{got[5].ID}, storetest.SentAt(now.Add(-48*time.Hour)))
	return got
}

// listed are the fixture's indexes of the letters of a page, in its order.
func listed(t *testing.T, got []store.Shipment, page map[string]any) []int {
	t.Helper()
	var out []int
	rows, _ := page["shipments"].([]any)
	for _, r := range rows {
		id := r.(map[string]any)["id"]
		i := slices.IndexFunc(got, func(s store.Shipment) bool { return s.ID == id })
		if i < 0 {
			t.Fatalf("listed a letter the fixture does not have: %v", r)
		}
		out = append(out, i)
	}
	return out
}

// TestAPIListTakesTheListsFilters: GET /api/v1/shipments takes the UI's
// list filters (list, state, stage, class, channel, unit, recipient, from,
// to, min_age) and each narrows the list to exactly the letters it names,
// newest first; without list= it lists every letter, as it always did, and
// sender_unit is unit's older name. Keyset paging goes on under a filter.
func TestAPIListTakesTheListsFilters(t *testing.T) {
	e := newEnv(t)
	got := e.listFixture()
	tok := e.token("compliance", "964338531", "")
	for _, tc := range []struct {
		query string
		want  []int // newest first
	}{
		{"", []int{5, 4, 3, 2, 1, 0}},
		{"list=all", []int{5, 4, 3, 2, 1, 0}},
		{"list=unopened", []int{5, 4, 2, 1}},
		{"list=problems", []int{0}},
		{"list=manual", []int{1}},
		{"list=unknown_to_channel", []int{2}},
		{"list=search&recipient=974760673", []int{3, 0}},
		{"state=opened", []int{3}},
		{"stage=manual", []int{1}},
		{"class=ordinaer", []int{4}},
		{"channel=altinn", nil},
		{"unit=NAV", []int{5, 3, 1}},
		{"sender_unit=NAV", []int{5, 3, 1}},
		{"recipient=01017012343", []int{5, 2}},
		{"min_age=30", []int{4, 3, 2, 1, 0}},
		{"from=2026-11-21", []int{5}},
		{"to=2026-10-15", []int{1, 0}},
		{"list=unopened&unit=NAV&min_age=30", []int{1}},
	} {
		code, page := e.do("GET", "/api/v1/shipments?"+tc.query, tok, "")
		if code != http.StatusOK {
			t.Errorf("?%s: %d %v", tc.query, code, page)
			continue
		}
		if l := listed(t, got, page); !slices.Equal(l, tc.want) {
			t.Errorf("?%s lists letters %v, want %v", tc.query, l, tc.want)
		}
	}

	// Paging under a filter: two pages of two, newest first, then none.
	var pages [][]int
	cursor := ""
	for range 3 {
		code, page := e.do("GET", "/api/v1/shipments?list=unopened&limit=2&cursor="+url.QueryEscape(cursor), tok, "")
		if code != http.StatusOK {
			t.Fatalf("page: %d %v", code, page)
		}
		pages = append(pages, listed(t, got, page))
		if cursor, _ = page["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if len(pages) != 2 || !slices.Equal(pages[0], []int{5, 4}) || !slices.Equal(pages[1], []int{2, 1}) {
		t.Errorf("unopened in pages of 2: %v, want [[5 4] [2 1]]", pages)
	}

	// A person's letters are audited under the person, masked, as the
	// UI's search is (the audit log's person filter finds them).
	if !e.audited("token:compliance-test", "view_list", "recipient=010170*****") {
		t.Error("the list of a person's letters is not audited under recipient=010170*****")
	}
}

// TestAPIListRefusesBadFilterValues: a filter value the list cannot take
// is a 400 JSON error (code bad_request; a made-up cursor invalid_cursor)
// whose words name the parameter, not an empty or unfiltered list.
func TestAPIListRefusesBadFilterValues(t *testing.T) {
	e := newEnv(t)
	e.listFixture()
	tok := e.token("admin", "", "")
	for _, tc := range []struct{ query, param, code string }{
		{"list=everything", "list", "bad_request"},
		{"state=lost", "state", "bad_request"},
		{"stage=printing", "stage", "bad_request"},
		{"channel=fax", "channel", "bad_request"},
		{"recipient=12345", "recipient", "bad_request"},
		{"list=search", "recipient", "bad_request"},
		{"from=2026-13-01", "from", "bad_request"},
		{"to=yesterday", "to", "bad_request"},
		{"min_age=-1", "min_age", "bad_request"},
		{"min_age=ten", "min_age", "bad_request"},
		{"limit=0", "limit", "bad_request"},
		{"cursor=nope", "cursor", "invalid_cursor"},
		{"unit=NAV&sender_unit=Barnevernstjenesten", "sender_unit", "bad_request"},
	} {
		code, out := e.do("GET", "/api/v1/shipments?"+tc.query, tok, "")
		msg, _ := out["error"].(string)
		if code != http.StatusBadRequest || out["code"] != tc.code || !strings.Contains(msg, tc.param) {
			t.Errorf("?%s: %d %v, want 400 %s naming %s", tc.query, code, out, tc.code, tc.param)
		}
	}
}

// TestAPIListFiltersKeepTheTokensScope: a filter narrows a token's scope,
// never widens it. A token of the unit NAV naming another unit, or another
// unit's recipient or list, gets NAV's letters of it only (none when they
// are all another's); a token of another organisation naming this one's
// unit gets nothing.
func TestAPIListFiltersKeepTheTokensScope(t *testing.T) {
	e := newEnv(t)
	got := e.listFixture()
	nav := e.token("unit", "964338531", "NAV")
	other := e.token("compliance", "974760673", "")
	for _, tc := range []struct {
		tok, query string
		want       []int
	}{
		{nav, "", []int{5, 3, 1}},
		{nav, "list=all", []int{5, 3, 1}},
		{nav, "unit=Barnevernstjenesten", nil},
		{nav, "sender_unit=Barnevernstjenesten", nil},
		{nav, "list=problems", nil},              // 0 is Barnevernstjenesten's
		{nav, "recipient=974760673", []int{3}},   // 0 is Barnevernstjenesten's
		{nav, "recipient=01017012343", []int{5}}, // 2 is Barnevernstjenesten's
		{other, "", nil},
		{other, "unit=NAV", nil},
		{other, "list=search&recipient=974760673", nil},
	} {
		code, page := e.do("GET", "/api/v1/shipments?"+tc.query, tc.tok, "")
		if code != http.StatusOK {
			t.Errorf("?%s: %d %v", tc.query, code, page)
			continue
		}
		if l := listed(t, got, page); !slices.Equal(l, tc.want) {
			t.Errorf("?%s with a scoped token lists letters %v, want %v", tc.query, l, tc.want)
		}
	}
}

// TestAPISummaryRefusesBadParameters: GET /api/v1/summary checks its query
// as GET /api/v1/shipments does: a parameter it does not take (a misspelt
// filter, the shipments' cursor), a bad offset, limit or by, a bad filter
// value is a 400 JSON error naming the parameter, not the whole summary as
// if filtered. A parameter given twice is refused there, on the shipments
// list and on the UI's lists alike (which one was meant?), naming it.
func TestAPISummaryRefusesBadParameters(t *testing.T) {
	e := newEnv(t)
	e.listFixture()
	tok := e.token("admin", "", "")
	for _, tc := range []struct{ path, param string }{
		{"/api/v1/summary?stat=opened", "stat"},
		{"/api/v1/summary?cursor=x", "cursor"},
		{"/api/v1/summary?offset=-1", "offset"},
		{"/api/v1/summary?offset=ten", "offset"},
		{"/api/v1/summary?limit=0", "limit"},
		{"/api/v1/summary?limit=5000", "limit"},
		{"/api/v1/summary?by=class", "by"},
		{"/api/v1/summary?state=lost", "state"},
		{"/api/v1/summary?state=opened&state=available", "state"},
		{"/api/v1/summary?by=unit&by=recipient", "by"},
		{"/api/v1/shipments?unit=NAV&unit=Barnevernstjenesten", "unit"},
	} {
		code, out := e.do("GET", tc.path, tok, "")
		msg, _ := out["error"].(string)
		if code != http.StatusBadRequest || out["code"] != "bad_request" || !strings.Contains(msg, tc.param) {
			t.Errorf("%s: %d %v, want 400 bad_request naming %s", tc.path, code, out, tc.param)
		}
	}
	// What it takes still works: offset and limit page the groups.
	code, out := e.do("GET", "/api/v1/summary?list=all&by=unit&offset=1&limit=1", tok, "")
	if groups, _ := out["groups"].([]any); code != http.StatusOK || len(groups) != 1 || out["total_groups"] != float64(2) {
		t.Errorf("?list=all&by=unit&offset=1&limit=1: %d %v, want the second of 2 units", code, out)
	}
	b := e.loggedIn("kari", "compliance", "964338531", "")
	if code, page := b.get("/list?list=all&state=opened&state=available"); code != http.StatusBadRequest || !strings.Contains(page, "state is given more than once") {
		t.Errorf("the UI's list with state twice: %d, want 400 saying state is given more than once", code)
	}
}
