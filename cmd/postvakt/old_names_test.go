package main_test

import (
	"strings"
	"testing"
)

// TestOldNamesFoundByTheCommands: users and tokens named before today's
// name rules (a space or colon in a user's name, a colon or a blank at an
// end of a token's) could be disabled and revoked on the admin page but
// not by user disable, user password, user email or token revoke, which
// refused --name by the rules for a new name (exit 2): an off-boarding
// script could not lock out the old account. The commands find an
// existing name as it is; the rules are for names being made.
func TestOldNamesFoundByTheCommands(t *testing.T) {
	db := migrated(t)
	conn := openDB(t, db)
	if _, err := conn.Exec(`INSERT INTO users (name, password_hash, role) VALUES ('kari nordmann', 'x', 'admin'), ('per:admin', 'x', 'admin');
		INSERT INTO api_tokens (name, role, hash) VALUES ('sak:system', 'admin', '\x01'), ('arkiv ', 'admin', '\x02')`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"user", "disable", "--name", "kari nordmann"},
		{"user", "enable", "--name", "kari nordmann"},
		{"user", "password", "--name", "kari nordmann"},
		{"user", "email", "--name", "kari nordmann", "--email", "kari@kommune.no"},
		{"user", "disable", "--name", "per:admin"},
		{"token", "revoke", "--name", "sak:system"},
		{"token", "revoke", "--name", "arkiv "},
	} {
		if stdout, stderr, code := run(t, db, args...); code != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want it done", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	var disabled, revoked int
	if err := conn.QueryRow(`SELECT (SELECT count(*) FROM users WHERE disabled_at IS NOT NULL),
		(SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL)`).Scan(&disabled, &revoked); err != nil {
		t.Fatal(err)
	}
	if disabled != 1 || revoked != 2 {
		t.Errorf("%d users disabled, %d tokens revoked; want per:admin disabled (kari nordmann enabled again) and both tokens revoked", disabled, revoked)
	}
	// A name no user has is still said as none.
	if _, stderr, code := run(t, db, "user", "disable", "--name", "ola nordmann"); code != 1 || !strings.Contains(stderr, "no user is named") {
		t.Errorf("user disable of a name no user has: exit %d, stderr %q; want 1 saying there is none", code, stderr)
	}
}
