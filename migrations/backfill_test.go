package migrations_test

import (
	"context"
	"database/sql"
	"testing"
)

// upgradeFrom migrates a new database down to version, writes seed there
// (the rows an older release stored) and migrates it up again: an
// upgrade's backfill, as it runs on a database with data.
func upgradeFrom(t *testing.T, version int64, seed ...string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	_, db, p := provider(t)
	if _, err := p.DownTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	for _, q := range seed {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	return db
}

// The upgrade to 00036 fills unit_classes with the classes of the letters
// already stored, per unit and each once, so the class filter offers them
// before anything new is registered.
func TestUnitClassesFilledFromStoredLetters(t *testing.T) {
	db := upgradeFrom(t, 35,
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, n FROM sender_orgs, unnest(ARRAY['NAV', 'Skole']) n`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at)
			SELECT gen_random_uuid(), 'svarut', u.name || c || n, u.id, r.id, 'Vedtak', true, c, now()
			FROM unnest(ARRAY['taushetsbelagt', 'barnevern']) c, generate_series(1, 2) n, sender_units u, recipients r
			WHERE u.name = 'NAV' OR c = 'taushetsbelagt'`,
	)
	got := rows(t, db, `SELECT u.name || ' ' || k.class FROM unit_classes k JOIN sender_units u ON u.id = k.sender_unit_id ORDER BY 1`)
	if want := "NAV barnevern | NAV taushetsbelagt | Skole taushetsbelagt"; got != want {
		t.Errorf("unit_classes after the upgrade: %s, want %s", got, want)
	}
}

// The upgrade to 00035 gives a letter a decision closed before it the
// stage the close stopped, read from its evidence ("escalation closed
// (stage X)", the last one), so "consequences assessed" recorded after the
// upgrade reopens it too; a letter not closed gets none.
func TestFollowupClosedStageFromTheEvidence(t *testing.T) {
	db := upgradeFrom(t, 34,
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, 'NAV' FROM sender_orgs`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at, stage)
			SELECT ('00000000-0000-0000-0000-00000000000' || n)::uuid, 'svarut', 'c' || n, u.id, r.id, 'Vedtak', true, 'taushetsbelagt', now(),
				CASE WHEN n = 3 THEN 'reminded' ELSE 'closed' END
			FROM generate_series(1, 3) n, sender_units u, recipients r`,
		`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline, decision)
			SELECT id, sender_unit_id, 'unread', now(), CASE WHEN channel_id = 'c3' THEN 'consequences_assessed' ELSE 'closed' END FROM shipments`,
		`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES
			('00000000-0000-0000-0000-000000000001', 'followup', 'user', now(), 'follow-up: closed (unread); escalation closed (stage print_held)'),
			('00000000-0000-0000-0000-000000000002', 'followup', 'user', now(), 'follow-up: closed (unread); escalation closed (stage none)'),
			('00000000-0000-0000-0000-000000000002', 'followup', 'user', now(), 'follow-up: new_letter (unread)'),
			('00000000-0000-0000-0000-000000000002', 'followup', 'user', now(), 'follow-up: closed (incident); escalation closed (stage reminded)'),
			('00000000-0000-0000-0000-000000000003', 'followup', 'user', now(), 'follow-up: closed (unread); escalation closed (stage manual)')`,
	)
	got := rows(t, db, `SELECT s.channel_id || ' ' || COALESCE(f.closed_stage, '-') FROM followups f JOIN shipments s ON s.id = f.shipment_id ORDER BY 1`)
	if want := "c1 print_held | c2 reminded | c3 -"; got != want {
		t.Errorf("closed_stage after the upgrade: %s, want %s", got, want)
	}
}

// The upgrade to 00049 gives a placed print order the time the print
// provider accepted it (placed_at), read from its evidence (the first
// print_ordered event; a status event does not count), so the exports
// keep it once the retention purge removes the evidence. An order not
// placed gets none, nor one whose evidence a purge before the upgrade
// removed.
func TestPrintPlacedAtFromTheEvidence(t *testing.T) {
	db := upgradeFrom(t, 48,
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, 'NAV' FROM sender_orgs`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at, stage)
			SELECT ('00000000-0000-0000-0000-00000000000' || n)::uuid, 'svarut', 'c' || n, u.id, r.id, 'Vedtak', true, 'taushetsbelagt',
				'2026-11-01T00:00:00Z', 'print_ordered'
			FROM generate_series(1, 4) n, sender_units u, recipients r`,
		`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, order_id, created_at, updated_at)
			SELECT id, 'default', false, 'k-' || channel_id, CASE channel_id WHEN 'c2' THEN 'held' WHEN 'c3' THEN 'posted' ELSE 'received' END,
				CASE WHEN channel_id = 'c2' THEN '' ELSE 'ORD-' || channel_id END, '2026-11-16T12:00:00Z', '2026-11-16T12:00:00Z'
			FROM shipments`,
		`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message) VALUES
			('00000000-0000-0000-0000-000000000001', 'print_decided', 'print', '2026-11-16T12:00:00Z', 'print decided'),
			('00000000-0000-0000-0000-000000000001', 'print_ordered', 'print', '2026-11-16T12:03:00Z', 'print order ORD-c1'),
			('00000000-0000-0000-0000-000000000001', 'print_status', 'print', '2026-11-16T13:00:00Z', 'print status received'),
			('00000000-0000-0000-0000-000000000004', 'print_ordered', 'print', '2026-11-17T08:30:00Z', 'print order ORD-c4')`,
	)
	got := rows(t, db, `SELECT s.channel_id || ' ' || COALESCE(to_char(p.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-')
		FROM print_orders p JOIN shipments s ON s.id = p.shipment_id ORDER BY 1`)
	if want := "c1 2026-11-16 12:03 | c2 - | c3 - | c4 2026-11-17 08:30"; got != want {
		t.Errorf("placed_at after the upgrade: %s, want %s", got, want)
	}
}
