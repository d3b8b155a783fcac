package report

import (
	"context"
	"io"
	"log/slog"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// NextStepHeader are the columns an export of a list has after
// ShipmentHeader's when it says each letter's next step (ShipmentsNext):
// the step's code and when it comes due.
var NextStepHeader = []string{"next_step", "next_step_at"}

// DecisionHeader are the columns after NextStepHeader's: what the sending
// unit decided to do about the letter (its follow-up decision's code,
// store.Decisions) and when; both empty while none is recorded. With them
// an export answers, letter by letter, what was done about it.
var DecisionHeader = []string{"followup_decision", "followup_decided_at"}

// NextStep is a letter's next step as an export writes it: Step its code
// (escalate.NextReminder, NextPrint or NextManual) and At when it comes
// due.
type NextStep struct {
	Step string
	At   time.Time
}

// NextSource streams a list's rows, oldest first, each with its letter's
// next step (nil: none to come, or none known).
type NextSource interface {
	EachShipmentNext(ctx context.Context, f store.ListFilter, fn func(*store.ListRow, *NextStep) error) error
}

// FactsSource streams a list's rows, oldest first, each with its letter's
// escalation facts (store.Store.EachShipmentFacts).
type FactsSource interface {
	EachShipmentFacts(ctx context.Context, f store.ListFilter, fn func(*store.ListRow, *store.OpenShipment) error) error
}

// PolicyNext is the NextSource of the UI's exports and `postvakt report`:
// the rows of Facts, each with its letter's next step as of Now under
// Policies by the lists' one rule (escalate.NextStepOf), worked out from
// the facts the same streamed query reads: no second read, nothing held
// but the row. Without Policies no letter has a step; one whose step
// cannot be said has none, and that is logged to Log once per export (how
// many letters, the first one and its error), not once per letter: an
// export of a million letters under a fault that hits every one writes
// one line.
type PolicyNext struct {
	Facts    FactsSource
	Policies *policy.Set
	Now      time.Time
	Log      *slog.Logger
}

// EachShipmentNext streams the rows of f with each letter's next step.
func (p PolicyNext) EachShipmentNext(ctx context.Context, f store.ListFilter, fn func(*store.ListRow, *NextStep) error) error {
	var failed escalate.Unexplained
	err := p.Facts.EachShipmentFacts(ctx, f, func(r *store.ListRow, sh *store.OpenShipment) error {
		ns, err := escalate.NextStepOf(p.Policies, *sh, p.Now)
		if err != nil {
			failed.Add(sh.ID, err)
		}
		var next *NextStep
		if ns != nil {
			next = &NextStep{Step: ns.Step, At: ns.Due}
		}
		return fn(r, next)
	})
	failed.Log(p.Log, "an export")
	return err
}

// ShipmentsNext is ShipmentsFor with the next-step columns (NextStepHeader)
// after the list's: each letter's next step as src says it, both cells
// empty for a letter without one; then the follow-up decision's
// (DecisionHeader) and the reminder and print history's (HistoryHeader).
func ShipmentsNext(ctx context.Context, src NextSource, f store.ListFilter, format Format, w io.Writer, now time.Time, o XLSXOptions) (int, error) {
	each := func(fn func(*store.ListRow, *NextStep) error) error { return src.EachShipmentNext(ctx, f, fn) }
	return shipments(each, true, f.List, format, w, now, o)
}

// nextCells are the next-step cells of a row for programs: the code and
// the time in UTC (RFC 3339), as the other times; empty without a step.
func nextCells(n *NextStep) []string {
	if n == nil {
		return []string{"", ""}
	}
	return []string{n.Step, n.At.UTC().Format(time.RFC3339)}
}

// nextValues are nextCells for people: the step in the reader's language
// ("export.step." + the code), the time as a date cell on the reader's
// clock.
func (l *Labels) nextValues(n *NextStep) []any {
	if n == nil {
		return []any{nil, nil}
	}
	return []any{l.code("export.step.", n.Step), l.at(&n.At)}
}

// decisionCells are the follow-up decision's cells of a row for programs:
// the code and the time in UTC (RFC 3339); empty without a decision.
func decisionCells(r *store.ListRow) []string {
	if r.FollowUpDecision == "" || r.FollowUpDecidedAt == nil {
		return []string{"", ""}
	}
	return []string{r.FollowUpDecision, r.FollowUpDecidedAt.UTC().Format(time.RFC3339)}
}

// decisionValues are decisionCells for people: the decision as the letter's
// page says it ("decision." + the code), the time as a date cell.
func (l *Labels) decisionValues(r *store.ListRow) []any {
	if r.FollowUpDecision == "" || r.FollowUpDecidedAt == nil {
		return []any{nil, nil}
	}
	return []any{l.code("decision.", r.FollowUpDecision), l.at(r.FollowUpDecidedAt)}
}
