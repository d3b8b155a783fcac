package printing_test

// A letter its recipient opens while its print is due (stage print_due:
// no provider, or its address lookup still to come), held for approval
// (print_held), or released and its address lookup still to come
// (print_ordered, nothing sent) is never printed; its stage must say so at once
// (print_cancelled: "opened after the print was decided … never sent"),
// not keep print_due, print_held or print_ordered, where it is counted
// among the letters waiting for print or ordered (or, for a print_due letter without an order, a lost
// hand-off) for as long as nobody releases the batch, for ever without a
// provider. (From a review of the print fallback.)

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

func TestOpenedBeforeOrderLeavesPrintStage(t *testing.T) {
	for _, c := range []struct {
		name string
		// setup brings the letter id to its print stage at now.
		setup     func(t *testing.T, st *store.Store, svc *printing.Service, id string, now time.Time)
		stage     model.Stage // the stage setup leaves
		wantPrint string      // its print order's state after the opening; "" for none
	}{
		{"print due, no provider", func(t *testing.T, st *store.Store, _ *printing.Service, id string, _ time.Time) {
			storetest.Set(t, st, []string{id}, storetest.Stage(model.StagePrintDue))
		}, model.StagePrintDue, ""},
		{"print due, its address lookup to come", func(t *testing.T, st *store.Store, _ *printing.Service, id string, now time.Time) {
			storetest.Set(t, st, []string{id}, storetest.Stage(model.StagePrintDue))
			if got, err := st.CreatePrintOrders(context.Background(), []string{id}, "taushetsbelagt", false, now); err != nil || len(got) != 1 {
				t.Fatalf("print decision: %v, %v", got, err)
			}
		}, model.StagePrintDue, store.PrintStateSkipped},
		{"held for approval", func(t *testing.T, _ *store.Store, svc *printing.Service, id string, now time.Time) {
			if err := svc.Order(context.Background(), []string{id}, "barnevern", true, now); err != nil {
				t.Fatal(err)
			}
		}, model.StagePrintHeld, store.PrintStateSkipped},
		{"released, its address lookup to come", func(t *testing.T, st *store.Store, svc *printing.Service, id string, now time.Time) {
			if err := svc.Order(context.Background(), []string{id}, "barnevern", true, now); err != nil {
				t.Fatal(err)
			}
			var batch int64
			if err := st.DB().Get(&batch, `SELECT batch_id FROM print_orders WHERE shipment_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if d, err := svc.Approve(context.Background(), batch, "compliance", now); err != nil || d.Decided != 1 {
				t.Fatalf("release: %+v, %v", d, err)
			}
		}, model.StagePrintOrdered, store.PrintStateSkipped},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letter(1))
			f, srv := newFakeProvider(t)
			svc := printService(t, st, srv.URL)
			c.setup(t, st, svc, ids[0], now)
			if sh, err := st.Shipment(ctx, ids[0], store.Scope{}); err != nil || sh.Stage != c.stage {
				t.Fatalf("setup: %+v, %v; want stage %s", sh, err, c.stage)
			}
			channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Hour))
			sh, err := st.Shipment(ctx, ids[0], store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			if sh.Stage != model.StagePrintCancelled || count(kinds(sh), store.EventPrintSkipped) != 1 {
				t.Errorf("opened in stage %s: stage %s, print events %v; want %s and one %s", c.stage, sh.Stage, kinds(sh),
					model.StagePrintCancelled, store.EventPrintSkipped)
			}
			var state string
			_ = st.DB().Get(&state, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[0])
			if state != c.wantPrint {
				t.Errorf("print order %q, want %q", state, c.wantPrint)
			}
			// Nothing is printed, the batch released or not.
			var batch int64
			if st.DB().Get(&batch, `SELECT p.batch_id FROM print_orders p JOIN print_batches b ON b.id = p.batch_id
				WHERE p.shipment_id = $1 AND b.state = 'held'`, ids[0]) == nil {
				if n, err := svc.Approve(ctx, batch, "compliance", now.Add(2*time.Hour)); err != nil || n.Decided != 0 {
					t.Errorf("release: %+v, %v; want none", n, err)
				}
			}
			if _, err := svc.RunOnce(ctx, now.Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.creates) != 0 {
				t.Errorf("the opened letter was ordered: %v", f.creates)
			}
			if sh, _ := st.Shipment(ctx, ids[0], store.Scope{}); sh.Stage != model.StagePrintCancelled || count(kinds(sh), store.EventPrintSkipped) != 1 {
				t.Errorf("after the print run: stage %s, print events %v", sh.Stage, kinds(sh))
			}
		})
	}
}
