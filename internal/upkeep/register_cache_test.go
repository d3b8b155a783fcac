package upkeep

import (
	"context"
	"slices"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestRetentionDropsRegisterAnswersOfOrganisationsWithNoLetterKept: once
// the purge has taken every letter to a receiving organisation, its
// register answer goes (a sole proprietorship's names its owner, at their
// home address), and the names job asks about it no more. Before, the
// names job refreshed the answer every day, so it never grew old enough
// for the purge of stale answers: kept, and asked about, for ever. An
// organisation with a letter kept, and the sending organisation, keep
// theirs.
func TestRetentionDropsRegisterAnswersOfOrganisationsWithNoLetterKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	const kept = "910000009"
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	register(t, st,
		letter{"taushetsbelagt", "org", firma, "TITTEL-F-FIRMA", old},
		letter{"taushetsbelagt", "org", kept, "TITTEL-K-GAMMEL", old},
		letter{"taushetsbelagt", "org", kept, "TITTEL-K-NY", now.AddDate(0, -1, 0)},
	)
	for nr, body := range map[string]string{firma: "ENK-EIER-Ola Nordmann, Hjemmeveien 1", kept: "BEHOLDT-AS", bergen: "AVSENDER-BERGEN"} {
		if err := st.PutRegisterEntry(ctx, store.RegisterEntry{OrgNr: nr, Kind: store.RegisterEnhet, Status: 200,
			Body: []byte(`{"organisasjonsnummer":"` + nr + `","navn":"` + body + `"}`), Name: body, FetchedAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.FillOrgNames(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := purge(ctx, st, now)
	if err != nil || p.Shipments != 2 {
		t.Fatalf("purge %+v %v", p, err)
	}
	found := scan(t, st, []string{"ENK-EIER-Ola Nordmann, Hjemmeveien", "BEHOLDT-AS", "AVSENDER-BERGEN"})
	if where := found["ENK-EIER-Ola Nordmann, Hjemmeveien"]; slices.Contains(where, "register_cache.body") {
		t.Errorf("the register's answer about %s, every letter to it purged, is still in %v", firma, where)
	}
	for _, v := range []string{"BEHOLDT-AS", "AVSENDER-BERGEN"} {
		if !slices.Contains(found[v], "register_cache.body") {
			t.Errorf("%q is gone from the register cache, but its organisation still has a letter or sends them", v)
		}
	}
	var cached []string
	if err := st.DB().Select(&cached, `SELECT orgnr FROM register_cache ORDER BY orgnr`); err != nil {
		t.Fatal(err)
	}
	if want := []string{kept, bergen}; !slices.Equal(cached, want) || p.Caches != 1 {
		t.Errorf("register answers kept for %v (%d purged), want %v", cached, p.Caches, want)
	}
	// A day on, the names job asks about the organisations kept, not the
	// one the purge took.
	due, err := st.OrgsToName(ctx, now.Add(25*time.Hour), now.Add(time.Hour), []string{"NO"}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(due, firma) || !slices.Contains(due, kept) {
		t.Errorf("names job asks about %v; want %s, not %s (every letter purged)", due, kept, firma)
	}
}
