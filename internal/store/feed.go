package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// EventChannel is an entry of the channel's own event log (a feed channel's
// log, e.g. Digital Post's hændelseslog), kept as evidence with the log's id
// of the entry. to_state says what the entry means, whether or not the
// shipment's state moved.
const EventChannel = "channel_event"

// FeedEntry is one entry of a feed channel's log about one shipment.
type FeedEntry struct {
	ID        string      // the log's id of the entry: the de-duplication key
	ChannelID string      // the shipment's channel id
	Tag       string      // the entry's type, as the log names it
	State     model.State // what it means for the shipment; "" for nothing
	Closed    string      // "channel_print", "closed" or "recipient_system" when it ends escalation
	At        time.Time   // when it happened
	Payload   []byte      // the entry as kept for evidence (JSON)
	// Counted: read before (a window's overlap reads it again); about a
	// letter postvakt does not know, it is not counted in
	// FeedWrite.Unregistered again.
	Counted bool
	// Note says why the entry is kept at another time than its own
	// (FeedApply.Place): its evidence's message.
	Note string
}

// FeedApply is one batch of entries to write.
type FeedApply struct {
	Channel string
	Entries []FeedEntry
	// Cursor, when not zero, moves the channel's cursor up to it (never back).
	Cursor time.Time
	// Reread, when not zero, moves the running re-read's progress up to it
	// (never back; FeedReread), and never the cursor.
	Reread time.Time
	// Synced are shipment ids whose whole log has now been read: they need
	// no back-fill any more (their next_poll_at in poll_queue is cleared).
	Synced []string
	// Check, when set, refuses an entry whose time cannot be right for its
	// shipment (e.g. long before the letter was sent): the entry is neither
	// evidence nor a state change, and comes back in FeedWrite.Refused.
	Check func(at, sentAt time.Time) error
	// Place, when set, says the time an entry is taken at for its
	// shipment and why, when not its own (a time long before the letter
	// was sent taken at the sent time); the note "" leaves it at its own.
	// Before Check.
	Place func(at, sentAt time.Time) (time.Time, string)
}

// RefusedEntry is an entry Check refused, with why.
type RefusedEntry struct {
	ShipmentID string
	Entry      FeedEntry
	Err        error
}

// FeedWrite says what writing one batch did.
type FeedWrite struct {
	Events       int // new evidence rows
	Repeats      int // entries already kept (duplicates, overlapping windows)
	Changed      int // state changes applied
	Closed       int // shipments whose escalation the channel ended (printed it itself, recalled)
	Behind       int // entries whose state lies behind the shipment's (late ones): kept as evidence, the state stays
	Unregistered int // entries about shipments postvakt does not know: not stored
	Refused      []RefusedEntry
	// Kept are the entries kept for the first time (Events of them), each
	// with the shipment it is about.
	Kept []KeptEntry
}

// KeptEntry is an entry kept for the first time, by reference.
type KeptEntry struct {
	ID         string // the log's id of the entry
	ShipmentID string
}

// feedShipment is a shipment an entry is about, locked for the batch.
type feedShipment struct {
	ID        string      `db:"id"`
	ChannelID string      `db:"channel_id"`
	State     model.State `db:"state"`
	Stage     string      `db:"stage"`
	SentAt    time.Time   `db:"sent_at"`
	// UnknownSince: marked unknown_to_channel (as locked: only this
	// transaction can clear the mark now).
	UnknownSince *time.Time `db:"unknown_to_channel_since"`
	// StatusAt is when the log entry of its channel status happened (nil:
	// none kept): an entry of the same state replaces the status only
	// from then on.
	StatusAt *time.Time `db:"status_at"`
}

