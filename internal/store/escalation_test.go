package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// orgs are valid Norwegian organisation numbers used as recipients.
var orgs = []string{"974760673", "964338531", "971526920", "983887457"}

// registerFor registers one shipment per recipient given (org numbers), with
// sent times one minute apart, and returns their ids in order.
func registerFor(t *testing.T, st *store.Store, recipients ...string) []string {
	t.Helper()
	var items []model.NewShipment
	for i, r := range recipients {
		it := sample(1000 + i)
		it.ChannelID = fmt.Sprintf("esc-%s-%d-%d", t.Name(), i, time.Now().UnixNano())
		it.RecipientID = r
		it.SentAt = time.Date(2026, 11, 2, 9, i, 0, 0, time.UTC)
		items = append(items, it)
	}
	got, _, err := st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(got))
	for i, s := range got {
		ids[i] = s.ID
	}
	return ids
}

func setState(t *testing.T, st *store.Store, id string, state model.State, stage model.Stage) {
	t.Helper()
	storetest.Set(t, st, []string{id}, storetest.State(state), storetest.Stage(stage))
}

func TestOpenShipmentsStreamsByRecipientInBatches(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	var recips []string
	for i := 0; i < 11; i++ {
		recips = append(recips, orgs[i%3])
	}
	ids := registerFor(t, st, recips...)
	setState(t, st, ids[0], model.StateOpened, model.StageNone)
	setState(t, st, ids[1], model.StateAvailable, model.StagePrintDue)
	setState(t, st, ids[2], model.StateAccepted, "closed")
	setState(t, st, ids[3], model.StateAvailable, model.StageReminded)
	setState(t, st, ids[4], model.StateRejected, model.StageNone)
	want := map[string]bool{}
	for _, id := range ids[3:] {
		want[id] = true
	}
	delete(want, ids[4])

	for _, batch := range []int{1, 3, 8, 100} {
		seen := map[string]bool{}
		var lastRow int64 = -1
		var lastSent time.Time
		changes := 0
		for sh, err := range st.OpenShipments(ctx, time.Now(), false, batch) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[sh.ID] {
				t.Fatalf("batch %d: %s streamed twice", batch, sh.ID)
			}
			seen[sh.ID] = true
			if sh.RecipientRow < lastRow || (sh.RecipientRow == lastRow && sh.SentAt.Before(lastSent)) {
				t.Fatalf("batch %d: not ordered by recipient, then sent time", batch)
			}
			if sh.RecipientRow != lastRow {
				changes++
			}
			lastRow, lastSent = sh.RecipientRow, sh.SentAt
			if sh.SenderOrg != "964338531" || sh.SenderUnit != "Barnevernstjenesten" || sh.RecipientKind != "org" || sh.Class != "taushetsbelagt" {
				t.Fatalf("facts missing: %+v", sh)
			}
		}
		if len(seen) != len(want) {
			t.Fatalf("batch %d: streamed %d shipments, want %d", batch, len(seen), len(want))
		}
		for id := range want {
			if !seen[id] {
				t.Fatalf("batch %d: open shipment %s not streamed", batch, id)
			}
		}
		if changes != 3 {
			t.Fatalf("batch %d: %d recipient groups, want 3 contiguous groups", batch, changes)
		}
	}

	// Stopping early stops the stream.
	n := 0
	for range st.OpenShipments(ctx, time.Now(), false, 2) {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("early stop: %d", n)
	}
}

func TestRecordDecisionsOnceAndPrintDue(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := registerFor(t, st, orgs[0], orgs[0], orgs[1])
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	setState(t, st, ids[2], model.StateOpened, model.StageNone)
	ds := []store.Decision{
		{ShipmentID: ids[0], Step: "reminder 1", Policy: "p", Reason: "reminder 1 due: 2 business days unopened (policy p)"},
		{ShipmentID: ids[1], Step: "print", Policy: "p", Reason: "print due: 10 business days unopened (policy p)", PrintDue: true},
		{ShipmentID: ids[2], Step: "reminder 1", Policy: "p", Reason: "opened: must not be recorded"},
	}
	n, err := st.RecordDecisions(ctx, ds, now)
	if err != nil || n != 2 {
		t.Fatalf("recorded %d (%v), want 2 (the opened shipment is not)", n, err)
	}
	if n, err := st.RecordDecisions(ctx, ds, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("recorded again %d (%v), want 0: a decision is recorded once", n, err)
	}
	sh, err := st.Shipment(ctx, ids[0], store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	last := sh.Events[len(sh.Events)-1]
	if last.Kind != store.EventDecision || last.Source != store.SourcePolicy || last.Message != ds[0].Reason || !last.ObservedAt.Equal(now) {
		t.Fatalf("decision event = %+v", last)
	}
	printed, _ := st.Shipment(ctx, ids[1], store.Scope{})
	if printed.Stage != model.StagePrintDue {
		t.Fatalf("stage after print decision = %q", printed.Stage)
	}
	opened, _ := st.Shipment(ctx, ids[2], store.Scope{})
	if len(opened.Events) != 1 {
		t.Fatalf("opened shipment got events: %+v", opened.Events)
	}
	// The next step is recorded; print-due shipments leave the stream.
	n, err = st.RecordDecisions(ctx, []store.Decision{{ShipmentID: ids[0], Step: "reminder 2", Policy: "p", Reason: "r2"}}, now)
	if err != nil || n != 1 {
		t.Fatalf("next step recorded %d (%v)", n, err)
	}
	for sh, err := range st.OpenShipments(ctx, time.Now(), false, 10) {
		if err != nil {
			t.Fatal(err)
		}
		if sh.ID != ids[0] || sh.EscalationStep != "reminder 2" {
			t.Fatalf("streamed %s step %q; want only %s at reminder 2", sh.ID, sh.EscalationStep, ids[0])
		}
	}
}
