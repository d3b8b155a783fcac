package store_test

import (
	"maps"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A reminder whose send failed is sent again by a later run while one of
// its letters may still be reminded of; once they were all opened, handed
// to print or closed no run sends or supersedes it, and /reminders listed
// it for good as "retried automatically". It is listed, with the letters
// still waiting, while one of them may be reminded of (sqlRemindable), as
// a no_address one.
func TestFailedReminderListedWhileLettersWait(t *testing.T) {
	w := newStuckWorld(t, 4)
	st := w.st
	w.notification("f-open", "910859897", "failed", false, w.ids[0])
	w.notification("f-mixed", "987654321", "failed", false, w.ids[1], w.ids[2])
	w.notification("f-closed", "912345678", "failed", false, w.ids[3])
	storetest.Set(t, st, w.ids[:2], storetest.State(model.StateOpened))
	storetest.Set(t, st, w.ids[3:], storetest.Stage(model.StageClosed))
	list, orgs := onReminders(t, st)
	if len(list) != 1 || list[0].Org != "987654321" || list[0].Shipments != 1 {
		t.Errorf("/reminders lists %v; want the one failed reminder with a letter still waiting (987654321, 1 letter)", orgs)
	}
}

// `postvakt notifications list` (UnresolvedNotifications) lists, as
// /reminders, a failed or no_address reminder while one of its letters may
// still be reminded of, counting those; it listed one whose letters were
// all opened, handed to print or closed as needing a look for good, though
// no run sends or supersedes it. One of unknown outcome is listed
// whatever became of its letters: an officer settles it.
func TestUnresolvedRemindersWhileLettersWait(t *testing.T) {
	w := newStuckWorld(t, 5)
	st, ctx := w.st, t.Context()
	w.notification("f-open", "910859897", "failed", false, w.ids[0])
	w.notification("f-mixed", "987654321", "failed", false, w.ids[1], w.ids[2])
	w.notification("na-print", "912345678", "no_address", false, w.ids[3])
	w.notification("u-open", "974760673", "unknown", false, w.ids[4])
	storetest.Set(t, st, w.ids[:2], storetest.State(model.StateOpened))
	storetest.Set(t, st, w.ids[3:4], storetest.Stage(model.StagePrintOrdered))
	storetest.Set(t, st, w.ids[4:], storetest.State(model.StateOpened))
	un, err := st.UnresolvedNotifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, n := range un {
		got[n.Org] = n.Shipments
	}
	if want := map[string]int{"987654321": 1, "974760673": 1}; !maps.Equal(got, want) {
		t.Errorf("notifications list: %v (organisation: letters); want %v", got, want)
	}
}

// onReminders is what /reminders lists to settle (every organisation's),
// and the organisation of each, in its order.
func onReminders(t *testing.T, st *store.Store) ([]store.SettleNotification, []string) {
	t.Helper()
	list, err := st.NotificationsToSettle(t.Context(), store.Scope{}, store.SettleFilter{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var orgs []string
	for _, n := range list {
		orgs = append(orgs, n.Org)
	}
	return list, orgs
}
