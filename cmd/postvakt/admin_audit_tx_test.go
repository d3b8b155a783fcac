package main_test

import (
	"strings"
	"testing"

	"postvakt/internal/storetest"
)

// TestAdminCreateAuditInSameTransaction: `user add` and `token create`
// wrote their audit entry after the user or token was stored, so when the
// audit write failed the command failed without printing the generated
// password or the token's secret, and a retry was refused as a name taken:
// a user nobody could log in as, a token nobody had. With the audit log
// refusing the entry, nothing is stored and, the audit log back, the same
// command makes it and prints its secret.
func TestAdminCreateAuditInSameTransaction(t *testing.T) {
	db := migrated(t)
	conn := openDB(t, db)
	restore := storetest.RefuseAudit(t, conn)
	for _, c := range []struct {
		args  []string
		table string
	}{
		{[]string{"user", "add", "--name", "kari", "--role", "admin"}, "users"},
		{[]string{"token", "create", "--name", "sak", "--role", "operations"}, "api_tokens"},
	} {
		_, stderr, code := run(t, db, c.args...)
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM ` + c.table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if code == 0 || n != 0 {
			t.Errorf("%s with the audit log refusing: exit %d, %d rows in %s (stderr %q); want a failure and nothing stored",
				strings.Join(c.args[:2], " "), code, n, c.table, stderr)
		}
	}
	restore()
	for _, c := range [][]string{
		{"user", "add", "--name", "kari", "--role", "admin"},
		{"token", "create", "--name", "sak", "--role", "operations"},
	} {
		out, stderr, code := run(t, db, c...)
		if code != 0 || !strings.Contains(out, map[string]string{"user": "shown once", "token": "pvt_"}[c[0]]) {
			t.Errorf("%s again, the audit log back: exit %d, out %q, stderr %q; want it made and its secret shown", c[0], code, out, stderr)
		}
	}
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM audit_log WHERE action IN ('user_add', 'token_create')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d audit entries of the two made; want 2", n)
	}
}
