package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestUserNamesUniqueInAnyCaseWhileAnotherAdds: two user adds of Kari and
// kari at the same moment (two admins, or user add beside the page) make
// one user, not two the audit log ("user:kari") cannot tell apart. The
// first add is held open in its transaction; the second must then wait
// for it and, once it commits, be refused with ErrExists — not succeed
// beside it because it could not see the uncommitted Kari.
func TestUserNamesUniqueInAnyCaseWhileAnotherAdds(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	tx, err := st.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (name, password_hash, role) VALUES ('Kari', 'x', 'admin')`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := st.CreateUser(ctx, store.User{Name: "kari", PasswordHash: "y", Role: "compliance"})
		done <- err
	}()
	// The second add either returns (no unique index: it succeeded beside
	// the uncommitted Kari) or waits on Kari's row lock.
	deadline := time.After(30 * time.Second)
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			t.Fatalf("kari added while Kari's add was uncommitted: %v, want it to wait for that add", err)
		case <-deadline:
			t.Fatal("kari's add neither returned nor waited on a lock in 30 s")
		case <-time.After(10 * time.Millisecond):
		}
		if err := st.DB().GetContext(ctx, &waiting, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)`); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, store.ErrExists) {
		t.Fatalf("kari added after Kari's add committed: %v, want ErrExists", err)
	}
	var n int
	if err := st.DB().GetContext(ctx, &n, `SELECT count(*) FROM users WHERE lower(name) = 'kari'`); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d users named kari in some case, want 1", n)
	}
}
