package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"
)

// /followups and its export read all= as the API does: all=0 or
// all=false is the open follow-ups only, all=1 or all=true the decided
// ones too, and another value is a 400 naming all. Before, any value at
// all (all=0, all=no) listed and exported the decided follow-ups too.
func TestFollowUpsAllIsTrueOrFalse(t *testing.T) {
	e := newEnv(t)
	got := e.seed(3)
	db := e.st.DB()
	db.MustExec(`INSERT INTO followups (shipment_id, sender_unit_id, reason, deadline)
		SELECT id, sender_unit_id, 'unread', $1::timestamptz FROM shipments`, now.Add(24*time.Hour))
	db.MustExec(`UPDATE followups SET decision = 'consequences_assessed', decided_by = 'user:per', decided_at = $2
		WHERE shipment_id = $1`, got[2].ID, now.Add(-time.Hour))
	b := e.loggedIn("kari", "compliance", "964338531", "")
	for _, tc := range []struct {
		all     string
		decided bool // the decided follow-up is shown
	}{{"", false}, {"0", false}, {"false", false}, {"1", true}, {"true", true}} {
		_, page := b.get("/followups?all=" + tc.all)
		if shown := strings.Contains(page, "/shipments/"+got[2].ID+"#followup"); shown != tc.decided || !strings.Contains(page, got[0].ID) {
			t.Errorf("/followups?all=%s: the decided follow-up shown %v, want %v", tc.all, shown, tc.decided)
		}
		rows, err := csv.NewReader(bytes.NewReader(b.download("/followups/export?format=csv&all=" + tc.all))).ReadAll()
		if want := 3; !tc.decided && len(rows) != want || tc.decided && len(rows) != want+1 || err != nil {
			t.Errorf("/followups/export?all=%s: %d rows (%v), want the header and %v", tc.all, len(rows), err, map[bool]string{false: "2 open", true: "all 3"}[tc.decided])
		}
	}
	for _, path := range []string{"/followups?all=no", "/followups/export?format=csv&all=maybe"} {
		if code, page := b.getIn("en", path); code != http.StatusBadRequest || !strings.Contains(page, "all must be true or false") {
			t.Errorf("%s: %d %.300s, want 400 naming all", path, code, page)
		}
	}
}
