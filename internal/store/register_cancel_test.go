package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"postvakt/internal/store"
)

// TestRegistrationCancelledMidCopyRollsBack: an import interrupted (Ctrl-C)
// while its rows stream into the staging table by COPY ends: Add refuses
// the next row, Rollback returns and the connection goes back to the pool,
// every time. It used to hang now and then (an interrupted `postvakt
// import` never exited): database/sql rolls back a transaction whose
// context ends from a goroutine of its own, and that ROLLBACK went to the
// server through a connection still in COPY, whose answers lib/pq's copy
// reader was reading; Rollback's Close of the copy then waited on the
// connection for ever. Nothing is stored, also when the context ends
// between Apply and Commit.
func TestRegistrationCancelledMidCopyRollsBack(t *testing.T) {
	st := newStore(t)
	for round := 0; round < 40; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		reg, err := st.BeginRegistration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			for i := 0; ; i++ {
				if i == 3000+round*50 {
					cancel()
				}
				if err := reg.Add(ctx, sample(round*100000+i)); err != nil {
					break
				}
				if i > 100000 {
					t.Errorf("round %d: Add still takes rows after the context ended", round)
					break
				}
			}
			// Give database/sql's own goroutine, woken by the end of the
			// context, its chance to go first, as a signal's does.
			time.Sleep(time.Duration(round%4) * time.Millisecond)
			reg.Rollback()
		}()
		select {
		case <-ended:
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: an interrupted registration's Rollback did not return in 20 s", round)
		}
		cancel()
	}
	// Ended after its rows were applied, before the commit: the commit
	// refuses, as a transaction tied to the context would.
	ctx, cancel := context.WithCancel(context.Background())
	reg, err := st.BeginRegistration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := reg.Add(ctx, sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.Apply(ctx, store.SourceImport, "test"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := reg.Commit(); !errors.Is(err, context.Canceled) {
		t.Errorf("the commit of a registration whose context ended: %v, want context.Canceled", err)
	}
	reg.Rollback()

	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM shipments`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d shipments stored by interrupted registrations, want 0", n)
	}
}
