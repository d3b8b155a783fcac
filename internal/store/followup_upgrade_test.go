package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestAssessmentAfterAnOldReplicasCloseReopens: a replica older than
// migration 00035, which may run beside this release during a rolling
// upgrade (README, Upgrading: compatible_from stays 20), records a
// decision "closed" without followups.closed_stage (its upsert does not
// name the column): the letter's escalation is closed, its evidence says
// from which stage. A later "consequences assessed" on this release reads
// the stage from that evidence and reopens the escalation, as after a
// close on this release; read as NULL it left the letter silenced (no
// print, no reminder). The old replica's row is reproduced by clearing
// closed_stage after a close.
func TestAssessmentAfterAnOldReplicasCloseReopens(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	ids := remindedHeldManual(t, st)
	at := printT0.Add(time.Hour)
	for _, id := range ids[:3] {
		followUp(t, st, id, store.DecisionClosed, "n", at)
	}
	// What an old replica (before 00035) leaves behind for its close.
	if _, err := st.DB().ExecContext(ctx, `UPDATE followups SET closed_stage = NULL WHERE shipment_id = ANY($1::uuid[])`,
		"{"+ids[0]+","+ids[1]+","+ids[2]+"}"); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:3] {
		followUp(t, st, id, store.DecisionAssessed, "the case goes on", at.Add(time.Hour))
	}
	want := map[string]model.Stage{ids[0]: model.StageReminded, ids[1]: model.StagePrintDue, ids[2]: model.StageManual}
	for id, w := range want {
		sh, err := st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.Stage != w {
			t.Errorf("letter %s closed by an old replica, then assessed on this release: stage %s, want %s (reopened, as after a close on this release)",
				id, sh.Stage, w)
		}
	}
}
