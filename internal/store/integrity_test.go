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

// The store keeps what the dropped foreign keys of shipments and
// shipment_events (migration 00013) kept: no shipment without its unit and
// recipient, no event without its shipment.
func TestReferencesHoldWithoutForeignKeys(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	items := []model.NewShipment{sample(1), sample(2)}
	other := sample(3)
	other.SenderUnit, other.RecipientID = "Skatt", "910000009"
	items = append(items, other)
	storetest.Register(t, st, items...)
	err := st.AppendEvent(ctx, store.Event{ShipmentID: "00000000-0000-7000-8000-000000000001", Kind: store.EventState,
		Source: "svarut", ObservedAt: time.Now()})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("event for an unknown shipment: err = %v, want ErrNotFound", err)
	}
	var orphans int
	if err := st.DB().GetContext(ctx, &orphans, `SELECT
			(SELECT count(*) FROM shipments s WHERE NOT EXISTS (SELECT 1 FROM sender_units u WHERE u.id = s.sender_unit_id))
			+ (SELECT count(*) FROM shipments s WHERE NOT EXISTS (SELECT 1 FROM recipients r WHERE r.id = s.recipient_id))
			+ (SELECT count(*) FROM shipment_events e WHERE NOT EXISTS (SELECT 1 FROM shipments s WHERE s.id = e.shipment_id))`); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Fatalf("%d rows point at nothing", orphans)
	}
	var events int
	if err := st.DB().GetContext(ctx, &events, `SELECT count(*) FROM shipment_events`); err != nil || events != 3 {
		t.Fatalf("events = %d (%v), want 3 registered events and nothing for the unknown id", events, err)
	}
}
