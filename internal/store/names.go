package store

import (
	"context"
	"fmt"
	"time"
)

// Organisation names beside every number: receiving organisations
// (recipients of kind org) and sender organisations get their names from the
// business registers' answers kept in register_cache (Enhetsregisteret for
// Norwegian organisation numbers; the CVR for Danish ones, kept in the same
// shape: {"navn": ...}).

// FillOrgNames copies names from cached register answers into organisations
// that have none yet and returns how many it named.
func (s *Store) FillOrgNames(ctx context.Context) (int64, error) {
	var n int64
	for _, q := range []string{
		`UPDATE recipients r SET name = rc.body->>'navn' FROM register_cache rc
			WHERE r.kind = 'org' AND r.name = '' AND rc.orgnr = r.ident AND rc.status = 200
			  AND COALESCE(rc.body->>'navn', '') <> ''`,
		`UPDATE sender_orgs o SET name = rc.body->>'navn' FROM register_cache rc
			WHERE o.name = '' AND rc.orgnr = o.orgnr AND rc.status = 200 AND COALESCE(rc.body->>'navn', '') <> ''`,
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

// OrgsWithoutName returns up to limit organisation numbers (receiving and
// sending organisations) that have no name and no register answer fetched
// after staleBefore, sorted.
func (s *Store) OrgsWithoutName(ctx context.Context, staleBefore time.Time, limit int) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, `SELECT orgnr FROM (
			SELECT ident AS orgnr FROM recipients WHERE kind = 'org' AND name = ''
			UNION SELECT orgnr FROM sender_orgs WHERE name = '') x
		WHERE NOT EXISTS (SELECT 1 FROM register_cache rc WHERE rc.orgnr = x.orgnr AND rc.fetched_at > $1)
		ORDER BY orgnr LIMIT $2`, staleBefore, limit); err != nil {
		return nil, fmt.Errorf("list organisations without a name: %w", err)
	}
	return out, nil
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
