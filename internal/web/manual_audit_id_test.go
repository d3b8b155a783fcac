package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A manual case resolved through its address with the letter's id in
// capitals (a script's, the id as another system writes a UUID) is
// audited under the letter's id as the log writes it (lower case), so
// that the audit log's letter filter finds the resolution with the
// letter's other entries; it was entered under the id as typed, which the
// filter never finds.
func TestManualResolutionAuditedUnderTheLettersID(t *testing.T) {
	e := newPrintEnv(t)
	got := e.seed(2)
	e.heldAndManual(got[0], got[1])
	b := e.loggedIn("kari", "compliance", "964338531", "")
	_, page := b.get("/manual")
	path := "/manual/" + strings.ToUpper(got[1].ID) + "/resolve"
	if code, _, body := b.post(path, map[string][]string{"csrf": {csrf(page)}, "resolution": {"not_needed"}, "note": {"x"}}); code != http.StatusSeeOther {
		t.Fatalf("POST %s: %d %.300s", path, code, body)
	}
	code, body := e.get("/api/v1/audit?action=manual_resolve&letter="+got[1].ID, e.token("compliance", "964338531", ""))
	if code != http.StatusOK || !strings.Contains(body, `"object":"shipment `+got[1].ID+`"`) {
		t.Errorf("the resolution under the letter's id: %d %s", code, body)
	}
}
