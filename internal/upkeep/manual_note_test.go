package upkeep

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

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
	u := &Upkeep{Store: st, Log: slog.New(slog.DiscardHandler), RetentionYears: 5}
	p, err := u.Purge(ctx, old.AddDate(6, 0, 0))
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
