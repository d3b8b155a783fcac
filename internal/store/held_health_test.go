package store_test

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter Altinn holds for a publication its sender asked to be later
// (held_until ahead) waits on purpose: it is not stuck, nor does it teach
// the channel's delivery time once published; one whose publication time
// has passed unpublished is stuck as any other.
func TestHeldLettersNotStuck(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	var items []model.NewShipment
	for i := range 4 {
		ns := sample(i)
		ns.Channel = "altinn"
		items = append(items, ns)
	}
	ids := storetest.IDs(storetest.Register(t, st, items...)) // sent 2026-11-20 10:00
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	storetest.Set(t, st, ids, storetest.State(model.StateAccepted), storetest.ChannelStatus("ReadyForPublish"))
	storetest.Set(t, st, ids[:2], storetest.HeldUntil(now.Add(24*time.Hour)))
	storetest.Set(t, st, ids[2:3], storetest.HeldUntil(now.Add(-time.Hour)))
	last := now.Add(-time.Minute)
	facts, err := st.UnitFacts(ctx, store.UnitQuery{Now: now, Lookback: 14 * 24 * time.Hour, Window: 3 * time.Hour, Last: 2,
		Channels: []store.ChannelDue{{Channel: "altinn", After: time.Hour, LastChange: &last}}})
	if err != nil || len(facts) != 1 || facts[0].Stuck != 2 {
		t.Fatalf("unit facts %+v %v; want 2 letters stuck (the two not held now)", facts, err)
	}
	// Published: the held letter's wait was its sender's.
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(48*time.Hour))
	dt, err := st.DeliveryTimes(ctx, now.Add(-7*24*time.Hour), now, 1, nil)
	if err != nil || len(dt) != 1 || dt[0].Delivered != 1 {
		t.Fatalf("delivery times %+v %v; want the one letter never held", dt, err)
	}
}
