package policy

import "testing"

// TestPrintNeedsApproval is the one rule for whether a print is held for
// a compliance officer, as a table.
func TestPrintNeedsApproval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name               string
		via                string
		print, catchUp, cu bool // print.requires_approval, catch_up.requires_approval, a catch-up print
		want               bool
	}{
		{name: "ordinary print, no approval", via: PrintViaProvider},
		{name: "ordinary print, approval", via: PrintViaProvider, print: true, want: true},
		{name: "catch-up print, catch_up approval", via: PrintViaProvider, catchUp: true, cu: true, want: true},
		{name: "ordinary print, only catch_up approval", via: PrintViaProvider, catchUp: true},
		{name: "default via, approval", print: true, want: true},
		// Digital Post's physical post goes to manual handling: the unit
		// orders it, no batch is ever held for an officer's approval.
		{name: "digitalpost, approval set", via: PrintViaDigitalPost, print: true},
		{name: "digitalpost, catch-up", via: PrintViaDigitalPost, catchUp: true, cu: true},
	} {
		p := &Policy{Print: Print{Via: tc.via, RequiresApproval: tc.print}, CatchUp: CatchUp{RequiresApproval: tc.catchUp}}
		if got := p.PrintNeedsApproval(tc.cu); got != tc.want {
			t.Errorf("%s: PrintNeedsApproval(%v) = %v, want %v", tc.name, tc.cu, got, tc.want)
		}
	}
}
