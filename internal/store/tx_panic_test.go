package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestTransactionPanics: a panic inside a transaction's function (a
// reader meeting a row it did not expect) is the transaction's error, with
// the panic and its stack, and the transaction is rolled back: nothing it
// wrote stays, its locks are free, no session is left idle in it. It was
// left open (with a job's context, which ends only at the process's end,
// for as long as the process ran), holding its locks and its connection.
// A registration's first step in its transaction (a resend's follow-up
// locking its letter) likewise.
func TestTransactionPanics(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	panicking := func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4711)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE panic_probe (x int)`); err != nil {
			return err
		}
		var m map[string]int
		m["answer"]++ // assignment to entry in nil map
		return nil
	}
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"transaction", func() error { return st.InTx(ctx, panicking) }},
		{"registration's first step", func() error {
			reg, err := st.BeginRegistrationBefore(ctx, panicking)
			if reg != nil {
				t.Error("a registration begun though its first step panicked")
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { panicRolledBack(t, st, tc.run) })
	}
}

// panicRolledBack runs run, whose transaction panics, and checks it
// returned the panic as its error and rolled the transaction back.
func panicRolledBack(t *testing.T, st *store.Store, run func() error) {
	var err error
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("the panic came through the transaction: %v", v)
			}
		}()
		err = run()
	}()
	var p *store.PanicError
	if !errors.As(err, &p) || !strings.Contains(err.Error(), "assignment to entry in nil map") ||
		!strings.Contains(err.Error(), "tx_panic_test.go") {
		t.Errorf("error %v; want a *store.PanicError with the panic and its stack", err)
	}
	var free, kept bool
	var idle int
	if err := st.DB().Get(&free, `SELECT pg_try_advisory_xact_lock(4711)`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&kept, `SELECT to_regclass('panic_probe') IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&idle, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND state LIKE 'idle in transaction%'`); err != nil {
		t.Fatal(err)
	}
	if !free || kept || idle != 0 {
		t.Errorf("after the panic: its lock free %v, its table kept %v, %d sessions idle in a transaction; want it rolled back",
			free, kept, idle)
	}
}
