package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// A letter whose row another session holds longer than lock_timeout
// (README: DATABASE_URL's lock_timeout=1min, an operator's open psql
// transaction) is not refused for its answer: the wait is the write's. The
// rest of the batch is written; the letter gets no evidence that its
// answer could not be stored, no failure and no backoff, and comes back
// after the lease with its answer asked for again.
func TestLockWaitIsNotTheLettersFault(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenURL(t, pgtest.New(t)+"&lock_timeout=200ms")
	registerFor(t, st, orgs[0], orgs[1])
	now := time.Now()
	due, err := st.ClaimDue(ctx, "svarut", now, 10, time.Minute)
	if err != nil || len(due) != 2 {
		t.Fatalf("claim: %d (%v)", len(due), err)
	}
	locked, free := due[0], due[1]
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE shipments SET title = title WHERE id = $1`, locked.ID); err != nil {
		t.Fatal(err)
	}
	next := now.Add(time.Hour)
	var results []store.PollResult
	for _, d := range due {
		results = append(results, store.PollResult{Due: d, Source: "svarut", ObservedAt: now, Status: "MOTTATT", State: model.StateAccepted,
			Payload: []byte(`{"status":"MOTTATT"}`), NextPollAt: &next, RetryAt: now.Add(time.Minute)})
	}
	w, err := st.ApplyPoll(ctx, results)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if w.Changed != 1 || len(w.Unwritable) != 1 || w.Unwritable[0].ShipmentID != locked.ID {
		t.Fatalf("write %+v, want the free letter's change and the locked letter left out", w)
	}
	if sh, _ := st.Shipment(ctx, free.ID, store.Scope{}); sh.State != model.StateAccepted {
		t.Errorf("the free letter: %s, want accepted", sh.State)
	}
	sh, err := st.Shipment(ctx, locked.ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sh.Events {
		if e.Kind == store.EventPollError {
			t.Errorf("a lock wait recorded as the letter's answer not storable: %q", e.Message)
		}
	}
	back, err := st.ClaimDue(ctx, "svarut", now.Add(2*time.Minute), 10, time.Minute)
	if err != nil || len(back) != 1 || back[0].ID != locked.ID || back[0].PollFailures != 0 {
		t.Fatalf("after the lease: %+v (%v), want the locked letter back without a failure", back, err)
	}
}
