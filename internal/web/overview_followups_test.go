package web_test

import (
	"regexp"
	"testing"
	"time"
)

// TestOverviewCountsOneOpenFollowUp: the overview's week section says how
// many follow-ups are open as a count of the page's language, one in the
// singular: "1 åben" in Danish and "1 åpen" in bokmål, not the plural
// "1 åbne" / "1 åpne" it said whatever the count.
func TestOverviewCountsOneOpenFollowUp(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	db := e.st.DB()
	for i, deadline := range []time.Time{now.Add(48 * time.Hour), now.Add(-48 * time.Hour), now.Add(-24 * time.Hour)} {
		db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline) SELECT id, sender_unit_id, 'unread', $2 FROM shipments WHERE id = $1`,
			got[i].ID, deadline)
	}
	b := e.loggedIn("anna", "admin", "", "")
	cell := regexp.MustCompile(`<dd id="followups">([^<]*)</dd>`)
	for lang, want := range map[string]string{"da": "1 åben, 2 over fristen", "nb": "1 åpen, 2 over fristen", "en": "1 open, 2 overdue"} {
		_, page := b.getIn(lang, "/")
		m := cell.FindStringSubmatch(page)
		if m == nil || m[1] != want {
			t.Errorf("%s overview's follow-ups: %q, want %q", lang, m, want)
		}
	}
}
