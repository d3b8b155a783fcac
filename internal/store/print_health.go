package store

import (
	"context"
	"fmt"
	"time"
)

// PrintProviderFacts is what the health rule print_provider_silent reads
// of the placed print orders that are not final (received, printed): how
// many there are, and how many of them the provider has given no useful
// answer about since at least a bound (print_orders.unanswered_since,
// migration 00046: their status polls or cancels failed, or answered 404
// in a run in which the provider knew none of postvakt's orders or could
// not be asked whether it did). Counts and times only: nothing of the
// letters or their recipients.
type PrintProviderFacts struct {
	Open       int        `db:"open"`
	Unanswered int        `db:"unanswered"`
	Since      *time.Time `db:"since"` // the earliest unanswered_since of those Unanswered; nil when none
	// Answered is the last time the provider answered usefully about an
	// open order (print_orders.answered_at: an answer that knew it, or a
	// 404 counted toward its loss); nil when none since migration 00046.
	Answered *time.Time `db:"answered"`
	// Unplaced counts the orders queued at bound or earlier that the
	// provider has not placed though asked (print_outbox rows whose sends
	// failed: 5xx, timeouts, answers that cannot be read; each is sent
	// again under its key), UnplacedSince the earliest of them queued. An
	// order never tried yet (the print job not run) is not counted.
	Unplaced      int        `db:"unplaced"`
	UnplacedSince *time.Time `db:"unplaced_since"`
	// Unresolved counts the print decisions whose address lookups have
	// failed since bound or earlier (print_orders.lookup_failing_since:
	// Enhetsregisteret down, or answering what cannot be read; each is
	// asked again after its backoff), UnresolvedSince the earliest of
	// them.
	Unresolved      int        `db:"unresolved"`
	UnresolvedSince *time.Time `db:"unresolved_since"`
	// Unprinted counts the orders the provider accepted at the unprinted
	// bound or earlier that it still says are not printed (state
	// received: lost inside the provider, or forgotten there),
	// UnprintedSince the earliest of them placed.
	Unprinted      int        `db:"unprinted"`
	UnprintedSince *time.Time `db:"unprinted_since"`
}

// PrintProviderFacts counts the open print orders, those the provider has
// not answered usefully about since bound or earlier, those queued at
// bound or earlier it has not placed though asked, and the print decisions
// whose address lookups have failed since bound or earlier; and the orders
// accepted at unprinted or earlier that the provider has not printed.
func (s *Store) PrintProviderFacts(ctx context.Context, bound, unprinted time.Time) (PrintProviderFacts, error) {
	var f PrintProviderFacts
	// Open orders always have a due time: print_orders_due serves this.
	if err := s.db.GetContext(ctx, &f, `SELECT count(*) AS open,
			count(*) FILTER (WHERE unanswered_since <= $1) AS unanswered,
			min(unanswered_since) FILTER (WHERE unanswered_since <= $1) AS since,
			max(answered_at) AS answered,
			count(*) FILTER (WHERE state = 'received' AND placed_at <= $2) AS unprinted,
			min(placed_at) FILTER (WHERE state = 'received' AND placed_at <= $2) AS unprinted_since
		FROM print_orders WHERE state IN ('received', 'printed') AND due_at IS NOT NULL`, bound, unprinted); err != nil {
		return f, fmt.Errorf("count the print orders the provider has not answered about: %w", err)
	}
	if err := s.db.GetContext(ctx, &f, `SELECT count(*) AS unplaced, min(created_at) AS unplaced_since
		FROM print_outbox WHERE created_at <= $1 AND last_error <> ''`, bound); err != nil {
		return f, fmt.Errorf("count the print orders the provider has not placed: %w", err)
	}
	if err := s.db.GetContext(ctx, &f, `SELECT count(*) AS unresolved, min(lookup_failing_since) AS unresolved_since
		FROM print_orders WHERE state = 'lookup' AND lookup_failing_since <= $1`, bound); err != nil {
		return f, fmt.Errorf("count the print decisions whose address lookups fail: %w", err)
	}
	return f, nil
}
