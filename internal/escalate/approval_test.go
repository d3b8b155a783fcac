package escalate

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// A letter whose print is held in an approval batch (stage print_held)
// waits for a compliance officer's release of that batch: its outlook
// says so (WhyApproval, the batch; policy explain's note names it), not
// that the stage ended the policy's steps. It has no dated step, so the
// lists' next step is none. Opened meanwhile, it has ended (the release
// skips it).
func TestOutlookOfHeldPrint(t *testing.T) {
	set := shipped(t)
	oslo, _ := time.LoadLocation("Europe/Oslo")
	sent := time.Date(2026, 11, 2, 12, 0, 0, 0, oslo)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, oslo)
	batch := int64(7)
	held := store.OpenShipment{ID: "a", Channel: "svarut", SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: model.RecipientOrg,
		RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true, State: model.StateAccepted, Stage: model.StagePrintHeld,
		SentAt: sent, RemindersSent: 2, PrintBatch: &batch}
	o, err := OutlookOf(set, held, now)
	if err != nil || o.Why != WhyApproval || o.Batch != 7 || len(o.Steps) != 0 {
		t.Fatalf("held print: %+v %v; want WhyApproval in batch 7, no steps", o, err)
	}
	if !strings.Contains(o.Note, "release of print batch 7") {
		t.Errorf("note %q does not name the batch's release", o.Note)
	}
	if n, err := NextStepOf(set, held, now); n != nil || err != nil {
		t.Errorf("next step %+v %v; want none (no dated step)", n, err)
	}
	opened := held
	opened.State = model.StateOpened
	if o, err := OutlookOf(set, opened, now); err != nil || o.Why != WhyEnded {
		t.Errorf("opened since the hold: %+v %v; want WhyEnded", o, err)
	}
}
