package web_test

import (
	"context"
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
	a := e.alertFor("Barnevernstjenesten")
	const addr = "kari.nordmann@bergen.kommune.no"
	c, err := e.st.ClaimAlertNotice(context.Background(), store.AlertNoticeClaim{Destination: "email:" + addr, Rule: "stuck",
		Items: []store.AlertNoticeItem{{AlertID: a.ID, Seq: 1, Transition: "firing"}}, Now: now})
	if err != nil || c == nil {
		t.Fatal(c, err)
	}
	// The mail server's refusal quotes the address.
	if err := e.st.MarkAlertNoticeFailed(context.Background(), c.ID, "550 5.1.1 <"+addr+">: mailbox unavailable", nil, now); err != nil {
		t.Fatal(err)
	}
	code, page := e.loggedIn("olav", "operations", "", "").get("/ops")
	if code != 200 {
		t.Fatalf("/ops: %d", code)
	}
	if strings.Contains(page, addr) {
		t.Errorf("/ops shows the operations role a health notice's e-mail address %s (personal data)", addr)
	}
	// An unscoped admin may see it.
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
