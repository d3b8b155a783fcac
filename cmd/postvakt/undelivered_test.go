package main

import (
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/escalate"
	"postvakt/internal/notice"
	"postvakt/internal/printing"
)

// TestUndelivered: a run is a failure when anything due to go out did not,
// whatever its kind and however much else went out (a reminder among many
// sent, a print order, a notice), and when a reminder's outcome is unknown
// (this run's, or an earlier run's that stopped while sending it) or an
// organisation due a reminder has no address (none imported, or its lookup
// failed), or a notice's outcome is unknown or it has no address at all:
// each named by reference only; the error names at most maxUndelivered
// references and counts the rest; a run where everything went out is none.
func TestUndelivered(t *testing.T) {
	if err := undelivered(escalate.Summary{Orgs: 5}, printing.Summary{Ordered: 2}, notice.Summary{Sent: 3}); err != nil {
		t.Errorf("everything went out: %v, want no error", err)
	}
	for _, tc := range []struct {
		name string
		sum  escalate.Summary
		ps   printing.Summary
		ns   notice.Summary
		want string
	}{
		{"one reminder of many", escalate.Summary{Orgs: 40, Failed: 1, Undelivered: []string{"reminder 7 to 974760673"}}, printing.Summary{}, notice.Summary{}, "reminder 7 to 974760673"},
		{"a notification order", escalate.Summary{Orgs: 1, OrderFail: 1, Undelivered: []string{"notification order of reminder 8 to 974760673"}}, printing.Summary{}, notice.Summary{}, "notification order of reminder 8"},
		{"a print order", escalate.Summary{}, printing.Summary{NotPlaced: []string{"0193a0b0-0000-7000-8000-000000000001"}}, notice.Summary{}, "print order of shipment 0193a0b0"},
		{"a notice", escalate.Summary{}, printing.Summary{}, notice.Summary{Sent: 2, Failed: 1, Undelivered: []string{"escalation notice 9"}}, "escalation notice 9"},
		{"an unknown outcome", escalate.Summary{Orgs: 3, Unknown: 1, Unresolved: []string{"reminder 11 to 974760673"}}, printing.Summary{}, notice.Summary{}, "reminder 11 to 974760673 (outcome unknown)"},
		{"an earlier run's notice", escalate.Summary{Unresolved: []string{"followup_due notice 12"}}, printing.Summary{}, notice.Summary{}, "followup_due notice 12 (outcome unknown)"},
		{"no e-mail address", escalate.Summary{Orgs: 3, NoAddress: []string{"974760673"}}, printing.Summary{}, notice.Summary{}, "reminder to 974760673 (no e-mail address)"},
		{"address lookup failed", escalate.Summary{AddressUnknown: []string{"974760673"}}, printing.Summary{}, notice.Summary{}, "reminder to 974760673 (address lookup failed)"},
		{"a notice's unknown outcome", escalate.Summary{}, printing.Summary{}, notice.Summary{Sent: 1, Unknown: 1, Unresolved: []string{"escalation notice 13"}}, "escalation notice 13 (outcome unknown)"},
		{"a notice without address", escalate.Summary{}, printing.Summary{}, notice.Summary{NoAddress: 1, Unaddressed: []string{"followup_due notice 14"}}, "followup_due notice 14 (no e-mail address)"},
	} {
		err := undelivered(tc.sum, tc.ps, tc.ns)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	var many []string
	for i := range maxUndelivered + 5 {
		many = append(many, fmt.Sprintf("reminder %d to 974760673", i))
	}
	err := undelivered(escalate.Summary{Undelivered: many}, printing.Summary{}, notice.Summary{})
	if err == nil || strings.Count(err.Error(), "reminder ") != maxUndelivered || !strings.Contains(err.Error(), "and 5 more") {
		t.Errorf("%d undelivered: %v, want %d named and 5 more", len(many), err, maxUndelivered)
	}
}
