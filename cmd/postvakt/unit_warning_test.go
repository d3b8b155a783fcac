package main_test

import (
	"strings"
	"testing"
)

// TestUnitWarningAsTheUnitIsStored: `user add` and `token create` store
// the unit as letters carry it (model.NormalizeName: no surrounding
// blanks, composed), but warned by the unit as typed: "Ås" typed on a Mac
// (decomposed) or "NAV " with a blank got "organisation … has no sending
// unit "Ås" yet; its units: "Ås"" for the unit the user or token was made
// with and sees, asking the operator to fix what was right. The check
// looks for the unit as it is stored.
func TestUnitWarningAsTheUnitIsStored(t *testing.T) {
	db := migrated(t)
	importLetter(t, db, "svarut,11111111-2222-4333-8444-555555555561,964338531,Ås,org,974760673,Vedtak,true,taushetsbelagt,2026-10-01T10:00:00+01:00")
	for i, unit := range []string{"A\u030as", "Ås "} {
		for _, args := range [][]string{
			{"user", "add", "--name", "u" + string(rune('a'+i)), "--role", "unit", "--sender-org", "964338531", "--unit", unit},
			{"token", "create", "--name", "t" + string(rune('a'+i)), "--role", "unit", "--sender-org", "964338531", "--unit", unit},
		} {
			if _, stderr, code := run(t, db, args...); code != 0 || strings.Contains(stderr, "warning") {
				t.Errorf("%s %s --unit %q: exit %d, stderr %q; want it made without a warning", args[0], args[1], unit, code, stderr)
			}
		}
	}
	if _, stderr, _ := run(t, db, "user", "add", "--name", "uc", "--role", "unit", "--sender-org", "964338531", "--unit", "Aas"); !strings.Contains(stderr, "warning") {
		t.Errorf("user add of a unit the organisation has not: stderr %q; want the warning", stderr)
	}
}
