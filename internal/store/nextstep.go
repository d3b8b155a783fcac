package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/model"
)

// sqlLookAtOnce is the next-step time of a letter the next escalation run
// must look at whatever its clock: not looked at yet, or changed so that a
// step may come earlier (the column's default).
const sqlLookAtOnce = `'epoch'::timestamptz`

// sqlKnownAgain is the next-step time of a shipments row s the channel
// answers about: a letter it did not know (unknown_to_channel_since) had its
// reminders held back (escalate.Decision.Unheard), so the next run looks at
// it; any other keeps its time.
const sqlKnownAgain = `CASE WHEN s.unknown_to_channel_since IS NOT NULL THEN ` + sqlLookAtOnce + ` ELSE s.next_step_at END`

// NextStep is when one shipment's next escalation step can come due, as the
// escalation run decided it (migration 00013, shipments.next_step_at).
type NextStep struct {
	ShipmentID string
	Seen       *time.Time // next_step_at as the run read it
	At         *time.Time // the new time; nil: no step can come any more
	// Unheard: At assumes the channel has still not heard of the shipment
	// (its reminders held back): stored only while it is marked
	// unknown_to_channel. Once a poll cleared the mark (and asked for a
	// look at once), the run's time is stale even if Seen still matches.
	Unheard bool
}

// ScheduleNextSteps stores next-step times in one statement. A shipment
// whose next_step_at changed since the run read it (the poll reset it: it
// failed), or that the channel has heard of since an Unheard time was
// decided, keeps the newer value. It returns how many were stored.
func (s *Store) ScheduleNextSteps(ctx context.Context, steps []NextStep) (int, error) {
	if len(steps) == 0 {
		return 0, nil
	}
	ids := make([]string, len(steps))
	seen, at := make([]*time.Time, len(steps)), make([]*time.Time, len(steps))
	unheard := make([]bool, len(steps))
	for i, st := range steps {
		ids[i], seen[i], at[i], unheard[i] = st.ShipmentID, st.Seen, st.At, st.Unheard
	}
	res, err := s.db.ExecContext(ctx, `UPDATE shipments s SET next_step_at = u.at
		FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::boolean[]) AS u(id, seen, at, unheard)
		WHERE s.id = ANY($1::uuid[]) AND s.id = u.id AND s.next_step_at IS NOT DISTINCT FROM u.seen
			AND (NOT u.unheard OR s.unknown_to_channel_since IS NOT NULL)`,
		pq.Array(ids), timesOrNull(seen), timesOrNull(at), pq.Array(unheard))
	if err != nil {
		return 0, fmt.Errorf("store %d next-step times: %w", len(steps), err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EscalationFingerprint returns the fingerprint of the policies the stored
// next-step times were computed under ("" when none was recorded yet).
func (s *Store) EscalationFingerprint(ctx context.Context) (string, error) {
	var fp string
	err := s.db.GetContext(ctx, &fp, `SELECT fingerprint FROM escalation_policies`)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the escalation policies' fingerprint: %w", err)
	}
	return fp, nil
}

// EscalationRecord is the policies a complete escalation run last decided
// every open letter under: their fingerprint and when (zero when no run
// has recorded one yet).
type EscalationRecord struct {
	Fingerprint string    `db:"fingerprint"`
	RecordedAt  time.Time `db:"recorded_at"`
}

// LastEscalationRecord returns the fingerprint the last complete
// escalation run recorded, and when (zero without one).
func (s *Store) LastEscalationRecord(ctx context.Context) (EscalationRecord, error) {
	var r EscalationRecord
	err := s.db.GetContext(ctx, &r, `SELECT fingerprint, recorded_at FROM escalation_policies`)
	if errors.Is(err, sql.ErrNoRows) {
		return EscalationRecord{}, nil
	}
	if err != nil {
		return EscalationRecord{}, fmt.Errorf("read when the escalation policies' fingerprint was recorded: %w", err)
	}
	return r, nil
}

// RecordEscalationFingerprint records the policies a complete run over
// every open shipment computed the next-step times under.
func (s *Store) RecordEscalationFingerprint(ctx context.Context, fingerprint string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO escalation_policies (fingerprint, recorded_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, recorded_at = EXCLUDED.recorded_at`,
		fingerprint, now); err != nil {
		return fmt.Errorf("record the escalation policies' fingerprint: %w", err)
	}
	return nil
}

// FirstStep says, for a letter being registered, when its first escalation
// step can come due under the policies with the given fingerprint (nil:
// never). See Store.ScheduleRegistrations.
type FirstStep func(model.NewShipment) *time.Time

// registrationSchedule is the FirstStep a store's registrations use.
type registrationSchedule struct {
	mu          sync.RWMutex
	fingerprint string
	first       FirstStep
}

// ScheduleRegistrations makes registrations store each new letter's first
// next-step time, computed by first under the policies with fingerprint,
// so that the escalation run need not look at a freshly imported letter
// before its first step can come due. The time is kept only while the
// escalation run's recorded policies are the same (checked in the
// registration's statement); otherwise the letter is looked at by the next
// run, as without a schedule.
func (s *Store) ScheduleRegistrations(fingerprint string, first FirstStep) {
	s.sched.mu.Lock()
	s.sched.fingerprint, s.sched.first = fingerprint, first
	s.sched.mu.Unlock()
}

func (s *Store) registrationSchedule() (string, FirstStep) {
	s.sched.mu.RLock()
	defer s.sched.mu.RUnlock()
	return s.sched.fingerprint, s.sched.first
}
