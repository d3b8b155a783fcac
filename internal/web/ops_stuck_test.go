package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// stuckCount is one of /ops's counts of what waits on a person (its id:
// refused, manual, print-lost, unknown) and its line.
func stuckCount(t *testing.T, page, id string) (string, string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<dd id="stuck-` + id + `"><strong class="num">(\d+)</strong>(.*?)</dd>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("/ops has no count %q: %.3000s", id, page)
	}
	return m[1], m[0]
}

// /ops tells operations what is stuck without naming anyone: how many
// Altinn Notifications orders Altinn refused for good (the count /refused
// gives, a page operations may not see), how many letters wait in manual
// handling and how many print orders were lost, how many reminders have
// an unknown outcome, how many organisations could not be reminded for
// want of an address (and their letters); each a number with what it means, the page that
// lists them linked only for a role that may see it, and no recipient,
// letter, title or unit on the page. A principal scoped to an
// organisation counts its letters'. In nb and da in their own words.
func TestOpsCountsWhatIsStuckWithoutNamingAnyone(t *testing.T) {
	e := newEnv(t)
	a, b := e.seedTwoOrgs()
	e.refusedOrders(a, b) // three refused for an unscoped viewer, two of org A's letters, one of org B's
	db := e.st.DB()
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'print_lost', 'order lost', $2)`, a.ID, now)
	db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'no address', $2)`, b.ID, now)
	var unknown int64
	if err := db.Get(&unknown, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at)
		VALUES ('k-unknown', '910859897', 'unknown', $1, $1, $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, 7)`, unknown, b.ID)
	// An escalation notice of unknown outcome, about org A's letter: not a
	// reminder, counted on its own line.
	if err := db.Get(&unknown, `INSERT INTO notifications (key, kind, orgnr, status, created_at, claimed_at, updated_at)
		VALUES ('k-notice-unknown', 'escalation', '', 'unknown', $1, $1, $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO notification_notices (notification_id, grp, ref, shipment_id) VALUES ($1, 'escalation', 'manual:a', $2)`, unknown, a.ID)
	// Two organisations without an address to remind: one for both
	// letters, one for org A's.
	for k, n := range []struct {
		org     string
		letters []string
	}{{"910859897", []string{a.ID, b.ID}}, {"987654321", []string{a.ID}}} {
		var id int64
		if err := db.Get(&id, `INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at)
			VALUES ('k-no-address-' || $1, $1, 'no_address', $2, $2, $2) RETURNING id`, n.org, now); err != nil {
			t.Fatal(err)
		}
		for _, l := range n.letters {
			db.MustExec(`INSERT INTO notification_items (notification_id, shipment_id, reminder) VALUES ($1, $2, $3)`, id, l, 9+k)
		}
	}

	ops := e.loggedIn("o-ops", "operations", "", "")
	code, page := ops.doIn(languages["en"], "GET", "/ops", nil)
	if code != http.StatusOK {
		t.Fatalf("/ops as operations: %d %.300s", code, page)
	}
	for id, want := range map[string]string{"refused": "3", "manual": "2", "print-lost": "1", "unknown": "1", "notices-unknown": "1", "no-address": "2"} {
		if got, line := stuckCount(t, page, id); got != want {
			t.Errorf("operations' count %s = %s, want %s: %s", id, got, want, line)
		}
	}
	if _, line := stuckCount(t, page, "refused"); !strings.Contains(line, "refused for good by Altinn") {
		t.Errorf("the refused orders' count does not say what it counts: %s", line)
	}
	if _, line := stuckCount(t, page, "no-address"); !strings.Contains(line, "listing 2 letters") || !strings.Contains(line, "no address") {
		t.Errorf("the count of organisations without an address does not say its letters and what it counts: %s", line)
	}
	for _, leak := range []string{"910859897", "987654321", "01017012343", "010170", "Hemmelig", "two-orgs", "Skole", orgA, orgB,
		`href="/refused"`, `href="/manual"`, `href="/reminders"`, "⟦"} {
		if strings.Contains(page, leak) {
			t.Errorf("operations' /ops shows %q (a name, a number or a link to a page it may not see)", leak)
		}
	}

	adm := e.loggedIn("root", "admin", "", "")
	_, page = adm.doIn(languages["en"], "GET", "/ops", nil)
	for id, link := range map[string]string{"refused": "/refused", "manual": "/manual", "print-lost": "/manual", "unknown": "/reminders",
		"no-address": "/reminders"} {
		if _, line := stuckCount(t, page, id); !strings.Contains(line, `href="`+link+`"`) {
			t.Errorf("admin's count %s does not link %s: %s", id, link, line)
		}
	}

	// An operations principal scoped to org A counts org A's letters'.
	opsA := e.loggedIn("o-ops-a", "operations", orgA, "")
	_, page = opsA.doIn(languages["en"], "GET", "/ops", nil)
	for id, want := range map[string]string{"refused": "2", "manual": "1", "print-lost": "1", "unknown": "0", "notices-unknown": "1", "no-address": "2"} {
		if got, line := stuckCount(t, page, id); got != want {
			t.Errorf("org A's operations' count %s = %s, want %s: %s", id, got, want, line)
		}
	}

	for lang, want := range map[string][]string{
		"nb": {"Venter på en person", "Avviste bestillinger i Altinn-varsling", "Påminnelser med ukjent utfall", "Varsler med ukjent utfall", "Utskriftsbestillinger borte", "Virksomheter uten adresse for påminnelser"},
		"da": {"Venter på en person", "Afviste bestillinger i Altinn Notifications", "Påmindelser med ukendt udfald", "Meddelelser med ukendt udfald", "Udskriftsbestillinger forsvundet", "Organisationer uden adresse til påmindelser"},
	} {
		_, page := ops.doIn(languages[lang], "GET", "/ops", nil)
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: /ops lacks %q", lang, w)
			}
		}
		for _, en := range []string{"Waiting on a person", "refused for good", "unknown outcome", "reminder address", "⟦"} {
			if strings.Contains(page, en) {
				t.Errorf("%s: English (or a missing text) on /ops: %q", lang, en)
			}
		}
	}
}
