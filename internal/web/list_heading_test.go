package web_test

import (
	"context"
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
