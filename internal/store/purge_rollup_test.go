package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The overview's and /unopened's summary by receiving
// organisation reads the rollups while they are fresh (up to 2 minutes).
// The retention purge re-points a person's letter to the anonymous person
// and deletes the person: the rollup still had the letters under the
// deleted person's row, and SummariseOrgs' totals (all groups minus the
// persons' groups joined to recipients) counted them as an organisation's
// until the next refresh. The purge marks the rollups stale, so the
// summaries are live until then (review finding).
func TestPurgedPersonNotCountedAsOrganisation(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	org := sample(1)
	person := sample(2)
	person.RecipientKind, person.RecipientID = "person", "01017012343"
	person.SentAt = time.Date(2018, 3, 1, 10, 0, 0, 0, time.UTC)
	got := storetest.Register(t, st, org, person)
	storetest.Set(t, st, []string{got[1].ID}, storetest.StateChangedAt(person.SentAt))
	if err := st.RefreshListSummaries(ctx); err != nil {
		t.Fatal(err)
	}
	f := store.ListFilter{List: store.ListUnopened}
	before, persons, err := st.SummariseOrgs(ctx, f, 0, 10)
	if err != nil || before.AsOf == nil {
		t.Fatalf("not from the rollup: %+v %v", before, err)
	}
	if before.TotalGroups != 1 || before.Total != 1 || persons != 1 {
		t.Fatalf("before the purge: %d organisations, %d letters, %d persons' letters", before.TotalGroups, before.Total, persons)
	}
	if _, err := st.PurgeShipments(ctx, storetest.Due(got[1].ID), time.Now(), "test"); err != nil {
		t.Fatal(err)
	}
	sum, persons, err := st.SummariseOrgs(ctx, f, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if sum.TotalGroups != 1 || sum.Total != 1 || persons != 1 {
		t.Errorf("after the purge (rollup as of %v): %d organisations with %d letters, %d persons' letters; want 1, 1, 1 (the list has 1 letter to an organisation, 1 to a person)",
			sum.AsOf, sum.TotalGroups, sum.Total, persons)
	}
}