// ApplyFeed writes a batch of log entries in one transaction: every entry
// not kept before becomes an evidence row (the unique log id makes a repeat
// a no-op), the shipment's state moves forward only (an entry whose state
// would go back is evidence, nothing more), the channel's own print or a
// recall closes escalation, and the cursor moves. Entries about unknown
// shipments are counted, not stored; entries Check refuses are returned.
func (s *Store) ApplyFeed(ctx context.Context, a FeedApply) (FeedWrite, error) {
	// One entry's odd bytes never roll back the page (and hold the cursor
	// for good): everything the log said is cleaned first, and should the
	// database still refuse the batch, it is written again one entry at a
	// time under a savepoint; an entry refused even so comes back in
	// Refused and the rest, and the cursor, are written.
	entries := make([]FeedEntry, len(a.Entries))
	for i, e := range a.Entries {
		e.ID, e.ChannelID, e.Tag, e.Closed = CleanText(e.ID), CleanText(e.ChannelID), CleanText(e.Tag), CleanText(e.Closed)
		e.Payload = CleanJSON(e.Payload)
		entries[i] = e
	}
	a.Entries = entries
	var w FeedWrite
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		w = FeedWrite{}
		var err error
		w, err = applyFeedEntries(ctx, tx, a, a.Entries)
		if err != nil {
			return err
		}
		return finishFeed(ctx, tx, a)
	})
	if err == nil || !entryFault(err) || ctx.Err() != nil {
		return w, err
	}
	// One at a time in the order they happened, as applyFeedStates does.
	byTime := slices.Clone(a.Entries)
	sort.SliceStable(byTime, func(i, j int) bool { return byTime[i].At.Before(byTime[j].At) })
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		w = FeedWrite{}
		changed := map[string]bool{} // Changed counts letters, as the batch does
		for _, e := range byTime {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT feed_entry`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			one, err := applyFeedEntries(ctx, tx, a, []FeedEntry{e})
			if entryFault(err) && len(e.Payload) > 0 {
				// The evidence's bytes may be all that is wrong: the
				// entry is kept with them as base64, its meaning too.
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT feed_entry`); err != nil {
					return fmt.Errorf("roll back to savepoint: %w", err)
				}
				e2 := e
				e2.Payload = RawEnvelope(e.Payload, "not storable in the database")
				one, err = applyFeedEntries(ctx, tx, a, []FeedEntry{e2})
			}
			if entryFault(err) {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT feed_entry`); err != nil {
					return fmt.Errorf("roll back to savepoint: %w", err)
				}
				w.Refused = append(w.Refused, RefusedEntry{Entry: e,
					Err: fmt.Errorf("postvakt could not store this log entry: %s", CleanText(err.Error()))})
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT feed_entry`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			w.add(one)
			if one.Changed > 0 {
				changed[strings.ToLower(e.ChannelID)] = true
			}
		}
		w.Changed = len(changed)
		return finishFeed(ctx, tx, a)
	})
	return w, err
}

// entryFault reports whether the database refused an entry's data itself
// (a data exception, an integrity or a program limit such as an index row's
// size), not a lock wait, a deadlock, a timeout or a shutdown: those are
// the write's, and the page is written again whole next cycle.
func entryFault(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code.Class() {
	case "22", "23", "54":
		return true
	}
	return false
}

// add counts o's writes in w.
func (w *FeedWrite) add(o FeedWrite) {
	w.Events += o.Events
	w.Repeats += o.Repeats
	w.Changed += o.Changed
	w.Closed += o.Closed
	w.Behind += o.Behind
	w.Unregistered += o.Unregistered
	w.Refused = append(w.Refused, o.Refused...)
	w.Kept = append(w.Kept, o.Kept...)
}

