package store

import (
	"fmt"
	"slices"
)

// Step is a step escalation takes for a letter, as a list may be narrowed
// to the letters it took that step for in a period (ListFilter.Step) and
// the overview counts them for this week (Activity).
type Step string

// The steps: a reminder listing the letter was sent, its print was ordered
// (queued, held or sent to the provider; not one that went to manual
// handling instead), it went to manual handling.
const (
	StepReminder Step = "reminder"
	StepPrint    Step = "print"
	StepManual   Step = "manual"
)

// Steps are the steps a list may be narrowed to.
var Steps = []Step{StepReminder, StepPrint, StepManual}

// Valid reports whether s is one of Steps.
func (s Step) Valid() bool { return slices.Contains(Steps, s) }

// stepShipments is the query of the ids of the shipments escalation took
// step for at or after from and before to: placeholders ($1, ?), "" for no
// bound. The one definition of what a step is when: the lists' filter
// (ListFilter.where) and the overview's counts (Activity) both use it.
func stepShipments(step Step, from, to string) (string, error) {
	var q, at string
	switch step {
	case StepReminder:
		q, at = `SELECT i.shipment_id FROM notification_items i JOIN notifications n ON n.id = i.notification_id
			WHERE i.active AND n.status = 'sent'`, "n.sent_at"
	case StepPrint:
		q, at = `SELECT po.shipment_id FROM print_orders po WHERE po.state NOT IN ('manual', 'lookup')`, "po.created_at"
	case StepManual:
		q, at = `SELECT m.shipment_id FROM print_manual m WHERE true`, "m.created_at"
	default:
		return "", fmt.Errorf("unknown escalation step %q", step)
	}
	if from != "" {
		q += " AND " + at + " >= " + from
	}
	if to != "" {
		q += " AND " + at + " < " + to
	}
	return q, nil
}
