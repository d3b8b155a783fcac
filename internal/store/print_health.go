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
}

// PrintProviderFacts counts the open print orders, and those the provider
// has not answered usefully about since bound or earlier.
func (s *Store) PrintProviderFacts(ctx context.Context, bound time.Time) (PrintProviderFacts, error) {
	var f PrintProviderFacts
	// Open orders always have a due time: print_orders_due serves this.
	if err := s.db.GetContext(ctx, &f, `SELECT count(*) AS open,
			count(*) FILTER (WHERE unanswered_since <= $1) AS unanswered,
			min(unanswered_since) FILTER (WHERE unanswered_since <= $1) AS since,
			max(answered_at) AS answered
		FROM print_orders WHERE state IN ('received', 'printed') AND due_at IS NOT NULL`, bound); err != nil {
		return f, fmt.Errorf("count the print orders the provider has not answered about: %w", err)
	}
	return f, nil
}
