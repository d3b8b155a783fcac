package notice

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestFailedLetterWhoseFollowUpEndedIsNoEscalationCase: a confidential
// letter that was rejected is an escalation.to case (the compliance
// officers are told) until its unit's follow-up decision ends the case
// (sent again, a new letter, closed), as the same decision ends a held
// print's and a manual-handling case's. It stayed one for 14 days: an
// escalation.to notice that failed before the decision was sent after it
// all the same, telling compliance of a letter its unit had dealt with,
// and an officer given an address meanwhile was told of it too. An
// assessment of consequences does not end the case: it is told still.
func TestFailedLetterWhoseFollowUpEndedIsNoEscalationCase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		decision string
		told     bool
	}{
		{store.DecisionClosed, false},
		{store.DecisionNewLetter, false},
		{store.DecisionAssessed, true},
	} {
		t.Run(tc.decision, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
			letters := f.rejectedWithCompliance(ctx, now)
			smtp := f.n.Sender
			relay := &refusingRelay{}
			f.n.Sender = relay
			f.run(now)
			if got := relay.take()["personvern@bergen.kommune.no"]; got != 1 {
				t.Fatalf("compliance was tried %d times at the first run, want its escalation.to notice once", got)
			}
			if err := f.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: letters[0], Decision: tc.decision,
				Note: "vurdert", Actor: "user:nav", At: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.CreateUser(ctx, store.User{Name: "ola", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
				Email: "ny.personvern@bergen.kommune.no"}); err != nil {
				t.Fatal(err)
			}
			f.n.Sender = smtp
			f.run(now.Add(time.Hour))
			ref := f.t.Name() + "-NAV-0"
			told := map[string]bool{}
			for _, m := range kinds(f.take(), "postvakt:") {
				if strings.Contains(m.text, ref) {
					told[strings.Join(m.to, ",")] = true
				}
			}
			for _, a := range []string{"personvern@bergen.kommune.no", "ny.personvern@bergen.kommune.no"} {
				if told[a] != tc.told {
					t.Errorf("after the follow-up's %s, %s told of the rejected letter: %v, want %v", tc.decision, a, told[a], tc.told)
				}
			}
			if !tc.told {
				un, err := f.st.UnresolvedNotifications(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range un {
					if n.Kind == store.KindEscalation {
						t.Errorf("escalation.to notice %d listed as needing a look (%s), its case ended", n.ID, n.Status)
					}
				}
			}
		})
	}
}
