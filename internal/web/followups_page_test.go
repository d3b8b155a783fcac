package web_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"postvakt/internal/store"
)

// /followups shows every follow-up, 500 a page with a link to the next
// (it showed the first 500 by deadline and silently nothing after: a
// backlog's newest decisions never appeared), each one once; a decided one
// says who decided and when, the proof an auditor asks for. A cursor the
// page did not make is a 400.
func TestFollowUpsPagedWithWhoDecided(t *testing.T) {
	_, got, b := followUpsEnv(t)

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

// followUpsEnv has 503 follow-ups, their deadlines one minute apart in
// shipment order, the last one decided by user:per on 2026-11-30 13:45 UTC
// with a note, and a compliance officer logged in.
func followUpsEnv(t *testing.T) (*env, []store.Shipment, *browser) {
	e := newEnv(t)
	got := e.seed(503)
	db := e.st.DB()
	db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT id, sender_unit_id, 'unread', $1::timestamptz + (row_number() OVER (ORDER BY sent_at, id)) * interval '1 minute'
		FROM shipments`, now.Add(24*time.Hour))
	db.MustExec(`UPDATE followups SET decision = 'consequences_assessed', decided_by = 'user:per', decided_at = $2,
		note = 'ringte mottaker', missed_deadline = true WHERE shipment_id = $1`, got[502].ID, time.Date(2026, 11, 30, 13, 45, 0, 0, time.UTC))
	b := e.loggedIn("kari", "compliance", "964338531", "")
	return e, got, b
}

// The follow-ups export is the page's list, every page of it, for an
// auditor: open ones, or all with all=1 (the page's buttons keep it); who
// decided what and when, the note, a missed statutory deadline. The CSV in
// the programs' form (codes, UTC), the XLSX in the reader's language with
// the decision time on the Oslo clock. It is audited.
func TestFollowUpsExport(t *testing.T) {
	e, got, b := followUpsEnv(t)
	get := func(path string) []byte {
		t.Helper()
		resp, body := b.request("GET", path, nil, http.Header{"Accept-Language": {"nb-NO"}})
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}
	_, page := b.get("/followups?all=1")
	if !strings.Contains(page, `href="/followups/export?all=1&amp;format=csv"`) {
		t.Fatal("the page of all follow-ups does not export all of them")
	}
	rows := browserCSVRows(t, get("/followups/export?all=1&format=csv"))
	if len(rows) != len(got)+1 || rows[0][0] != "id" || rows[0][11] != "decided_by" {
		t.Fatalf("CSV of all follow-ups: %d rows, header %v", len(rows), rows[0])
	}
	last := rows[len(rows)-1]
	if want := []string{got[502].ID, "consequences_assessed", "user:per", "2026-11-30T13:45:00Z", "true", "ringte mottaker"}; last[0] != want[0] ||
		last[10] != want[1] || last[11] != want[2] || last[12] != want[3] || last[13] != want[4] || last[15] != want[5] {
		t.Errorf("the decided follow-up in the CSV: %v, want %v", last, want)
	}
	if open, _ := csv.NewReader(bytes.NewReader(get("/followups/export?format=csv"))).ReadAll(); len(open) != len(got) {
		t.Errorf("CSV of open follow-ups: %d rows, want %d and the header", len(open), len(got)-1)
	}

	f, err := excelize.OpenReader(bytes.NewReader(get("/followups/export?all=1&format=xlsx")))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	x, _ := f.GetRows(f.GetSheetName(0))
	if len(x) != len(got)+1 || x[0][10] != "Beslutning" || x[0][11] != "Besluttet av" || x[0][12] != "Besluttet" {
		t.Fatalf("XLSX: %d rows, header %v", len(x), x[0])
	}
	xl := x[len(x)-1]
	for col, want := range map[int]string{8: "ikke åpnet", 10: "konsekvenser vurdert", 11: "user:per", 12: "2026-11-30 14:45", 13: "ja"} {
		if xl[col] != want {
			t.Errorf("XLSX %s = %q, want %q", x[0][col], xl[col], want)
		}
	}
	if !e.audited("user:kari", "export", "followups all") {
		t.Error("the follow-ups export is not audited")
	}
}
