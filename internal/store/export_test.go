package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"postvakt/internal/model"
)

// InTx is inTx.
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error { return s.inTx(ctx, fn) }

// BeginRegistrationBefore is beginRegistration.
func (s *Store) BeginRegistrationBefore(ctx context.Context, before func(tx *sqlx.Tx) error) (*Registration, error) {
	return s.beginRegistration(ctx, before)
}

// SetLockCheckEvery sets how often TryExclusive asks its lock's session a
// statement, and returns the undo.
func SetLockCheckEvery(d time.Duration) func() {
	was := lockCheckEvery
	lockCheckEvery = d
	return func() { lockCheckEvery = was }
}

// SetIncidentBatch sets how many letters RecordIncidentFollowUps records in
// one transaction, and returns the undo.
func SetIncidentBatch(n int) func() {
	was := incidentBatch
	incidentBatch = n
	return func() { incidentBatch = was }
}

// SetIncidentCountsBatch sets how many filters CountIncidents counts in
// one statement, and returns the undo.
func SetIncidentCountsBatch(n int) func() {
	was := incidentCountsBatch
	incidentCountsBatch = n
	return func() { incidentCountsBatch = was }
}

// ExplainIncidentPage is the plan of IncidentPage's one pass over the
// letters f selects (EXPLAIN (FORMAT JSON)).
func (s *Store) ExplainIncidentPage(ctx context.Context, f IncidentFilter, limit int) ([]byte, error) {
	q, args, err := incidentPageQuery(f, limit)
	if err != nil {
		return nil, err
	}
	var plan []byte
	err = s.db.GetContext(ctx, &plan, `EXPLAIN (FORMAT JSON) `+q, args...)
	return plan, err
}

// ExplainAuditLog is the plan of AuditLog's query for f (EXPLAIN (FORMAT
// JSON)).
func (s *Store) ExplainAuditLog(ctx context.Context, f AuditFilter) ([]byte, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q, args, err := auditLogQuery(f)
	if err != nil {
		return nil, err
	}
	var plan []byte
	err = s.db.GetContext(ctx, &plan, `EXPLAIN (FORMAT JSON) `+q, args...)
	return plan, err
}

// ReopenByDecision reopens the escalation of the letters ids, each to its
// stage in tos, in one transaction, as a follow-up decision does
// (reopenByDecision).
func (s *Store) ReopenByDecision(ctx context.Context, ids []string, tos []model.Stage, at time.Time) error {
	ls := make([]reopening, len(ids))
	for i := range ids {
		ls[i] = reopening{ids[i], tos[i]}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return reopenByDecision(ctx, tx, ls, at) })
}

// CloseByDecision closes the escalation of the letters ids, each from its
// stage in froms, in one transaction, as a follow-up decision that ends
// their case does (closeByDecision).
func (s *Store) CloseByDecision(ctx context.Context, ids []string, froms []model.Stage, decision, actor string, at time.Time) error {
	ls := make([]closing, len(ids))
	for i := range ids {
		ls[i] = closing{ids[i], froms[i]}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return closeByDecision(ctx, tx, ls, decision, actor, at) })
}

// ExplainEventsBefore is the plan of EventsBefore's page query, as run
// (EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)).
func (s *Store) ExplainEventsBefore(ctx context.Context, shipmentID, cursor string, limit int) ([]byte, error) {
	q, args, err := eventPageQuery(shipmentID, cursor, limit)
	if err != nil {
		return nil, err
	}
	var plan []byte
	err = s.db.GetContext(ctx, &plan, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+q, args...)
	return plan, err
}

// ExplainProofEvents is the plan of ProofEvents' query, as run.
func (s *Store) ExplainProofEvents(ctx context.Context, shipmentID string) ([]byte, error) {
	var plan []byte
	err := s.db.GetContext(ctx, &plan, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+proofQuery, shipmentID, pq.Array(ProofKinds))
	return plan, err
}
