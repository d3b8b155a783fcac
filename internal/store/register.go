package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// Registration is an open registration transaction: rows are streamed into a
// staging table with COPY and turned into shipments, organisations and
// events in a few set-based statements at the end. The API and the CSV
// importer share it, so both are idempotent on (channel, channel_id) the
// same way, and either everything is stored or nothing.
type Registration struct {
	db    *sqlx.DB
	tx    *sqlx.Tx
	added int // new shipments (Apply)
	// newUnits are the sending units this registration made (Apply); one
	// named only by rows that stored no letter is dropped again.
	newUnits pq.Int64Array
	copy     *sql.Stmt
	n        int
	done     bool
	ended    bool
	// stopped is the registration's context's Err: Commit refuses once it
	// ended, as a transaction tied to it would.
	stopped func() error
	// fingerprint and first: the store's registration schedule
	// (ScheduleRegistrations) when the registration began.
	fingerprint string
	first       FirstStep
}

var stageColumns = []string{"ord", "id", "channel", "channel_id", "sender_org", "sender_unit",
	"recipient_kind", "recipient_id", "title", "confidential", "class", "sent_at", "next_step_at", "sender_system"}

// BeginRegistration opens a registration transaction. Its statements (the
// rows staged, Apply's) stop when ctx ends, and the caller's Rollback ends
// the transaction; the transaction itself is not tied to ctx: database/sql
// would roll it back from a goroutine of its own the moment ctx ends, and
// that ROLLBACK, sent through a connection still in COPY whose answers
// lib/pq's copy reader is reading, left Rollback waiting for ever (an
// interrupted import that never exited).
func (s *Store) BeginRegistration(ctx context.Context) (*Registration, error) {
	return s.beginRegistration(ctx, nil)
}