// applyFeedEntries writes entries of a (ApplyFeed's first part: evidence
// and states), in tx.
func applyFeedEntries(ctx context.Context, tx *sqlx.Tx, a FeedApply, entries []FeedEntry) (FeedWrite, error) {
	var w FeedWrite
	ships, err := lockFeedShipments(ctx, tx, a.Channel, entries)
	if err != nil {
		return w, err
	}
	known := make([]FeedEntry, 0, len(entries))
	seen := map[string]bool{}
	for _, e := range entries {
		ship, ok := ships[strings.ToLower(e.ChannelID)]
		if !ok {
			if !e.Counted {
				w.Unregistered++
			}
			continue
		}
		if a.Place != nil {
			if at, note := a.Place(e.At, ship.SentAt); note != "" {
				e.At, e.Note = at, CleanText(note)
			}
		}
		if a.Check != nil {
			if err := a.Check(e.At, ship.SentAt); err != nil {
				w.Refused = append(w.Refused, RefusedEntry{ShipmentID: ship.ID, Entry: e, Err: err})
				continue
			}
		}
		if seen[e.ID] {
			w.Repeats++
			continue
		}
		seen[e.ID] = true
		known = append(known, e)
	}
	fresh, err := insertFeedEntries(ctx, tx, a.Channel, known, ships)
	if err != nil {
		return w, err
	}
	w.Events = len(fresh)
	w.Repeats += len(known) - len(fresh)
	for _, e := range fresh {
		w.Kept = append(w.Kept, KeptEntry{ID: e.ID, ShipmentID: ships[strings.ToLower(e.ChannelID)].ID})
	}
	if err := applyFeedStates(ctx, tx, a.Channel, fresh, ships, &w); err != nil {
		return w, err
	}
	return w, nil
}

// finishFeedWith and finishFeedCond are what finishFeed adds to
// clearUnknown's statement: the letters read whole are due no poll, and
// one marked unknown is known again when its log has entries.
var (
	finishFeedWith = `WITH q AS (UPDATE poll_queue SET next_poll_at = NULL, failures = 0, not_known_since = NULL WHERE ` + anyKey("shipment_id", 1, "uuid") + `)`
	finishFeedCond = `EXISTS (SELECT 1 FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = $2)`
)

