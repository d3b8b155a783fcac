package store_test

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A reminder that waited for an address (no_address) was counted on the
// overview and /ops as an organisation that "could not be reminded", and
// listed on /reminders for an address, for ever once its letters were
// opened, or handed to print, or closed: no run sends or supersedes it
// (nothing is due any more), and an address added sent nothing. It counts,
// and is listed, while one of its letters may still be reminded of
// (sqlRemindable, as BeginSend's and model.Eligible's rule).
func TestNoAddressCountsLettersStillWaiting(t *testing.T) {
	w := newStuckWorld(t, 4)
	st, ctx, at := w.st, t.Context(), w.at
	w.notification("na-open", "910859897", "no_address", false, w.ids[0])
	w.notification("na-mixed", "987654321", "no_address", false, w.ids[1], w.ids[2])
	w.notification("na-print", "912345678", "no_address", false, w.ids[3])
	storetest.Set(t, st, w.ids[:2], storetest.State(model.StateOpened))
	storetest.Set(t, st, w.ids[3:], storetest.Stage(model.StagePrintOrdered))
	stuck, err := st.StuckCounts(ctx, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	act, err := st.Activity(ctx, store.Scope{}, at.Add(-7*24*time.Hour), at)
	if err != nil {
		t.Fatal(err)
	}
	if stuck.NoAddressOrgs != 1 || stuck.NoAddressLetters != 1 || act.NoAddress != 1 {
		t.Errorf("operations %d organisations, %d letters, overview %d organisations without address; want 1, 1, 1",
			stuck.NoAddressOrgs, stuck.NoAddressLetters, act.NoAddress)
	}
	list, orgs := onReminders(t, st)
	if len(list) != 1 || list[0].Org != "987654321" || list[0].Shipments != 1 {
		t.Errorf("/reminders lists %v; want the one reminder with a letter still waiting (987654321, 1 letter)", orgs)
	}
}
