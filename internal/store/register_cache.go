package store

import (
	"context"
	"fmt"
	"time"
)

// The business register cache of the print fallback's address lookups
// (register_cache).

// RegisterEntry is one cached answer of a business register.
type RegisterEntry struct {
	OrgNr string `db:"orgnr"`
	// Kind says what answered: RegisterEnhet (default when empty),
	// RegisterUnderenhet or RegisterCVR.
	Kind   string `db:"kind"`
	Status int    `db:"status"`
	Body   JSON   `db:"body"`
	// Name is the organisation's name read from the answer ("" for none).
	Name      string    `db:"name"`
	FetchedAt time.Time `db:"fetched_at"`
}

// Kinds of register answer (register_cache.kind).
const (
	RegisterEnhet      = "enhet"      // Enhetsregisteret /enheter/{orgnr}
	RegisterUnderenhet = "underenhet" // Enhetsregisteret /underenheter/{orgnr}
	RegisterCVR        = "cvr"        // the Danish CVR (the search hit's _source)
)

// RegisterEntry returns the cached register answer for an organisation, or
// ErrNotFound.
func (s *Store) RegisterEntry(ctx context.Context, orgnr string) (*RegisterEntry, error) {
	var e RegisterEntry
	err := s.db.GetContext(ctx, &e, `SELECT orgnr, kind, status, body, name, fetched_at FROM register_cache WHERE orgnr = $1`, orgnr)
	if err != nil {
		return nil, fmt.Errorf("read register cache for %s: %w", orgnr, notFound(err))
	}
	return &e, nil
}

// PutRegisterEntry caches a register answer, replacing an older one; the
// organisation's failed lookups (RegisterFailed) are forgotten.
func (s *Store) PutRegisterEntry(ctx context.Context, e RegisterEntry) error {
	if e.Kind == "" {
		e.Kind = RegisterEnhet
	}
	_, err := s.db.ExecContext(ctx, `WITH forget AS (DELETE FROM register_retries WHERE orgnr = $1)
		INSERT INTO register_cache (orgnr, kind, status, body, name, fetched_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (orgnr) DO UPDATE SET kind = $2, status = $3, body = $4, name = $5, fetched_at = $6`,
		e.OrgNr, e.Kind, e.Status, jsonParam(e.Body), CleanText(e.Name), e.FetchedAt)
	if err != nil {
		return fmt.Errorf("cache register answer for %s: %w", e.OrgNr, err)
	}
	return nil
}
