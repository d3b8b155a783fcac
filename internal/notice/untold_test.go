package notice

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestFailedNoticeOfNothingLeftToTellLeavesTheList: a notice whose send
// failed (or that waited for an address) is sent by a later run only
// while the run still has its case to tell (a follow-up undecided, the
// day's digest); one whose case was settled meanwhile is sent by no run.
// It stayed failed, listed by `postvakt notifications list` as needing a
// look, for good: a follow-up decided after its mail failed, a digest
// that failed one morning (the next morning's is another). The run ends
// it (superseded), as a reminder whose letters were all opened leaves
// the list, and sends nothing for it.
func TestFailedNoticeOfNothingLeftToTellLeavesTheList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// then is what happens after the first run failed, and when the
		// next run is (after the retry's wait).
		then func(f *fixture, ctx context.Context, letters []string, now time.Time) time.Time
	}{
		{"the follow-up decided", func(f *fixture, ctx context.Context, letters []string, now time.Time) time.Time {
			if err := f.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: letters[0], Decision: store.DecisionClosed,
				Actor: "user:nav", At: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			return now.Add(time.Hour)
		}},
		{"the next day's digest", func(f *fixture, ctx context.Context, letters []string, now time.Time) time.Time {
			return now.AddDate(0, 0, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
			letters := f.rejectedWithCompliance(ctx, now)
			// Opened by an earlier run, its deadline passed: the unit's
			// overdue notice and the digest are due.
			if _, err := f.st.OpenFollowUps(ctx, now.AddDate(0, 0, -30), now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			smtp := f.n.Sender
			relay := &refusingRelay{}
			f.n.Sender = relay
			if sum := f.run(now); sum.Failed != 3 {
				t.Fatalf("first run: %s, want the unit's notice, the digest and escalation.to's failed", sum)
			}
			relay.take()
			next := tc.then(f, ctx, letters, now)
			f.n.Sender = smtp
			f.run(next)
			f.take()
			un, err := f.st.UnresolvedNotifications(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range un {
				t.Errorf("notice %d (%s, %s) listed as needing a look, its case settled: no run sends it (%s)", n.ID, n.Kind,
					n.Status, n.LastError)
			}
			// And the decided follow-up's notice is not sent again.
			if tc.name == "the follow-up decided" {
				f.n.Sender = relay
				f.run(next.Add(time.Hour))
				if got := relay.take()["nav@bergen.kommune.no"]; got != 0 {
					t.Errorf("the unit was sent %d notice(s) of a follow-up it decided", got)
				}
			}
		})
	}
}

// rejectedWithCompliance registers a confidential letter from Bergen's
// unit NAV, rejected three days before now, the unit with a contact
// address and Bergen with a compliance officer who has one (kari,
// personvern@bergen.kommune.no): an escalation.to case and its notice's
// recipient. It returns the letter's id.
func (f *fixture) rejectedWithCompliance(ctx context.Context, now time.Time) []string {
	f.t.Helper()
	letters := f.register("NAV", "taushetsbelagt", model.StateRejected, now.AddDate(0, 0, -3), 1)
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no"}}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
		Email: "personvern@bergen.kommune.no"}); err != nil {
		f.t.Fatal(err)
	}
	return letters
}