// finishFeed is ApplyFeed's last part: the letters read whole, the cursor,
// the re-read's progress.
func finishFeed(ctx context.Context, tx *sqlx.Tx, a FeedApply) error {
	if len(a.Synced) > 0 {
		// Their next poll goes; a letter marked unknown whose log has
		// entries is known again (clearUnknown: the event, once), in the
		// same statement.
		if err := clearUnknown(ctx, tx, a.Synced, finishFeedWith, finishFeedCond, []any{EventChannel},
			feedKnownEvent(a.Channel, a.Cursor)); err != nil {
			return fmt.Errorf("mark %s shipments read: %w", a.Channel, err)
		}
	}
	if !a.Cursor.IsZero() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO feed_cursors (channel, cursor, updated_at) VALUES ($1, $2, now())
			ON CONFLICT (channel) DO UPDATE SET cursor = GREATEST(feed_cursors.cursor, EXCLUDED.cursor), updated_at = now()`,
			a.Channel, a.Cursor); err != nil {
			return fmt.Errorf("move %s cursor: %w", a.Channel, err)
		}
	}
	if !a.Reread.IsZero() {
		if _, err := tx.ExecContext(ctx, `UPDATE feed_rereads SET reached = GREATEST(reached, $2)
			WHERE channel = $1 AND span_from IS NOT NULL`, a.Channel, a.Reread); err != nil {
			return fmt.Errorf("note how far the %s re-read has read: %w", a.Channel, err)
		}
	}
	return nil
}

// lockFeedShipments finds and locks the shipments the entries name, by
// lower-case channel id. Ids are matched as given and lower-cased, so a
// UUID registered in either case is found through the index.
func lockFeedShipments(ctx context.Context, tx *sqlx.Tx, channel string, entries []FeedEntry) (map[string]*feedShipment, error) {
	set := map[string]bool{}
	for _, e := range entries {
		if e.ChannelID != "" {
			set[e.ChannelID], set[strings.ToLower(e.ChannelID)], set[strings.ToUpper(e.ChannelID)] = true, true, true
		}
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	var rows []feedShipment
	if len(ids) > 0 {
		if err := tx.SelectContext(ctx, &rows, `SELECT id, channel_id, state, stage, sent_at, unknown_to_channel_since,
				(SELECT max(e.observed_at) FROM shipment_events e WHERE e.shipment_id = s.id
					AND e.kind = '`+EventChannel+`' AND e.raw_status = s.channel_status) AS status_at
			FROM shipments s
			WHERE channel = $1 AND `+anyKey("channel_id", 2, "text")+` ORDER BY id FOR UPDATE OF s`, channel, pq.Array(ids)); err != nil {
			return nil, fmt.Errorf("find %s shipments of %d log entries: %w", channel, len(entries), err)
		}
	}
	out := make(map[string]*feedShipment, len(rows))
	for i := range rows {
		out[strings.ToLower(rows[i].ChannelID)] = &rows[i]
	}
	return out, nil
}

// insertFeedEntries writes the evidence rows of entries not kept before and
// returns those entries.
func insertFeedEntries(ctx context.Context, tx *sqlx.Tx, channel string, entries []FeedEntry, ships map[string]*feedShipment) ([]FeedEntry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	n := len(entries)
	shipIDs, ext, tags, states, msgs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]*time.Time, n)
	payloads := make(nullTexts, n)
	for i := range entries {
		e := &entries[i]
		shipIDs[i], ext[i], tags[i], states[i], at[i] = ships[strings.ToLower(e.ChannelID)].ID, e.ID, e.Tag, string(e.State), &e.At
		switch e.Closed {
		case "channel_print":
			msgs[i] = "the channel printed and posted the letter itself"
		case "closed":
			msgs[i] = "the letter was recalled"
		case "recipient_system":
			msgs[i] = "the channel delivered the letter into the recipient's own system"
		}
		if e.Note != "" {
			msgs[i] = strings.TrimPrefix(msgs[i]+"; "+e.Note, "; ")
		}
		if len(e.Payload) > 0 {
			payloads[i] = sql.NullString{String: string(e.Payload), Valid: true}
		}
	}
	rows, err := tx.QueryContext(ctx, `INSERT INTO shipment_events
		(shipment_id, kind, source, observed_at, to_state, raw_status, payload, message, external_id)
		SELECT u.ship, $1, $2, u.at, u.state, u.tag, u.payload::jsonb, u.msg, u.ext
		FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[]) WITH ORDINALITY
			AS u(ship, ext, tag, state, at, payload, msg, ord)
		ORDER BY u.at, u.ord
		ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO NOTHING
		RETURNING external_id`,
		EventChannel, channel, pq.Array(shipIDs), pq.Array(ext), pq.Array(tags), pq.Array(states), timesOrNull(at),
		payloads, pq.Array(msgs))
	if err != nil {
		return nil, fmt.Errorf("keep %d %s log entries: %w", n, channel, err)
	}
	defer rows.Close()
	inserted := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("keep %s log entries: %w", channel, err)
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keep %s log entries: %w", channel, err)
	}
	fresh := make([]FeedEntry, 0, len(inserted))
	for _, e := range entries {
		if inserted[e.ID] {
			fresh = append(fresh, e)
		}
	}
	return fresh, nil
}

// feedMoves reports whether a log entry saying to moves a letter in from.
// The lifecycle decides (model.CheckTransition), but the log's delivery
// proof (an entry of the available state: MEMO_AVAILABLE_TO_RECIPIENT, or
// the letter delivered into the recipient's own system) outranks a
// failure, whichever the log holds first: a failure after it (a copy to
// the recipient's own system that failed) leaves the letter delivered, and
// one before it (an attempt that failed, retried) gives way to it. Else a
// letter the log proves delivered went to print at once as undelivered.
func feedMoves(from, to model.State) bool {
	switch {
	case to == model.StateFailed && (from == model.StateAvailable || from == model.StateOpened):
		return false
	case from == model.StateFailed && to == model.StateAvailable:
		return true
	}
	return model.CheckTransition(from, to) == nil
}

// applyFeedStates moves each shipment forward through its new entries in the
// order they happened, and records each change.
func applyFeedStates(ctx context.Context, tx *sqlx.Tx, channel string, fresh []FeedEntry, ships map[string]*feedShipment, w *FeedWrite) error {
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].At.Before(fresh[j].At) })
	type change struct {
		ship                 *feedShipment
		from, state          model.State
		at                   time.Time
		status, closed       string
		statusAt             *time.Time
		availableAt          *time.Time
		moved, statusChanged bool
	}
	byShip := map[string]*change{}
	var order []*change
	var events []Event
	for _, e := range fresh {
		sh := ships[strings.ToLower(e.ChannelID)]
		c := byShip[sh.ID]
		if c == nil {
			c = &change{ship: sh, from: sh.State, state: sh.State, statusAt: sh.StatusAt}
			byShip[sh.ID] = c
			order = append(order, c)
		}
		if e.State == model.StateAvailable || e.State == model.StateOpened {
			if c.availableAt == nil || e.At.Before(*c.availableAt) {
				t := e.At
				c.availableAt = &t
			}
		}
		if e.Closed != "" {
			c.closed, c.status, c.statusChanged = e.Closed, e.Tag, true
			c.statusAt = &e.At
		}
		if e.State == "" {
			continue
		}
		if e.State == c.state {
			// An entry that keeps the state is the channel status from its
			// time on, as a polled status that keeps the state is
			// (applyStatuses): MEMO_SEND_VALIDATED, or the
			// DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY after
			// MEMO_SEND_RECEIVED by which the escalation holds a delayed
			// send (channel.Spec.Scheduled). One older than the status
			// (late in the log) leaves it.
			if c.statusAt == nil || !e.At.Before(*c.statusAt) {
				c.status, c.statusChanged = e.Tag, true
				c.statusAt = &e.At
			}
			continue
		}
		if !feedMoves(c.state, e.State) {
			w.Behind++
			continue
		}
		events = append(events, Event{ShipmentID: sh.ID, Kind: EventState, Source: channel, ObservedAt: e.At,
			FromState: string(c.state), ToState: string(e.State), RawStatus: e.Tag, Message: "log entry " + e.ID})
		c.state, c.at, c.status, c.moved, c.statusChanged = e.State, e.At, e.Tag, true, true
		c.statusAt = &e.At
	}
	n := len(order)
	if n == 0 {
		return nil
	}
	ids, states, statuses, closed := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at, avail := make([]*time.Time, n), make([]*time.Time, n)
	marked := []string{}
	for i, c := range order {
		ids[i], states[i], statuses[i], closed[i], avail[i] = c.ship.ID, string(c.state), c.status, c.closed, c.availableAt
		if c.ship.UnknownSince != nil {
			marked = append(marked, c.ship.ID)
		}
		if c.moved {
			t := c.at
			at[i] = &t
			w.Changed++
		}
		if c.closed != "" && model.Stage(c.ship.Stage).ChannelMayEnd() {
			w.Closed++
		}
	}
	// The log knows the letter now: its failures are over (and any run of
	// look-ups that did not find it, not_known_since), and a letter
	// marked unknown (marked: as locked, so as the row stands) was looked
	// up whole, so it needs no look-up any more either. Before its mark
	// goes (below).
	if _, err := tx.ExecContext(ctx, `UPDATE poll_queue q SET failures = 0, not_known_since = NULL,
			next_poll_at = CASE WHEN q.shipment_id = ANY($2::uuid[]) THEN NULL ELSE q.next_poll_at END
		WHERE `+anyKey("q.shipment_id", 1, "uuid")+`
			AND (q.failures <> 0 OR q.not_known_since IS NOT NULL OR (q.shipment_id = ANY($2::uuid[]) AND q.next_poll_at IS NOT NULL))`,
		pq.Array(ids), pq.Array(marked)); err != nil {
		return fmt.Errorf("apply %s states: clear their look-ups: %w", channel, err)
	}
	// A letter marked unknown is known again: the mark goes, with its
	// event, before the state events.
	if err := clearUnknown(ctx, tx, marked, "", "", nil, feedKnownEvent(channel, fresh[0].At)); err != nil {
		return fmt.Errorf("apply %s states: %w", channel, err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE shipments s SET state = u.state,
			state_changed_at = COALESCE(u.at, s.state_changed_at),
			channel_status = CASE WHEN u.status <> '' THEN u.status ELSE s.channel_status END,
			available_at = CASE WHEN u.avail IS NULL THEN s.available_at ELSE LEAST(COALESCE(s.available_at, u.avail), u.avail) END,
			stage = CASE WHEN u.closed <> '' AND s.stage IN (`+sqlChannelMayEnd+`) THEN u.closed ELSE s.stage END,
			-- A step may come earlier: the letter failed, or it became
			-- available earlier than recorded (migration 00013); one the
			-- log knows now after it was unknown was asked for above.
			next_step_at = CASE WHEN u.state = `+sqlState(model.StateFailed)+`
				OR u.avail < COALESCE(s.available_at, s.sent_at) THEN `+sqlLookAtOnce+` ELSE s.next_step_at END
		FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::timestamptz[])
			AS u(id, state, at, status, closed, avail)
		WHERE `+anyKey("s.id", 1, "uuid")+` AND s.id = u.id`,
		pq.Array(ids), pq.Array(states), timesOrNull(at), pq.Array(statuses), pq.Array(closed), timesOrNull(avail))
	if err != nil {
		return fmt.Errorf("apply %s states: %w", channel, err)
	}
	if err := appendEvents(ctx, tx, events); err != nil {
		return err
	}
	var ended []string // opened, or printed or recalled by the channel: a manual case or a follow-up needless
	for _, c := range order {
		if c.moved && c.state == model.StateOpened || c.closed != "" {
			ended = append(ended, c.ship.ID)
		}
	}
	return channelEnded(ctx, tx, channel, ended, fresh[len(fresh)-1].At)
}

