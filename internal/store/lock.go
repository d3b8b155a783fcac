package store

import (
	"context"
	"fmt"
	"hash/fnv"
)

// TryExclusive runs fn while holding a cluster-wide advisory lock named
// name, so a cron job runs once across all replicas. When another replica
// holds the lock it returns ran=false without running fn.
func (s *Store) TryExclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error) {
	h := fnv.New64a()
	h.Write([]byte("postvakt:" + name))
	key := int64(h.Sum64())
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Close()
	var got bool
	if err := conn.GetContext(ctx, &got, `SELECT pg_try_advisory_lock($1)`, key); err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !got {
		return false, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key) //nolint:errcheck // released with the session anyway
	return true, fn(ctx)
}
