package main_test

import (
	"strings"
	"testing"
)

// TestAdminUnitNotText: a --unit of `user add` or `token create` with bytes
// that are no UTF-8 or a control character went to the database (its
// error, exit 1, or a unit no letter carries, model.CheckText); it is
// refused as the admin page refuses it, exit 2 naming --unit.
func TestAdminUnitNotText(t *testing.T) {
	db := migrated(t)
	for _, unit := range []string{"Barne\xffvern", "Barne\tvern"} {
		for _, cmd := range [][]string{{"user", "add"}, {"token", "create"}} {
			args := append(cmd, "--name", "kari", "--role", "unit", "--sender-org", "964338531", "--unit", unit)
			if _, stderr, code := run(t, db, args...); code != 2 || !strings.Contains(stderr, "--unit") {
				t.Errorf("%s --unit %q: exit %d, stderr %q; want 2 naming --unit", cmd[0], unit, code, stderr)
			}
		}
	}
}
