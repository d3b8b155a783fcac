package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// /ops lists the firing alerts with their labels, a sending unit by its id
// (unit_id) as the alert's mail, webhook and metric name it, never by its
// name (Barnevernstjenesten says what its letters are about); the
// alert's own page names it to those who may see it.
func TestOpsNamesAnAlertsUnitByItsID(t *testing.T) {
	e := newEnv(t)
	e.seed(4)
	a := e.alertFor("Barnevernstjenesten")
	var unitID int64
	if err := e.st.DB().Get(&unitID, `SELECT u.id FROM sender_units u JOIN sender_orgs o ON o.id = u.sender_org_id
		WHERE o.orgnr = '964338531' AND u.name = 'Barnevernstjenesten'`); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"operations", "admin"} {
		t.Run(role, func(t *testing.T) {
			code, page := e.loggedIn("ops-"+role, role, "", "").get("/ops")
			if code != 200 {
				t.Fatalf("/ops: %d", code)
			}
			firing := regexp.MustCompile(`(?s)<ul class="alerts" id="firing">.*?</ul>`).FindString(page)
			if !strings.Contains(firing, `/alerts/`+strconv.FormatInt(a.ID, 10)) {
				t.Fatalf("/ops does not list the firing alert %d:\n%s", a.ID, firing)
			}
			if !strings.Contains(firing, "unit_id="+strconv.FormatInt(unitID, 10)) {
				t.Errorf("/ops names the alert's unit not by its id (unit_id=%d):\n%s", unitID, firing)
			}
			if strings.Contains(page, "Barnevernstjenesten") {
				t.Errorf("/ops names the unit Barnevernstjenesten:\n%s", firing)
			}
		})
	}
}
