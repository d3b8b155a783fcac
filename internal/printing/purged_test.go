package printing_test

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

// A letter whose personal data the retention purge took after its print
// order was placed is still followed by the status poll; when its order
// then fails, there is nothing left to print by hand and nobody left to
// name: it opens no manual-handling case (the order ends, stage
// print_cancelled), while an unpurged letter whose order failed beside it
// goes to manual handling as before. The purged letter keeps nothing
// personal again: of the poll only the state and its time, not the
// provider's failure reason (order, event message) nor its answer (event
// data), which the unpurged one keeps.
func TestPurgedLetterWhosePrintFailsOpensNoManualCase(t *testing.T) {
	e := newEnv(t, strings.Replace(scenario, "fail_chance: 0", "fail_chance: 1", 1), sim.Options{NoFaults: true})
	e.escalate(day(16))
	e.run(day(16))
	var placed []string
	for id, p := range e.prints() {
		if p.State == store.PrintStateReceived {
			placed = append(placed, id)
		}
	}
	if len(placed) < 4 {
		t.Fatalf("only %d orders placed", len(placed))
	}
	purged := map[string]bool{}
	for _, id := range placed[:len(placed)/2] {
		purged[id] = true
	}
	var ids []string
	for id := range purged {
		ids = append(ids, id)
	}
	if p, err := e.st.PurgeShipments(e.ctx, ids, day(16).Add(time.Minute), "system:retention"); err != nil || p.Shipments != int64(len(ids)) {
		t.Fatalf("purge: %+v %v, want %d letters purged (their orders are placed)", p, err, len(ids))
	}
	e.run(day(17))
	for _, id := range placed {
		p, sh := e.prints()[id], e.shipment(id)
		reason := ""
		if p.Reason != nil {
			reason = *p.Reason
		}
		if p.State != store.PrintStateFailed {
			t.Fatalf("%s: print state %s, want failed (the premise: every order fails)", id, p.State)
		}
		switch {
		case purged[id] && (reason != "" || sh.Stage != model.StagePrintCancelled || count(kinds(sh), store.EventPrintManual) != 0):
			t.Errorf("purged %s: manual reason %q, stage %s, events %v; want no manual case, stage print_cancelled",
				id, reason, sh.Stage, kinds(sh))
		case !purged[id] && (reason != "print_failed" || sh.Stage != model.StageManual):
			t.Errorf("unpurged %s: manual reason %q, stage %s; want print_failed, manual", id, reason, sh.Stage)
		}
		var kept struct {
			Reason   string `db:"failure_reason"`
			Answered int    `db:"answered"`
			Failed   int    `db:"failed"`
		}
		if err := e.st.DB().Get(&kept, `SELECT p.failure_reason,
				(SELECT count(*) FROM shipment_events ev WHERE ev.shipment_id = p.shipment_id AND ev.kind = $2
					AND (ev.payload IS NOT NULL OR (p.failure_reason <> '' AND ev.message LIKE '%' || p.failure_reason || '%'))) AS answered,
				(SELECT count(*) FROM shipment_events ev WHERE ev.shipment_id = p.shipment_id AND ev.kind = $2
					AND ev.raw_status = 'failed') AS failed
			FROM print_orders p WHERE p.shipment_id = $1`, id, store.EventPrintStatus); err != nil {
			t.Fatal(err)
		}
		switch {
		case purged[id] && (kept.Reason != "" || kept.Answered != 0 || kept.Failed != 1):
			t.Errorf("purged %s: failure reason %q, %d status events with the provider's answer or reason, %d of the failure; "+
				"want no reason, none, one", id, kept.Reason, kept.Answered, kept.Failed)
		case !purged[id] && (kept.Reason == "" || kept.Answered == 0):
			t.Errorf("unpurged %s: failure reason %q, %d status events with the answer; want both kept", id, kept.Reason, kept.Answered)
		}
	}
}
