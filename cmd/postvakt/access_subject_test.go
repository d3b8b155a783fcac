package main_test

import (
	"testing"
)

// TestAccessAuditedAboutWhoseLettersItOpens: the admin page audits making
// or changing a user or token about the organisation whose letters its
// access opens, "*" (every organisation's) for an unscoped one that sees
// letters, so every organisation's compliance officer finds in the audit
// log that someone got (or lost) access to its letters. user add wrote no
// subject and the other commands the account's organisation, "" for an
// unscoped one: an unscoped compliance user or admin token made from the
// command line was in no organisation's audit log. The commands write
// the page's subject.
func TestAccessAuditedAboutWhoseLettersItOpens(t *testing.T) {
	db := migrated(t)
	addUser(t, db, "revisor", "--role", "compliance")
	addUser(t, db, "drift", "--role", "operations")
	addUser(t, db, "kari", "--role", "compliance", "--sender-org", "964338531")
	for _, args := range [][]string{
		{"token", "create", "--name", "sak", "--role", "admin"},
		{"user", "disable", "--name", "revisor"},
		{"user", "email", "--name", "revisor", "--email", "revisor@kommune.no"},
		{"user", "password", "--name", "drift"},
		{"token", "revoke", "--name", "sak"},
	} {
		if _, stderr, code := run(t, db, args...); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	conn := openDB(t, db)
	rows, err := conn.Query(`SELECT action, object, subject_org FROM audit_log WHERE action LIKE 'user_%' OR action LIKE 'token_%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[string]string{
		"user_add user:revisor": "*", "user_add user:drift": "-", "user_add user:kari": "964338531",
		"token_create token:sak": "*", "user_disable user:revisor": "*", "user_email user:revisor": "*",
		"user_password user:drift": "-", "token_revoke token:sak": "*",
	}
	n := 0
	for rows.Next() {
		var action, object, subject string
		if err := rows.Scan(&action, &object, &subject); err != nil {
			t.Fatal(err)
		}
		n++
		if w, ok := want[action+" "+object]; !ok || subject != w {
			t.Errorf("%s %s audited about %q, want %q", action, object, subject, w)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("%d entries, want %d", n, len(want))
	}
}
