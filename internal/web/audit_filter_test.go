package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

// auditRows are the entries a page of /audit shows, as "actor|action|object".
func auditRows(page string) []string {
	var out []string
	for _, r := range auditRow.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(r[1]+"|"+auditAction(r[2])+"|"+r[3]))
	}
	return out
}

// filterAudit submits the audit page's filter form and follows the
// redirect; it returns the URL it was sent to and the page.
func filterAudit(t *testing.T, b *browser, form url.Values) (string, string) {
	t.Helper()
	_, page := b.get("/audit")
	form.Set("csrf", csrf(page))
	code, loc, body := b.post("/audit", form)
	if code != http.StatusSeeOther {
		t.Fatalf("filter %v: %d %.300s", form, code, body)
	}
	code, page = b.get(loc)
	if code != http.StatusOK {
		t.Fatalf("%s: %d %.300s", loc, code, page)
	}
	return loc, page
}

// TestAuditPageFilters: a compliance officer finds, among the entries of
// their organisation, who looked at one letter (by postvakt's id or the
// channel's), what one user did, what happened on one Oslo day, and who
// looked at a person's letters or searched for them. The person's
// national id never appears in the URL (masked there, as in the log).
func TestAuditPageFilters(t *testing.T) {
	e := newEnv(t)
	sh := e.seed(3)
	letter, personal := sh[0], sh[2] // personal: to the person 01017012343
	ola := e.loggedIn("ola", "unit", auditOrg, "Barnevernstjenesten")
	for _, s := range []string{letter.ID, personal.ID} {
		if code, page := ola.get("/shipments/" + s); code != http.StatusOK {
			t.Fatalf("ola opens %s: %d %.200s", s, code, page)
		}
	}
	_, page := ola.get("/search")
	if code, _, body := ola.post("/search", url.Values{"csrf": {csrf(page)}, "recipient": {"01017012343"}}); code != http.StatusSeeOther {
		t.Fatalf("ola searches: %d %.200s", code, body)
	}
	kari := e.loggedIn("kari", "compliance", auditOrg, "")

	_, page = kari.get("/audit")
	if !strings.Contains(page, `<option value="user:ola"`) || !strings.Contains(page, `<option value="user:kari"`) {
		t.Errorf("the actor list does not offer the organisation's users:\n%.2000s", page)
	}

	_, page = filterAudit(t, kari, url.Values{"letter": {letter.ChannelID}})
	if got := strings.Join(auditRows(page), "\n"); got != "user:ola|view_shipment|shipment "+letter.ID {
		t.Errorf("by channel id: %q, want ola's view of the letter", got)
	}
	_, page = filterAudit(t, kari, url.Values{"letter": {letter.ID}, "actor": {"user:kari"}})
	if rows := auditRows(page); len(rows) != 0 || !strings.Contains(page, `id="audit-none"`) {
		t.Errorf("kari's views of the letter: %q, want none and a note saying so", rows)
	}

	loc, page := filterAudit(t, kari, url.Values{"person": {"010170 12343"}})
	if strings.Contains(loc, "01017012343") || strings.Contains(loc, "12343") || !strings.Contains(loc, "person=010170%2A%2A%2A%2A%2A") {
		t.Errorf("the person filter's URL is %s, want the id masked", loc)
	}
	want := "user:ola|search|recipient=010170*****\nuser:ola|view_shipment|shipment " + personal.ID
	if got := strings.Join(auditRows(page), "\n"); got != want {
		t.Errorf("by person: %q, want %q", got, want)
	}
	if !strings.Contains(page, `value="010170*****"`) {
		t.Error("the form does not show the person's masked id")
	}
	if code, _ := kari.get("/audit?person=01017012343"); code != http.StatusBadRequest {
		t.Errorf("a national id in the URL: %d, want 400", code)
	}

	_, page = filterAudit(t, kari, url.Values{"actor": {"user:ola"}, "action": {"search"}})
	if got := strings.Join(auditRows(page), "\n"); got != "user:ola|search|recipient=010170*****" {
		t.Errorf("ola's searches: %q", got)
	}
	if !e.audited("user:kari", "view_audit", "audit_log") {
		t.Error("the filtered views are not audited")
	}
}

