package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestResolveManualAsPhysicalPost: a Digital Post letter's manual case
// resolved as sent through Digital Post's physical post (fjernprint) is
// stored so (the CHECK of migration 00048 takes it), the letter's stage
// becomes printed, and the evidence log says it; a SvarUt letter cannot be
// resolved so (ErrResolutionNotForChannel) and stays open, and is not
// offered it (ManualResolutionsFor).
func TestResolveManualAsPhysicalPost(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	dk := sample(1)
	dk.Channel, dk.ChannelID, dk.SenderOrg, dk.SenderUnit = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000401", "64942212", "Socialforvaltningen"
	dk.RecipientKind, dk.RecipientID = "person", "0101801234"
	got := storetest.Register(t, st, dk, sample(2))
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, s := range got {
		storetest.Set(t, st, []string{s.ID}, storetest.Stage(model.StageManual))
		st.DB().MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'physical_post', '', $2)`, s.ID, now)
	}
	if err := st.ResolveManual(ctx, got[0].ID, store.Scope{}, store.ManualPhysicalPost, "fjernprint 1.12.", "user:kari", now); err != nil {
		t.Fatalf("resolving a Digital Post letter as its physical post: %v", err)
	}
	var row struct {
		Resolution string `db:"resolution"`
		Stage      string `db:"stage"`
	}
	if err := st.DB().Get(&row, `SELECT m.resolution, s.stage FROM print_manual m JOIN shipments s ON s.id = m.shipment_id
		WHERE s.id = $1`, got[0].ID); err != nil || row.Resolution != "physical_post" || row.Stage != "printed" {
		t.Errorf("resolved: %+v (%v), want physical_post, stage printed", row, err)
	}
	events, err := st.Events(ctx, got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events, func(e store.Event) bool {
		return e.Kind == store.EventManualResolved && e.Message == "manual handling resolved: physical_post: fjernprint 1.12." && e.Actor == "user:kari"
	}) {
		t.Errorf("no evidence of the resolution: %+v", events)
	}

	err = st.ResolveManual(ctx, got[1].ID, store.Scope{}, store.ManualPhysicalPost, "", "user:kari", now)
	if !errors.Is(err, store.ErrResolutionNotForChannel) {
		t.Errorf("a SvarUt letter resolved as Digital Post's physical post: %v, want ErrResolutionNotForChannel", err)
	}
	if err := st.DB().Get(&row, `SELECT m.resolution, s.stage FROM print_manual m JOIN shipments s ON s.id = m.shipment_id
		WHERE s.id = $1`, got[1].ID); err != nil || row.Resolution != "" || row.Stage != "manual" {
		t.Errorf("the SvarUt letter's case: %+v (%v), want open, stage manual", row, err)
	}
	if slices.Contains(store.ManualResolutionsFor("svarut"), store.ManualPhysicalPost) ||
		!slices.Contains(store.ManualResolutionsFor("digitalpost"), store.ManualPhysicalPost) ||
		len(store.ManualResolutionsFor("altinn")) != len(store.ManualResolutions)-1 {
		t.Errorf("offered: svarut %v, digitalpost %v, altinn %v", store.ManualResolutionsFor("svarut"),
			store.ManualResolutionsFor("digitalpost"), store.ManualResolutionsFor("altinn"))
	}
}
