package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Due is a shipment claimed for polling.
type Due struct {
	ID            string      `db:"id"`
	ChannelID     string      `db:"channel_id"`
	State         model.State `db:"state"`
	ChannelStatus string      `db:"channel_status"`
	SentAt        time.Time   `db:"sent_at"`
	PollFailures  int         `db:"poll_failures"`
	// UnknownSince is when the channel was first found not to know the
	// shipment (nil: it knows it, or nobody asked yet).
	UnknownSince *time.Time `db:"unknown_to_channel_since"`
	// HistoryDue: the channel's history of a change could not be fetched
	// at an earlier poll; it is asked for again (poll_queue.history_due).
	HistoryDue bool `db:"history_due"`
	// Heard: the channel has answered about the letter before (sqlHeard).
	Heard bool `db:"heard"`
	// NotKnownSince is when the channel, having answered about the letter
	// before, first said it does not know it, in the run of answers since
	// (poll_queue.not_known_since; nil: it has not, or it knew it since).
	NotKnownSince *time.Time `db:"not_known_since"`
	// RereadAskedAt is when the letter, its look-up refused by a feed's
	// log, asked for the log to be read again over its time
	// (WantFeedReread; nil: it has not).
	RereadAskedAt *time.Time `db:"reread_asked_at"`
}

// ClaimDue claims up to limit shipments of a channel whose next poll is due
// at now. The claim holds them until now+lease (poll_queue.claimed_until),
// so another worker or replica does not take them in the same cycle, and a
// crashed worker's shipments come back after the lease; writing a poll's
// result ends the claim. Rows locked by another claim are skipped, not
// waited for. The claim is a HOT update of the narrow poll_queue
// (migration 00020); shipments is only read.
func (s *Store) ClaimDue(ctx context.Context, channel string, now time.Time, limit int, lease time.Duration) ([]Due, error) {
	var due []Due
	// ARRAY(…): the planner joined the claimed ids to the whole table with
	// a sequential scan; as an array they are looked up by primary key.
	err := s.db.SelectContext(ctx, &due, `WITH c AS (
			UPDATE poll_queue q SET claimed_until = $3
			WHERE q.shipment_id = ANY(ARRAY(SELECT shipment_id FROM poll_queue
			      WHERE channel = $1 AND next_poll_at <= $2
			        AND (claimed_until IS NULL OR claimed_until <= $2)
			      ORDER BY next_poll_at LIMIT $4
			      FOR UPDATE SKIP LOCKED))
			RETURNING q.shipment_id, q.failures, q.history_due, q.next_poll_at, q.not_known_since, q.reread_asked_at)
		SELECT s.id, s.channel_id, s.state, s.channel_status, s.sent_at, c.failures AS poll_failures, s.unknown_to_channel_since,
			c.history_due, c.not_known_since, c.reread_asked_at, `+sqlHeard+` AS heard
		FROM shipments s JOIN c ON c.shipment_id = s.id
		WHERE s.id = ANY(ARRAY(SELECT shipment_id FROM c))
		ORDER BY c.next_poll_at -- the longest waiting first: a call cut short leaves the newest unasked`,
		channel, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim due %s shipments: %w", channel, err)
	}
	return due, nil
}

