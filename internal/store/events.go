package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Event kinds in the evidence log.
const (
	EventRegistered = "registered" // the shipment entered postvakt
	EventState      = "state"      // the normalised state changed
	EventStatus     = "status"     // the channel's status changed without a state change
	EventRejected   = "rejected_transition"
	EventPollError  = "poll_error" // the channel's answer could not be used; raw payload kept
	EventHistory    = "history"    // the channel's own event history, kept as evidence
	// EventUnknown: the channel has never heard of the shipment (SvarUt v1
	// 404, absent from a status-sok answer, Altinn 404/410). Recorded
	// when the shipment is first found unknown; the marker
	// shipments.unknown_to_channel_since stays until the channel knows it.
	EventUnknown = "unknown_to_channel"
	// EventKnownAgain: a shipment marked unknown to the channel got a
	// usable answer about it again; the marker is cleared.
	EventKnownAgain = "known_to_channel"
)

// Event sources besides the channels (an event a channel told has the
// channel's name as its source) and the print fallback's (SourcePrint,
// SourceRegister). The evidence page names each in the reader's words
// (catalogue entries evsource.<source>).
const (
	SourceAPI      = "api"
	SourceImport   = "import"
	SourceDiscover = "discover" // registered by postvakt discover (back-fill from the channel)
	SourcePolicy   = "policy"
	SourceUser     = "user"
)

// Event is one entry of a shipment's evidence log.
type Event struct {
	ID         int64     `db:"id" json:"id"`
	ShipmentID string    `db:"shipment_id" json:"-"`
	Kind       string    `db:"kind" json:"kind"`
	Source     string    `db:"source" json:"source"`
	Actor      string    `db:"actor" json:"actor"`
	ObservedAt time.Time `db:"observed_at" json:"observed_at"`
	// PolledAt is when postvakt asked the channel, for an event of a poll:
	// ObservedAt is the channel's own time when it gave one, and PolledAt
	// itself when it did not (the fact then holds "no later than").
	PolledAt   *time.Time `db:"polled_at" json:"polled_at,omitempty"`
	RecordedAt time.Time  `db:"recorded_at" json:"recorded_at"`
	FromState  string     `db:"from_state" json:"from_state,omitempty"`
	ToState    string     `db:"to_state" json:"to_state,omitempty"`
	RawStatus  string     `db:"raw_status" json:"raw_status,omitempty"`
	Payload    JSON       `db:"payload" json:"payload,omitempty"`
	Message    string     `db:"message" json:"message,omitempty"`
	// ExternalID is a channel log entry's own id (a feed channel's
	// channel_event: Digital Post's entry id), which keeps it once; empty
	// for postvakt's own events. The payload keeps it too, as the log
	// gave it.
	ExternalID string `db:"external_id" json:"-"`
}

// Events returns a shipment's whole evidence log in the log's order (id);
// EventsBefore reads it a page at a time.
func (s *Store) Events(ctx context.Context, shipmentID string) ([]Event, error) {
	var evs []Event
	err := s.db.SelectContext(ctx, &evs, `SELECT `+eventColumns+` FROM shipment_events WHERE shipment_id = $1 ORDER BY id`, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", shipmentID, err)
	}
	if evs == nil {
		evs = []Event{}
	}
	return evs, nil
}

// ShipmentEvidence returns a shipment (as ShipmentFacts, without a scope)
// with its whole evidence log in the log's order (as Events), both read in
// one snapshot: the complete evidence export states the letter's facts and
// its log as of one moment, never a state the log beside it does not hold.
// An unknown shipment is ErrNotFound.
func (s *Store) ShipmentEvidence(ctx context.Context, id string) (*Shipment, error) {
	if !looksLikeUUID(id) {
		return nil, ErrNotFound
	}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read the evidence of %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }() // read only: nothing to commit
	var sh Shipment
	if err := tx.GetContext(ctx, &sh, `SELECT `+shipmentColumns+shipmentFrom+` WHERE s.id = $1`, id); err != nil {
		return nil, fmt.Errorf("get shipment %s: %w", id, notFound(err))
	}
	sh.fill()
	if err := tx.SelectContext(ctx, &sh.Events, `SELECT `+eventColumns+` FROM shipment_events WHERE shipment_id = $1 ORDER BY id`, id); err != nil {
		return nil, fmt.Errorf("read events of %s: %w", id, err)
	}
	if sh.Events == nil {
		sh.Events = []Event{}
	}
	return &sh, nil
}

