package upkeep

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// README Retention purges "manual-handling details and the notes written
// when resolving them", and a purged letter cannot be followed up. A case
// still open when its letter is purged is resolved afterwards without a
// note, as its reason asks (not needed): a note is refused (ErrPurged,
// nothing recorded), for no purge comes for the letter again to delete it.
// Neither the case's note nor its event keeps anything written then, 15
// years on.
func TestRetentionManualCaseOfAPurgedLetterKeepsNoNote(t *testing.T) {
	const note = "NOTAT-levert til Kari Nordmann, Storgata 99"
	old := time.Date(2019, 1, 10, 10, 0, 0, 0, time.UTC)
	purgedAt := old.AddDate(6, 0, 0)
	for _, tc := range []struct {
		name     string
		note     string
		err      error
		resolved bool
	}{
		{"with a note", note, store.ErrPurged, false},
		{"without a note", "", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			id := register(t, st, letter{"taushetsbelagt", "org", firma, "Vedtak", old})[0]
			storetest.Set(t, st, []string{id}, storetest.Stage(model.StageManual))
			if _, err := st.DB().Exec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'DETALJ', $2)`,
				id, old.AddDate(0, 0, 30)); err != nil {
				t.Fatal(err)
			}
			if p, err := purge(ctx, st, purgedAt); err != nil || p.Shipments != 1 {
				t.Fatalf("purge: %+v %v", p, err)
			}
			err := st.ResolveManual(ctx, id, store.Scope{}, store.ManualNotNeeded, tc.note, "user:ola", purgedAt.AddDate(0, 0, 1))
			if !errors.Is(err, tc.err) {
				t.Fatalf("resolve the purged letter's case %s: %v, want %v", tc.name, err, tc.err)
			}
			var resolved bool
			var stage model.Stage
			if err := st.DB().QueryRow(`SELECT m.resolved_at IS NOT NULL, s.stage FROM print_manual m JOIN shipments s ON s.id = m.shipment_id
				WHERE m.shipment_id = $1`, id).Scan(&resolved, &stage); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]model.Stage{true: model.StageClosed, false: model.StageManual}[tc.resolved]; resolved != tc.resolved || stage != want {
				t.Errorf("case resolved %v, stage %s; want %v, %s", resolved, stage, tc.resolved, want)
			}
			for y := 1; y <= 15; y++ {
				if _, err := purge(ctx, st, purgedAt.AddDate(y, 0, 0)); err != nil {
					t.Fatal(err)
				}
			}
			if found := scan(t, st, []string{"Kari Nordmann"}); len(found["Kari Nordmann"]) > 0 {
				t.Errorf("the note written after the purge is in %v fifteen years later", found["Kari Nordmann"])
			}
		})
	}
}
