package main_test

import (
	"testing"
)

// TestAdminCreateAuditSaysTheAccess: `user add` and `token create` wrote
// only the role into their audit entry ("unit"), where the admin page
// writes the access given (role, organisation, unit, e-mail): an auditor
// asking who gave a user or token its unit, or where notices to it go,
// found it in no entry when it was made from the command line. The entry
// says it as the page's does.
func TestAdminCreateAuditSaysTheAccess(t *testing.T) {
	db := migrated(t)
	for _, args := range [][]string{
		{"user", "add", "--name", "kari", "--role", "unit", "--sender-org", "964338531", "--unit", "NAV", "--email", "kari@kommune.no"},
		{"token", "create", "--name", "sak", "--role", "unit", "--sender-org", "964338531", "--unit", "NAV"},
	} {
		if _, stderr, code := run(t, db, args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
	}
	conn := openDB(t, db)
	for action, want := range map[string]string{
		"user_add":     "role=unit org=964338531 unit=NAV email=kari@kommune.no",
		"token_create": "role=unit org=964338531 unit=NAV",
	} {
		var detail string
		if err := conn.QueryRow(`SELECT detail FROM audit_log WHERE action = $1`, action).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if detail != want {
			t.Errorf("%s's audit detail %q; want %q, the access given", action, detail, want)
		}
	}
}
