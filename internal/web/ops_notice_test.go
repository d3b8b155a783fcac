package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// README, Roles: operations sees "no personal data"; the rules page
// counts the health rules' e-mail addresses for operations ("they may be a
// person's"). /ops's "latest alert notices" table showed an unscoped
// operations user every notice's destination: the unit manager's and the
// compliance officer's personal e-mail addresses.
func TestOpsHidesNoticeAddressesFromOperations(t *testing.T) {
	e := newEnv(t)
	e.seed(4)
	const addr = "kari.nordmann@bergen.kommune.no"
	// The mail server's refusal quotes the address.
	failedNotice(t, e, "Barnevernstjenesten", "email:"+addr, "550 5.1.1 <"+addr+">: mailbox unavailable")
	code, page := e.loggedIn("olav", "operations", "", "").get("/ops")
	if code != 200 {
		t.Fatalf("/ops: %d", code)
	}
	if strings.Contains(page, addr) {
		t.Errorf("/ops shows the operations role a health notice's e-mail address %s (personal data)", addr)
	}
	if !strings.Contains(page, "…@bergen.kommune.no") {
		t.Error("/ops does not keep the refusal's mail domain")
	}
	if !strings.Contains(page, "<td>e-post</td>") && !strings.Contains(page, "<td>e-mail</td>") {
		t.Error("/ops does not say the notice went by e-mail")
	}
	if _, page := e.loggedIn("anna", "admin", "", "").get("/ops"); !strings.Contains(page, addr) {
		t.Errorf("an unscoped admin, who reads the rules' addresses, does not see where the notice went")
	}
}

// failedNotice is a stuck alert of unit's letters whose notice to dest
// failed with cause.
func failedNotice(t *testing.T, e *env, unit, dest, cause string) {
	t.Helper()
	a := e.alertFor(unit)
	c, err := e.st.ClaimAlertNotice(context.Background(), store.AlertNoticeClaim{Destination: dest, Rule: "stuck",
		Items: []store.AlertNoticeItem{{AlertID: a.ID, Seq: 1, Transition: "firing"}}, Now: now})
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	if err := e.st.MarkAlertNoticeFailed(context.Background(), c.ID, cause, nil, now); err != nil {
		t.Fatal(err)
	}
}

// README, Languages: every text people read on a page comes from the
// catalogues. /ops's latest alert notices table wrote a notice's rule,
// status and destination as codes ("stuck", "failed", "webhook") on a
// Danish or Norwegian page, where every other state on the page is a word
// in the page's language.
func TestOpsNoticeStatusInPageLanguage(t *testing.T) {
	e := newEnv(t)
	e.seed(4)
	failedNotice(t, e, "NAV", "webhook", "connection refused")
	b := e.loggedIn("anna", "admin", "", "")
	for _, lang := range []string{"da", "nb"} {
		_, page := b.getIn(lang, "/ops")
		table := regexp.MustCompile(`(?s)<table id="notices">.*?</table>`).FindString(page)
		if table == "" || strings.Contains(table, "<td>failed</td>") || strings.Contains(table, "<td>stuck</td>") {
			t.Errorf("%s /ops: a notice's rule or status as its code, not a word of the page's language:\n%s", lang, table)
		}
	}
}
