package upkeep

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/storetest"
	"postvakt/migrations"
)

// README, Deploy: postvakt runs as a role that only owns its database (no
// superuser). The other tests run as the cluster's superuser, for which
// the evidence log's triggers and the rollups' ownership never matter; as
// the owning role, migrated by itself, the nightly jobs do their work too:
// the purge deletes a letter's evidence (allowed by the trigger only
// inside its transaction's postvakt.retention_purge) and its personal
// data, and the list rollups are refreshed.
func TestRetentionAsTheOwningRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.OpenURL(t, pgtest.Owned(t))
	var super bool
	if err := st.DB().Get(&super, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`); err != nil || super {
		t.Fatalf("the test must run as a role that is not a superuser (superuser %v, %v)", super, err)
	}
	if _, err := st.Migrate(ctx, migrations.Progress{}); err != nil {
		t.Fatalf("migrate as the owning role: %v", err)
	}
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	ids := register(t, st, letter{"taushetsbelagt", "person", personA, "TITTEL-EIER", old})
	if err := st.RefreshListSummaries(ctx); err != nil {
		t.Fatalf("list rollups as the owning role: %v", err)
	}
	p, err := purge(ctx, st, time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("purge as the owning role: %v", err)
	}
	if p.Shipments != 1 || p.Persons != 1 || p.ShipmentPurge.Events == 0 {
		t.Fatalf("purge counts %+v: want the letter, its person and its evidence purged", p)
	}
	var left int
	if err := st.DB().Get(&left, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1`, ids[0]); err != nil || left != 0 {
		t.Fatalf("%d evidence events left of the purged letter (%v)", left, err)
	}
	if found := scan(t, st, []string{"TITTEL-EIER", personA}); len(found["TITTEL-EIER"])+len(found[personA]) > 0 {
		t.Fatalf("personal data of the purged letter left: %v", found)
	}
}