// MarkFeedSynced marks a feed channel's due shipments sent at or after
// sentFrom as read (their next poll cleared, as FeedApply.Synced does):
// the window that starts before them reads their whole log. A letter
// marked unknown_to_channel is left due: it is looked up on its own again
// (see ScheduleUnheard for the others the log never mentions). It returns
// how many.
func (s *Store) MarkFeedSynced(ctx context.Context, channel string, now, sentFrom time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE poll_queue q SET next_poll_at = NULL, failures = 0
		FROM shipments s
		WHERE q.channel = $1 AND q.next_poll_at <= $2 AND s.id = q.shipment_id
			AND s.sent_at >= $3 AND s.unknown_to_channel_since IS NULL`,
		channel, now, sentFrom)
	if err != nil {
		return 0, fmt.Errorf("mark %s shipments read: %w", channel, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// FeedCursor returns where a feed channel's reading stands: the latest
// created time seen; ok is false before the first read.
func (s *Store) FeedCursor(ctx context.Context, channel string) (cursor time.Time, ok bool, err error) {
	err = s.db.GetContext(ctx, &cursor, `SELECT cursor FROM feed_cursors WHERE channel = $1`, channel)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read %s cursor: %w", channel, err)
	}
	return cursor, true, nil
}

// ScheduleUnheard makes due now (at), for a look-up of its own, every
// shipment of a feed channel sent in [from, to) whose log postvakt has read
// (not due for a back-fill) but that no entry of the log has mentioned yet
// and that is not marked unknown_to_channel: the poller looks each up and
// marks the ones the log does not know (internal/poll, feed.go). It
// returns how many it made due. The sent-time index bounds the scan to
// the period.
func (s *Store) ScheduleUnheard(ctx context.Context, channel string, from, to, at time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE poll_queue q SET next_poll_at = $4
		FROM shipments s
		WHERE s.sent_at >= $2 AND s.sent_at < $3 AND s.channel = $1 AND s.state = 'registered'
			AND q.shipment_id = s.id AND q.next_poll_at IS NULL AND s.unknown_to_channel_since IS NULL
			AND NOT EXISTS (SELECT 1 FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = $5)`,
		channel, from, to, at, EventChannel)
	if err != nil {
		return 0, fmt.Errorf("find %s shipments the log has not mentioned: %w", channel, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("find %s shipments the log has not mentioned: %w", channel, err)
	}
	return int(n), nil
}

// EarliestSent returns the earliest sent time of the channel's shipments;
// ok is false when it has none. A feed read for the first time starts there.
func (s *Store) EarliestSent(ctx context.Context, channel string) (t time.Time, ok bool, err error) {
	var nt sql.NullTime
	if err := s.db.GetContext(ctx, &nt, `SELECT min(sent_at) FROM shipments WHERE channel = $1`, channel); err != nil {
		return time.Time{}, false, fmt.Errorf("earliest %s shipment: %w", channel, err)
	}
	return nt.Time, nt.Valid, nil
}
