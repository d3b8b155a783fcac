package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

var (
	auditRow = regexp.MustCompile(`<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>`)
	// actionCode is the code of an action cell ("viewed a list
	// (view_list)": view_list), which the page says beside its text.
	actionCode = regexp.MustCompile(`^.* \(([a-z_]+)\)$`)
	olderLink  = regexp.MustCompile(`<a id="older" rel="next" href="([^"]+)">`)
	auditOrg   = "964338531"
	auditOther = "974760673"
)

// seedAuditLog writes n entries of auditOrg ("entry 1" the oldest) and,
// between them, 50 of another organisation that its officer must not see.
func seedAuditLog(t *testing.T, e *env, n int) {
	t.Helper()
	if _, err := e.st.DB().Exec(`INSERT INTO audit_log (at, actor, role, sender_org, action, object, detail, subject_org)
		SELECT $1::timestamptz + i * interval '1 minute', CASE WHEN i % 25 = 0 THEN 'user:other' ELSE 'user:kari' END, 'unit',
			CASE WHEN i % 25 = 0 THEN $3 ELSE $2 END, 'view_shipment', 'entry ' || i, '', CASE WHEN i % 25 = 0 THEN $3 ELSE $2 END
		FROM generate_series(1, $4::int) i`, now.Add(-1000*time.Hour), auditOrg, auditOther, n+50); err != nil {
		t.Fatal(err)
	}
}

// auditSnapshot is auditOrg's audit log as the store has it now, newest
// first, each entry as "actor|action|object|detail".
func auditSnapshot(t *testing.T, e *env) []string {
	t.Helper()
	page, err := e.st.AuditLog(context.Background(), store.AuditFilter{SenderOrg: auditOrg, Limit: store.MaxAuditPage})
	if err != nil || page.NextCursor != "" {
		t.Fatalf("snapshot: %v (cursor %q)", err, page.NextCursor)
	}
	var out []string
	for _, en := range page.Entries {
		out = append(out, en.Actor+"|"+string(en.Action)+"|"+en.Object+"|"+en.Detail)
	}
	return out
}

// checkPaged: the pages together are the snapshot, in order, and hold each
// of the seeded entries exactly once and none of the other organisation's.
func checkPaged(t *testing.T, got, want []string, n int) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("the pages hold %d entries, the log %d; first difference at %d", len(got), len(want),
			slices.IndexFunc(got, func(s string) bool { return !slices.Contains(want, s) }))
	}
	seen := map[string]int{}
	for _, g := range got {
		seen[strings.Split(g, "|")[2]]++
		if strings.HasPrefix(g, "user:other") {
			t.Errorf("another organisation's entry: %s", g)
		}
	}
	for i := 1; i <= n+50; i++ {
		if i%25 == 0 {
			continue
		}
		if c := seen[fmt.Sprintf("entry %d", i)]; c != 1 {
			t.Errorf("entry %d seen %d times, want once", i, c)
		}
	}
}

// TestAuditPageOlderEntries: with 1,200 entries in an organisation's
// audit log, its compliance officer's /audit shows the newest 500; its
// "older entries" link, followed twice, reaches the oldest (that page says
// there are none older, and has no link on); every entry is on exactly one
// page, the other organisation's on none, though each page view writes an
// entry of its own. A cursor /audit did not give is a 400 page saying so.
func TestAuditPageOlderEntries(t *testing.T) {
	const n = 1200
	e := newEnv(t)
	seedAuditLog(t, e, n)
	b := e.loggedIn("kari", "compliance", auditOrg, "")
	want := auditSnapshot(t, e)
	if len(want) < n || len(want) > n+10 {
		t.Fatalf("%d entries in the log, want %d and the login's", len(want), n)
	}

	var got []string
	path := "/audit"
	for pages := 1; ; pages++ {
		code, page := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %.300s", path, code, page)
		}
		rows := auditRow.FindAllStringSubmatch(page, -1)
		for _, r := range rows {
			got = append(got, html.UnescapeString(r[1]+"|"+auditAction(r[2])+"|"+r[3]+"|"+r[4]))
		}
		m := olderLink.FindStringSubmatch(page)
		if pages == 1 && (len(rows) != 500 || !slices.Equal(got, want[:500])) {
			t.Fatalf("the first page holds %d entries, want the newest 500", len(rows))
		}
		if pages > 1 && !strings.Contains(page, `<a href="/audit">`) {
			t.Errorf("page %d has no link back to the newest entries", pages)
		}
		if m == nil {
			if pages != 3 || len(rows) != len(want)-1000 || !strings.Contains(page, `id="oldest"`) {
				t.Fatalf("the last page is page %d with %d entries (oldest note: %v), want page 3 with %d",
					pages, len(rows), strings.Contains(page, `id="oldest"`), len(want)-1000)
			}
			break
		}
		if pages == 3 {
			t.Fatal("a fourth page")
		}
		if strings.Contains(page, `id="oldest"`) {
			t.Errorf("page %d says there is nothing older, and links on", pages)
		}
		path = html.UnescapeString(m[1])
	}
	checkPaged(t, got, want, n)

	for _, bad := range []string{"abc", "0", "-1", "99999999999999999999"} {
		code, page := b.get("/audit?before=" + bad)
		if code != http.StatusBadRequest || !strings.Contains(page, "open the audit log again from its newest entries") {
			t.Errorf("/audit?before=%s: %d %.300s, want 400 saying to start again", bad, code, page)
		}
	}
}

// TestAuditAPIPages: the API pages the same log with limit and before:
// next_cursor leads through it to the last page (next_cursor empty), each
// entry once, the other organisation's none; a before it did not give, and
// a limit over 10,000, are 400s.
func TestAuditAPIPages(t *testing.T) {
	const n = 1200
	e := newEnv(t)
	seedAuditLog(t, e, n)
	tok := e.token("compliance", auditOrg, "")
	want := auditSnapshot(t, e)

	var got []string
	cursor := ""
	for pages := 1; ; pages++ {
		path := "/api/v1/audit?limit=500"
		if cursor != "" {
			path += "&before=" + cursor
		}
		code, body := e.get(path, tok)
		var out struct {
			Entries []struct{ Actor, Action, Object, Detail string }
			Next    *string `json:"next_cursor"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil || out.Next == nil {
			t.Fatalf("%s: %d %.300s", path, code, body)
		}
		for _, en := range out.Entries {
			got = append(got, en.Actor+"|"+en.Action+"|"+en.Object+"|"+en.Detail)
		}
		if *out.Next == "" {
			if pages != 3 || len(out.Entries) != len(want)-1000 {
				t.Fatalf("the last page is page %d with %d entries, want page 3 with %d", pages, len(out.Entries), len(want)-1000)
			}
			break
		}
		if pages == 3 || len(out.Entries) != 500 {
			t.Fatalf("page %d holds %d entries and links on", pages, len(out.Entries))
		}
		cursor = *out.Next
	}
	checkPaged(t, got, want, n)

	for _, q := range []string{"before=abc", "before=0", "before=12a", "limit=10001"} {
		code, body := e.get("/api/v1/audit?"+q, tok)
		if code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want 400", q, code, body)
		}
	}
}

// auditAction is the action of an entry as its cell says it: the code
// beside the text, or the cell (an action of no text).
func auditAction(cell string) string {
	if m := actionCode.FindStringSubmatch(html.UnescapeString(cell)); m != nil {
		return m[1]
	}
	return cell
}
