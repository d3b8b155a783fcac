package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
)

// TryExclusive runs fn while holding a cluster-wide advisory lock named
// name, so a job runs once across all replicas (and beside a one-off
// command such as `postvakt escalate --once`). When another session holds
// the lock it returns ran=false without running fn. It is the one way
// postvakt does "once cluster-wide".
//
// The lock is a session lock on a connection taken from the pool for the
// duration of fn. If it cannot be released the connection is discarded,
// never returned to the pool still holding the lock (which would keep every
// later run of the job out until the connection closed).
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
	defer func() {
		var released bool
		uerr := conn.GetContext(context.WithoutCancel(ctx), &released, `SELECT pg_advisory_unlock($1)`, key)
		if uerr == nil && !released {
			uerr = errors.New("the lock was not held any more")
		}
		if uerr != nil {
			// Closing the session is the only other way to release it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("unlock %s (connection discarded): %w", name, uerr))
		}
	}()
	return true, fn(ctx)
}
