package store_test

import (
	"context"
	"errors"
	"testing"

	"postvakt/internal/store"
)

// TestRegistrationCommitOutcome: a commit asked for after the
// registration's context ended is never sent: an error that is not
// ErrCommitUnknown, and nothing stored; a commit sent over a connection
// that broke (its server process ended) has no answer: ErrCommitUnknown.
func TestRegistrationCommitOutcome(t *testing.T) {
	st := newStore(t)
	stage := func(ctx context.Context, i int) *store.Registration {
		t.Helper()
		reg, err := st.BeginRegistration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.Add(ctx, sample(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Apply(ctx, store.SourceImport, "test"); err != nil {
			t.Fatal(err)
		}
		return reg
	}
	stored := func() int {
		var n int
		if err := st.DB().Get(&n, `SELECT count(*) FROM shipments`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	ctx, cancel := context.WithCancel(context.Background())
	reg := stage(ctx, 1)
	cancel()
	err := reg.Commit()
	if err == nil || errors.Is(err, store.ErrCommitUnknown) {
		t.Errorf("commit after the context ended: %v, want an error that is not ErrCommitUnknown", err)
	}
	if n := stored(); n != 0 {
		t.Errorf("%d shipments stored by a commit after the context ended, want 0", n)
	}

	reg = stage(context.Background(), 2)
	var killed int
	if err := st.DB().Get(&killed, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction') k`); err != nil || killed != 1 {
		t.Fatalf("ended %d server processes idle in the registration's transaction, %v; want 1", killed, err)
	}
	if err := reg.Commit(); !errors.Is(err, store.ErrCommitUnknown) {
		t.Errorf("commit over a broken connection: %v, want ErrCommitUnknown", err)
	}
}