// beginRegistration is BeginRegistration; before, when given, runs in the
// transaction before anything else: the locks a registration that records
// more than its letters takes before the registration's own (a resend's
// follow-up, RecordFollowUp). Its error ends the transaction and is
// returned as it is; so does its panic (runRecovered), which left the
// transaction open: no Registration yet, so no Rollback deferred.
func (s *Store) beginRegistration(ctx context.Context, before func(tx *sqlx.Tx) error) (*Registration, error) {
	tx, err := s.db.BeginTxx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("begin registration: %w", err)
	}
	if before != nil {
		if err := runRecovered(tx, before); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE reg_stage (
		ord integer NOT NULL, id uuid NOT NULL, channel text NOT NULL, channel_id text NOT NULL,
		sender_org text NOT NULL, sender_unit text NOT NULL, recipient_kind text NOT NULL,
		recipient_id text NOT NULL, title text NOT NULL, confidential boolean NOT NULL,
		class text NOT NULL, sent_at timestamptz NOT NULL, next_step_at timestamptz, sender_system text NOT NULL) ON COMMIT DROP`); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("reg_stage", stageColumns...))
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("start copy: %w", err)
	}
	fp, first := s.registrationSchedule()
	return &Registration{db: s.db, tx: tx, copy: stmt, stopped: ctx.Err, fingerprint: fp, first: first}, nil
}

// Add stages one validated registration.
func (r *Registration) Add(ctx context.Context, ns model.NewShipment) error {
	ns = ns.Normalized()
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("stage row %d: new id: %w", r.n, err)
	}
	var next any // the first step's time, when the schedule gives one (else NULL)
	if r.first != nil {
		if at := r.first(ns); at != nil {
			next = *at
		}
	}
	_, err = r.copy.ExecContext(ctx, r.n, id.String(), ns.Channel, ns.ChannelID, ns.SenderOrg, ns.SenderUnit,
		// In UTC: the instant is the same, and PostgreSQL refuses offsets
		// past ±15:59 that RFC 3339 allows.
		ns.RecipientKind, ns.RecipientID, ns.Title, ns.Confidential, ns.Class, ns.SentAt.UTC(), next, ns.SenderSystem)
	if err != nil {
		return fmt.Errorf("stage row %d: %w", r.n, err)
	}
	r.n++
	return nil
}

// Staged is how many rows have been staged.
func (r *Registration) Staged() int { return r.n }

// Apply turns the staged rows into shipments, creating organisations, units
// and recipients as needed, and appends a "registered" event to every new
// shipment. It returns how many shipments were new.
func (r *Registration) Apply(ctx context.Context, source, actor string) (int, error) {
	if _, err := r.copy.ExecContext(ctx); err != nil {
		return 0, fmt.Errorf("finish copy: %w", err)
	}
	if err := r.copy.Close(); err != nil {
		return 0, fmt.Errorf("finish copy: %w", err)
	}
	r.done = true
	steps := []string{
		`ANALYZE reg_stage`,
		// The poll_queue rows are written below with their letters; the
		// trigger for other writers (migration 00021) stays out.
		`SET LOCAL postvakt.queue_rows = 'written'`,
		// Every insert below takes its keys in one order (ORDER BY): two
		// registrations of overlapping letters in other orders (a sender
		// system's retry beside its first try) wait for each other instead
		// of deadlocking.
		`INSERT INTO sender_orgs (orgnr) SELECT DISTINCT sender_org FROM reg_stage ORDER BY 1 ON CONFLICT DO NOTHING`,
		`INSERT INTO recipients (kind, ident) SELECT DISTINCT recipient_kind, recipient_id FROM reg_stage g
			WHERE g.recipient_kind <> 'person' ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
	}
	for _, q := range steps {
		if _, err := r.tx.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("register: %w", err)
		}
	}
	if err := r.tx.GetContext(ctx, &r.newUnits, `WITH made AS (INSERT INTO sender_units (sender_org_id, name)
			SELECT DISTINCT o.id, g.sender_unit FROM reg_stage g JOIN sender_orgs o ON o.orgnr = g.sender_org
			ORDER BY 1, 2 ON CONFLICT DO NOTHING RETURNING id)
		SELECT COALESCE(array_agg(id), '{}') FROM made`); err != nil {
		return 0, fmt.Errorf("register: units: %w", err)
	}
	if err := r.persons(ctx); err != nil {
		return 0, err
	}
	// A staged next-step time counts only under the policies the
	// escalation run recorded; otherwise the next run looks at the letter.
	res, err := r.tx.ExecContext(ctx, `WITH new AS (
		INSERT INTO shipments (id, channel, channel_id, sender_unit_id, recipient_id,
			title, confidential, class, sent_at, next_step_at, sender_system)
		SELECT g.id, g.channel, g.channel_id, u.id, r.id,
			g.title, g.confidential, g.class, g.sent_at,
			CASE WHEN $5 <> '' AND $5 = (SELECT fingerprint FROM escalation_policies) THEN g.next_step_at ELSE `+sqlLookAtOnce+` END,
			g.sender_system
		FROM reg_stage g
		JOIN sender_orgs o ON o.orgnr = g.sender_org
		JOIN sender_units u ON u.sender_org_id = o.id AND u.name = g.sender_unit
		JOIN recipients r ON r.kind = g.recipient_kind AND r.ident = g.recipient_id
		-- in key order (no deadlock with another registration of the same
		-- letters), the first of duplicates in one batch winning (later
		-- ones conflict)
		ORDER BY g.channel, g.channel_id, g.ord
		ON CONFLICT (channel, channel_id) DO NOTHING
		RETURNING id, channel, sender_unit_id, class),
	queued AS (
		INSERT INTO poll_queue (shipment_id, channel, next_poll_at) SELECT id, channel, now() FROM new),
	classes AS ( -- the units' classes the class filter offers (Store.Classes), of the letters stored
		INSERT INTO unit_classes (sender_unit_id, class) SELECT DISTINCT sender_unit_id, class FROM new ORDER BY 1, 2
		ON CONFLICT DO NOTHING)
	INSERT INTO shipment_events (shipment_id, kind, source, actor, observed_at, to_state)
		SELECT id, $1, $2, $3, now(), $4 FROM new`,
		EventRegistered, source, actor, string(model.StateRegistered), r.fingerprint)
	if err != nil {
		return 0, fmt.Errorf("register shipments: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("register shipments: %w", err)
	}
	r.added = int(n)
	if r.added < r.n && len(r.newUnits) > 0 {
		// A row skipped as already registered (filed under another unit,
		// or a misspelt unit's) made no letter of its unit: a unit with
		// none would stand in the units list and the filters for good.
		if _, err := r.tx.ExecContext(ctx, `DELETE FROM sender_units u WHERE u.id = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.sender_unit_id = u.id)`, r.newUnits); err != nil {
			return 0, fmt.Errorf("register: drop units of no letter: %w", err)
		}
	}
	return int(n), nil
}

