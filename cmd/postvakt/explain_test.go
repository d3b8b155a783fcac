package main_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// README, Commands: `policy explain SHIPMENT_ID` names the policy that
// matched a letter and the dates of its future steps (escalate.OutlookOf,
// as the letter's page): a letter to a person sent an hour ago falls under
// default, has its reminders and print ahead, and is said to get no
// reminder, since reminders do not reach persons. It says the policy's
// rules in the words of the UI's rules page (policy.Term): default's first
// reminder after 5 business days, then every 5.
func TestPolicyExplainPerson(t *testing.T) {
	db := pgtest.New(t)
	sent := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	importLetter(t, db, "svarut,0b6d3c5e-1f2a-4b3c-8d4e-00000000e001,964338531,NAV,person,01017012343,Brev,false,vedtak,"+sent)
	var id string
	if err := openDB(t, db).QueryRow(`SELECT id FROM shipments`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, db, "policy", "explain", id)
	for _, want := range []string{"policy default (", "  reminder 1   due ", "  print        due ", "the recipient is a person",
		"  First reminder after 5 business days unopened (Norway), then one every 5 business days, at most 2 in all."} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("policy explain: exit %d, lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
}