// ReleaseClaims gives back claimed shipments whose poll was abandoned (a
// stop cut the channel's call short): those still under the claim that
// held them until `until` are due again at once, not after the lease.
func (s *Store) ReleaseClaims(ctx context.Context, shipmentIDs []string, until time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE poll_queue SET claimed_until = NULL
		WHERE shipment_id = ANY($1::uuid[]) AND claimed_until = $2`, pq.Array(shipmentIDs), until); err != nil {
		return fmt.Errorf("give back %d claimed shipments: %w", len(shipmentIDs), err)
	}
	return nil
}

// PollResult is what one poll learned about one claimed shipment, ready to
// be written. Source is the channel's name. Text and JSON from the channel
// need not be clean: ApplyPoll makes them fit for PostgreSQL.
type PollResult struct {
	Due
	Source     string
	ObservedAt time.Time   // when postvakt asked
	Status     string      // the channel's raw status
	State      model.State // normalised; the shipment's own state when Err is set or Unknown
	Closed     string      // "channel_print" or "closed" when the status ends escalation
	ChangedAt  time.Time   // when the channel says the status changed; zero = unknown
	// EnteredAt is when the letter entered State, when the channel tells
	// and it is earlier than ChangedAt; zero = ChangedAt (stateAt).
	EnteredAt time.Time
	// AvailableAt is when the channel says the letter became available,
	// when it tells and it is earlier than the state's time.
	AvailableAt time.Time
	// HeldUntil is when the channel publishes a letter the sender asked to
	// be published later, while that is ahead (shipments.held_until, kept
	// once set); zero: not held.
	HeldUntil time.Time
	Payload   []byte // raw status record (JSON)
	History   []byte // raw history (JSON), when fetched
	// HistoryErr says why the history of a change could not be fetched:
	// noted in the evidence (once), and asked for again at the next poll
	// (poll_queue.history_due) until a result brings History.
	HistoryErr string
	// Note says what postvakt made of the answer that its evidence would
	// not show (a status time taken at the sent time): the message of the
	// state or status event it writes.
	Note string
	Err  string // this shipment's answer could not be used
	// Unknown: the channel has never heard of this shipment (see
	// EventUnknown); Err is empty then.
	Unknown bool
	// NotKnown: Err is the channel saying it does not know a letter it
	// answered about before; poll_queue.not_known_since is set, if not
	// yet, to ObservedAt. Any answer that knows the letter clears it.
	NotKnown bool
	// Skipped: the call did not ask about this shipment (its time ran out
	// first): only its next poll is set; its failures, its unknown mark
	// and its escalation stay as they were.
	Skipped    bool
	NextPollAt *time.Time // nil: never again (final state)
	// RetryAt is when to poll again should this result be refused by the
	// database even after cleaning (see ApplyPoll).
	RetryAt time.Time
}

// PollWrite says what writing one batch of results did.
type PollWrite struct {
	Changed  int // state changes applied
	Statuses int // raw status changes without a state change
	Refused  int // impossible transitions, logged, not applied; a refused answer repeated at later polls is not counted again (RefusedAgain)
	Errors   int // per-shipment errors recorded
	Unknown  int // shipments the channel does not know
	// Unwritable are results the database refused even after cleaning:
	// written without their payload, or, failing that, left out of the
	// batch (the rest was applied) and retried at RetryAt; or left out for
	// the write's sake (a lock wait, a deadlock: answerFault), without a
	// word in the evidence, and asked about again after the lease.
	Unwritable []Unwritable
}

// Unwritable is one result the database refused.
type Unwritable struct {
	ShipmentID string
	Err        string
	Dropped    bool // false: written with the payload kept as base64 instead
}

func (w *PollWrite) add(o PollWrite) {
	w.Changed += o.Changed
	w.Statuses += o.Statuses
	w.Refused += o.Refused
	w.Errors += o.Errors
	w.Unknown += o.Unknown
	w.Unwritable = append(w.Unwritable, o.Unwritable...)
}

// ApplyPoll writes a batch of poll results in one transaction: state changes
// with their events, refused transitions and per-shipment errors as events,
// and every shipment's next poll time. The writes are set-based (a few
// statements per batch, not per shipment), so a cycle over 100,000
// shipments is bound by the channel, not by the database.
//
// One shipment's answer never rolls back the others': everything the
// channel said is cleaned first (CleanText, CleanJSON), and should the
// database still refuse the batch, it is written again one result at a
// time, each under a savepoint: a refused result is retried with its
// payload and history kept as base64 (RawEnvelope), and if that is refused
// too, it is left out, recorded as a poll error without payload where
// possible, and listed in PollWrite.Unwritable. A result refused for the
// write's sake rather than its own (a lock another session held past
// lock_timeout, a deadlock: answerFault) is left out and listed, without
// an error: its claim lapses and the lease brings it back.
func (s *Store) ApplyPoll(ctx context.Context, results []PollResult) (PollWrite, error) {
	clean := make([]PollResult, len(results))
	for i, r := range results {
		r.Status, r.Err, r.Closed, r.HistoryErr, r.Note = CleanText(r.Status), CleanText(r.Err), CleanText(r.Closed), CleanText(r.HistoryErr), CleanText(r.Note)
		r.Payload, r.History = CleanJSON(r.Payload), CleanJSON(r.History)
		clean[i] = r
	}
	var w PollWrite
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		w, err = applyBatch(ctx, tx, clean)
		return err
	})
	var pe *pq.Error
	if err == nil || !errors.As(err, &pe) || ctx.Err() != nil {
		return w, err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		w = PollWrite{}
		for i := range clean {
			one, err := applyOne(ctx, tx, clean[i])
			if err != nil {
				return err
			}
			w.add(one)
		}
		return nil
	})
	return w, err
}

// applyOne writes one result under a savepoint, with the fallbacks
// described at ApplyPoll. The error is for failures of the transaction
// itself.
func applyOne(ctx context.Context, tx *sqlx.Tx, r PollResult) (PollWrite, error) {
	try := func(fn func() error) (refused error, err error) {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT poll_result`); err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		ferr := fn()
		var pe *pq.Error
		if ferr != nil && errors.As(ferr, &pe) {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT poll_result`); err != nil {
				return nil, fmt.Errorf("roll back to savepoint: %w", err)
			}
			return ferr, nil
		}
		if ferr != nil {
			return nil, ferr
		}
		_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT poll_result`)
		return nil, err
	}
	var w PollWrite
	refused, err := try(func() (err error) { w, err = applyBatch(ctx, tx, []PollResult{r}); return err })
	if err != nil || refused == nil {
		return w, err
	}
	first := CleanText(refused.Error())
	if !answerFault(refused) {
		// A lock wait, a deadlock, a cancel: the write's, not the answer's.
		// Nothing is written of it, not even an error: its claim lapses
		// and the letter is asked about again after the lease.
		return PollWrite{Unwritable: []Unwritable{{ShipmentID: r.ID, Err: first, Dropped: true}}}, nil
	}
	raw := r
	raw.Payload, raw.History = rawOrNil(r.Payload, first), rawOrNil(r.History, first)
	refused, err = try(func() (err error) { w, err = applyBatch(ctx, tx, []PollResult{raw}); return err })
	if err != nil {
		return w, err
	}
	if refused == nil {
		w.Unwritable = append(w.Unwritable, Unwritable{ShipmentID: r.ID, Err: first})
		return w, nil
	}
	w = PollWrite{Unwritable: []Unwritable{{ShipmentID: r.ID, Err: CleanText(refused.Error()), Dropped: true}}}
	// Record that the answer could not be stored, and poll it again later;
	// if even that is refused (e.g. the shipment is gone), leave it.
	_, err = try(func() error {
		retry := r.RetryAt
		if retry.IsZero() {
			retry = r.ObservedAt.Add(time.Hour)
		}
		if err := appendEvents(ctx, tx, []Event{{ShipmentID: r.ID, Kind: EventPollError, Source: r.Source, ObservedAt: r.ObservedAt,
			FromState: string(r.Due.State), Message: "postvakt could not store the channel's answer: " + CleanText(refused.Error())}}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE poll_queue SET next_poll_at = $2, claimed_until = NULL,
			failures = failures + 1 WHERE shipment_id = $1`, r.ID, retry)
		return err
	})
	return w, err
}

// answerFault reports whether the database refused a result for what it
// holds, not for the write's circumstances: a lock not had in time
// (lock_timeout, SQL class 55), a deadlock or serialization failure (40),
// a cancel or shutdown (57), resources (53) or the connection (08) are the
// write's.
func answerFault(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code.Class() {
	case "08", "40", "53", "55", "57":
		return false
	}
	return true
}

func rawOrNil(b []byte, why string) []byte {
	if len(b) == 0 {
		return nil
	}
	return RawEnvelope(b, "refused by the database ("+why+")")
}

// RefusedAgain reports whether an answer (status, state) about the letter
// due is one refused and noted before: a state the letter's may not go to
// (model.CheckTransition), with the status the channel said then, kept as
// the letter's channel status. It is not refused, noted or its history
// asked for again.
func RefusedAgain(due Due, status string, state model.State) bool {
	return state != due.State && status == due.ChannelStatus && model.CheckTransition(due.State, state) != nil
}

// applyBatch writes results set-based inside tx (see ApplyPoll).
func applyBatch(ctx context.Context, tx *sqlx.Tx, results []PollResult) (PollWrite, error) {
	var w PollWrite
	var changes, statuses, failures, unknowns, held []*PollResult
	var events, notes []Event // notes: after the change they are about
	// said: the events of statuses, written only for the letters whose
	// status applyStatuses changed (see there).
	var said []Event
	// A usable answer about a letter marked unknown clears the mark, first:
	// the event says when and on which answer, written by the transaction
	// that cleared it only (another worker's may have, since the claim).
	byID := make(map[string]*PollResult, len(results))
	var marked []string
	for i := range results {
		r := &results[i]
		byID[r.ID] = r
		if r.Due.UnknownSince != nil && knowsIt(r) {
			marked = append(marked, r.ID)
		}
	}
	if err := clearUnknown(ctx, tx, marked, "", "", nil, func(k knownRow) Event { return knownEvent(byID[k.ID]) }); err != nil {
		return w, err
	}
	for i := range results {
		r := &results[i]
		ev := Event{ShipmentID: r.ID, Source: r.Source, ObservedAt: r.ObservedAt, PolledAt: &r.ObservedAt, RawStatus: r.Status,
			Payload: jsonOrNil(r.Payload), FromState: string(r.Due.State)}
		switch {
		case r.Err != "":
			w.Errors++
			ev.Kind, ev.Message = EventPollError, r.Err
			events = append(events, ev)
			failures = append(failures, r)
		case r.Unknown:
			w.Unknown++
			unknowns = append(unknowns, r) // newly unknown: said once, by finishPolls
		case r.State != r.Due.State:
			if err := model.CheckTransition(r.Due.State, r.State); err != nil {
				if r.Status != r.Due.ChannelStatus {
					// Noted (and counted) once, with its history: the
					// channel's status is kept (not the state), so that the
					// same answer at the next polls is not refused anew
					// (RefusedAgain), and so is what it says of the
					// escalation: a channel that printed or closed a letter
					// it could not deliver did so, and postvakt must not
					// print it too.
					ev.Kind, ev.ToState, ev.Message = EventRejected, string(r.State), err.Error()+": not applied"
					said = appendHistory(append(said, ev), r)
					statuses = append(statuses, r)
				}
				continue
			}
			changes = append(changes, r)
		case r.Status != r.Due.ChannelStatus:
			ev.Kind, ev.ToState, ev.ObservedAt, ev.Message = EventStatus, string(r.State), changedAt(r), r.Note
			said = appendHistory(append(said, ev), r)
			statuses = append(statuses, r)
		case r.Due.HistoryDue:
			events = appendHistory(events, r) // the history a change went without
		}
		if r.Err == "" && !r.Unknown && r.State == r.Due.State && r.Status == r.Due.ChannelStatus && !r.HeldUntil.IsZero() {
			// Held for a later publication with nothing else new (the
			// letter was accepted before its publication time was read,
			// or the time was moved): the time alone is written.
			held = append(held, r)
		}
		if r.HistoryErr != "" && !r.Due.HistoryDue {
			then := "; it is asked for at the next poll"
			if r.NextPollAt == nil {
				then = "; the letter is not polled again (its state is final and it was sent too long ago), so it is not asked for again"
			}
			notes = append(notes, Event{ShipmentID: r.ID, Kind: EventPollError, Source: r.Source, ObservedAt: r.ObservedAt,
				FromState: string(r.Due.State), RawStatus: r.Status,
				Message: "the channel's history of this change could not be fetched (" + r.HistoryErr + ")" + then})
		}
	}
	applied, err := applyChanges(ctx, tx, changes)
	if err != nil {
		return w, err
	}
	for _, r := range changes {
		if !applied[r.ID] {
			continue // changed meanwhile by someone else; the next poll sees it
		}
		w.Changed++
		events = append(events, Event{ShipmentID: r.ID, Kind: EventState, Source: r.Source, ObservedAt: stateAt(r), PolledAt: &r.ObservedAt,
			FromState: string(r.Due.State), ToState: string(r.State), RawStatus: r.Status, Payload: jsonOrNil(r.Payload), Message: r.Note})
		events = appendHistory(events, r)
	}
	if err := applyHeld(ctx, tx, held); err != nil {
		return w, err
	}
	recorded, err := applyStatuses(ctx, tx, statuses)
	if err != nil {
		return w, err
	}
	for _, e := range said {
		if !recorded[e.ShipmentID] {
			continue // recorded meanwhile by another worker (an expired lease), with its evidence
		}
		switch e.Kind {
		case EventRejected:
			w.Refused++
		case EventStatus:
			w.Statuses++
		}
		events = append(events, e)
	}
	if err := appendEvents(ctx, tx, append(events, notes...)); err != nil {
		return w, err
	}
	var ended []string // opened, or printed or closed by the channel: a manual case or a follow-up needless
	for _, r := range changes {
		if applied[r.ID] && (r.State == model.StateOpened || r.Closed != "") {
			ended = append(ended, r.ID)
		}
	}
	for _, r := range statuses {
		if r.Closed != "" {
			ended = append(ended, r.ID)
		}
	}
	if len(ended) > 0 {
		if err := channelEnded(ctx, tx, results[0].Source, ended, results[0].ObservedAt); err != nil {
			return w, err
		}
	}
	if err := markHistoryDue(ctx, tx, results, events); err != nil {
		return w, err
	}
	// Changes not applied were made meanwhile by another worker (an
	// expired lease): that worker set their next poll; leave it.
	handled := make(map[string]bool, len(changes))
	for _, r := range changes {
		handled[r.ID] = true
	}
	return w, finishPolls(ctx, tx, results, failures, unknowns, handled, applied, byID)
}

// knowsIt says whether r is an answer that shows the channel knows the
// letter: it clears an unknown_to_channel mark.
func knowsIt(r *PollResult) bool { return r.Err == "" && !r.Unknown && !r.Skipped }

// unknownEvent is the unknown_to_channel event of r's answer: the
// channel has never heard of the letter.
func unknownEvent(r *PollResult) Event {
	return Event{ShipmentID: r.ID, Kind: EventUnknown, Source: r.Source, ObservedAt: r.ObservedAt, PolledAt: &r.ObservedAt,
		RawStatus: r.Status, Payload: jsonOrNil(r.Payload), FromState: string(r.Due.State),
		Message: "the channel has never heard of this shipment"}
}

// knownEvent is the known_to_channel event of r's answer: when, and on
// which answer, the channel knew the letter again.
func knownEvent(r *PollResult) Event {
	return Event{ShipmentID: r.ID, Kind: EventKnownAgain, Source: r.Source, ObservedAt: r.ObservedAt, PolledAt: &r.ObservedAt,
		RawStatus: r.Status, Payload: jsonOrNil(r.Payload), FromState: string(r.Due.State), ToState: string(r.Due.State),
		Message: "the channel knows this shipment again"}
}

// appendHistory adds the channel's history of r, when fetched, as evidence.
func appendHistory(events []Event, r *PollResult) []Event {
	if len(r.History) == 0 {
		return events
	}
	return append(events, Event{ShipmentID: r.ID, Kind: EventHistory, Source: r.Source,
		ObservedAt: r.ObservedAt, PolledAt: &r.ObservedAt, RawStatus: r.Status, Payload: jsonOrNil(r.History)})
}

// markHistoryDue sets poll_queue.history_due where a result changes it (a
// history that could not be fetched, or the one still due stored among
// events): rarely, so usually no statement at all.
func markHistoryDue(ctx context.Context, tx *sqlx.Tx, results []PollResult, events []Event) error {
	stored := map[string]bool{}
	for _, e := range events {
		if e.Kind == EventHistory {
			stored[e.ShipmentID] = true
		}
	}
	var ids []string
	var due []bool
	for i := range results {
		r := &results[i]
		switch {
		case r.HistoryErr != "" && !r.Due.HistoryDue:
			ids, due = append(ids, r.ID), append(due, true)
		case stored[r.ID] && r.Due.HistoryDue:
			ids, due = append(ids, r.ID), append(due, false)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE poll_queue q SET history_due = u.due
		FROM unnest($1::uuid[], $2::boolean[]) AS u(id, due) WHERE q.shipment_id = ANY($1::uuid[]) AND q.shipment_id = u.id`,
		pq.Array(ids), pq.Array(due))
	if err != nil {
		return fmt.Errorf("mark histories still to fetch: %w", err)
	}
	return nil
}

// stateAt is when the letter entered its new state: EnteredAt when the
// channel told it, else the status's time.
func stateAt(r *PollResult) time.Time {
	if t := changedAt(r); r.EnteredAt.IsZero() || !r.EnteredAt.Before(t) {
		return t
	}
	return r.EnteredAt
}

// heldUntil is r's HeldUntil for the database: nil when not held.
func heldUntil(r *PollResult) *time.Time {
	if r.HeldUntil.IsZero() {
		return nil
	}
	return &r.HeldUntil
}

func changedAt(r *PollResult) time.Time {
	if r.ChangedAt.IsZero() {
		return r.ObservedAt
	}
	return r.ChangedAt
}

// applyChanges applies state changes whose shipment is still in the state
// the poll started from, and returns the ids it changed.
func applyChanges(ctx context.Context, tx *sqlx.Tx, changes []*PollResult) (map[string]bool, error) {
	applied := map[string]bool{}
	if len(changes) == 0 {
		return applied, nil
	}
	n := len(changes)
	ids, prev, states, statuses, closed := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at, avail, next, held := make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	for i, r := range changes {
		t := stateAt(r)
		ids[i], prev[i], states[i], statuses[i], closed[i], at[i], next[i], held[i] = r.ID, string(r.Due.State), string(r.State), r.Status, r.Closed, &t, r.NextPollAt, heldUntil(r)
		if !r.AvailableAt.IsZero() && r.AvailableAt.Before(t) {
			avail[i] = &r.AvailableAt
		}
	}
	// The letter's next poll in the same statement (poll_queue), for the
	// letters whose change was applied: one primary-key probe each, by
	// ch's ids alone. With q.shipment_id = ANY($1) beside them, the planner
	// put both in each probe's index condition, and every probe sorted the
	// batch's 500 ids again (EXPLAIN ANALYZE on a loaded machine: 0.08-0.18
	// ms per probe against 0.012; PostgreSQL's CPU per letter of a cycle
	// fell by a fifth).
	rows, err := tx.QueryContext(ctx, `WITH u AS (
			SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
				AS u(id, prev, state, at, status, closed, next, avail, held)),
		ch AS (UPDATE shipments s SET state = u.state, state_changed_at = u.at,
			channel_status = u.status, held_until = COALESCE(u.held, s.held_until),
			available_at = CASE WHEN u.state IN ('available', 'opened') THEN COALESCE(s.available_at, u.avail, u.at) ELSE s.available_at END,
			stage = CASE WHEN u.closed <> '' AND s.stage IN (`+sqlChannelMayEnd+`) THEN u.closed ELSE s.stage END,
			-- A failed letter needs paper at once, and one available before
			-- it was sent (a channel's clock) starts waiting earlier: the
			-- next escalation run looks at them (migration 00013). Other
			-- changes only delay steps. An unknown_to_channel mark is not
			-- touched here: clearUnknown and finishPolls clear it, with its
			-- known_to_channel event.
			next_step_at = CASE WHEN u.state = `+sqlState(model.StateFailed)+`
				OR (s.available_at IS NULL AND u.state IN ('available', 'opened') AND COALESCE(u.avail, u.at) < s.sent_at)
				THEN `+sqlLookAtOnce+` ELSE s.next_step_at END
			FROM u
			WHERE s.id = ANY($1::uuid[]) AND s.id = u.id AND s.state = u.prev
			RETURNING s.id),
		q AS (UPDATE poll_queue q SET next_poll_at = u.next, claimed_until = NULL, failures = 0, not_known_since = NULL
			FROM ch JOIN u ON u.id = ch.id
			WHERE q.shipment_id = ch.id)
		SELECT id FROM ch`,
		pq.Array(ids), pq.Array(prev), pq.Array(states), timesOrNull(at), pq.Array(statuses), pq.Array(closed),
		timesOrNull(next), timesOrNull(avail), timesOrNull(held))
	if err != nil {
		return nil, fmt.Errorf("apply state changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("apply state changes: %w", err)
		}
		applied[id] = true
	}
	return applied, rows.Err()
}

// applyHeld writes the publication time of letters held for a later
// publication whose answer said nothing else new, where it differs from
// the one kept (a letter held the same way is not written again).
func applyHeld(ctx context.Context, tx *sqlx.Tx, rs []*PollResult) error {
	if len(rs) == 0 {
		return nil
	}
	ids, held := make([]string, len(rs)), make([]*time.Time, len(rs))
	for i, r := range rs {
		ids[i], held[i] = r.ID, heldUntil(r)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shipments s SET held_until = u.held
		FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, held)
		WHERE s.id = ANY($1::uuid[]) AND s.id = u.id AND s.held_until IS DISTINCT FROM u.held`, pq.Array(ids), timesOrNull(held)); err != nil {
		return fmt.Errorf("record publication times: %w", err)
	}
	return nil
}

// applyStatuses records raw status changes that keep the state, and
// returns the ids it changed: a letter whose status is no longer the one
// its poll started from was recorded meanwhile by another worker (an
// expired lease), which wrote its evidence too.
func applyStatuses(ctx context.Context, tx *sqlx.Tx, rs []*PollResult) (map[string]bool, error) {
	recorded := map[string]bool{}
	if len(rs) == 0 {
		return recorded, nil
	}
	ids, prev, statuses, closed := make([]string, len(rs)), make([]string, len(rs)), make([]string, len(rs)), make([]string, len(rs))
	held := make([]*time.Time, len(rs))
	for i, r := range rs {
		ids[i], prev[i], statuses[i], closed[i], held[i] = r.ID, r.Due.ChannelStatus, r.Status, r.Closed, heldUntil(r)
	}
	// An unknown_to_channel mark is finishPolls' to clear, with its event.
	var changed []string
	err := tx.SelectContext(ctx, &changed, `UPDATE shipments s SET channel_status = u.status, held_until = COALESCE(u.held, s.held_until),
			stage = CASE WHEN u.closed <> '' AND s.stage IN (`+sqlChannelMayEnd+`) THEN u.closed ELSE s.stage END
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u(id, prev, status, closed, held)
		WHERE s.id = ANY($1::uuid[]) AND s.id = u.id AND s.channel_status = u.prev
		RETURNING s.id`,
		pq.Array(ids), pq.Array(prev), pq.Array(statuses), pq.Array(closed), timesOrNull(held))
	if err != nil {
		return nil, fmt.Errorf("record status changes: %w", err)
	}
	for _, id := range changed {
		recorded[id] = true
	}
	return recorded, nil
}

// finishPolls sets the next poll, the failure count (one more for an
// unusable answer or an unknown shipment, zero otherwise), when the channel
// first said it does not know a letter it knew (PollResult.NotKnown; kept
// through other errors, cleared otherwise) and the unknown
// marker (set for an unknown shipment, kept for an unusable answer,
// cleared otherwise) of every polled shipment but the changes in done
// (applyChanges' to handle); of a change applied it only clears the
// marker (applyChanges set its next poll). Only a letter whose marker
// changes is written in shipments: a poll that learned nothing new is a
// write of poll_queue. A marker it clears (one set after the claim, by
// another worker: those marked at the claim were cleared first,
// clearUnknown) gets its known_to_channel event here, whatever the answer
// changed; a marker it sets gets its unknown_to_channel event (not one
// another worker set since the claim: that worker said so); byID are the
// results by shipment id.
func finishPolls(ctx context.Context, tx *sqlx.Tx, results []PollResult, failures, unknowns []*PollResult, done, applied map[string]bool,
	byID map[string]*PollResult) error {
	failed := make(map[string]bool, len(failures))
	for _, r := range failures {
		failed[r.ID] = true
	}
	unknown := make(map[string]bool, len(unknowns))
	for _, r := range unknowns {
		unknown[r.ID] = true
	}
	var ids []string
	var next, at []*time.Time
	var fail, unk, skip, queued, notKnown []bool
	for i := range results {
		r := &results[i]
		if done[r.ID] && !applied[r.ID] {
			continue
		}
		ids, next, at = append(ids, r.ID), append(next, r.NextPollAt), append(at, &r.ObservedAt)
		fail, unk, skip = append(fail, failed[r.ID]), append(unk, unknown[r.ID]), append(skip, r.Skipped)
		queued, notKnown = append(queued, applied[r.ID]), append(notKnown, failed[r.ID] && r.NotKnown)
	}
	if len(ids) == 0 {
		return nil
	}
	var marks []struct {
		ID      string `db:"id"`
		Unknown bool   `db:"unknown"`
	}
	err := tx.SelectContext(ctx, &marks, `WITH u AS (
			SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[], $4::boolean[], $5::timestamptz[], $6::boolean[], $7::boolean[],
				$8::boolean[]) AS u(id, next, failed, unknown, at, skipped, queued, not_known)),
		q AS (UPDATE poll_queue q SET next_poll_at = u.next, claimed_until = NULL,
			failures = CASE WHEN u.skipped THEN q.failures WHEN u.failed OR u.unknown THEN q.failures + 1 ELSE 0 END,
			not_known_since = CASE WHEN u.not_known THEN COALESCE(q.not_known_since, u.at)
				WHEN u.skipped OR u.failed THEN q.not_known_since END
			FROM u WHERE q.shipment_id = ANY($1::uuid[]) AND q.shipment_id = u.id AND NOT u.queued),
		m AS (UPDATE shipments s SET
			unknown_to_channel_since = CASE WHEN u.unknown THEN COALESCE(s.unknown_to_channel_since, u.at)
				WHEN u.failed THEN s.unknown_to_channel_since END,
			next_step_at = CASE WHEN u.unknown OR u.failed THEN s.next_step_at ELSE `+sqlKnownAgain+` END
		FROM u
		WHERE s.id = ANY($1::uuid[]) AND s.id = u.id AND NOT u.skipped
			AND ((u.unknown AND s.unknown_to_channel_since IS NULL)
				OR (NOT u.unknown AND NOT u.failed AND s.unknown_to_channel_since IS NOT NULL))
		RETURNING s.id, u.unknown)
		SELECT id, unknown FROM m`,
		pq.Array(ids), timesOrNull(next), pq.Array(fail), pq.Array(unk), timesOrNull(at), pq.Array(skip), pq.Array(queued), pq.Array(notKnown))
	if err != nil {
		return fmt.Errorf("set next poll times: %w", err)
	}
	var said []Event
	for _, m := range marks {
		switch r := byID[m.ID]; {
		case r == nil:
		case m.Unknown:
			said = append(said, unknownEvent(r))
		default:
			said = append(said, knownEvent(r))
		}
	}
	return appendEvents(ctx, tx, said)
}

// RecordPollError keeps a failed channel call as evidence and pushes the
// affected shipments' next poll out to retry.
func (s *Store) RecordPollError(ctx context.Context, channel string, at time.Time, ids []string, retry []time.Time, callErr error, raw string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO poll_errors (channel, occurred_at, shipments, error, raw)
			VALUES ($1, $2, $3, $4, $5)`, channel, at, len(ids), CleanText(callErr.Error()), CleanText(raw)); err != nil {
			return fmt.Errorf("record poll error: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE poll_queue q SET next_poll_at = u.next, claimed_until = NULL,
			failures = failures + 1
			FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, next) WHERE q.shipment_id = ANY($1::uuid[]) AND q.shipment_id = u.id`,
			pq.Array(ids), timesOrNull(ptrs(retry)))
		if err != nil {
			return fmt.Errorf("reschedule after poll error: %w", err)
		}
		return nil
	})
}

// PollCanary returns the channel id of a shipment of channel, not among
// not, whose last poll the channel answered usably, or "" when there is
// none: asking about it tells whether the channel is up.
func (s *Store) PollCanary(ctx context.Context, channel string, not []string) (string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `SELECT s.channel_id FROM shipments s JOIN poll_queue q ON q.shipment_id = s.id
		WHERE s.channel = $1 AND s.channel_status <> '' AND q.failures = 0 AND s.unknown_to_channel_since IS NULL
			AND s.channel_id <> ALL($2::text[])
		LIMIT 1`, channel, pq.Array(not))
	if err != nil {
		return "", fmt.Errorf("find a %s shipment to check the channel with: %w", channel, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// PollErrors counts recorded channel call failures since a time.
func (s *Store) PollErrors(ctx context.Context, channel string, since time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM poll_errors WHERE channel = $1 AND occurred_at >= $2`, channel, since)
	return n, err
}

// timesOrNull encodes times for a timestamptz[] parameter, nil as NULL.
func timesOrNull(ts []*time.Time) nullTexts {
	out := make(nullTexts, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = sql.NullString{String: t.UTC().Format(time.RFC3339Nano), Valid: true}
		}
	}
	return out
}

func ptrs(ts []time.Time) []*time.Time {
	out := make([]*time.Time, len(ts))
	for i := range ts {
		out[i] = &ts[i]
	}
	return out
}

func jsonOrNil(b []byte) JSON {
	if len(b) == 0 {
		return nil
	}
	return JSON(b)
}