// TestAuditPageDatesAndPaging: from and to are Oslo dates, both inclusive
// (an entry at 23:30 Oslo time is on its day, one at 00:30 the next day
// is not), and the "older entries" link keeps the filter: 600 entries of
// one actor among 1,250 are two pages, each entry once, no other actor's.
func TestAuditPageDatesAndPaging(t *testing.T) {
	e := newEnv(t)
	seedAuditLog(t, e, 1200)
	for _, at := range []string{"2026-03-09T22:59:00Z", "2026-03-10T22:30:00Z", "2026-03-10T23:30:00Z"} {
		if _, err := e.st.DB().Exec(`INSERT INTO audit_log (at, actor, sender_org, action, object) VALUES ($1, 'user:per', $2, 'view_list', $3)`,
			at, auditOrg, at); err != nil {
			t.Fatal(err)
		}
	}
	b := e.loggedIn("kari", "compliance", auditOrg, "")
	_, page := filterAudit(t, b, url.Values{"from": {"2026-03-10"}, "to": {"2026-03-10"}})
	if got := strings.Join(auditRows(page), "\n"); got != "user:per|view_list|2026-03-10T22:30:00Z" {
		t.Errorf("10 March in Oslo: %q, want the entry at 23:30 Oslo time only", got)
	}
	if code, _ := b.get("/audit?from=2026-03-11&to=2026-03-10"); code != http.StatusBadRequest {
		t.Errorf("from after to: %d, want 400", code)
	}

	// seedAuditLog: every 25th entry is another organisation's; of kari's
	// organisation's, every other one is made ola's here.
	if _, err := e.st.DB().Exec(`INSERT INTO audit_log (at, actor, sender_org, action, object)
		SELECT now() - i * interval '1 second', 'user:ola', $1, 'view_shipment', 'ola ' || i FROM generate_series(1, 600) i`, auditOrg); err != nil {
		t.Fatal(err)
	}
	path, seen := "/audit?actor=user%3Aola", map[string]int{}
	for pages := 1; ; pages++ {
		code, page := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		for _, r := range auditRows(page) {
			if !strings.HasPrefix(r, "user:ola|") {
				t.Fatalf("page %d shows %q", pages, r)
			}
			seen[r]++
		}
		m := olderLink.FindStringSubmatch(page)
		if m == nil {
			if pages != 2 {
				t.Fatalf("%d pages, want 2", pages)
			}
			break
		}
		if path = html.UnescapeString(m[1]); !strings.Contains(path, "actor=user%3Aola") {
			t.Fatalf("the older entries link %s drops the filter", path)
		}
	}
	if len(seen) != 600 {
		t.Errorf("%d of ola's entries seen, want 600", len(seen))
	}
	for r, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", r, n)
		}
	}
}

// TestAuditExportAndAPIFilter: the export holds every entry the filter
// selects (not one page) with national ids masked, and is audited with
// its filter; the API filters the same way.
func TestAuditExportAndAPIFilter(t *testing.T) {
	e := newEnv(t)
	seedAuditLog(t, e, 100)
	if _, err := e.st.DB().Exec(`INSERT INTO audit_log (at, actor, sender_org, action, object)
		SELECT now() - i * interval '1 second', 'user:ola', $1, 'search',
			-- the first as written before the log masked ids (masked when read)
			CASE WHEN i = 1 THEN 'recipient=01017012343' ELSE 'recipient=010170*****' END
		FROM generate_series(1, 1501) i`, auditOrg); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", auditOrg, "")
	code, body := b.get("/audit/export?format=csv&actor=user%3Aola&action=search")
	if code != http.StatusOK {
		t.Fatalf("export: %d %.300s", code, body)
	}
	rows, err := csv.NewReader(bytes.NewReader(browserCSV(t, []byte(body)))).ReadAll()
	if err != nil || len(rows) != 1502 || strings.Join(rows[0], ",") != "at,actor,role,sender_org,action,object,detail,subject_org" {
		t.Fatalf("export: %d rows (%v), header %v", len(rows), err, rows[0])
	}
	for _, r := range rows[1:] {
		if r[1] != "user:ola" || r[5] != "recipient="+model.MaskPersonID("01017012343") {
			t.Fatalf("exported %v", r)
		}
	}
	if !e.audited("user:kari", "export", "audit_log action=search actor=user:ola") {
		t.Error("the export is not audited with its filter")
	}
	if code, _ := b.get("/audit/export?format=xlsx&action=search"); code != http.StatusOK {
		t.Errorf("XLSX export: %d", code)
	}

	tok := e.token("compliance", auditOrg, "")
	code, body = e.get("/api/v1/audit?limit=10&action=search&person=010170*****&from="+time.Now().In(oslo(t)).Format("2006-01-02"), tok)
	var out struct {
		Entries []struct{ Actor, Action, Object string }
		Next    string `json:"next_cursor"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil || len(out.Entries) != 10 || out.Next == "" {
		t.Fatalf("API: %d %.300s", code, body)
	}
	for _, en := range out.Entries {
		if en.Actor != "user:ola" || en.Object != "recipient=010170*****" {
			t.Errorf("API entry %+v", en)
		}
	}
	for _, q := range []string{"person=01017012343", "from=10.03.2026", "rid=x"} {
		if code, body := e.get("/api/v1/audit?"+q, tok); code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want 400", q, code, body)
		}
	}
}

func oslo(t *testing.T) *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