// sqlNeedsPerson is true for a staged row (g) whose person recipient a
// letter to store needs: a row naming a letter stored before (one purged
// since, registered again by a back-fill) would bring back a national id no
// letter points to, which no retention purge takes again; so would a later
// row of this registration naming the same letter with another person (the
// first row wins the insert).
const sqlNeedsPerson = `g.recipient_kind = 'person'
	AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.channel = g.channel AND s.channel_id = g.channel_id)
	AND NOT EXISTS (SELECT 1 FROM reg_stage e WHERE e.channel = g.channel AND e.channel_id = g.channel_id AND e.ord < g.ord)`

// persons makes the person recipients the staged letters need, and holds
// those that existed before (FOR KEY SHARE) until the registration ends;
// those it makes no one else sees before then. The retention purge deletes
// a person whose last letter it purged, and shipments has no foreign key
// to hold a recipient (migration 00013): under READ COMMITTED a person
// found here could be gone by the statement that stores the letters, which
// would then store a letter to no one. Held, a person outlives the purge
// (which locks persons FOR UPDATE before it looks for their letters); one
// deleted before it was held is made again on the next round.
func (r *Registration) persons(ctx context.Context) error {
	for try := 0; try < 5; try++ {
		var missing int
		if err := r.tx.GetContext(ctx, &missing, `WITH need AS (
				SELECT DISTINCT g.recipient_id FROM reg_stage g WHERE `+sqlNeedsPerson+`),
			made AS (INSERT INTO recipients (kind, ident) SELECT 'person', recipient_id FROM need ORDER BY 2
				ON CONFLICT DO NOTHING RETURNING id),
			held AS (SELECT r.id FROM recipients r WHERE r.kind = 'person' AND r.ident IN (SELECT recipient_id FROM need)
				ORDER BY r.id FOR KEY SHARE)
			SELECT (SELECT count(*) FROM need) - (SELECT count(*) FROM made) - (SELECT count(*) FROM held)`); err != nil {
			return fmt.Errorf("register: persons: %w", err)
		}
		if missing <= 0 {
			return nil
		}
	}
	return errors.New("register: persons: deleted again and again while registering (the retention purge)")
}

// StagedRow names a staged row: its order of Add, and the channel id it
// gave; Of is how many rows the query found in all.
type StagedRow struct {
	Ord       int    `db:"ord"`
	ChannelID string `db:"channel_id"`
	Of        int    `db:"of"`
	// Field is what differs, for Foreign: sender_org, or sender_unit.
	Field string `db:"field"`
}

// Foreign returns (after Apply) the staged rows, by their order of Add and
// at most limit, whose channel shipment is stored for another sender
// organisation (or, with units, another sending unit): registered before
// by another, or staged earlier in this registration with another sender.
// Such a row is not the letter it names; the caller refuses it rather than
// take it for a duplicate.
func (r *Registration) Foreign(ctx context.Context, limit int, units bool) ([]StagedRow, error) {
	if r.added == r.n {
		return nil, nil // every row stored as a new letter: none names another's (a first import's usual case)
	}
	var out []StagedRow
	err := r.tx.SelectContext(ctx, &out, `SELECT g.ord, g.channel_id, count(*) OVER () AS of,
			CASE WHEN o.orgnr <> g.sender_org THEN 'sender_org' ELSE 'sender_unit' END AS field FROM reg_stage g
		JOIN shipments s ON s.channel = g.channel AND s.channel_id = g.channel_id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE s.id <> g.id AND (o.orgnr <> g.sender_org OR $2 AND u.name <> g.sender_unit)
		ORDER BY g.ord LIMIT $1`, limit, units)
	if err != nil {
		return nil, fmt.Errorf("look for letters registered for another sender: %w", err)
	}
	return out, nil
}

// Contradiction is a staged row that names a letter with other facts than
// the letter has (Registration.Contradictions).
type Contradiction struct {
	Ord       int    `db:"ord"`
	ChannelID string `db:"channel_id"`
	// Earlier is the order of Add of the row of this registration that
	// stored the letter, when one did (else Valid is false: the letter was
	// stored before).
	Earlier sql.NullInt32 `db:"earlier"`
	// Field is the first fact that differs: sender_org, recipient_kind,
	// recipient_id, and for a letter an earlier row stored also
	// sender_unit, title, confidential, class or sent_at.
	Field string `db:"field"`
	Of    int    `db:"of"` // how many rows the query found in all
}

