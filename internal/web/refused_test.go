package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// refusedOrders writes Altinn Notifications orders refused for good to
// 910859897 about seedTwoOrgs' letters a (org A's unit Skole) and b (org
// B's): one beside an e-mail listing both, one by order alone listing a,
// a superseded one (never listed), one whose reminder lists no letter any
// more (listed to an unscoped viewer only, as the command line does), and
// one beside an e-mail that Altinn accepted (not refused).
func (e *env) refusedOrders(a, b store.Shipment) (mail, byOrder, bare int64) {
	e.t.Helper()
	db := e.st.DB()
	insert := func(key, org, status, orderErr string, refused bool) int64 {
		var id int64
		if err := db.Get(&id, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at, order_error, order_refused_at)
			VALUES ($1, $2, $3, $4, $4, $4, $5, CASE WHEN $6 THEN $4::timestamptz END) RETURNING id`,
			key, org, status, now.Add(-2*time.Hour), orderErr, refused); err != nil {
			e.t.Fatal(err)
		}
		return id
	}
	const notFound = "notification order: notification order refused for good by Altinn: NOT-00001 no contact information"
	mail = insert("k-mail", "910859897", "sent", notFound, true)
	byOrder = insert("k-order", "910859897", "failed", notFound, true)
	old := insert("k-old", "910859897", "superseded", notFound, true)
	bare = insert("k-bare", "01017012343", "sent", "refused", true)
	ok := insert("k-ok", "910859897", "sent", "", false)
	for _, it := range []struct {
		n        int64
		ship     string
		reminder int
	}{{mail, a.ID, 1}, {mail, b.ID, 1}, {byOrder, a.ID, 2}, {old, b.ID, 2}, {ok, b.ID, 3}} {
		db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder, active) VALUES ($1, $2, $3, $4)`,
			it.n, it.ship, it.reminder, it.n != old)
	}
	return mail, byOrder, bare
}

var refusedRow = regexp.MustCompile(`(?s)<tr class="refused-order[^"]*" id="refused-(\d+)">.*?</tr>`)

// refusedRows are the page's rows by notification id.
func refusedRows(page string) map[string]string {
	rows := map[string]string{}
	for _, m := range refusedRow.FindAllStringSubmatch(page, -1) {
		rows[m[1]] = m[0]
	}
	return rows
}

// /refused lists what postvakt notifications list lists, with the same
// count and the same words for what was refused and what follows, to an
// unscoped viewer; a scoped one sees the orders whose reminders list one
// of their letters, and only those letters. Never a title; the viewing is
// audited.
func TestRefusedOrdersPage(t *testing.T) {
	e := newEnv(t)
	a, b := e.seedTwoOrgs()
	mail, byOrder, bare := e.refusedOrders(a, b)
	id := func(n int64) string { return itoa(n) }
	cli, err := e.st.RefusedNotificationOrders(context.Background())
	if err != nil || len(cli) != 3 {
		t.Fatalf("the command line's list: %d %v, want 3", len(cli), err)
	}

	adm := e.loggedIn("root", "admin", "", "")
	code, page := adm.doIn(languages["en"], "GET", "/refused", nil)
	if code != http.StatusOK {
		t.Fatalf("/refused as admin: %d %.300s", code, page)
	}
	if !strings.Contains(page, "3 Altinn Notifications orders refused for good (no contact information)") {
		t.Errorf("admin's /refused does not say the command line's count (3): %.2000s", page)
	}
	rows := refusedRows(page)
	if len(rows) != 3 || rows[id(mail)] == "" || rows[id(byOrder)] == "" || rows[id(bare)] == "" {
		t.Fatalf("admin's rows: %v, want %d, %d, %d", rows, mail, byOrder, bare)
	}
	for _, want := range []string{"order refused", orgA, orgB, "two-orgs-0", "two-orgs-1", "/shipments/" + a.ID, "/shipments/" + b.ID,
		"NOT-00001: Altinn has no contact information for the organisation", "the e-mail reminder went out and the order is not placed again"} {
		if !strings.Contains(rows[id(mail)], want) {
			t.Errorf("the order beside an e-mail lacks %q: %s", want, rows[id(mail)])
		}
	}
	if strings.Contains(rows[id(mail)], "no e-mail") {
		t.Errorf("the order beside an e-mail is said to be without one: %s", rows[id(mail)])
	}
	for _, want := range []string{"order refused, no e-mail", "the reminder failed and is sent again after its wait", "2026-11-23 11:00"} {
		if !strings.Contains(rows[id(byOrder)], want) {
			t.Errorf("the order by itself lacks %q: %s", want, rows[id(byOrder)])
		}
	}
	if strings.Contains(page, "01017012343") || !strings.Contains(rows[id(bare)], "010170") {
		t.Errorf("a national id is not masked: %s", rows[id(bare)])
	}
	if strings.Contains(page, "Hemmelig vedtak") {
		t.Error("/refused shows a letter's title")
	}
	if !e.audited("user:root", "view_list", "refused_orders") {
		t.Error("admin's look at /refused is not in the audit log")
	}

	// Org A's officer and Skole of org A: the two orders listing letter a,
	// without org B's letter (counted, not named), nor the bare one.
	for _, who := range []struct{ name, role, unit string }{{"a-officer", "compliance", ""}, {"a-skole", "unit", "Skole"}} {
		br := e.loggedIn(who.name, who.role, orgA, who.unit)
		code, page := br.doIn(languages["en"], "GET", "/refused", nil)
		if code != http.StatusOK {
			t.Fatalf("/refused as %s: %d", who.name, code)
		}
		rows := refusedRows(page)
		if len(rows) != 2 || rows[id(mail)] == "" || rows[id(byOrder)] == "" {
			t.Errorf("%s's rows: %v, want %d and %d", who.name, rows, mail, byOrder)
		}
		if !strings.Contains(page, "2 Altinn Notifications orders refused for good") {
			t.Errorf("%s's count is not 2", who.name)
		}
		for _, leak := range []string{"two-orgs-1", b.ID, orgB, "01017012343", "010170"} {
			if strings.Contains(page, leak) {
				t.Errorf("%s's /refused shows %q (org B's, or an order of no letter of theirs)", who.name, leak)
			}
		}
		if !strings.Contains(rows[id(mail)], "and 1 more letter outside your access") {
			t.Errorf("%s: the order beside an e-mail does not count org B's letter: %s", who.name, rows[id(mail)])
		}
		if !e.audited("user:"+who.name, "view_list", "refused_orders") {
			t.Errorf("%s's look is not audited", who.name)
		}
	}
	// Another unit of org A, and org B's officer: their letters' orders only.
	other := e.loggedIn("a-nav", "unit", orgA, "NAV")
	if _, page := other.doIn(languages["en"], "GET", "/refused", nil); len(refusedRows(page)) != 0 ||
		!strings.Contains(page, "Altinn has refused no Altinn Notifications order.") || !strings.Contains(page, "0 Altinn Notifications orders") {
		t.Errorf("unit NAV sees Skole's refused orders: %v", refusedRows(page))
	}
	bOff := e.loggedIn("b-officer", "compliance", orgB, "")
	if _, page := bOff.doIn(languages["en"], "GET", "/refused", nil); len(refusedRows(page)) != 1 || refusedRows(page)[id(mail)] == "" ||
		strings.Contains(page, "two-orgs-0") {
		t.Errorf("org B's officer: rows %v, want the order beside an e-mail only, without org A's letter", refusedRows(page))
	}

	// Operations has no personal data: refused and audited as a refusal.
	ops := e.loggedIn("o-ops", "operations", "", "")
	if code, _ := ops.get("/refused"); code != http.StatusForbidden {
		t.Errorf("/refused as operations: %d, want 403", code)
	}
}

