package notice

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestDryRunLeavesOutFollowUpsTheRunCloses: the run closes the unread
// follow-ups of letters that went on paper or were closed since they
// opened (store.SettleUnreadFollowUps) before it reads what to tell; the
// dry run (escalate --dry-run), which writes nothing, listed them still
// as overdue to the unit, a notice the run it previewed does not send.
// Both now tell of the one letter still unread.
func TestDryRunLeavesOutFollowUpsTheRunCloses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	ids := f.twoInManualHandling(now)
	if sum := f.run(now); sum.Opened != 2 {
		t.Fatalf("%d follow-ups opened, want 2", sum.Opened)
	}
	f.take()
	// The unit sends one on paper by hand.
	storetest.Set(t, f.st, ids[:1], storetest.Stage(model.StagePrinted))
	overdue := func(dry bool) []int {
		var refs []int
		f.n.OnNotice = func(o Outcome) {
			if o.Kind == store.KindFollowUpOverdue {
				refs = append(refs, o.Refs)
			}
		}
		defer func() { f.n.OnNotice = nil }()
		if _, err := f.n.Run(context.Background(), now.AddDate(0, 0, 20), dry); err != nil {
			t.Fatal(err)
		}
		return refs
	}
	if got := overdue(true); len(got) != 1 || got[0] != 1 {
		t.Errorf("dry run: overdue notices telling of %v letters, want one of 1 (the letter on paper is closed by the run)", got)
	}
	if got := overdue(false); len(got) != 1 || got[0] != 1 {
		t.Errorf("run: overdue notices telling of %v letters, want one of 1", got)
	}
}

// TestDryRunTellsOfFollowUpsTheRunOpens: the run opens the follow-ups that
// became due (store.OpenFollowUps) and tells the unit of them at once; the
// dry run, which opens none, told of none, so the first day a letter's
// follow-up was due it previewed no notice where the run sends one. It
// tells of the ones the run would open, and counts them, writing
// nothing.
func TestDryRunTellsOfFollowUpsTheRunOpens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	f.twoInManualHandling(now)
	due := func(dry bool) ([]int, Summary) {
		var refs []int
		f.n.OnNotice = func(o Outcome) {
			if o.Kind == store.KindFollowUpDue {
				refs = append(refs, o.Refs)
			}
		}
		defer func() { f.n.OnNotice = nil }()
		sum, err := f.n.Run(context.Background(), now, dry)
		if err != nil {
			t.Fatal(err)
		}
		return refs, sum
	}
	// Its summary says so: "0 follow-ups opened" beside the notices of
	// two it would open told the reader the run opens none.
	got, sum := due(true)
	if len(got) != 1 || got[0] != 2 || sum.Opened != 2 {
		t.Errorf("dry run: due notices telling of %v letters, %d to be opened; want one of 2, 2 to be opened", got, sum.Opened)
	}
	// ... as what the run would do, not as done.
	if line := sum.String(); !strings.HasPrefix(line, "notices (dry run, nothing changed): 2 follow-ups to open, 1 to send,") {
		t.Errorf("dry run's summary %q, want it to say nothing was opened or sent", line)
	}
	var open int
	if err := f.st.DB().Get(&open, `SELECT count(*) FROM followups`); err != nil || open != 0 {
		t.Fatalf("after the dry run %d follow-ups (%v), want none written", open, err)
	}
	if got, sum := due(false); len(got) != 1 || got[0] != 2 || sum.Opened != 2 {
		t.Errorf("run: due notices telling of %v letters, %d opened; want one of 2, 2 opened", got, sum.Opened)
	}
}

// twoInManualHandling registers two child welfare letters of Bergen's
// Barnevernstjenesten (which has a contact address), sent 40 days before
// now, available and unread, both in manual handling; it returns their ids.
func (f *fixture) twoInManualHandling(now time.Time) []string {
	f.t.Helper()
	if _, err := f.st.SaveUnits(context.Background(), []store.Unit{{SenderOrg: bergen, Name: "Barnevernstjenesten",
		ContactEmail: "barnevern@bergen.kommune.no"}}); err != nil {
		f.t.Fatal(err)
	}
	ids := f.register("Barnevernstjenesten", "barnevern", model.StateAvailable, now.AddDate(0, 0, -40), 2)
	storetest.Set(f.t, f.st, ids, storetest.Stage(model.StageManual))
	return ids
}
