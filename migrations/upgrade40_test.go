package migrations_test

import "testing"

// TestUpgradeFrom40WithData: a database an older release left at 00040,
// with letters in every state and stage (some purged), their evidence,
// reminders, open and decided follow-ups, manual cases resolved and not,
// and alerts firing and resolved, migrates to the newest: every migration
// runs on those rows and loses none. The follow-ups left open on letters
// opened (00050) or purged (00057) are closed, an opened one with its
// evidence; the others stay as they were; a firing alert is held since it
// last changed (00042).
func TestUpgradeFrom40WithData(t *testing.T) {
	db := upgradeFrom(t, 40,
		`INSERT INTO sender_orgs (orgnr) VALUES ('964338531')`,
		`INSERT INTO sender_units (sender_org_id, name) SELECT id, 'NAV' FROM sender_orgs`,
		`INSERT INTO recipients (kind, ident) VALUES ('org', '974760673')`,
		// c1..c22: every stage twice, states in turn, every seventh purged.
		`INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title, confidential, class, sent_at, stage, state, purged_at)
			SELECT ('00000000-0000-0000-0000-0000000000' || lpad(n::text, 2, '0'))::uuid, 'svarut', 'c' || n, u.id, r.id, 'Vedtak', true,
				'taushetsbelagt', '2026-11-01T00:00:00Z',
				(ARRAY['none', 'reminded', 'print_due', 'print_held', 'print_rejected', 'print_ordered', 'printed', 'print_cancelled',
					'manual', 'channel_print', 'closed'])[1 + n % 11],
				(ARRAY['registered', 'accepted', 'available', 'opened', 'failed'])[1 + n % 5],
				CASE WHEN n % 7 = 0 THEN '2026-11-20T00:00:00Z'::timestamptz END
			FROM generate_series(1, 22) n, sender_units u, recipients r`,
		`INSERT INTO shipment_events (shipment_id, kind, source, observed_at, message)
			SELECT id, 'state', 'api', '2026-11-01T00:00:00Z', 'registered' FROM shipments`,
		// Open follow-ups but for c3 and c4 (decided before).
		`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline, decision, decided_by)
			SELECT id, sender_unit_id, 'unread', '2026-11-10T00:00:00Z',
				CASE WHEN channel_id IN ('c3', 'c4') THEN 'closed' END, CASE WHEN channel_id IN ('c3', 'c4') THEN 'kari' ELSE '' END
			FROM shipments`,
		`INSERT INTO notifications (key, orgnr, status, created_at, claimed_at, updated_at)
			SELECT 'k' || n, '974760673', (ARRAY['pending', 'sent', 'failed', 'unknown', 'no_address', 'superseded'])[n],
				'2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z'
			FROM generate_series(1, 6) n`,
		`INSERT INTO print_manual (shipment_id, reason, created_at, resolution)
			SELECT id, 'no_address', '2026-11-03T00:00:00Z', CASE WHEN channel_id = 'c8' THEN '' ELSE 'printed_by_hand' END
			FROM shipments WHERE stage = 'manual'`,
		`INSERT INTO health_alerts (fingerprint, rule, labels, severity, status, affected, selector, started_at, updated_at)
			SELECT 'f' || n, 'silent', '{}', 'critical', CASE n WHEN 1 THEN 'firing' ELSE 'resolved' END, 0, '{}',
				'2026-11-04T00:00:00Z', '2026-11-05T00:00:00Z'
			FROM generate_series(1, 2) n`,
	)
	for q, want := range map[string]string{
		`SELECT count(*)::text FROM shipments`:                            "22",
		`SELECT count(*)::text FROM followups`:                            "22",
		`SELECT count(*)::text FROM notifications`:                        "6",
		`SELECT count(*)::text FROM print_manual`:                         "2",
		`SELECT count(*)::text FROM shipment_events WHERE kind = 'state'`: "22",
		`SELECT fingerprint || ' ' || COALESCE(to_char(held_at AT TIME ZONE 'UTC', 'MM-DD'), '-') FROM health_alerts ORDER BY 1`: "f1 11-05 | f2 -",
		// Closed by 00050 (opened: c8, c13, c18) and 00057 (purged: c7, c14, c21);
		// c3 and c4 as they were decided.
		`SELECT s.channel_id || ' ' || f.decided_by FROM followups f JOIN shipments s ON s.id = f.shipment_id
			WHERE f.decision IS NOT NULL ORDER BY 1`: "c13 migration | c14 migration | c18 migration | c21 migration | c3 kari | c4 kari | c7 migration | c8 migration",
		`SELECT s.channel_id FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id WHERE e.kind = 'followup' ORDER BY 1`: "c13 | c18 | c8",
	} {
		if got := rows(t, db, q); got != want {
			t.Errorf("after the upgrade, %s\n = %s\nwant %s", q, got, want)
		}
	}
}
