package store

import (
	"fmt"
	"strings"

	"postvakt/internal/model"
)

// The SQL fragments about escalation stages, built from the one stage
// table in internal/model: no stage is spelled out in SQL anywhere else.
// They are literals (not parameters) so the planner matches them against
// the partial indexes' predicates.
var (
	// sqlEscalates is model.Escalates for a shipments row named s: the
	// predicate of the partial index shipments_next_step.
	sqlEscalates = fmt.Sprintf(`s.state IN (%s) AND s.stage IN (%s)`,
		sqlList(model.EscalatingStates()), sqlList(model.StagesWhere(model.Stage.Escalating)))
	// sqlChannelMayEnd: stages a channel's own print or close ends.
	sqlChannelMayEnd = sqlList(model.StagesWhere(model.Stage.ChannelMayEnd))
	// sqlEnded: the channel printed or closed the letter.
	sqlEnded = sqlList(model.StagesWhere(model.Stage.Ended))
	// sqlUnreadSettled: the stages in which a letter still unread needs
	// no follow-up (model.Stage.UnreadSettled).
	sqlUnreadSettled = sqlList(model.StagesWhere(model.Stage.UnreadSettled))
	// sqlOpenStates: the states of a letter still waiting to be opened
	// (model.State.Open), as a parenthesised IN list.
	sqlOpenStates = "(" + sqlList(statesWhere(model.State.Open)) + ")"
	// sqlUndeliveredStates: the states of a letter that never reached its
	// reader (model.State.Undelivered), as a parenthesised IN list.
	sqlUndeliveredStates = "(" + sqlList(statesWhere(model.State.Undelivered)) + ")"
	// sqlRemindable: a letter a reminder may still list (model.Eligible's
	// first rules: waiting to be opened, its escalation going on).
	sqlRemindable = `s.state IN ` + sqlOpenStates + ` AND s.stage IN (` + sqlList(model.StagesWhere(model.Stage.Escalating)) + `)`
)

func statesWhere(keep func(model.State) bool) []model.State {
	var out []model.State
	for _, s := range model.States {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// sqlList quotes values for an IN list: 'a', 'b'.
func sqlList[T ~string](vs []T) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + strings.ReplaceAll(string(v), "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// sqlState is one state as an SQL literal.
func sqlState(s model.State) string { return sqlList([]model.State{s}) }

// sqlStage is one stage as an SQL literal.
func sqlStage(s model.Stage) string { return sqlList([]model.Stage{s}) }

// sqlStageRank is the rank of the stage in column col (model.Stage.Rank).
func sqlStageRank(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, s := range model.Stages() {
		fmt.Fprintf(&b, " WHEN %s THEN %d", sqlStage(s), s.Rank())
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}

// sqlStagesBefore lists the stages from which a shipment may move to to.
func sqlStagesBefore(to model.Stage) string {
	return sqlList(model.StagesWhere(func(from model.Stage) bool { return model.CheckStage(from, to) == nil }))
}