// appendEvent writes one event inside tx. An unknown shipment is
// ErrNotFound: the statement checks it (there is no foreign key, see
// migration 00013).
func appendEvent(ctx context.Context, tx *sqlx.Tx, e Event) error {
	var payload any
	if len(e.Payload) > 0 {
		payload = []byte(e.Payload)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO shipment_events
		(shipment_id, kind, source, actor, observed_at, from_state, to_state, raw_status, payload, message, polled_at)
		SELECT s.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM shipments s WHERE s.id = $1`,
		e.ShipmentID, e.Kind, e.Source, e.Actor, e.ObservedAt, e.FromState, e.ToState, e.RawStatus, payload, e.Message, e.PolledAt)
	if err != nil {
		return fmt.Errorf("append %s event to %s: %w", e.Kind, e.ShipmentID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("append %s event to %s: no such shipment: %w", e.Kind, e.ShipmentID, ErrNotFound)
	}
	return nil
}

// appendEvents writes many events with one statement inside tx. An event
// for an unknown shipment fails them all with ErrNotFound (the join checks
// what a foreign key would, once per statement, through the primary key:
// anyKey).
func appendEvents(ctx context.Context, tx *sqlx.Tx, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	n := len(evs)
	ids, kinds, sources, actors, from, to, raw, msgs := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	observed, polled := make([]*time.Time, n), make([]*time.Time, n)
	payloads := make(nullTexts, n)
	for i := range evs {
		e := &evs[i]
		ids[i], kinds[i], sources[i], actors[i], from[i], to[i], raw[i], msgs[i] =
			e.ShipmentID, e.Kind, e.Source, e.Actor, e.FromState, e.ToState, e.RawStatus, e.Message
		observed[i], polled[i] = &e.ObservedAt, e.PolledAt
		if len(e.Payload) > 0 {
			payloads[i] = sql.NullString{String: string(e.Payload), Valid: true}
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO shipment_events
		(shipment_id, kind, source, actor, observed_at, from_state, to_state, raw_status, payload, message, polled_at)
		SELECT u.id, u.kind, u.source, u.actor, u.observed, u.from_state, u.to_state, u.raw, u.payload::jsonb, u.msg, u.polled
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::timestamptz[]) WITH ORDINALITY
			AS u(id, kind, source, actor, observed, from_state, to_state, raw, payload, msg, polled, ord)
		JOIN shipments s ON s.id = u.id
		WHERE `+anyKey("s.id", 1, "uuid")+`
		ORDER BY u.ord`,
		pq.Array(ids), pq.Array(kinds), pq.Array(sources), pq.Array(actors), timesOrNull(observed),
		pq.Array(from), pq.Array(to), pq.Array(raw), payloads, pq.Array(msgs), timesOrNull(polled))
	if err != nil {
		return fmt.Errorf("append %d events: %w", n, err)
	}
	if got, err := res.RowsAffected(); err != nil || int(got) != n {
		return fmt.Errorf("append %d events: %d for unknown shipments: %w", n, n-int(got), ErrNotFound)
	}
	return nil
}

// AppendEvent appends one event to a shipment's log.
func (s *Store) AppendEvent(ctx context.Context, e Event) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return appendEvent(ctx, tx, e) })
}

// JSON is a jsonb column that may be NULL; it marshals as the raw document.
type JSON []byte

// Scan implements sql.Scanner.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append((*j)[:0], v...)
	case string:
		*j = JSON(v)
	default:
		return fmt.Errorf("scan %T into JSON", src)
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}
