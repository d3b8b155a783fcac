package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/model"
)

// Organisation names beside every number: receiving organisations
// (recipients of kind org) and sender organisations get their names from the
// business registers' answers kept in register_cache (Enhetsregisteret for
// Norwegian organisation numbers, the CVR for Danish ones; register_cache.name
// is the name as read from the answer). Persons never get a name.

// FillOrgNames copies names from cached register answers into organisations
// whose name is missing or differs (the register renamed them) and returns
// how many it changed. An answer without a name (unknown, removed) leaves a
// known name alone.
func (s *Store) FillOrgNames(ctx context.Context) (int64, error) {
	var n int64
	for _, q := range []string{
		`UPDATE recipients r SET name = rc.name FROM register_cache rc
			WHERE r.kind = 'org' AND rc.orgnr = r.ident AND rc.status = 200 AND rc.name <> '' AND r.name <> rc.name`,
		`UPDATE sender_orgs o SET name = rc.name FROM register_cache rc
			WHERE rc.orgnr = o.orgnr AND rc.status = 200 AND rc.name <> '' AND o.name <> rc.name`,
	} {
		res, err := s.db.ExecContext(ctx, q)
		if err != nil {
			return n, fmt.Errorf("fill organisation names from the register cache: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// OrgsToName returns up to limit organisation numbers (receiving and
// sending organisations) whose register answer should be fetched: those
// without a fresh answer (fetched after staleBefore) that have no name or
// whose cached answer has gone stale, and whose last failed lookup is not
// waiting for its retry time (after now). Only numbers of the given lengths
// (digits only) are listed: 9 for Enhetsregisteret, 8 for the CVR. Never
// asked first, then the stalest; ties by number.
func (s *Store) OrgsToName(ctx context.Context, now, staleBefore time.Time, countries []string, limit int) ([]string, error) {
	out := []string{}
	if len(countries) == 0 || limit <= 0 {
		return out, nil
	}
	lens := make([]int64, len(countries))
	for i, c := range countries {
		lens[i] = int64(model.OrgLength(c))
	}
	if err := s.db.SelectContext(ctx, &out, `SELECT x.orgnr FROM (
			SELECT orgnr, bool_or(name = '') AS unnamed FROM (
				SELECT ident AS orgnr, name FROM recipients WHERE kind = 'org'
				UNION ALL SELECT orgnr, name FROM sender_orgs) o
			WHERE orgnr ~ '^[0-9]+$' AND length(orgnr) = ANY($3::int[])
			GROUP BY orgnr) x
		LEFT JOIN register_cache rc ON rc.orgnr = x.orgnr
		LEFT JOIN register_retries rr ON rr.orgnr = x.orgnr
		WHERE (rc.orgnr IS NULL OR rc.fetched_at <= $2)
		  AND (x.unnamed OR rc.orgnr IS NOT NULL)
		  AND (rr.orgnr IS NULL OR rr.retry_at <= $1)
		ORDER BY rc.fetched_at NULLS FIRST, x.orgnr LIMIT $4`,
		now, staleBefore, pq.Array(lens), limit); err != nil {
		return nil, fmt.Errorf("list organisations to look up in the registers: %w", err)
	}
	return out, nil
}

// RegisterRetry is the state of an organisation's failed name lookups.
type RegisterRetry struct {
	Attempts int       `db:"attempts"`
	RetryAt  time.Time `db:"retry_at"`
}

// RegisterFailed records a failed register lookup of orgnr at now: the
// attempts count up, and the next try waits first, doubled with every
// further failure, at most longest. OrgsToName skips it until then; a
// register answer (PutRegisterEntry) forgets it.
func (s *Store) RegisterFailed(ctx context.Context, orgnr string, now time.Time, first, longest time.Duration, msg string) (RegisterRetry, error) {
	var r RegisterRetry
	err := s.db.GetContext(ctx, &r, `INSERT INTO register_retries (orgnr, attempts, retry_at, error)
		VALUES ($1, 1, $2::timestamptz + $3::float8 * interval '1 second', $5)
		ON CONFLICT (orgnr) DO UPDATE SET attempts = register_retries.attempts + 1,
			retry_at = $2::timestamptz + LEAST($4::float8, $3::float8 * power(2, LEAST(register_retries.attempts, 30))) * interval '1 second',
			error = $5
		RETURNING attempts, retry_at`, orgnr, now, first.Seconds(), longest.Seconds(), msg)
	if err != nil {
		return r, fmt.Errorf("record failed register lookup of %s: %w", orgnr, err)
	}
	return r, nil
}

// SenderOrgName returns the name of a sender organisation ("" when unknown).
func (s *Store) SenderOrgName(ctx context.Context, orgnr string) (string, error) {
	var names []string
	if err := s.db.SelectContext(ctx, &names, `SELECT name FROM sender_orgs WHERE orgnr = $1`, orgnr); err != nil {
		return "", fmt.Errorf("name of sender organisation %s: %w", orgnr, err)
	}
	if len(names) == 0 {
		return "", nil
	}
	return names[0], nil
}
