package report

import (
	"time"

	"postvakt/internal/store"
)

// HistoryHeader are the columns an export with next steps (ShipmentsNext)
// has after DecisionHeader's: when the letter's first reminder was sent
// (with reminders_sent and last_reminded_at of ShipmentHeader, its
// reminders told whole), when escalation ordered its print, when the print
// provider accepted that order, and the order's state (a code of
// store.PrintState…). All empty for a letter never reminded nor printed.
// With them an export answers a court or Datatilsynet, letter by letter,
// when it was reminded and when it went to paper; read by the export's
// one streamed query (store.Store.EachShipmentFacts).
var HistoryHeader = []string{"first_reminded_at", "print_ordered_at", "print_placed_at", "print_state"}

// historyCells are the history's cells of a row for programs: the times in
// UTC (RFC 3339), the print state's code; empty where there is none.
func historyCells(r *store.ListRow) []string {
	return []string{utc(r.FirstRemindedAt), utc(r.PrintOrderedAt), utc(r.PrintPlacedAt), r.PrintState}
}

// utc is a time as the CSV writes it, "" for none.
func utc(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// historyValues are historyCells for people: the times as date cells on
// the reader's clock, the print state in the reader's language
// ("export.print_state." + the code).
func (l *Labels) historyValues(r *store.ListRow) []any {
	var state any
	if r.PrintState != "" {
		state = l.code("export.print_state.", r.PrintState)
	}
	return []any{l.at(r.FirstRemindedAt), l.at(r.PrintOrderedAt), l.at(r.PrintPlacedAt), state}
}
