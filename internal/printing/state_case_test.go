package printing_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestProviderStateInAnotherCase: a provider that writes its order states
// in capitals ("PRINTED", an enum's name) or with a capital first
// ("Posted") means the states postvakt follows. Before, each was "a state
// postvakt does not know": the order's every poll failed, a printed
// letter's escalation never closed and a failed order never reached
// manual handling; a cancel's 409 naming the order "PRINTED" was a failed
// cancel, asked again, not "too late".
func TestProviderStateInAnotherCase(t *testing.T) {
	for _, c := range []struct {
		state  string
		opened bool // the letter is opened after the order: a cancel, answered 409 with state
		stage  model.Stage
		order  string
		kind   string // an event the letter must have
	}{
		{"PRINTED", false, model.StagePrinted, store.PrintStatePrinted, store.EventPrintStatus},
		{"Posted", false, model.StagePrinted, store.PrintStatePosted, store.EventPrintStatus},
		{" posted ", false, model.StagePrinted, store.PrintStatePosted, store.EventPrintStatus},
		{"FAILED", false, model.StageManual, store.PrintStateFailed, store.EventPrintManual},
		{"PRINTED", true, model.StagePrinted, store.PrintStatePrinted, store.EventPrintCancelRefused},
		{"CANCELLED", true, model.StagePrintCancelled, store.PrintStateCancelled, store.EventPrintCancelled},
	} {
		t.Run(fmt.Sprintf("%q opened=%v", c.state, c.opened), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			ids, now := printable(t, st, storetest.Letter(1))
			srv := oneOrderProvider(t, c.state, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				fmt.Fprintf(w, `{"error":"order can no longer be cancelled","state":%q}`, c.state)
			})
			svc := placed(t, st, srv.URL, ids, now)
			if c.opened {
				channelSays(t, st, ids[0], "LEST", model.StateOpened, "", now.Add(time.Hour))
			}
			if _, err := svc.PollStatus(ctx, now.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			sh, err := st.Shipment(ctx, ids[0], store.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			var order string
			if err := st.DB().Get(&order, `SELECT state FROM print_orders WHERE shipment_id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			if order != c.order || sh.Stage != c.stage || count(kinds(sh), c.kind) != 1 {
				t.Errorf("provider says %q: order %s, stage %s, events %v; want order %s, stage %s, one %s",
					c.state, order, sh.Stage, kinds(sh), c.order, c.stage, c.kind)
			}
		})
	}
}
