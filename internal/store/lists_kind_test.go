package store_test

import (
	"context"
	"reflect"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestSummaryByRecipientKind: a summary narrowed to one kind of recipient
// (the overview's top organisations, and its one line of persons' letters)
// holds recipients of that kind only, live and from the rollups alike (the
// same page and totals), whatever the scope and page; the two kinds' totals
// add up to the whole summary's. By unit, narrowed to a kind, it is counted
// live (the units' rollup knows no recipients) and counts that kind's
// letters only.
func TestSummaryByRecipientKind(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	seedLists(t, st)
	pages := []struct{ offset, limit int }{{0, 10}, {1, 1}, {50, 10}}
	for _, scope := range []store.Scope{{}, {SenderOrg: "964338531"}} {
		all, err := st.Summarise(ctx, store.ListFilter{List: store.ListUnopened, Scope: scope}, store.ByRecipient, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		totals := map[string]int{}
		for _, kind := range []string{model.RecipientOrg, model.RecipientPerson} {
			f := store.ListFilter{List: store.ListUnopened, Scope: scope, RecipientKind: kind}
			for _, pg := range pages {
				st.DB().MustExec(`UPDATE list_rollups SET refreshed_at = NULL`)
				live, err := st.Summarise(ctx, f, store.ByRecipient, pg.offset, pg.limit)
				if err != nil || live.AsOf != nil {
					t.Fatalf("live summary: %+v %v", live, err)
				}
				if err := st.RefreshListSummaries(ctx); err != nil {
					t.Fatal(err)
				}
				rolled, err := st.Summarise(ctx, f, store.ByRecipient, pg.offset, pg.limit)
				if err != nil || rolled.AsOf == nil {
					t.Fatalf("%s, scope %+v: not from the rollup: %+v %v", kind, scope, rolled, err)
				}
				rolled.AsOf = nil
				if !reflect.DeepEqual(live, rolled) {
					t.Errorf("%s, scope %+v, page %+v: rollup %+v differs from live %+v", kind, scope, pg, rolled, live)
				}
				for _, g := range live.Groups {
					if g.Kind != kind {
						t.Errorf("%s, scope %+v: a group of kind %s (%+v)", kind, scope, g.Kind, g)
					}
				}
				if pg.offset == 0 && pg.limit == 10 {
					if len(live.Groups) == 0 {
						t.Fatalf("%s, scope %+v: no group: the seed proves too little", kind, scope)
					}
					totals[kind] = live.Total
				}
			}
		}
		if totals[model.RecipientOrg]+totals[model.RecipientPerson] != all.Total || totals[model.RecipientPerson] == 0 {
			t.Errorf("scope %+v: organisations' %d and persons' %d letters, the whole summary's %d",
				scope, totals[model.RecipientOrg], totals[model.RecipientPerson], all.Total)
		}
		units, err := st.Summarise(ctx, store.ListFilter{List: store.ListUnopened, Scope: scope, RecipientKind: model.RecipientPerson}, store.ByUnit, 0, 10)
		if err != nil || units.AsOf != nil || units.Total != totals[model.RecipientPerson] {
			t.Errorf("scope %+v: persons' letters by unit %+v (%v), want %d counted live", scope, units, err, totals[model.RecipientPerson])
		}
	}
}

// TestSummariseOrgs: the summary by receiving organisation read in one
// statement (SummariseOrgs) is Summarise narrowed to organisations, page
// for page (past the end too: no group, the totals), with the persons'
// letters the Total of Summarise narrowed to persons; live, from the
// rollups, and from the rollups within a sender organisation; of a list
// the rollups do not answer (one sending unit's) counted live.
func TestSummariseOrgs(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	seedLists(t, st)
	filters := []store.ListFilter{
		{List: store.ListUnopened},
		{List: store.ListUnopened, Scope: store.Scope{SenderOrg: "964338531"}},
		{List: store.ListUnopened, Scope: store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}},
		{List: store.ListUnopened, Scope: store.Scope{SenderOrg: "974760673"}}, // no letter
	}
	pages := []struct{ offset, limit int }{{0, 10}, {1, 1}, {50, 10}, {0, 0}}
	for _, rollup := range []bool{false, true} {
		if rollup {
			if err := st.RefreshListSummaries(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range filters {
			orgs, people := f, f
			orgs.RecipientKind, people.RecipientKind = model.RecipientOrg, model.RecipientPerson
			for _, pg := range pages {
				want, err := st.Summarise(ctx, orgs, store.ByRecipient, pg.offset, pg.limit)
				if err != nil {
					t.Fatal(err)
				}
				p, err := st.Summarise(ctx, people, store.ByRecipient, 0, 1)
				if err != nil {
					t.Fatal(err)
				}
				got, persons, err := st.SummariseOrgs(ctx, f, pg.offset, pg.limit)
				if err != nil {
					t.Fatalf("rollup %v, %+v, page %+v: %v", rollup, f.Scope, pg, err)
				}
				if (got.AsOf != nil) != (rollup && f.SenderUnit == "") {
					t.Errorf("rollup %v, %+v: as of %v", rollup, f.Scope, got.AsOf)
				}
				if !reflect.DeepEqual(got, want) || persons != p.Total {
					t.Errorf("rollup %v, %+v, page %+v: %+v and %d persons' letters, want %+v and %d",
						rollup, f.Scope, pg, got, persons, want, p.Total)
				}
			}
		}
	}
	all, persons, err := st.SummariseOrgs(ctx, filters[0], 0, 10)
	if err != nil || len(all.Groups) != 2 || persons == 0 || all.Total == 0 {
		t.Errorf("the seed proves too little: %+v, %d persons' letters (%v)", all, persons, err)
	}
}
