package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// sqlHeard says, of a shipments row s, whether its channel has answered
// about the letter before: it gave a status, moved it past registered, or
// left an answer in its evidence (a state, a status, a history, a log
// entry, the letter known again). A letter so heard of that the channel
// now says it does not know is not marked unknown_to_channel on that one
// answer (Due.Heard; internal/poll, forgotten.go). The evidence is looked
// at only for a letter that is still registered without a status: one
// index probe (shipment_events_shipment) for a new letter.
const sqlHeard = `(s.channel_status <> '' OR s.state <> 'registered' OR EXISTS (SELECT 1 FROM shipment_events e
	WHERE e.shipment_id = s.id AND e.source = s.channel AND e.kind IN ('` + EventState + `', '` + EventStatus + `', '` +
	EventHistory + `', '` + EventKnownAgain + `', '` + EventChannel + `')))`

// PollWitness returns the channel id of a letter of channel, not among
// not, that the channel answered usably at its last poll: one still
// polled, the latest due first (a backward scan of the poll index: a
// letter asked about within the last hours), else any (PollCanary); ""
// when there is none. The poller asks the channel about it before taking
// the channel's word that it no longer knows letters it knew.
func (s *Store) PollWitness(ctx context.Context, channel string, not []string) (string, error) {
	if not == nil {
		not = []string{} // <> ALL(NULL) is never true
	}
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `SELECT s.channel_id FROM poll_queue q JOIN shipments s ON s.id = q.shipment_id
		WHERE q.channel = $1 AND q.next_poll_at IS NOT NULL AND q.failures = 0
			AND s.channel_status <> '' AND s.unknown_to_channel_since IS NULL AND s.channel_id <> ALL($2::text[])
		ORDER BY q.next_poll_at DESC
		LIMIT 1`, channel, pq.Array(not))
	if err != nil {
		return "", fmt.Errorf("find a %s letter to check the channel still knows its letters: %w", channel, err)
	}
	if len(ids) > 0 {
		return ids[0], nil
	}
	return s.PollCanary(ctx, channel, not)
}
