package migrations_test

import (
	"context"
	"testing"
)

// The upgrade to 00036 fills unit_classes with the classes of the letters
// already stored, per unit and each once, so the class filter offers them
// before anything new is registered.
func TestUnitClassesFilledFromStoredLetters(t *testing.T) {
	ctx := context.Background()
	_, db, p := provider(t)
	if _, err := p.DownTo(ctx, 35); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, n FROM sender_orgs, unnest(ARRAY['NAV', 'Skole']) n`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at)
			SELECT gen_random_uuid(), 'svarut', u.name || c || n, u.id, r.id, 'Vedtak', true, c, now()
			FROM unnest(ARRAY['taushetsbelagt', 'barnevern']) c, generate_series(1, 2) n, sender_units u, recipients r
			WHERE u.name = 'NAV' OR c = 'taushetsbelagt'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	got := rows(t, db, `SELECT u.name || ' ' || k.class FROM unit_classes k JOIN sender_units u ON u.id = k.sender_unit_id ORDER BY 1`)
	if want := "NAV barnevern | NAV taushetsbelagt | Skole taushetsbelagt"; got != want {
		t.Errorf("unit_classes after the upgrade: %s, want %s", got, want)
	}
}
