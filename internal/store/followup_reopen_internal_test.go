package store

import (
	"testing"

	"postvakt/internal/model"
)

// The escalation follows the follow-up decision in force: one that ends the
// case closes it (and keeps it closed when it replaces another such), one
// that does not (consequences assessed) replacing one that closed it
// reopens it from where the close stopped it, a held print decided again.
// A letter closed otherwise (by its channel, closedFrom "") or already
// printed is never reopened by a decision.
func TestEscalationAfter(t *testing.T) {
	const none model.Stage = ""
	cases := []struct {
		stage, closedFrom model.Stage
		decision          string
		to, closed        model.Stage
	}{
		// First decisions.
		{model.StageNone, none, DecisionClosed, model.StageClosed, model.StageNone},
		{model.StageReminded, none, DecisionResent, model.StageClosed, model.StageReminded},
		{model.StagePrintHeld, none, DecisionNewLetter, model.StageClosed, model.StagePrintHeld},
		{model.StageManual, none, DecisionClosed, model.StageClosed, model.StageManual},
		{model.StageReminded, none, DecisionAssessed, none, none},
		{model.StagePrintOrdered, none, DecisionClosed, none, none}, // ordered stays ordered
		{model.StagePrinted, none, DecisionClosed, none, none},
		// A decision that ends the case replacing one that closed it: still closed, from the same stage.
		{model.StageClosed, model.StageReminded, DecisionNewLetter, none, model.StageReminded},
		{model.StageClosed, model.StagePrintHeld, DecisionClosed, none, model.StagePrintHeld},
		// Consequences assessed replacing a close: reopened.
		{model.StageClosed, model.StageNone, DecisionAssessed, model.StageNone, none},
		{model.StageClosed, model.StageReminded, DecisionAssessed, model.StageReminded, none},
		{model.StageClosed, model.StagePrintDue, DecisionAssessed, model.StagePrintDue, none},
		{model.StageClosed, model.StagePrintHeld, DecisionAssessed, model.StagePrintDue, none},
		{model.StageClosed, model.StageManual, DecisionAssessed, model.StageManual, none},
		// Closed by the channel, not by a decision: left closed.
		{model.StageClosed, none, DecisionAssessed, none, none},
		{model.StageClosed, none, DecisionClosed, none, none},
		// Moved on after the decision (opened and printed by hand): left alone.
		{model.StagePrinted, model.StageManual, DecisionAssessed, none, none},
	}
	for _, c := range cases {
		to, closed := escalationAfter(c.stage, c.closedFrom, c.decision)
		if to != c.to || closed != c.closed {
			t.Errorf("stage %q closed from %q, decision %s: to %q closed %q, want to %q closed %q",
				c.stage, c.closedFrom, c.decision, to, closed, c.to, c.closed)
		}
	}
}