// Fact names the fact that differs as people read it ("sending unit",
// "sent time"), in English, for a problem's message.
func (c Contradiction) Fact() string { return c.FactPhrase().English() }

// FactPhrase names the fact that differs as a catalogue phrase (keys
// problem.fact.*), for a problem said in its reader's language.
func (c Contradiction) FactPhrase() i18n.Phrase {
	switch c.Field {
	case "recipient_kind", "recipient_id":
		return i18n.P("problem.fact.recipient")
	case "sender_org", "sender_unit", "title", "confidential", "class", "sent_at":
		return i18n.P("problem.fact." + c.Field)
	}
	return i18n.P("problem.fact.other", "Field", c.Field)
}

// Repeated returns (after Apply) how many staged rows name a letter an
// earlier staged row names: dropped as duplicates, they are not letters
// registered before.
func (r *Registration) Repeated(ctx context.Context) (int, error) {
	if r.added == r.n {
		return 0, nil
	}
	var n int
	if err := r.tx.GetContext(ctx, &n, `SELECT count(*) - count(DISTINCT (channel, channel_id)) FROM reg_stage`); err != nil {
		return 0, fmt.Errorf("count repeated rows: %w", err)
	}
	return n, nil
}

// Kept returns (after Apply) the staged rows, by their order of Add and
// at most limit, that name a letter stored before this registration, of
// the same organisation and recipient, with another confidentiality,
// class or sent time (Field, the first that differs): the letter stands
// as registered, and the caller tells so rather than let a back-fill that
// corrects a class or a date believe it took effect. (Another unit or
// title stays as it is without a word: a back-fill's discover files
// letters under a unit of its own, and a purged title is empty.)
func (r *Registration) Kept(ctx context.Context, limit int) ([]Contradiction, error) {
	if r.added == r.n {
		return nil, nil
	}
	var out []Contradiction
	err := r.tx.SelectContext(ctx, &out, `SELECT g.ord, g.channel_id,
			CASE WHEN s.confidential <> g.confidential THEN 'confidential'
				WHEN s.class <> g.class THEN 'class'
				ELSE 'sent_at' END AS field,
			count(*) OVER () AS of
		FROM reg_stage g
		JOIN shipments s ON s.channel = g.channel AND s.channel_id = g.channel_id
		WHERE s.id <> g.id AND NOT EXISTS (SELECT 1 FROM reg_stage e WHERE e.id = s.id)
			AND (s.confidential <> g.confidential OR s.class <> g.class OR s.sent_at <> g.sent_at)
		ORDER BY g.ord LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("look for rows naming a registered letter with other facts: %w", err)
	}
	return out, nil
}

// Contradictions returns (after Apply) the staged rows, by their order of
// Add and at most limit, that name a channel shipment stored with other
// facts than theirs: another sender organisation or another recipient;
// and, when an earlier row of this registration stored it, any other
// fact but the sender system (sending unit, title, confidentiality, class,
// sent time). The first row about a letter wins the insert, and a later
// one would be taken for a duplicate; the caller refuses such a row
// instead. A letter stored before under another unit (a back-fill's
// discover), or with its title or person recipient purged, is no
// contradiction.
func (r *Registration) Contradictions(ctx context.Context, limit int) ([]Contradiction, error) {
	if r.added == r.n {
		return nil, nil // every row stored as a new letter: none contradicts another
	}
	var out []Contradiction
	err := r.tx.SelectContext(ctx, &out, `SELECT g.ord, g.channel_id, e.ord AS earlier,
			CASE WHEN o.orgnr <> g.sender_org THEN 'sender_org'
				WHEN p.kind <> g.recipient_kind THEN 'recipient_kind'
				WHEN `+sqlOtherRecipient+` THEN 'recipient_id'
				WHEN u.name <> g.sender_unit THEN 'sender_unit'
				WHEN s.title <> g.title THEN 'title'
				WHEN s.confidential <> g.confidential THEN 'confidential'
				WHEN s.class <> g.class THEN 'class'
				ELSE 'sent_at' END AS field,
			count(*) OVER () AS of
		FROM reg_stage g
		JOIN shipments s ON s.channel = g.channel AND s.channel_id = g.channel_id
		JOIN sender_units u ON u.id = s.sender_unit_id
		JOIN sender_orgs o ON o.id = u.sender_org_id
		JOIN recipients p ON p.id = s.recipient_id
		LEFT JOIN reg_stage e ON e.id = s.id -- the row that stored it, if this registration did
		WHERE s.id <> g.id AND (o.orgnr <> g.sender_org OR p.kind <> g.recipient_kind OR `+sqlOtherRecipient+`
			OR e.id IS NOT NULL AND (u.name <> g.sender_unit OR s.title <> g.title OR s.confidential <> g.confidential
				OR s.class <> g.class OR s.sent_at <> g.sent_at))
		ORDER BY g.ord LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("look for rows contradicting a stored letter: %w", err)
	}
	return out, nil
}