// The page in Norwegian and Danish: the catalogue's words, no English.
func TestRefusedOrdersPageInNorwegianAndDanish(t *testing.T) {
	e := newEnv(t)
	a, b := e.seedTwoOrgs()
	mail, byOrder, _ := e.refusedOrders(a, b)
	adm := e.loggedIn("root", "admin", "", "")
	for _, tc := range []struct {
		lang                        string
		want, wantMail, wantByOrder []string
	}{
		{"nb", []string{"Avviste bestillinger i Altinn-varsling", "3 bestillinger i Altinn-varsling avvist for godt", "Hva skjer videre"},
			[]string{"bestilling avvist", "påminnelsen gikk ut på e-post, og bestillingen legges ikke inn igjen",
				"NOT-00001: Altinn har ingen kontaktinformasjon for virksomheten"},
			[]string{"bestilling avvist, ingen e-post", "påminnelsen feilet og sendes på nytt etter ventetiden"}},
		{"da", []string{"Afviste bestillinger i Altinn Notifications", "3 bestillinger i Altinn Notifications afvist endeligt", "Hvad sker der nu"},
			[]string{"bestilling afvist", "påmindelsen blev sendt som e-mail, og bestillingen afgives ikke igen",
				"NOT-00001: Altinn har ingen kontaktoplysninger for organisationen"},
			[]string{"bestilling afvist, ingen e-mail", "påmindelsen mislykkedes og sendes igen efter ventetiden"}},
	} {
		code, page := adm.doIn(languages[tc.lang], "GET", "/refused", nil)
		if code != http.StatusOK || !strings.Contains(page, `<html lang="`+tc.lang+`">`) {
			t.Fatalf("%s: %d %.300s", tc.lang, code, page)
		}
		rows := refusedRows(page)
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the page lacks %q", tc.lang, w)
			}
		}
		for _, w := range tc.wantMail {
			if !strings.Contains(rows[itoa(mail)], w) {
				t.Errorf("%s: the order beside an e-mail lacks %q: %s", tc.lang, w, rows[itoa(mail)])
			}
		}
		for _, w := range tc.wantByOrder {
			if !strings.Contains(rows[itoa(byOrder)], w) {
				t.Errorf("%s: the order by itself lacks %q: %s", tc.lang, w, rows[itoa(byOrder)])
			}
		}
		for _, en := range []string{"order refused", "refused for good", "What follows", "Refused orders", "no contact information",
			"sent again", "⟦"} {
			if strings.Contains(page, en) {
				t.Errorf("%s: English (or a missing text) on the page: %q", tc.lang, en)
			}
		}
	}
}

// With no refused order the page says so, with the count (0), and the
// menu leads to it for those who see letters.
func TestRefusedOrdersPageEmpty(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn("a-officer", "compliance", orgA, "")
	code, page := b.doIn(languages["en"], "GET", "/refused", nil)
	if code != http.StatusOK || len(refusedRows(page)) != 0 || !strings.Contains(page, "Altinn has refused no Altinn Notifications order.") ||
		!strings.Contains(page, "0 Altinn Notifications orders refused for good") {
		t.Errorf("empty /refused: %d %.2000s", code, page)
	}
	if !strings.Contains(page, `<a href="/refused" class="on" aria-current="page">Refused orders</a>`) {
		t.Errorf("the menu does not lead to /refused, marked current: %.1500s", page)
	}
}
