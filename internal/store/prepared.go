package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// prepared returns query prepared on the pool, once per store: PostgreSQL
// then parses and plans it once per connection (a generic plan after five
// runs) instead of at every call. For the statements the reminder path runs
// once per organisation — marking a reminder sent is one statement with
// five parts — planning took as long as running them (docs/notes/perf.md).
// A connection made later (PostgreSQL restarted) prepares it again by
// itself.
func (s *Store) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sqlx.Stmt), nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sqlx.Stmt), nil
	}
	return st, nil
}
