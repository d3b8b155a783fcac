package model

import (
	"strings"
	"testing"
	"time"
)

func TestEligible(t *testing.T) {
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	item := ReminderItem{ShipmentID: "s", Reminder: 2}
	waiting := LockedShipment{Found: true, State: StateAvailable, Stage: StageReminded, RemindersSent: 1}
	with := func(f func(*LockedShipment)) LockedShipment { l := waiting; f(&l); return l }
	for _, tc := range []struct {
		name string
		l    LockedShipment
		want Drop
		says string
	}{
		{"waiting, reminder 1 counted", waiting, DropNone, "eligible"},
		{"reminder 2 before reminder 1", with(func(l *LockedShipment) { l.State, l.Stage, l.RemindersSent = StateRegistered, StageNone, 0 }), DropCounted, "0 reminder(s)"},
		{"gone", LockedShipment{}, DropNotFound, "not found"},
		{"opened meanwhile", with(func(l *LockedShipment) { l.State = StateOpened }), DropClosed, "state opened"},
		{"failed meanwhile", with(func(l *LockedShipment) { l.State = StateFailed }), DropClosed, "state failed"},
		{"print due meanwhile", with(func(l *LockedShipment) { l.Stage = StagePrintDue }), DropStage, "stage is print_due"},
		{"manual", with(func(l *LockedShipment) { l.Stage = StageManual }), DropStage, "manual"},
		{"already counted", with(func(l *LockedShipment) { l.RemindersSent = 2 }), DropCounted, "2 reminder(s) already sent"},
		{"in a sent message", with(func(l *LockedShipment) { l.ListedIn, l.ListedStatus = 7, NotifySent }), DropListed, "notification 7 (sent)"},
		{"in flight", with(func(l *LockedShipment) { l.ListedIn, l.ListedStatus = 7, NotifyPending }), DropListed, "(pending)"},
		{"outcome unknown", with(func(l *LockedShipment) { l.ListedIn, l.ListedStatus = 7, NotifyUnknown }), DropListed, "(unknown)"},
		{"in a failed message: taken over", with(func(l *LockedShipment) { l.ListedIn, l.ListedStatus = 7, NotifyFailed }), DropNone, "eligible"},
		{"in a message that failed once, 10 minutes ago: taken over", with(func(l *LockedShipment) {
			l.ListedIn, l.ListedStatus, l.ListedAttempts, l.ListedAt = 7, NotifyFailed, 1, now.Add(-10*time.Minute)
		}), DropNone, "eligible"},
		{"in a message that failed once, 5 minutes ago: later", with(func(l *LockedShipment) {
			l.ListedIn, l.ListedStatus, l.ListedAttempts, l.ListedAt = 7, NotifyFailed, 1, now.Add(-5*time.Minute)
		}), DropRetryLater, "notification 7 failed (1 attempt(s)); tried again from 2026-11-18T09:05:00Z"},
		{"in a message that failed five times, an hour ago: later", with(func(l *LockedShipment) {
			l.ListedIn, l.ListedStatus, l.ListedAttempts, l.ListedAt = 7, NotifyFailed, 5, now.Add(-time.Hour)
		}), DropRetryLater, "tried again from 2026-11-18T10:40:00Z"},
		{"in a message released after an unknown outcome: taken over", with(func(l *LockedShipment) {
			l.ListedIn, l.ListedStatus, l.ListedAttempts, l.ListedAt = 7, NotifyFailed, 0, now
		}), DropNone, "eligible"},
		{"in a no-address message: taken over", with(func(l *LockedShipment) { l.ListedIn, l.ListedStatus = 7, NotifyNoAddress }), DropNone, "eligible"},
		// The order of the checks: an opened shipment is closed, whatever
		// else is true of it.
		{"opened and listed", with(func(l *LockedShipment) { l.State, l.ListedIn, l.ListedStatus = StateOpened, 7, NotifySent }), DropClosed, "opened"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Eligible(item, tc.l, Attempt{Now: now})
			if got != tc.want {
				t.Fatalf("Eligible = %s, want %s", got, tc.want)
			}
			if s := got.Explain(tc.l); !strings.Contains(s, tc.says) {
				t.Fatalf("Explain = %q, want it to say %q", s, tc.says)
			}
		})
	}
	// A failed message to other addresses than now (one was fixed) is
	// tried at once; to the same ones (in any order), after its wait.
	failed := with(func(l *LockedShipment) {
		l.ListedIn, l.ListedStatus, l.ListedAttempts, l.ListedAt, l.ListedTo = 7, NotifyFailed, 3, now, []string{"a@x.no", "b@x.no"}
	})
	if d := Eligible(item, failed, Attempt{Now: now, To: []string{"b@x.no", "a@x.no"}}); d != DropRetryLater {
		t.Errorf("the same addresses: %s", d)
	}
	if d := Eligible(item, failed, Attempt{Now: now, To: []string{"a@x.no", "c@x.no"}}); d != DropNone {
		t.Errorf("a fixed address: %s", d)
	}
	one := ReminderItem{ShipmentID: "s", Reminder: 1}
	if d := Eligible(one, LockedShipment{Found: true, State: StateRegistered, Stage: StageNone}, Attempt{Now: now}); d != DropNone {
		t.Fatalf("reminder 1 of a fresh shipment: %s", d)
	}
	if DropListed.String() != "listed" || Drop(99).String() != "Drop(99)" {
		t.Fatal("drop names")
	}
}

// TestRetryAfter: at once for a message never sent, 10 minutes after the
// first failure, doubling up to a day.
func TestRetryAfter(t *testing.T) {
	for attempts, want := range map[int]time.Duration{0: 0, 1: 10 * time.Minute, 2: 20 * time.Minute, 3: 40 * time.Minute,
		5: 160 * time.Minute, 8: 1280 * time.Minute, 9: 24 * time.Hour, 40: 24 * time.Hour} {
		if got := RetryAfter(attempts); got != want {
			t.Errorf("RetryAfter(%d) = %s, want %s", attempts, got, want)
		}
	}
}
