package storetest

import (
	"context"
	"testing"

	"postvakt/internal/store"
)

// Fill describes a database of some years' letters, for tests that look at
// query plans or at what a large database costs: Letters letters like
// Like (its sender unit, recipient, channel, sending time), each with
// Events events, and one letter (LongLog, optional) with LongEvents Digital
// Post log entries besides.
type Fill struct {
	Like       store.Shipment
	Letters    int
	Events     int
	LongLog    string
	LongEvents int
}

// Into writes the fill into st's database and refreshes the planner's
// statistics. The events are written in rounds, one event of every letter
// a round, as polls write them over the years: a letter's events lie
// apart in the table, not side by side. A Digital Post entry's payload
// carries its log id and tag, the others' a channel answer of a few
// hundred bytes.
func (f Fill) Into(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	if _, err := db.ExecContext(ctx, `INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id, title,
			confidential, class, sent_at, state, state_changed_at)
		SELECT gen_random_uuid(), l.channel, gen_random_uuid()::text, l.sender_unit_id, l.recipient_id, l.title,
			l.confidential, l.class, l.sent_at - make_interval(mins => i), 'opened', l.sent_at
		FROM shipments l, generate_series(1, $2) i WHERE l.id = $1`, f.Like.ID, f.Letters); err != nil {
		t.Fatalf("fill: letters: %v", err)
	}
	rounds := max(f.Events, 1)
	for r := 1; r <= rounds; r++ {
		if r <= f.Events {
			if _, err := db.ExecContext(ctx, `INSERT INTO shipment_events (shipment_id, kind, source, observed_at,
					from_state, to_state, raw_status, payload, message)
				SELECT s.id, CASE WHEN $2 % 2 = 0 THEN 'status' ELSE 'state' END, s.channel, s.sent_at + make_interval(hours => $2),
					'accepted', 'available', 'LEVERT', jsonb_build_object('id', gen_random_uuid(), 'answer', repeat('x', 300)), ''
				FROM shipments s WHERE s.id <> $1 AND s.id <> $3`, f.Like.ID, r, nullID(f.LongLog)); err != nil {
				t.Fatalf("fill: events, round %d: %v", r, err)
			}
		}
		if f.LongLog == "" {
			continue
		}
		from, to := f.LongEvents*(r-1)/rounds, f.LongEvents*r/rounds
		if _, err := db.ExecContext(ctx, `INSERT INTO shipment_events (shipment_id, kind, source, observed_at,
				to_state, raw_status, payload, external_id)
			SELECT s.id, 'channel_event', 'digitalpost', s.sent_at + make_interval(secs => i), '', tag,
				jsonb_build_object('id', e, 'eventTag', tag, 'messageUUID', s.channel_id), e
			FROM shipments s, generate_series($2 + 1, $3) i,
				LATERAL (SELECT (ARRAY['MEMO_SEND_RECEIVED', 'MEMO_SEND_VALIDATED', 'MEMO_AVAILABLE_TO_RECIPIENT',
					'MESSAGE_READ', 'MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM'])[1 + i % 5] AS tag,
					gen_random_uuid()::text AS e) x
			WHERE s.id = $1`, f.LongLog, from, to); err != nil {
			t.Fatalf("fill: the long log, round %d: %v", r, err)
		}
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE shipments`); err != nil {
		t.Fatalf("fill: analyze: %v", err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE shipment_events`); err != nil {
		t.Fatalf("fill: analyze: %v", err)
	}
}

// nullID is id, or a UUID no letter has when id is "".
func nullID(id string) string {
	if id == "" {
		return "00000000-0000-0000-0000-000000000000"
	}
	return id
}
