package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// README, Registering letters: sender_unit is "not holding a national id
// (a unit's name ... is shown unmasked in lists and exports, so one shaped
// like a fødselsnummer or CPR number is refused, as in a user's or token's
// name)". `units import` creates units, yet takes such a name and `units
// list` prints it unmasked.
func TestUnitsImportRefusesNationalIDName(t *testing.T) {
	db := migrated(t)
	f := filepath.Join(t.TempDir(), "units.csv")
	// 01017010170: a fødselsnummer with valid check digits.
	text := "sender_org,unit,contact_email,manager_email\n964338531,01017010170,a@b.no,\n"
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, db, "units", "import", f)
	if code != 1 {
		t.Errorf("units import of a unit named like a fødselsnummer: exit %d, want 1\n%s%s", code, out, stderr)
	}
	list, _, _ := run(t, db, "units", "list")
	if strings.Contains(list, "01017010170") {
		t.Errorf("units list shows a national id unmasked:\n%s", list)
	}
}

// --unit limits a user or token to a sending unit "(role unit)", as the
// flag's help says; for the other roles it would be stored and ignored
// (auth.Principal.Scope): `--role compliance --sender-org O --unit U`
// would see all of O, `--role admin --unit X` everything. Refused, as is a
// unit name that is a national id.
func TestUnitWithoutRoleUnitIsRefused(t *testing.T) {
	db := migrated(t)
	importLetter(t, db, "svarut,11111111-2222-4333-8444-555555555556,964338531,Helse,org,974760673,Vedtak,true,taushetsbelagt,2026-10-01T10:00:00+01:00")
	for _, args := range [][]string{
		{"token", "create", "--name", "a1", "--role", "admin", "--unit", "Helse"},
		{"token", "create", "--name", "c1", "--role", "compliance", "--sender-org", "964338531", "--unit", "Helse"},
		{"user", "add", "--name", "c2", "--role", "compliance", "--sender-org", "964338531", "--unit", "Helse"},
		{"user", "add", "--name", "u1", "--role", "unit", "--sender-org", "964338531", "--unit", "01017010170"},
	} {
		out, stderr, code := run(t, db, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (--unit is role unit's; this one would see the whole organisation, or everything)\nstdout:\n%s\nstderr:\n%s", args, code, out, stderr)
		}
	}
}
