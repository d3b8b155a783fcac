package main_test

import (
	"strings"
	"testing"
)

// TestAdminNamesAsThePage: `user add` and `token create` took names the
// administration page refuses: a user of 101 bytes, or with a space at an
// end, whom the login (it trims the name, and takes none longer than 100
// bytes) could never let in; a colon, which makes the audit log's actor
// ("user:a:b") ambiguous; bytes that are no UTF-8, answered by the
// database's error; a token's name with a blank at an end (the page trims
// it), a second active "sak " beside "sak" that the lists, the audit log
// and the letters' sender system show alike. They are refused as the
// page refuses them, exit 2 with the rule, and nothing is made.
func TestAdminNamesAsThePage(t *testing.T) {
	db := migrated(t)
	conn := openDB(t, db)
	for _, c := range []struct{ what, name string }{
		{"user", strings.Repeat("k", 101)},
		{"user", "kari "},
		{"user", "kari:admin"},
		{"user", "kari nordmann"},
		{"user", "kari\xff"},
		{"token", strings.Repeat("s", 101)},
		{"token", "sak:system"},
		{"token", "sak\tsystem"},
		{"token", "sak\xff"},
		{"token", "sak "},
		{"token", " sak"},
	} {
		args := []string{c.what, "add", "--name", c.name, "--role", "admin"}
		if c.what == "token" {
			args[1] = "create"
		}
		_, stderr, code := run(t, db, args...)
		if code != 2 || !strings.Contains(stderr, "--name") {
			t.Errorf("%s %q: exit %d, stderr %q; want 2 saying --name's rule", c.what, c.name, code, stderr)
		}
	}
	var n int
	if err := conn.QueryRow(`SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM api_tokens)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d users or tokens made; want none", n)
	}
	// What the page takes, the commands take.
	for _, args := range [][]string{
		{"user", "add", "--name", "kari.nordmann@kommune.no", "--role", "admin"},
		{"token", "create", "--name", "sak system (2) " + strings.Repeat("æ", 85), "--role", "admin"},
	} {
		if _, stderr, code := run(t, db, args...); code != 0 {
			t.Errorf("%s %q: exit %d, stderr %q; want it made", args[0], args[3], code, stderr)
		}
	}
}
