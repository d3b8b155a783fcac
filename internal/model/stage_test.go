package model

import "testing"

func TestStageTable(t *testing.T) {
	for i, s := range Stages() {
		if s.Rank() != i || StageOfRank(i) != s || !s.Valid() {
			t.Errorf("%s: rank %d at %d", s, s.Rank(), i)
		}
	}
	if Stage("bogus").Valid() || Stage("bogus").Rank() != -1 || StageOfRank(99) != StageNone {
		t.Error("unknown stage accepted")
	}
	for _, tc := range []struct {
		from, to Stage
		ok       bool
	}{
		{StageNone, StageReminded, true},
		{StageReminded, StagePrintDue, true},
		{StagePrintDue, StagePrintHeld, true},
		{StagePrintHeld, StagePrintOrdered, true},
		{StagePrintHeld, StagePrintRejected, true},
		{StagePrintOrdered, StagePrinted, true},
		{StagePrintOrdered, StagePrintCancelled, true},
		{StagePrintDue, StagePrintCancelled, true},  // opened before any order
		{StagePrintHeld, StagePrintCancelled, true}, // opened while held
		{StagePrintOrdered, StageManual, true},
		{StagePrintOrdered, StageChannelPrint, true},
		{StageReminded, StageNone, false},
		{StagePrinted, StageManual, false},
		{StageChannelPrint, StagePrintOrdered, false},
		{StageClosed, StageReminded, false},
		{StagePrintRejected, StagePrintOrdered, false},
		{Stage("bogus"), StageReminded, false},
	} {
		if err := CheckStage(tc.from, tc.to); (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v, want ok=%v", tc.from, tc.to, err, tc.ok)
		}
	}
	// Every stage a channel's own print or close ends can move to it.
	for _, s := range StagesWhere(Stage.ChannelMayEnd) {
		if CheckStage(s, StageChannelPrint) != nil || CheckStage(s, StageClosed) != nil {
			t.Errorf("%s: a channel may end it, but the table has no move to channel_print/closed", s)
		}
	}
}

func TestEscalates(t *testing.T) {
	for _, tc := range []struct {
		state State
		stage Stage
		want  bool
	}{
		{StateRegistered, StageNone, true},
		{StateAvailable, StageReminded, true},
		{StateFailed, StageNone, true}, // needs paper at once
		{StateFailed, StagePrintDue, false},
		{StateOpened, StageNone, false},
		{StateRejected, StageNone, false},
		{StateExpired, StageNone, false},
		{StateAvailable, StagePrintOrdered, false},
		{StateAvailable, StageChannelPrint, false},
	} {
		if got := Escalates(tc.state, tc.stage); got != tc.want {
			t.Errorf("Escalates(%s, %s) = %v", tc.state, tc.stage, got)
		}
	}
	if got := EscalatingStates(); len(got) != 4 {
		t.Errorf("escalating states %v", got)
	}
}
