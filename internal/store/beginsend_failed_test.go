package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestBeginSendGivesBackReminderOfLetterFailedAfterClaim: BeginSend's
// re-check applies the claim's rule (model.Eligible: a letter no longer
// waiting, failed included, is left out), so a reminder whose letter
// failed between the claim and the send is given back, not sent listing a
// letter the channel could not deliver.
func TestBeginSendGivesBackReminderOfLetterFailedAfterClaim(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	org := storetest.OrgNumbers(1)[0]
	l := storetest.Letter(1)
	l.RecipientID = org
	ships := storetest.Register(t, st, l)
	ids := storetest.IDs(ships)
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.ChannelStatus("MOTTATT"))
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	res, err := st.ClaimNotification(ctx, store.Claim{Org: org, Recipients: []string{"post@example.no"}, Now: now,
		Items: []model.ReminderItem{{ShipmentID: ids[0], Reminder: 1, Step: "reminder 1"}}})
	if err != nil || !res.Send {
		t.Fatalf("claim: %+v %v", res, err)
	}
	// The poll learns the letter failed (e.g. SvarUt IKKE_LEVERT).
	w, err := st.ApplyPoll(ctx, []store.PollResult{{
		Due:    store.Due{ID: ids[0], ChannelID: ships[0].ChannelID, State: model.StateAvailable, ChannelStatus: "MOTTATT", SentAt: ships[0].SentAt},
		Source: "svarut", ObservedAt: now, Status: "IKKE_LEVERT", State: model.StateFailed}})
	if err != nil || w.Changed != 1 {
		t.Fatalf("poll: %+v %v", w, err)
	}
	// What the claim would say now.
	if why := model.Eligible(model.ReminderItem{ShipmentID: ids[0], Reminder: 1},
		model.LockedShipment{Found: true, State: model.StateFailed, Stage: model.StageNone}, model.Attempt{Now: now}); why == model.DropNone {
		t.Fatalf("model.Eligible keeps a failed letter: the test's premise is wrong")
	}
	err = st.BeginSend(ctx, res.Notification.ID, res.Notification.ClaimedAt)
	if !errors.Is(err, store.ErrListedLetterChanged) {
		t.Errorf("BeginSend after the listed letter failed: %v; want ErrListedLetterChanged (the claim's own rule drops a failed letter)", err)
	}
}
