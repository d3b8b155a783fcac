package store_test

import (
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// The overview's "prints waiting for approval" counted every held print
// order, also one whose letter was opened since it was held, or printed or
// closed by its channel: its batch's release skips it (print_skipped), and
// the escalation.to notice about the held batch leaves it out, while the
// overview told the compliance officer it waited. It counts the prints a
// release would make.
func TestOverviewHeldPrintsWouldPrint(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	ids := storetest.IDs(storetest.Register(t, st, samples(0, 4)...))
	storetest.Set(t, st, ids, storetest.State(model.StateAvailable), storetest.AvailableAfterSent(time.Minute),
		storetest.Stage(model.StagePrintHeld))
	now := time.Date(2026, 12, 14, 12, 0, 0, 0, time.UTC)
	var batch int64
	if err := st.DB().GetContext(ctx, &batch, `INSERT INTO print_batches (policy, created_at) VALUES ('default', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		st.DB().MustExec(`INSERT INTO print_orders (shipment_id, policy, requires_approval, idempotency_key, state, batch_id, created_at, updated_at)
			VALUES ($1, 'default', true, $2, 'held', $3, $4, $4)`, id, fmt.Sprint("k", i), batch, now)
	}
	storetest.Set(t, st, ids[1:2], storetest.State(model.StateOpened))
	storetest.Set(t, st, ids[2:3], storetest.Stage(model.StageChannelPrint))
	storetest.Set(t, st, ids[3:4], storetest.Stage(model.StageClosed))
	act, err := st.Activity(ctx, store.Scope{}, now.AddDate(0, 0, -7), now)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := st.EscalationCases(ctx, now.AddDate(0, 0, -14))
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, c := range cases {
		if c.Case == "held" {
			held++
		}
	}
	if act.HeldPrints != 1 || held != 1 {
		t.Errorf("prints waiting for approval: overview %d, escalation notice %d; want 1 (3 of 4 would be skipped)", act.HeldPrints, held)
	}
}
