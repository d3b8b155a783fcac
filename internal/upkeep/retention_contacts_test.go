package upkeep

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The reminder addresses of a receiving organisation (imported, or looked
// up in Altinn Profile: often a named person's address) serve the
// reminders about its letters. Once every letter to it is purged and the
// addresses are older than the retention period, they go with the cached
// lookup; an organisation that still has a letter kept, or whose addresses
// were set or fetched within the period, keeps them.
func TestRetentionPurgesContactsOfOrganisationsWithNoLetterLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	const (
		gone     = "974760673" // one old letter, old addresses: purged
		stillHas = "964338531" // an old letter and a recent one: kept
		fresh    = "910859897" // no letter, addresses imported recently: kept
	)
	old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC)
	register(t, st,
		letter{"taushetsbelagt", "org", gone, "Vedtak", old},
		letter{"taushetsbelagt", "org", stillHas, "Vedtak", old},
		letter{"taushetsbelagt", "org", stillHas, "Vedtak", now.AddDate(0, -1, 0)})
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: gone, Email: "kari.nordmann@firma.no"},
		{Org: stillHas, Email: "post@kept.no"}, {Org: fresh, Email: "ola@fresh.no"}}, store.ContactSourceImport); err != nil {
		t.Fatal(err)
	}
	if err := st.StoreLookedUpContacts(ctx, []string{gone, stillHas}, map[string][]string{gone: {"profil.person@firma.no"},
		stillHas: {"profil@kept.no"}}, old.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	db := st.DB()
	if _, err := db.Exec(`UPDATE org_contacts SET created_at = $1 WHERE source = 'import' AND orgnr <> $2`, old, fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE org_contacts SET created_at = $1 WHERE orgnr = $2`, now.AddDate(-1, 0, 0), fresh); err != nil {
		t.Fatal(err)
	}

	p, err := purge(ctx, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Shipments != 2 {
		t.Fatalf("purged %d letters, want the two old ones", p.Shipments)
	}
	left := func(q, org string) int {
		t.Helper()
		var n int
		if err := db.Get(&n, q, org); err != nil {
			t.Fatal(err)
		}
		return n
	}
	contacts := `SELECT count(*) FROM org_contacts WHERE orgnr = $1`
	lookups := `SELECT count(*) FROM contact_lookups WHERE orgnr = $1`
	if n, m := left(contacts, gone), left(lookups, gone); n != 0 || m != 0 {
		t.Errorf("an organisation with no letter left keeps %d address(es) and %d cached lookup(s) past the retention period", n, m)
	}
	if n, m := left(contacts, stillHas), left(lookups, stillHas); n != 2 || m != 1 {
		t.Errorf("an organisation with a letter still kept: %d addresses, %d lookups; want 2 and 1", n, m)
	}
	if n := left(contacts, fresh); n != 1 {
		t.Errorf("addresses imported a year ago: %d left, want 1", n)
	}
	if p.Contacts != 2 {
		t.Errorf("purge counts %d contacts, want 2 (the imported and the looked-up address)", p.Contacts)
	}
	if found := scan(t, st, []string{"kari.nordmann@firma.no", "profil.person@firma.no"}); len(found) > 0 {
		t.Errorf("purged addresses still in %v", found)
	}
}
