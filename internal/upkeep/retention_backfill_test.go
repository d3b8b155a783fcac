package upkeep

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter sent in 2019 and back-filled today is polled: the channel says it
// has been available (unread) since 2019, so its state changed in 2019.
// Today postvakt reminds the organisation and the unit records a follow-up
// decision. Tonight's retention purge leaves it: its last change is today's
// (the reminder, the decision), not 2019's, and its title, its evidence and
// the note stay (SPEC: back-fills go back to 2018; evidence is kept five
// years).
func TestRetentionKeepsBackfilledLetterWithFreshEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	set := policytest.Shipped(t)
	now := time.Now().UTC().Truncate(time.Second)
	sent := time.Date(2019, 3, 1, 10, 0, 0, 0, time.UTC)
	ids := storetest.IDs(storetest.Register(t, st, model.NewShipment{Channel: "svarut",
		ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f4701", SenderOrg: bergen, SenderUnit: "Barnevernstjenesten",
		RecipientKind: "org", RecipientID: firma, Title: "TITTEL-BACKFILL-2019", Confidential: true,
		Class: "taushetsbelagt", SentAt: sent}))
	id := ids[0]
	// What the first poll of the back-filled letter writes: available since
	// the channel's own time in 2019, never opened.
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.StateChangedAt(sent.Add(time.Hour)),
		storetest.AvailableAt(sent.Add(time.Hour)))
	// Today: the catch-up reminder goes out ...
	claim, err := st.ClaimNotification(ctx, store.Claim{Org: firma, Items: []model.ReminderItem{{ShipmentID: id, Reminder: 1}},
		Recipients: []string{"post@firma.no"}, Now: now})
	if err != nil || !claim.Send {
		t.Fatalf("claim %+v %v", claim, err)
	}
	if err := st.MarkNotificationSent(ctx, claim.Notification.ID, "<m@x>", now); err != nil {
		t.Fatal(err)
	}
	// ... and the sending unit records its follow-up decision.
	if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: id, Decision: store.DecisionAssessed,
		Note: "NOTAT-I-DAG", Actor: "user:kari", At: now, Deadline: now.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	var eventsBefore int
	if err := st.DB().Get(&eventsBefore, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1`, id); err != nil {
		t.Fatal(err)
	}

	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), Policies: set, RetentionYears: 5}
	p, err := u.Purge(ctx, now.Add(20*time.Hour)) // tonight's 02:30 run
	if err != nil {
		t.Fatal(err)
	}
	if p.Shipments != 0 {
		t.Errorf("tonight's purge took %d letter(s): a back-filled letter reminded and followed up today lost its personal data and evidence", p.Shipments)
	}
	var title string
	var eventsAfter int
	if err := st.DB().Get(&title, `SELECT title FROM shipments WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&eventsAfter, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if title != "TITTEL-BACKFILL-2019" {
		t.Errorf("title after the purge = %q", title)
	}
	if eventsAfter < eventsBefore {
		t.Errorf("evidence events %d -> %d: today's reminder and follow-up evidence purged the same night", eventsBefore, eventsAfter)
	}
	if found := scan(t, st, []string{"NOTAT-I-DAG"}); len(found["NOTAT-I-DAG"]) == 0 {
		t.Errorf("the follow-up note recorded today is gone")
	}
}

// The registration itself is no change (README Retention): a letter of
// 2019 imported today is as old as the state the channel reports of it, in
// the channel's own time. Until the channel has reported one, the letter
// is kept: its first poll may find it opened last year, and a purge cannot
// be undone. Once the channel says it was opened in 2019, the purge takes
// it.
func TestRetentionCountsAnImportFromTheChannelsState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	sent := time.Date(2019, 1, 10, 10, 0, 0, 0, time.UTC)
	ids := storetest.IDs(storetest.Register(t, st, model.NewShipment{Channel: "svarut", ChannelID: "ret-imp-1", SenderOrg: bergen,
		SenderUnit: "Skatt", RecipientKind: "org", RecipientID: firma, Title: "TITTEL-IMPORT-2019",
		Confidential: true, Class: "taushetsbelagt", SentAt: sent}))
	tonight := time.Now().Add(24 * time.Hour)
	if p, err := purge(ctx, st, tonight); err != nil || p.Shipments != 0 {
		t.Fatalf("before the channel reported a state: %+v %v, want the letter kept", p.ShipmentPurge, err)
	}
	// What its first poll writes: opened, in the channel's time of 2019.
	storetest.Set(t, st, ids, storetest.State(model.StateOpened), storetest.StateChangedAt(sent.Add(48*time.Hour)))
	if p, err := purge(ctx, st, tonight); err != nil || p.Shipments != 1 {
		t.Fatalf("opened in 2019 by the channel's account: %+v %v, want the letter purged", p.ShipmentPurge, err)
	}
}
