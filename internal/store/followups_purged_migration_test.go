package store_test

import (
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"postvakt/internal/model"
	"postvakt/internal/storetest"
	"postvakt/migrations"
)

// TestMigrationClosesFollowUpsOfPurgedLetters: the retention purge now
// closes a letter's open follow-up as it purges it; one a release before
// left open stayed overdue in the digest and on /followups for ever (no
// decision may be recorded for a purged letter). Migration 00057 closes
// those, and leaves a follow-up of a letter still kept open.
func TestMigrationClosesFollowUpsOfPurgedLetters(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	ids := storetest.IDs(storetest.Register(t, st, sample(0), sample(1)))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute))
	now := time.Date(2027, 1, 30, 10, 0, 0, 0, time.UTC)
	st.DB().MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT id, sender_unit_id, 'unread', $2 FROM shipments WHERE id = ANY($1::uuid[])`, "{"+ids[0]+","+ids[1]+"}", now)
	st.DB().MustExec(`UPDATE shipments SET purged_at = $2 WHERE id = $1`, ids[0], now) // as a release before left it
	p, err := goose.NewProvider(goose.DialectPostgres, st.DB().DB, migrations.FS, goose.WithLogger(goose.NopLogger()), goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	const m = 57
	if _, err := p.ApplyVersion(ctx, m, false); err != nil {
		t.Fatalf("down %d: %v", m, err)
	}
	if _, err := p.ApplyVersion(ctx, m, true); err != nil {
		t.Fatalf("up %d: %v", m, err)
	}
	for i, want := range []string{"closed", ""} {
		var decision, by string
		if err := st.DB().QueryRow(`SELECT COALESCE(decision, ''), decided_by FROM followups WHERE shipment_id = $1`, ids[i]).Scan(&decision, &by); err != nil {
			t.Fatal(err)
		}
		if decision != want {
			t.Errorf("letter %d (purged %v): follow-up decision %q by %q, want %q", i, i == 0, decision, by, want)
		}
	}
}