// sqlOtherRecipient is true when a stored letter's recipient (p) is not the
// staged row's (g): a purged letter points to the anonymous person, who
// stands for whoever it was sent to, so an import run again after the
// purge names it as before.
const sqlOtherRecipient = `(p.ident <> g.recipient_id AND NOT (s.purged_at IS NOT NULL AND p.ident = '` + anonymousPerson + `'))`

// analyzeAfter is how many new shipments make Commit refresh the planner's
// statistics of shipments at once.
const analyzeAfter = 10000

// Shipments returns the staged registrations as stored shipments, in the
// order they were added. Call it after Apply.
func (r *Registration) Shipments(ctx context.Context) ([]Shipment, error) {
	return shipmentsByStage(ctx, r.tx)
}

// ErrCommitUnknown marks a commit that was sent and whose answer was lost
// (the connection broke): what it stored is unknown. Any other error of
// Commit stored nothing.
var ErrCommitUnknown = errors.New("the commit's outcome is unknown")

// Commit ends the registration, storing everything. An error stored
// nothing, unless it is ErrCommitUnknown.
func (r *Registration) Commit() error {
	if err := r.stopped(); err != nil {
		r.Rollback()
		return fmt.Errorf("commit registration: %w", err)
	}
	r.ended = true
	if err := r.tx.Commit(); err != nil {
		if commitSent(err) {
			return fmt.Errorf("commit registration: %w (%w)", ErrCommitUnknown, err)
		}
		return fmt.Errorf("commit registration: %w", err)
	}
	if r.added >= analyzeAfter {
		// Until autovacuum gets to it, the planner would take the new
		// letters for a handful: the first poll cycle after importing
		// 100,000 sorted every due letter for each batch it claimed and
		// joined each batch's answers to the whole table. The letters are
		// stored; should this fail (or the role not own the tables, when
		// PostgreSQL only warns), autovacuum analyzes them later. A
		// registration this large waits for it (about 1 s at 1,000,000).
		_, _ = r.db.ExecContext(context.Background(), `ANALYZE shipments, poll_queue`)
	}
	return nil
}

// Rollback ends the registration, storing nothing. It is safe to call after
// Commit (it then does nothing), so callers may defer it.
func (r *Registration) Rollback() {
	if r.ended {
		return
	}
	r.ended = true
	if !r.done {
		_ = r.copy.Close()
	}
	_ = r.tx.Rollback()
}

// ForeignError is returned by Register when some items name a channel
// shipment that is already registered for another sender organisation or
// unit. Nothing was stored, and the existing shipments are not shown.
// Fields names, for each of Indexes, what differs (sender_org or
// sender_unit).
type ForeignError struct {
	Indexes []int
	Fields  []string
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("%d item(s) already registered for another sender organisation or unit", len(e.Indexes))
}

// ContradictionError is returned by RegisterChecked when some items name a
// channel shipment with other facts than it has (Registration.
// Contradictions). Nothing was stored.
type ContradictionError struct{ Rows []Contradiction }

func (e *ContradictionError) Error() string {
	return fmt.Sprintf("%d item(s) name a registered letter with other facts", len(e.Rows))
}

