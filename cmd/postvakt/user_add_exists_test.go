package main_test

import (
	"strings"
	"testing"
)

// TestUserAddOfATakenName: `user add` of a name a user has in any case
// said only "create user Kari: exists already": an onboarding script
// adding back a returning employee was not told that the user there is
// "kari", nor that it is disabled and `user enable` lets it in again. Both
// are said (exit 1), and no user is made.
func TestUserAddOfATakenName(t *testing.T) {
	db := migrated(t)
	addUser(t, db, "kari", "--role", "compliance")
	for _, c := range []struct {
		name     string
		disabled bool
	}{{"kari", false}, {"Kari", false}, {"Kari", true}} {
		if c.disabled {
			if _, stderr, code := run(t, db, "user", "disable", "--name", "kari"); code != 0 {
				t.Fatalf("user disable: %d %s", code, stderr)
			}
		}
		out, stderr, code := run(t, db, "user", "add", "--name", c.name, "--role", "compliance")
		if code != 1 || !strings.Contains(stderr, `user "kari" exists`) || strings.Contains(stderr, "user enable") != c.disabled || strings.Contains(out, "created") {
			t.Errorf("user add --name %s (kari disabled: %v): exit %d, out %q, stderr %q; want 1 naming kari (and user enable when disabled)",
				c.name, c.disabled, code, out, stderr)
		}
	}
	var n int
	if err := openDB(t, db).QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d users (%v); want kari alone", n, err)
	}
}
