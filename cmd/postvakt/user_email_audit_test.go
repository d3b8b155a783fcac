package main_test

import (
	"testing"

	"postvakt/internal/storetest"
)

// TestUserEmailAuditedOrUnchanged: `user email` changed the address, then
// wrote its audit entry on its own: with the audit log refusing (or a
// crash between) a user's address, where escalation notices and the
// compliance digest go, stood changed with no entry of who changed it. It
// is changed and audited in one transaction, unchanged when the entry
// cannot be written.
func TestUserEmailAuditedOrUnchanged(t *testing.T) {
	db := migrated(t)
	if _, stderr, code := run(t, db, "user", "add", "--name", "kari", "--role", "admin", "--email", "kari@kommune.no"); code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	conn := openDB(t, db)
	storetest.RefuseAudit(t, conn)
	_, stderr, code := run(t, db, "user", "email", "--name", "kari", "--email", "other@example.com")
	var email string
	if err := conn.QueryRow(`SELECT email FROM users WHERE name = 'kari'`).Scan(&email); err != nil {
		t.Fatal(err)
	}
	if code == 0 || email != "kari@kommune.no" {
		t.Errorf("user email with the audit log refusing: exit %d, address %q (stderr %q); want a failure and the address unchanged", code, email, stderr)
	}
}
