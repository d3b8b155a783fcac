package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// IncidentReader reads an incident's letters and their counts.
type IncidentReader interface {
	EachIncidentLetter(ctx context.Context, f IncidentFilter, fn func(*IncidentRow) error) error
	IncidentSummary(ctx context.Context, f IncidentFilter) ([]UnitCount, error)
}

// IncidentSnapshot runs fn with a reader whose every read sees the database
// as of one moment (a read-only, repeatable-read transaction): a report
// file's counts and its letters agree, though letters are registered or
// change state while it is written.
func (s *Store) IncidentSnapshot(ctx context.Context, fn func(IncidentReader) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin an incident report's snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read only: nothing to commit
	return fn(incidentTx{tx})
}

// incidentTx reads an incident in one transaction.
type incidentTx struct{ tx *sqlx.Tx }

func (t incidentTx) EachIncidentLetter(ctx context.Context, f IncidentFilter, fn func(*IncidentRow) error) error {
	return eachIncidentLetter(ctx, t.tx, f, fn)
}

func (t incidentTx) IncidentSummary(ctx context.Context, f IncidentFilter) ([]UnitCount, error) {
	return incidentSummary(ctx, t.tx, f)
}

// eachIncidentLetter is EachIncidentLetter through q.
func eachIncidentLetter(ctx context.Context, q sqlx.QueryerContext, f IncidentFilter, fn func(*IncidentRow) error) error {
	var c sqlConds
	if err := f.where(&c); err != nil {
		return err
	}
	query := fmt.Sprintf(`SELECT %s %s WHERE %s %s`, incidentColumns, incidentFrom, c.String(), incidentOrder)
	rows, err := q.QueryxContext(ctx, query, c.args...)
	if err != nil {
		return fmt.Errorf("stream incident letters: %w", err)
	}
	defer rows.Close()
	var r IncidentRow
	for rows.Next() {
		r = IncidentRow{}
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("stream incident letters: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stream incident letters: %w", err)
	}
	return nil
}

// incidentSummary is IncidentSummary through q.
func incidentSummary(ctx context.Context, q sqlx.QueryerContext, f IncidentFilter) ([]UnitCount, error) {
	var c sqlConds
	if err := f.where(&c); err != nil {
		return nil, err
	}
	query := fmt.Sprintf(`SELECT o.orgnr AS sender_org, u.name AS sender_unit, s.state, count(*) AS n %s WHERE %s
		GROUP BY o.orgnr, u.name, s.state ORDER BY u.name, o.orgnr, s.state`, shipmentFrom, c.String())
	out := []UnitCount{}
	if err := sqlx.SelectContext(ctx, q, &out, query, c.args...); err != nil {
		return nil, fmt.Errorf("summarise incident: %w", err)
	}
	return out, nil
}
