package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestTryExclusiveLosesItsSession: the session holding a cluster-wide lock
// while its job runs is ended under it (a DBA's pg_terminate_backend, a
// broken connection; PostgreSQL's idle_session_timeout does so to a
// session that sends nothing): the lock is released with it and another
// replica could take it and run the job a second time. The job's context
// now ends with store.ErrLockLost within the check's period, and the error
// says so; an idle_session_timeout shorter than the run no longer ends the
// session (it is asked a statement every period), so the lock holds. The
// job ran on unaware, beside whoever took the lock next.
func TestTryExclusiveLosesItsSession(t *testing.T) {
	defer store.SetLockCheckEvery(200 * time.Millisecond)()
	ctx := context.Background()
	url := pgtest.New(t)
	other := storetest.OpenURL(t, url) // another replica, and the DBA
	for _, tc := range []struct {
		name    string
		url     string
		end     func(t *testing.T) // while the job runs
		wantErr error
	}{
		{"backend terminated", url, func(t *testing.T) {
			var n int
			if err := other.DB().Get(&n, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
				WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil || n != 1 {
				t.Fatalf("terminate the lock's backend: %d, %v", n, err)
			}
		}, store.ErrLockLost},
		{"idle_session_timeout shorter than the run", url + "&idle_session_timeout=1000", func(t *testing.T) {
			time.Sleep(2500 * time.Millisecond) // the job waits on something else
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.OpenURL(t, tc.url)
			var taken bool
			ran, err := st.TryExclusive(ctx, "escalate", func(ctx context.Context) error {
				tc.end(t)
				if tc.wantErr != nil {
					select {
					case <-ctx.Done():
					case <-time.After(5 * time.Second): // ran on
					}
				}
				// Another replica's tick meanwhile.
				var err error
				taken, err = other.TryExclusive(context.Background(), "escalate", func(context.Context) error { return nil })
				if err != nil {
					t.Errorf("another replica's try: %v", err)
				}
				return context.Cause(ctx)
			})
			if !ran || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("TryExclusive = %v, %v; want it ran, error %v", ran, err, tc.wantErr)
			}
			if tc.wantErr == nil && taken {
				t.Error("another replica took the lock while the job ran")
			}
		})
	}
}
