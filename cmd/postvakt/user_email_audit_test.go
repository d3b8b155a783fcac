package main_test

import (
	"strings"
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

// TestUserEmailNames: `user email` finds its user as `user disable` does:
// a --name holding a national id is a wrong usage naming the flag (exit 2,
// not echoed as a name looked for), an unknown name (one a new user may not
// have too: an old user may) exits 1 saying there is
// no user of that name, naming the one in another case when there is one,
// and the address of none is changed.
func TestUserEmailNames(t *testing.T) {
	db := migrated(t)
	addUser(t, db, "kari", "--role", "compliance", "--sender-org", "964338531", "--email", "kari@kommune.no")
	for _, c := range []struct {
		name string
		code int
		want string
	}{
		{"kari-31129912345", 2, "--name"},
		{"kari:x", 1, `no user is named "kari:x"`},
		{"kari x", 1, `no user is named "kari x"`},
		{"nobody", 1, `no user is named "nobody"`},
		{"Kari", 1, `there is "kari"`},
	} {
		out, stderr, code := run(t, db, "user", "email", "--name", c.name, "--email", "other@example.com")
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("user email --name %q: exit %d, out %q, stderr %q; want %d and %q", c.name, code, out, stderr, c.code, c.want)
		}
	}
	conn := openDB(t, db)
	var email string
	if err := conn.QueryRow(`SELECT email FROM users WHERE name = 'kari'`).Scan(&email); err != nil || email != "kari@kommune.no" {
		t.Errorf("kari's address: %q (%v); want it unchanged", email, err)
	}
	// Found, it is changed and audited as the user's organisation's, as
	// the entry of a disable is (its compliance officer sees it).
	if out, stderr, code := run(t, db, "user", "email", "--name", "kari", "--email", "ny@kommune.no"); code != 0 {
		t.Fatalf("user email: exit %d, out %q, stderr %q", code, out, stderr)
	}
	var org, subject string
	if err := conn.QueryRow(`SELECT sender_org, subject_org FROM audit_log WHERE action = 'user_email'`).Scan(&org, &subject); err != nil {
		t.Fatal(err)
	}
	if org != "964338531" || subject != "964338531" {
		t.Errorf("user_email entry: sender_org %q, subject_org %q; want the user's organisation in both", org, subject)
	}
}
