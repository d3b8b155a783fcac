package notice

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
)

// opsPolicy is a catch-all whose escalation.to names the operations role,
// compliance and one address outright.
const opsPolicy = `name: alt
calendar: NO
reminders:
  max: 0
print:
  enabled: false
escalation:
  to: [operations, compliance, drift.vakt@bergen.kommune.no]
`

// escalation.to: operations reaches the users with the operations role,
// who see no personal data (README, roles): their mail says what waits for
// approval, went to manual handling or did not arrive and how many, never
// a letter's reference, its unit or its recipient, nor links to pages
// that name them. Before, they got the cases as
// compliance does. An operations user whose address the policy also names
// outright, and compliance, get the cases in full.
func TestEscalationToOperationsNamesNoLetter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.n.Policies = policytest.Files(t, map[string]string{"alt.yaml": opsPolicy})
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	f.register("Barnevernstjenesten", "barnevern", model.StateFailed, now.AddDate(0, 0, -2), 2)
	f.register("NAV", "taushetsbelagt", model.StateRejected, now.AddDate(0, 0, -1), 1)
	// A print batch of two held for approval, and a letter in manual
	// handling.
	skole := f.register("Skole", "taushetsbelagt", model.StateAvailable, now.AddDate(0, 0, -8), 3)
	if _, err := f.st.CreatePrintOrders(ctx, skole, "alt", true, now); err != nil {
		t.Fatal(err)
	}
	for i, id := range skole {
		r := store.PrintResolution{ShipmentID: id, Outcome: store.ResolveOrder, At: now, Request: []byte(`{"address":"Storgata 1"}`)}
		if i == 2 {
			r = store.PrintResolution{ShipmentID: id, Outcome: store.ResolveManual, At: now, Reason: "no_address", Detail: "no postal address"}
		}
		if _, err := f.st.ResolvePrint(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []store.User{
		{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen, Email: "personvern@bergen.kommune.no"},
		{Name: "ola", PasswordHash: "x", Role: "operations", SenderOrg: bergen, Email: "drift@bergen.kommune.no"},
		{Name: "per", PasswordHash: "x", Role: "operations", Email: "drift.vakt@bergen.kommune.no"},
	} {
		if _, err := f.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f.run(now)
	esc := map[string]mail{}
	for _, m := range kinds(f.take(), "postvakt:") {
		esc[m.to[0]] = m
	}
	if len(esc) != 3 {
		t.Fatalf("escalation mails to %v, want compliance, operations and the named address", esc)
	}
	for _, a := range []string{"personvern@bergen.kommune.no", "drift.vakt@bergen.kommune.no"} {
		m := esc[a]
		if strings.Count(m.text, "SvarUt") != 4*2 || !strings.Contains(m.text, "Barnevernstjenesten") ||
			!strings.Contains(m.text, firma) || !strings.Contains(m.text, "Skole 2") || !strings.Contains(m.text, "/manual") {
			t.Errorf("mail to %s, want each case in full (reference, unit, recipient) in both languages:\n%s", a, m.text)
		}
	}
	m := esc["drift@bergen.kommune.no"]
	for _, leak := range []string{"SvarUt", "Barnevernstjenesten", "NAV", "Skole", firma, t.Name(), "/print", "/manual"} {
		if strings.Contains(m.text+m.subject, leak) {
			t.Errorf("operations' mail shows %q:\n%s", leak, m.text)
		}
	}
	// Five cases: three letters that did not arrive, one batch of two
	// letters, one letter in manual handling.
	for _, want := range []string{"5 saker", "5 cases", "Taushetsbelagte brev som ikke kom fram:\n  - 3 brev (",
		"Confidential letters that did not arrive:\n  - 3 letters (", "Prints waiting for approval:\n  - 2 letters (",
		"Manual handling:\n  - 1 letter ("} {
		if !strings.Contains(m.subject+"\n"+m.text, want) {
			t.Errorf("operations' mail lacks %q:\n%s\n%s", want, m.subject, m.text)
		}
	}
}

// TestEscalationReachingNoOneIsLogged: a policy whose escalation.to names
// only roles no user in the case's scope holds with an address (unit: no
// user of role unit; unit_manager: no manager address) tells nobody; the
// run says so once per policy, with the count and no letter.
func TestEscalationReachingNoOneIsLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.n.Policies = policytest.Files(t, map[string]string{"alt.yaml": strings.Replace(opsPolicy,
		"[operations, compliance, drift.vakt@bergen.kommune.no]", "[unit, unit_manager]", 1)})
	log, buf := logtest.New()
	f.n.Logger = log
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	f.register("Barnevernstjenesten", "barnevern", model.StateFailed, now.AddDate(0, 0, -2), 2)
	f.run(now)
	if ms := kinds(f.take(), "postvakt:"); len(ms) != 0 {
		t.Fatalf("escalation mails %v, want none (no one to tell)", ms)
	}
	got := buf.String()
	if strings.Count(got, "escalation.to reaches no one") != 1 || !strings.Contains(got, "policy=alt") || !strings.Contains(got, "cases=2") {
		t.Errorf("the log does not say once that alt's 2 cases reach no one:\n%s", got)
	}
	for _, leak := range []string{"Barnevernstjenesten", "HEMMELIG", firma} {
		if strings.Contains(got, leak) {
			t.Errorf("the log names %q:\n%s", leak, got)
		}
	}
}
