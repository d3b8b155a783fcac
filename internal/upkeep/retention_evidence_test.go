package upkeep

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter whose last change is recent is within its retention period: its
// whole evidence trail stays, also the events recorded when it was sent
// years ago (README, Retention: "a letter of 2019 ... reminded today keeps
// its evidence five years from today"), among them the proof that it
// became available. The purge's sweep of old events takes only those of
// letters already purged.
func TestRetentionKeepsWholeTrailOfRetainedLetter(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	sent := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	availableAt := sent.Add(time.Hour)
	openedAt := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) // read five years later: a change, keeps the letter
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)

	id := register(t, st, letter{"taushetsbelagt", "org", firma, "Vedtak", sent})[0]
	// register() leaves its letters rejected; this one starts as registered.
	storetest.Set(t, st, []string{id}, storetest.State(model.StateRegistered), storetest.StateChangedAt(sent))
	// The letter's real history, as the poller writes it.
	if _, err := st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateRegistered, SentAt: sent},
		Source: "svarut", ObservedAt: availableAt.Add(5 * time.Minute), Status: "VARSLET", State: model.StateAvailable,
		ChangedAt: availableAt}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyPoll(ctx, []store.PollResult{{Due: store.Due{ID: id, State: model.StateAvailable, ChannelStatus: "VARSLET", SentAt: sent},
		Source: "svarut", ObservedAt: openedAt.Add(5 * time.Minute), Status: "LEST", State: model.StateOpened, ChangedAt: openedAt}}); err != nil {
		t.Fatal(err)
	}
	// The 2020 events were recorded in 2020 (the test's clock is today's):
	// backdate recorded_at with the append-only trigger off for a moment
	// (the test database's owner may; this does not rely on the purge flag).
	tx := st.DB().MustBegin()
	tx.MustExec(`ALTER TABLE shipment_events DISABLE TRIGGER USER`)
	tx.MustExec(`UPDATE shipment_events SET recorded_at = observed_at + interval '5 minutes' WHERE shipment_id = $1`, id)
	tx.MustExec(`ALTER TABLE shipment_events ENABLE TRIGGER USER`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	before, err := st.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	p, err := purge(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Shipments != 0 {
		t.Fatalf("the letter opened in 2025 was purged as a whole: %+v", p)
	}
	after, err := st.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	hasAvailable := false
	for _, e := range after {
		hasAvailable = hasAvailable || (e.Kind == store.EventState && e.ToState == string(model.StateAvailable))
	}
	if len(after) != len(before) || !hasAvailable {
		t.Fatalf("retained letter lost evidence: %d events before the purge, %d after (available event kept: %v); purge counts %+v",
			len(before), len(after), hasAvailable, p.Evidence)
	}
}

// A compliance officer resolving a manual-handling case writes a free-text
// note ("printed by hand, handed to Kari at the office"), kept in
// print_manual.note and in the manual_resolved event. The retention purge
// clears it with the detail: whatever personal data it holds goes with the
// letter's retention.
func TestRetentionPurgesManualResolutionNote(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	id := register(t, st, letter{"taushetsbelagt", "org", firma, "Vedtak", old})[0]
	storetest.Set(t, st, []string{id}, storetest.Stage(model.StageManual))
	if _, err := st.DB().Exec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', '', $2)`,
		id, old.AddDate(0, 0, 30)); err != nil {
		t.Fatal(err)
	}
	const note = "NOTAT-levert for hand til Kari Nordmann, Storgata 99"
	if err := st.ResolveManual(ctx, id, store.Scope{}, store.ManualDeliveredOtherwise, note, "user:ola", old.AddDate(0, 0, 40)); err != nil {
		t.Fatal(err)
	}
	p, err := purge(ctx, st, old.AddDate(6, 0, 0))
	if err != nil || p.Shipments != 1 {
		t.Fatalf("purge: %+v %v; want the letter purged", p, err)
	}
	var left string
	if err := st.DB().Get(&left, `SELECT note FROM print_manual WHERE shipment_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(left, "Kari") {
		t.Errorf("after the purge print_manual.note still holds %q", left)
	}
}
