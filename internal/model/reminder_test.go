package model

import (
	"strings"
	"testing"
)

func TestEligible(t *testing.T) {
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
		{"in a no-address message: taken over", with(func(l *LockedShipment) { l.ListedIn, l.ListedStatus = 7, NotifyNoAddress }), DropNone, "eligible"},
		// The order of the checks: an opened shipment is closed, whatever
		// else is true of it.
		{"opened and listed", with(func(l *LockedShipment) { l.State, l.ListedIn, l.ListedStatus = StateOpened, 7, NotifySent }), DropClosed, "opened"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Eligible(item, tc.l)
			if got != tc.want {
				t.Fatalf("Eligible = %s, want %s", got, tc.want)
			}
			if s := got.Explain(tc.l); !strings.Contains(s, tc.says) {
				t.Fatalf("Explain = %q, want it to say %q", s, tc.says)
			}
		})
	}
	one := ReminderItem{ShipmentID: "s", Reminder: 1}
	if d := Eligible(one, LockedShipment{Found: true, State: StateRegistered, Stage: StageNone}); d != DropNone {
		t.Fatalf("reminder 1 of a fresh shipment: %s", d)
	}
	if DropListed.String() != "listed" || Drop(99).String() != "Drop(99)" {
		t.Fatal("drop names")
	}
}
