package model

import "fmt"

// Stage is a shipment's escalation stage: how far postvakt's policy has
// gone with it (reminders, print fallback, manual handling), beside its
// delivery State. The table below is the one place that knows the stages,
// their order and which may follow which; the store builds its SQL from it.
type Stage string

// The escalation stages.
const (
	StageNone           Stage = "none"            // nothing done yet
	StageReminded       Stage = "reminded"        // at least one reminder sent
	StagePrintDue       Stage = "print_due"       // the print fallback is due, not yet ordered
	StagePrintHeld      Stage = "print_held"      // waiting in a print batch for approval
	StagePrintRejected  Stage = "print_rejected"  // the batch was rejected: not printed
	StagePrintOrdered   Stage = "print_ordered"   // ordered at the print provider
	StagePrinted        Stage = "printed"         // printed or posted by the provider
	StagePrintCancelled Stage = "print_cancelled" // opened after the print was decided: its order was cancelled, or never sent (or, purged after it, the order ended unprinted)
	StageManual         Stage = "manual"          // manual handling (no usable address, print failed)
	StageChannelPrint   Stage = "channel_print"   // the channel printed it itself
	StageClosed         Stage = "closed"          // closed on the channel (by hand, deleted, recalled), or by the unit's follow-up decision
	// StageRecipientSystem: the channel delivered it into the recipient's
	// own system (Digital Post's MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM): no
	// mailbox to open it in, and the log never tells a reading; nothing to
	// remind of, nor to print again.
	StageRecipientSystem Stage = "recipient_system"
)

// stageRule is one row of the stage table.
type stageRule struct {
	stage Stage
	// escalating: the escalation run still decides steps for it.
	escalating bool
	// channelMayEnd: a channel that prints or closes the letter itself
	// ends postvakt's escalation from this stage (afterwards the paper is
	// postvakt's own, or a person's decision, and stays).
	channelMayEnd bool
	// next: the stages it may move to.
	next []Stage
}

// stageTable lists every stage in order: the order is the rank a summary
// shows ("the furthest stage" of an organisation's letters).
var stageTable = []stageRule{
	// The print fallback may also take a letter straight from an
	// escalating stage (an order placed for a letter the channel could not
	// deliver, or by hand).
	{StageNone, true, true, []Stage{StageReminded, StagePrintDue, StagePrintHeld, StagePrintOrdered, StageManual, StageChannelPrint, StageClosed, StageRecipientSystem}},
	{StageReminded, true, true, []Stage{StagePrintDue, StagePrintHeld, StagePrintOrdered, StageManual, StageChannelPrint, StageClosed, StageRecipientSystem}},
	// A print due or held whose letter is opened before any order is
	// called off at once (print_cancelled), as one in the outbox is.
	{StagePrintDue, false, true, []Stage{StagePrintHeld, StagePrintOrdered, StagePrintCancelled, StageManual, StageChannelPrint, StageClosed, StageRecipientSystem}},
	{StagePrintHeld, false, true, []Stage{StagePrintRejected, StagePrintOrdered, StagePrintCancelled, StageManual, StageChannelPrint, StageClosed, StageRecipientSystem}},
	{StagePrintRejected, false, false, nil},
	{StagePrintOrdered, false, true, []Stage{StagePrinted, StagePrintCancelled, StageManual, StageChannelPrint, StageClosed, StageRecipientSystem}},
	{StagePrinted, false, false, nil},
	{StagePrintCancelled, false, false, nil},
	// Resolved by hand (printed, or delivered otherwise / not needed), or
	// by the channel: it printed or closed the letter itself, and nobody
	// need print it by hand (store.resolveManualByChannel).
	{StageManual, false, true, []Stage{StagePrinted, StageChannelPrint, StageClosed, StageRecipientSystem}},
	{StageChannelPrint, false, false, nil},
	{StageClosed, false, false, nil},
	{StageRecipientSystem, false, false, nil},
}

var stageIndex = func() map[Stage]int {
	m := make(map[Stage]int, len(stageTable))
	for i, r := range stageTable {
		m[r.stage] = i
	}
	return m
}()

// Stages lists every stage in rank order.
func Stages() []Stage {
	out := make([]Stage, len(stageTable))
	for i, r := range stageTable {
		out[i] = r.stage
	}
	return out
}

// StagesWhere lists the stages for which keep is true, in rank order.
func StagesWhere(keep func(Stage) bool) []Stage {
	var out []Stage
	for _, r := range stageTable {
		if keep(r.stage) {
			out = append(out, r.stage)
		}
	}
	return out
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { _, ok := stageIndex[s]; return ok }

// Rank is the stage's place in the order (none = 0); -1 for an unknown one.
func (s Stage) Rank() int {
	if i, ok := stageIndex[s]; ok {
		return i
	}
	return -1
}

// StageOfRank is the stage at rank i (StageNone when out of range).
func StageOfRank(i int) Stage {
	if i < 0 || i >= len(stageTable) {
		return StageNone
	}
	return stageTable[i].stage
}

// Escalating reports whether the escalation run still decides steps for a
// shipment in s.
func (s Stage) Escalating() bool { return s.Valid() && stageTable[stageIndex[s]].escalating }

// ChannelMayEnd reports whether a channel that prints or closes the letter
// itself ends postvakt's escalation from s.
func (s Stage) ChannelMayEnd() bool { return s.Valid() && stageTable[stageIndex[s]].channelMayEnd }

// Ended reports whether the channel ended the escalation (it printed the
// letter itself, it was closed there, or it delivered it into the
// recipient's own system): postvakt never prints it then.
func (s Stage) Ended() bool {
	return s == StageChannelPrint || s == StageClosed || s == StageRecipientSystem
}

// UnreadSettled reports whether a letter left unread in its mailbox needs
// no follow-up for it in stage s: it went out on paper (the channel
// printed it itself, or postvakt's print fallback did: by the provider,
// by hand, as Digital Post's physical post), into the recipient's own
// system, or was closed (its manual handling found it delivered another
// way or not needed, or the channel closed it: recalled, deleted). A
// letter not yet on paper (a print ordered, in manual handling) is not.
func (s Stage) UnreadSettled() bool { return s == StagePrinted || s.Ended() }

// ClosedByDecision reports whether a sending unit's decision that ends a
// letter's case (sent again, replaced by a new letter, closed) moves a
// shipment in s to StageClosed, which stops its reminders and its print
// fallback: any stage that may close, but a print already ordered (the
// paper is on its way; its outcome stays the letter's).
func (s Stage) ClosedByDecision() bool {
	return s != StagePrintOrdered && CheckStage(s, StageClosed) == nil
}

// CheckStage returns nil when a shipment may move from one stage to another.
func CheckStage(from, to Stage) error {
	if from.Valid() {
		for _, n := range stageTable[stageIndex[from]].next {
			if n == to {
				return nil
			}
		}
	}
	return fmt.Errorf("impossible stage change %s → %s", from, to)
}

// Escalates reports whether the escalation run decides a step for a
// shipment in state and stage: one still waiting to be read, or one the
// channel could not deliver (failed: it needs paper at once), while its
// stage is still escalating. It is the one rule the run, its store query
// and `postvakt policy explain` share.
func Escalates(state State, stage Stage) bool {
	return (state.Open() || state == StateFailed) && stage.Escalating()
}

// EscalatingStates lists the states for which Escalates can be true.
func EscalatingStates() []State {
	var out []State
	for _, s := range States {
		if Escalates(s, StageNone) {
			out = append(out, s)
		}
	}
	return out
}
