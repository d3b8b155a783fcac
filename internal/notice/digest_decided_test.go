package notice

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// watchSends is a relay that runs check on each message before passing
// it on, and hook once, on the first message whose subject starts with
// on (a caseworker records a decision while the run mails).
type watchSends struct {
	next  remind.Sender
	on    string
	hook  func()
	check func(*remind.Message)
	once  sync.Once
}

func (w *watchSends) Send(ctx context.Context, m *remind.Message) error {
	w.check(m)
	if strings.HasPrefix(m.Subject, w.on) {
		w.once.Do(w.hook)
	}
	return w.next.Send(ctx, m)
}

// TestDigestLeavesOutAFollowUpDecidedDuringTheRun: a run reads the open
// follow-ups, then mails unit after unit. NAV's caseworker closes NAV's
// overdue follow-up while the run mails Barnevernstjenesten (a slow
// relay): the compliance digest must not list it as overdue without a
// decision. It did: the digest was written from the read at the run's
// start, after every unit's mail had gone.
func TestDigestLeavesOutAFollowUpDecidedDuringTheRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	nav := f.rejectedAtTwoUnits(now)
	if _, err := f.st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
		Email: "personvern@bergen.kommune.no"}); err != nil {
		t.Fatal(err)
	}
	// Opened by an earlier run, overdue now (their due mails went then).
	if _, err := f.st.OpenFollowUps(ctx, now.AddDate(0, 0, -30), now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	decided, digests := false, 0
	f.n.Sender = &watchSends{next: f.n.Sender, on: "Frist passert",
		hook: func() {
			if err := f.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: nav[0], Decision: store.DecisionClosed,
				Actor: "user:nav", At: now}); err != nil {
				t.Error(err)
			}
			mu.Lock()
			decided = true
			mu.Unlock()
		},
		check: func(m *remind.Message) {
			if !strings.HasPrefix(m.Subject, "Oversikt") {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			digests++
			if decided && strings.Contains(m.Body, "NAV") {
				t.Errorf("the digest lists NAV's follow-up, closed before it went:\n%s", m.Body)
			}
		}}
	f.run(now)
	if digests != 1 {
		t.Fatalf("%d digests, want 1", digests)
	}
}
