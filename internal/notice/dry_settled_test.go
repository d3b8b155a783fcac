package notice

import (
	"context"
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
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "Barnevernstjenesten",
		ContactEmail: "barnevern@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	ids := f.register("Barnevernstjenesten", "barnevern", model.StateAvailable, now.AddDate(0, 0, -40), 2)
	storetest.Set(t, f.st, ids, storetest.Stage(model.StageManual))
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
		if _, err := f.n.Run(ctx, now.AddDate(0, 0, 20), dry); err != nil {
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
