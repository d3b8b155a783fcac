package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/store"
)

// README, Languages: every text people read on a page comes from the
// catalogues. /ops's latest alert notices table writes a notice's status
// as its code ("pending", "failed") on a Danish or Norwegian page, where
// every other state on the page is a word in the page's language.
func TestOpsNoticeStatusInPageLanguage(t *testing.T) {
	e := newEnv(t)
	e.seed(4)
	a := e.alertFor("NAV")
	c, err := e.st.ClaimAlertNotice(context.Background(), store.AlertNoticeClaim{Destination: "webhook", Rule: "stuck",
		Items: []store.AlertNoticeItem{{AlertID: a.ID, Seq: 1, Transition: "firing"}}, Now: now})
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	if err := e.st.MarkAlertNoticeFailed(context.Background(), c.ID, "connection refused", nil, now); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("anna", "admin", "", "")
	for _, lang := range []string{"da", "nb"} {
		_, page := b.getIn(lang, "/ops")
		table := regexp.MustCompile(`(?s)<table id="notices">.*?</table>`).FindString(page)
		if strings.Contains(table, "<td>failed</td>") {
			t.Errorf("%s /ops: a notice's status is the code \"failed\", not a word of the page's language:\n%s", lang, table)
		}
	}
}