// Register stores a batch of validated registrations in one transaction and
// returns them as stored, in order, with how many were new. An item naming
// a letter registered before for the same sending unit is that letter,
// whatever else it says (discovery, a resend's link).
func (s *Store) Register(ctx context.Context, items []model.NewShipment, source, actor string) ([]Shipment, int, error) {
	out, created, _, err := s.register(ctx, items, source, actor, false, true)
	return out, created, err
}

// RegisterChecked is Register refusing, as the CSV import does, an item
// that names a letter with other facts (a ContradictionError): another
// recipient than the stored letter's, or other facts than an earlier item
// of the batch about the same letter. Taken for a duplicate, it would be
// answered as registered while postvakt watches another letter than the
// sender's. As the import, it takes a letter of the same organisation
// filed under another unit (a back-fill's discover) for the one stored,
// as it stands, unless unit: a unit's token must not reach another unit's
// letter by naming it (a ForeignError).
//
// notes are what the caller says beside the letters (RegisterNotes).
func (s *Store) RegisterChecked(ctx context.Context, items []model.NewShipment, source, actor string, unit bool) (out []Shipment, created int, notes RegisterNotes, err error) {
	return s.register(ctx, items, source, actor, true, unit)
}

// RegisterNotes are what a checked registration stored, but not as the
// caller may believe: the caller says so.
type RegisterNotes struct {
	// Kept are the items that name a letter stored before with another
	// confidentiality, class or sent time (Registration.Kept): the letter
	// stands as registered.
	Kept []Contradiction
	// UnitsLike are the units the registration made written otherwise
	// than another unit of their organisation (Registration.UnitsLike).
	UnitsLike []UnitLike
}

func (s *Store) register(ctx context.Context, items []model.NewShipment, source, actor string, checked, units bool) ([]Shipment, int, RegisterNotes, error) {
	var notes RegisterNotes
	reg, err := s.BeginRegistration(ctx)
	if err != nil {
		return nil, 0, notes, err
	}
	defer reg.Rollback()
	out, created, err := reg.store(ctx, items, source, actor, checked, units)
	if err != nil {
		return nil, 0, notes, err
	}
	if checked {
		if notes.Kept, err = reg.Kept(ctx, len(items)); err != nil {
			return nil, 0, notes, err
		}
		if notes.UnitsLike, err = reg.UnitsLike(ctx); err != nil {
			return nil, 0, notes, err
		}
	}
	if err := reg.Commit(); err != nil {
		return nil, 0, RegisterNotes{}, err
	}
	return out, created, notes, nil
}

// store stages items and stores them (Register's rule, checked as
// RegisterChecked's), in the registration's transaction, not committed:
// the letters as stored, in order, and how many were new.
func (r *Registration) store(ctx context.Context, items []model.NewShipment, source, actor string, checked, units bool) ([]Shipment, int, error) {
	for _, it := range items {
		if err := r.Add(ctx, it); err != nil {
			return nil, 0, err
		}
	}
	created, err := r.Apply(ctx, source, actor)
	if err != nil {
		return nil, 0, err
	}
	out, err := r.Shipments(ctx)
	if err != nil {
		return nil, 0, err
	}
	// A token scoped to a unit must not reach another unit's letter by
	// registering it again: with units, the unit counts here.
	foreign, err := r.Foreign(ctx, len(items), units)
	if err != nil {
		return nil, 0, err
	}
	if len(foreign) > 0 {
		fe := &ForeignError{}
		for _, f := range foreign {
			fe.Indexes, fe.Fields = append(fe.Indexes, f.Ord), append(fe.Fields, f.Field)
		}
		return nil, 0, fe
	}
	if checked {
		contra, err := r.Contradictions(ctx, len(items))
		if err != nil {
			return nil, 0, err
		}
		if len(contra) > 0 {
			return nil, 0, &ContradictionError{Rows: contra}
		}
	}
	return out, created, nil
}

// commitSent reports whether a failed commit may have been applied: it was
// sent and no answer came back. database/sql does not send it once the
// transaction's context has ended (it answers with the context's error or
// sql.ErrTxDone, and rolls back), lib/pq does not send it for a transaction
// a statement already failed (it rolls back: ErrInFailedTransaction), and a
// server's error is a refusal.
func commitSent(err error) bool {
	var pe *pq.Error
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, sql.ErrTxDone) && !errors.Is(err, pq.ErrInFailedTransaction) && !errors.As(err, &pe)
}
