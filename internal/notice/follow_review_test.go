package notice

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// poll applies one channel answer to a letter the way the poller does.
func (f *fixture) poll(id, cid string, from, to model.State, status string, at time.Time) {
	f.t.Helper()
	w, err := f.st.ApplyPoll(context.Background(), []store.PollResult{{
		Due:    store.Due{ID: id, ChannelID: cid, State: from, SentAt: at.AddDate(0, 0, -40)},
		Source: "svarut", ObservedAt: at, Status: status, State: to, ChangedAt: at}})
	if err != nil || w.Changed != 1 {
		f.t.Fatalf("poll %s -> %s: %+v %v", id, to, w, err)
	}
}

// A confidential letter unread for 30 days gets a follow-up; the recipient
// then reads it (the letter reached them). The unit cannot record a
// decision for an opened letter (README: 409 for an opened letter), so the
// follow-up must not be told as overdue to the unit, its manager and the
// compliance officers ("Frist passert" for a letter that was read), day
// after day.
func TestFollowFollowUpOfALetterReadMeanwhile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	sent := now.AddDate(0, 0, -31)
	ids := f.register("Barnevernstjenesten", "taushetsbelagt", model.StateAvailable, sent, 1)
	cid := t.Name() + "-Barnevernstjenesten-0"
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "Barnevernstjenesten",
		ContactEmail: "barnevern@bergen.kommune.no", ManagerEmail: "leder.bv@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "x", Role: "compliance", SenderOrg: bergen,
		Email: "personvern@bergen.kommune.no"}); err != nil {
		t.Fatal(err)
	}
	f.n.FollowUpDays, f.n.FollowUpUnread = 10, 30
	if sum := f.run(now); sum.Opened != 1 {
		t.Fatalf("opened %d follow-ups, want 1", sum.Opened)
	}
	if due := kinds(f.take(), "Oppfølging:"); len(due) != 1 {
		t.Fatalf("due mails %+v", due)
	}
	// Day 3: the recipient reads it.
	f.poll(ids[0], cid, model.StateAvailable, model.StateOpened, "LEST", now.AddDate(0, 0, 3))

	// Day 11: the deadline passed.
	f.run(now.AddDate(0, 0, 11))
	got := f.take()
	for _, m := range got {
		if strings.HasPrefix(m.subject, "Frist passert") || strings.HasPrefix(m.subject, "Oversikt") {
			t.Errorf("mail %q to %v about a letter read 8 days ago:\n%s", m.subject, m.to, m.text)
		}
	}
	open, err := f.st.OpenFollowUpsByUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range open {
		for _, fu := range u.FollowUps {
			t.Errorf("follow-up of the read letter %s still open (state %s, reason %s): no decision may be recorded for it",
				fu.ShipmentID, fu.State, fu.Reason)
		}
	}
}

// slowFirst is an SMTP relay whose first message takes a while (a slow
// relay at municipal scale); during it, hook runs (a caseworker records a
// decision in the UI).
type slowFirst struct {
	next remind.Sender
	hook func()
	done bool
}

func (s *slowFirst) Send(ctx context.Context, m *remind.Message) error {
	if !s.done {
		s.done = true
		s.hook()
	}
	return s.next.Send(ctx, m)
}

// A run reads every unit's open follow-ups, then mails unit after unit.
// NAV's caseworker closes NAV's follow-up while the run is still mailing
// Barnevernstjenesten (a slow relay). NAV must not get a mail asking for
// a decision already recorded (no mail for a follow-up decided
// meanwhile), and the letter must not get a notice event saying it was
// told.
func TestFollowNoMailForAFollowUpDecidedDuringTheRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	nav := f.rejectedAtTwoUnits(now)
	// Opened by an earlier run (nothing mailed: the relay was not set yet).
	if _, err := f.st.OpenFollowUps(ctx, now.AddDate(0, 0, -30), now.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	f.n.Sender = &slowFirst{next: f.n.Sender, hook: func() {
		if err := f.st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: nav[0], Decision: store.DecisionClosed,
			Actor: "user:nav", At: now}); err != nil {
			t.Error(err)
		}
	}}
	f.run(now)
	for _, m := range f.take() {
		if strings.HasPrefix(m.subject, "Oppfølging:") && len(m.to) > 0 && m.to[0] == "nav@bergen.kommune.no" {
			t.Errorf("NAV asked to decide a follow-up it closed before the mail went: %q", m.subject)
		}
	}
}

// rejectedAtTwoUnits registers a letter rejected three days before now for
// each of Barnevernstjenesten and NAV, the units with a contact address
// each, and returns NAV's letter's ids.
func (f *fixture) rejectedAtTwoUnits(now time.Time) []string {
	f.t.Helper()
	f.register("Barnevernstjenesten", "taushetsbelagt", model.StateRejected, now.AddDate(0, 0, -3), 1)
	nav := f.register("NAV", "taushetsbelagt", model.StateRejected, now.AddDate(0, 0, -3), 1)
	if _, err := f.st.SaveUnits(context.Background(), []store.Unit{
		{SenderOrg: bergen, Name: "Barnevernstjenesten", ContactEmail: "barnevern@bergen.kommune.no"},
		{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no"},
	}); err != nil {
		f.t.Fatal(err)
	}
	return nav
}
