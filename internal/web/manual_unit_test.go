package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A sending unit resolves the manual-handling cases of its own letters,
// and only those. The Danish policies hand a print-due letter to the unit
// (reason physical_post: the unit sends it again through Digital Post for
// physical delivery, and escalation.to tells the unit), so the unit's user
// must be able to record that it did: /manual offers the unit Resolve on
// its own letters' rows, resolving one closes it in the evidence log and
// the audit log under the unit user's name, another unit's case is
// answered 404 as a letter it may not see and stays open, and the unit
// still may not settle reminders (/reminders: 403).
func TestUnitResolvesItsOwnManualCases(t *testing.T) {
	e := newEnv(t)
	got := e.seed(2) // got[0]: Barnevernstjenesten, got[1]: NAV
	db := e.st.DB()
	for _, s := range got {
		db.MustExec(`UPDATE shipments SET stage = 'manual' WHERE id = $1`, s.ID)
		db.MustExec(`INSERT INTO print_manual (shipment_id, reason, detail, created_at) VALUES ($1, 'physical_post', '', $2)`, s.ID, now)
	}
	own, other := got[1].ID, got[0].ID
	b := e.loggedIn("nav-kari", "unit", "964338531", "NAV")

	code, page := b.get("/manual")
	if code != http.StatusOK || !strings.Contains(page, `action="/manual/`+own+`/resolve"`) {
		t.Fatalf("/manual for the unit: %d, want its own case with a Resolve form:\n%s", code, page)
	}
	if strings.Contains(page, other) {
		t.Error("/manual shows the unit another unit's case")
	}

	form := url.Values{"csrf": {csrf(page)}, "resolution": {"delivered_otherwise"}, "note": {"Sendt som fysisk post via Digital Post"}}
	if code, _, body := b.post("/manual/"+other+"/resolve", form); code != http.StatusNotFound {
		t.Errorf("resolving another unit's case: %d, want 404\n%.300s", code, body)
	}
	if code, loc, body := b.post("/manual/"+own+"/resolve", form); code != http.StatusSeeOther || loc != "/manual" {
		t.Fatalf("resolving its own case: %d %q, want 303 to /manual\n%.300s", code, loc, body)
	}

	var rows []struct {
		ShipmentID string `db:"shipment_id"`
		ResolvedBy string `db:"resolved_by"` // '' while open
		Stage      string `db:"stage"`
	}
	if err := db.Select(&rows, `SELECT m.shipment_id, m.resolved_by, s.stage FROM print_manual m
		JOIN shipments s ON s.id = m.shipment_id ORDER BY m.shipment_id`); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch {
		case r.ShipmentID == own && (r.ResolvedBy != "user:nav-kari" || r.Stage != "closed"):
			t.Errorf("own case after resolving: resolved by %q, stage %s; want user:nav-kari, closed", r.ResolvedBy, r.Stage)
		case r.ShipmentID == other && (r.ResolvedBy != "" || r.Stage != "manual"):
			t.Errorf("other unit's case: resolved by %q, stage %s; want open, manual", r.ResolvedBy, r.Stage)
		}
	}
	if !e.audited("user:nav-kari", "manual_resolve", own) {
		t.Error("the unit's resolution is not in the audit log")
	}
	if code, _ := b.get("/reminders"); code != http.StatusForbidden {
		t.Errorf("/reminders for the unit: %d, want 403 (settling reminders stays with compliance)", code)
	}
}
