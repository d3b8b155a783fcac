package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// /followups shows every follow-up, 500 a page with a link to the next
// (it showed the first 500 by deadline and silently nothing after: a
// backlog's newest decisions never appeared), each one once; a decided one
// says who decided and when, the proof an auditor asks for. A cursor the
// page did not make is a 400.
func TestFollowUpsPagedWithWhoDecided(t *testing.T) {
	e := newEnv(t)
	got := e.seed(503)
	db := e.st.DB()
	// Deadlines one minute apart in shipment order; the last one decided.
	db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT id, sender_unit_id, 'unread', $1::timestamptz + (row_number() OVER (ORDER BY sent_at, id)) * interval '1 minute'
		FROM shipments`, now.Add(24*time.Hour))
	db.MustExec(`UPDATE followups SET decision = 'consequences_assessed', decided_by = 'user:per', decided_at = $2
		WHERE shipment_id = $1`, got[502].ID, time.Date(2026, 11, 30, 13, 45, 0, 0, time.UTC))
	b := e.browser()
	b.login("kari", e.user("kari", "compliance", "964338531", ""))

	row := regexp.MustCompile(`href="/shipments/([0-9a-f-]{36})#followup"`)
	next := regexp.MustCompile(`href="([^"]*)" id="next-page"`)
	seen := map[string]int{}
	path, pages := "/followups?all=1", 0
	var last string
	for path != "" && pages < 5 {
		code, page := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		pages++
		for _, m := range row.FindAllStringSubmatch(page, -1) {
			seen[m[1]]++
		}
		last, path = page, ""
		if m := next.FindStringSubmatch(page); m != nil {
			path = "/followups" + html.UnescapeString(m[1])
		}
	}
	if pages != 2 || len(seen) != len(got) {
		t.Fatalf("%d pages showed %d of %d follow-ups", pages, len(seen), len(got))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("follow-up %s shown %d times", id, n)
		}
	}
	if !strings.Contains(last, `id="first-page"`) {
		t.Error("the second page has no link back to the first")
	}
	// 13:45 UTC is 14:45 in Oslo.
	if !strings.Contains(last, "consequences assessed by user:per, 2026-11-30 14:45") {
		t.Errorf("the decided follow-up does not say who decided and when:\n%s", last[strings.Index(last, "<table"):])
	}
	if code, _ := b.get("/followups?cursor=bogus"); code != http.StatusBadRequest {
		t.Errorf("a made-up cursor: %d, want 400", code)
	}
}
