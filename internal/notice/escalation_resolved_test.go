package notice

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// TestEscalationLeavesOutACaseResolvedDuringTheRun: a run reads the
// escalation cases, then mails. A compliance officer resolves a
// manual-handling case while the run mails the units their follow-ups (a
// slow relay): the escalation.to notice must not then tell it as waiting
// for a person. It did: the notices were written from the read at the
// run's start and sent after every unit's mail.
func TestEscalationLeavesOutACaseResolvedDuringTheRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	f.register("NAV", "taushetsbelagt", model.StateRejected, now.AddDate(0, 0, -3), 1)
	manual := f.register("Barnevernstjenesten", "barnevern", model.StateAvailable, now.AddDate(0, 0, -8), 1)
	if _, err := f.st.SaveUnits(ctx, []store.Unit{
		{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no"},
		{SenderOrg: bergen, Name: "Barnevernstjenesten", ManagerEmail: "leder.bv@bergen.kommune.no"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
		Email: "personvern@bergen.kommune.no"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreatePrintOrders(ctx, manual, "barnevern", true, now); err != nil {
		t.Fatal(err)
	}
	if st, err := f.st.ResolvePrint(ctx, store.PrintResolution{ShipmentID: manual[0], Outcome: store.ResolveManual, At: now,
		Reason: "no_address", Detail: "no postal address in the register"}); err != nil || st != store.PrintStateManual {
		t.Fatalf("manual: %s %v", st, err)
	}
	ref := f.t.Name() + "-Barnevernstjenesten-0"
	var mu sync.Mutex
	resolved, told := false, 0
	f.n.Sender = &watchSends{next: f.n.Sender, on: "Oppfølging",
		hook: func() {
			if err := f.st.ResolveManual(ctx, manual[0], store.Scope{}, store.ManualDeliveredOtherwise, "", "user:kari", now); err != nil {
				t.Error(err)
			}
			mu.Lock()
			resolved = true
			mu.Unlock()
		},
		check: func(m *remind.Message) {
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(m.Body, ref) || !strings.HasPrefix(m.Subject, "postvakt:") {
				return
			}
			told++
			if resolved {
				t.Errorf("escalation notice to %v tells a manual case resolved before it went:\n%s", m.To, m.Body)
			}
		}}
	f.run(now)
	if told == 0 {
		t.Fatal("the manual case was told to no one")
	}
}
