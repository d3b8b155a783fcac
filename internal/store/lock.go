package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrLockLost is the cause a job's context ends with, and part of
// TryExclusive's error, when the session holding its cluster-wide lock
// ended while the job ran (PostgreSQL's idle_session_timeout, a backend
// terminated, a broken connection): the lock went with it, and another
// replica may take it and run the job too.
var ErrLockLost = errors.New("the cluster-wide lock was lost with its database session")

// lockCheckEvery is how often the lock's session is asked a statement
// while the job runs: it keeps the session from idling out (an
// idle_session_timeout shorter than a run) and finds one that ended.
var lockCheckEvery = 5 * time.Second

// TryExclusive runs fn while holding a cluster-wide advisory lock named
// name, so a job runs once across all replicas (and beside a one-off
// command such as `postvakt escalate --once`). When another session holds
// the lock it returns ran=false without running fn. It is the one way
// postvakt does "once cluster-wide".
//
// The lock is a session lock on a connection taken from the pool for the
// duration of fn. If it cannot be released the connection is discarded,
// never returned to the pool still holding the lock (which would keep every
// later run of the job out until the connection closed). While fn runs the
// session is asked a statement every lockCheckEvery; when it has ended,
// fn's context is cancelled with ErrLockLost (a job that ran on would run
// beside the replica that takes the lock next) and the error says so.
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
	run, cancel := context.WithCancelCause(ctx)
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		if err := keepLock(run, conn, name); err != nil {
			cancel(err)
		}
	}()
	err = fn(run)
	cancel(nil)
	<-kept // the session is the unlock's again
	if lost := context.Cause(run); errors.Is(lost, ErrLockLost) {
		err = errors.Join(lost, err)
	}
	return true, err
}

// keepLock asks conn, the lock's session, a statement every lockCheckEvery
// until ctx ends: nil then; an ErrLockLost when the session has ended.
func keepLock(ctx context.Context, conn *sqlx.Conn, name string) error {
	tick := time.NewTicker(lockCheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// Not with ctx: its end would send the statement a cancel
		// request, which could reach the session's unlock instead.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT 1`); err != nil {
			return fmt.Errorf("%w: lock %s: %w", ErrLockLost, name, err)
		}
	}
}
