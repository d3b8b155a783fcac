package main_test

import (
	"strings"
	"testing"

	"postvakt/internal/pgtest"
)

// TestUserAddWarnsOfAnUnknownUnit: a unit user or token made with a unit
// name postvakt does not know (a typo: "Kemnerkontor" for
// "Kemnerkontoret") is made, as the unit may register its first letter
// later, but user add and token create say so on stderr and name the units
// the organisation has: such a user otherwise sees an overview of zeros,
// which reads as "nothing wrong". A known unit gets no warning.
func TestUserAddWarnsOfAnUnknownUnit(t *testing.T) {
	db := pgtest.New(t)
	importLetter(t, db, "svarut,0e0e0e0e-0000-4000-8000-0000000000a1,964338531,Kemnerkontoret,org,974760673,Skatt,true,taushetsbelagt,2026-11-02T10:00:00+01:00")
	for _, c := range []struct {
		args []string
		warn bool
	}{
		{[]string{"user", "add", "--name", "kari", "--role", "unit", "--sender-org", "964338531", "--unit", "Kemnerkontor"}, true},
		{[]string{"token", "create", "--name", "sak", "--role", "unit", "--sender-org", "964338531", "--unit", "Kemnerkontor"}, true},
		{[]string{"user", "add", "--name", "ola", "--role", "unit", "--sender-org", "964338531", "--unit", "Kemnerkontoret"}, false},
		{[]string{"user", "add", "--name", "per", "--role", "compliance", "--sender-org", "964338531"}, false},
	} {
		_, stderr, code := run(t, db, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", c.args, code, stderr)
		}
		warned := strings.Contains(stderr, `"Kemnerkontor"`) && strings.Contains(stderr, "Kemnerkontoret")
		if warned != c.warn || (!c.warn && stderr != "") {
			t.Errorf("%v: stderr %q, want a warning naming the unknown unit and the known ones: %v", c.args, stderr, c.warn)
		}
	}
}
