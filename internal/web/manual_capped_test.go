package web_test

import (
	"fmt"
	"strings"
	"testing"

	"postvakt/internal/storetest"
)

// /manual shows the first 500 cases, oldest first; when more wait it says
// so, as /reminders does, instead of a list that reads as the whole queue
// (the overview's card counts them all: Copenhagen's weekend put 1,950
// letters in manual handling at once). Exactly 500 says nothing.
func TestManualQueueSaysWhenCapped(t *testing.T) {
	for _, tc := range []struct {
		cases  int
		capped bool
	}{{500, false}, {501, true}} {
		t.Run(fmt.Sprint(tc.cases), func(t *testing.T) {
			e := newEnv(t)
			ships := storetest.Register(t, e.st, storetest.Letters(tc.cases)...)
			db := e.st.DB()
			for _, sh := range ships {
				db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'no_address', 'x', $2)`, sh.ID, now)
			}
			db.MustExec(`UPDATE shipments SET stage = 'manual'`)
			_, page := e.loggedIn("kari", "compliance", "964338531", "").get("/manual")
			if n := strings.Count(page, `<tr class="manual-item">`); n != 500 {
				t.Errorf("%d cases: %d rows shown, want 500", tc.cases, n)
			}
			if got := strings.Contains(page, `id="manual-capped"`); got != tc.capped {
				t.Errorf("%d cases: says it is capped %v, want %v", tc.cases, got, tc.capped)
			}
		})
	}
}
