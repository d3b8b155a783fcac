package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// eventColumns select an Event from shipment_events.
const eventColumns = `id, shipment_id, kind, source, actor, observed_at, polled_at, recorded_at,
	from_state, to_state, raw_status, payload, message, COALESCE(external_id, '') AS external_id`

// ProofKinds are the kinds of event the evidence's proof is drawn from:
// the state changes postvakt applied and the channel's own log entries. A
// refused transition, a decision or a follow-up carries a state too, but
// proves none.
var ProofKinds = []string{EventState, EventChannel}

// ProofEvents returns what the proof is drawn from: of the shipment's
// events of ProofKinds, the first and the last (by observed_at, then the
// log's own id) of each kind of fact (kind, source, from_state, to_state,
// raw_status), in that order, however long the log and whichever page of
// it is shown. The proof names only the first or the last event of a fact
// (the first time available, opened, "Tilgængelig for modtageren"; the last
// final state, the log's last entry), never one between, so it is the same
// as from every event; but a Digital Post letter's log of 5,000 entries,
// all of kinds that prove, is a few dozen events here, not 5,000 with their
// payloads' ids. Of a payload only what the proof names is read, for those
// events only: the channel log's id of the entry ({"id": …}, when the
// payload is an object that has one; else none), beside the id the entry
// is kept by (external_id). The kinds of fact are
// found by aggregate (no sort of the log); each one's first and last event
// then by the index on (shipment_id, observed_at, id).
func (s *Store) ProofEvents(ctx context.Context, shipmentID string) ([]Event, error) {
	evs := []Event{}
	if err := s.db.SelectContext(ctx, &evs, proofQuery, shipmentID, pq.Array(ProofKinds)); err != nil {
		return nil, fmt.Errorf("read the proof's events of %s: %w", shipmentID, err)
	}
	return evs, nil
}

// proofQuery is ProofEvents' query ($1 the shipment, $2 the kinds).
const proofQuery = `WITH fact AS (
		SELECT kind, source, from_state, to_state, raw_status, min(observed_at) AS first_at, max(observed_at) AS last_at
		FROM shipment_events WHERE shipment_id = $1 AND kind = ANY($2)
		GROUP BY kind, source, from_state, to_state, raw_status)
	SELECT e.id, e.shipment_id, e.kind, e.source, e.actor, e.observed_at, e.polled_at, e.recorded_at,
		e.from_state, e.to_state, e.raw_status, e.message,
		CASE WHEN jsonb_typeof(e.payload) = 'object' AND e.payload ? 'id' THEN jsonb_build_object('id', e.payload->'id') END AS payload,
		COALESCE(e.external_id, '') AS external_id
	FROM shipment_events e
	WHERE e.id IN (SELECT x.id FROM fact f, LATERAL (
			SELECT min(o.id) FROM shipment_events o WHERE o.shipment_id = $1 AND o.observed_at = f.first_at AND o.kind = f.kind
				AND o.source = f.source AND o.from_state = f.from_state AND o.to_state = f.to_state AND o.raw_status = f.raw_status
			UNION ALL
			SELECT max(o.id) FROM shipment_events o WHERE o.shipment_id = $1 AND o.observed_at = f.last_at AND o.kind = f.kind
				AND o.source = f.source AND o.from_state = f.from_state AND o.to_state = f.to_state AND o.raw_status = f.raw_status) x(id))
	ORDER BY e.observed_at, e.id`

// EventPage is one page of a shipment's evidence log.
type EventPage struct {
	// Events are the page's events in the order things happened
	// (observed_at, then id), oldest first.
	Events []Event
	// Total is how many events the whole log has.
	Total int
	// NextCursor names the page of the events before this page's first;
	// "" when there are none.
	NextCursor string
}

// EventsBefore returns a page of a shipment's evidence log: the limit
// latest events (by observed_at, then id) of those before the cursor (a
// NextCursor; "" for the latest of all), oldest first. Pages follow each
// other by keyset, so an event recorded meanwhile neither repeats nor
// hides one. A cursor this server did not make is ErrBadCursor.
func (s *Store) EventsBefore(ctx context.Context, shipmentID, cursor string, limit int) (*EventPage, error) {
	q, args, err := eventPageQuery(shipmentID, cursor, limit)
	if err != nil {
		return nil, err
	}
	var evs []Event
	if err := s.db.SelectContext(ctx, &evs, q, args...); err != nil {
		return nil, fmt.Errorf("read a page of the events of %s: %w", shipmentID, err)
	}
	p := &EventPage{}
	if len(evs) > limit {
		evs = evs[:limit]
		last := evs[limit-1]
		p.NextCursor = encodeEventCursor(last.ObservedAt, last.ID)
	}
	p.Events = make([]Event, len(evs))
	for i, e := range evs {
		p.Events[len(evs)-1-i] = e
	}
	if err := s.db.GetContext(ctx, &p.Total, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1`, shipmentID); err != nil {
		return nil, fmt.Errorf("count the events of %s: %w", shipmentID, err)
	}
	return p, nil
}

// eventPageQuery is the query of EventsBefore's page: the limit+1 latest
// events before the cursor. The index on (shipment_id, observed_at, id)
// (00039) gives them in that order from the cursor on, so a page reads its
// own rows, not the whole log.
func eventPageQuery(shipmentID, cursor string, limit int) (string, []any, error) {
	args := []any{shipmentID, limit + 1}
	cond := ""
	if cursor != "" {
		at, id, err := decodeEventCursor(cursor)
		if err != nil {
			return "", nil, err
		}
		args = append(args, at, id)
		cond = " AND (observed_at, id) < ($3, $4)"
	}
	return `SELECT ` + eventColumns + ` FROM shipment_events
		WHERE shipment_id = $1` + cond + ` ORDER BY observed_at DESC, id DESC LIMIT $2`, args, nil
}

func encodeEventCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
}

func decodeEventCursor(c string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, 0, ErrBadCursor
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, 0, ErrBadCursor
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	// In UTC, as decodeCursor's.
	return t.UTC(), n, nil
}
