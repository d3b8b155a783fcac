package main_test

import (
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/storetest"
)

// TestCLITakesAccessAway: `user disable` and `token revoke` take away what
// `user add` and `token create` gave, as the admin page does, for an
// operator the UI does not let in or an off-boarding script: the user's
// session and the token are refused at once by a running serve, each
// change audited once; the second call says it changed nothing (exit 0);
// `user enable` lets the user in again; an unknown name exits 1 saying so.
func TestCLITakesAccessAway(t *testing.T) {
	db := migrated(t)
	password := addUser(t, db, "kari", "--role", "compliance")
	token := newToken(t, db, "sak", "compliance")
	addr, cmd, _ := startServe(t, db)
	defer cmd.Process.Kill()
	session := loginClient(t, addr, "kari", password, "nb")
	session.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	status := func(c *http.Client, path, bearer string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(session, "/", ""); got != http.StatusOK {
		t.Fatalf("kari's session before the disable: %d; want 200", got)
	}
	if got := status(http.DefaultClient, "/api/v1/shipments", token); got != http.StatusOK {
		t.Fatalf("the token before the revoke: %d; want 200", got)
	}

	for i, want := range []string{"user kari disabled", "user kari is disabled already"} {
		out, stderr, code := run(t, db, "user", "disable", "--name", "kari")
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("user disable (%d): exit %d, out %q, stderr %q; want 0 and %q", i+1, code, out, stderr, want)
		}
	}
	if got := status(session, "/", ""); got == http.StatusOK {
		t.Errorf("kari's session after user disable: %d; want it ended", got)
	}
	for i, want := range []string{"token sak revoked", "token sak is revoked already"} {
		out, stderr, code := run(t, db, "token", "revoke", "--name", "sak")
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("token revoke (%d): exit %d, out %q, stderr %q; want 0 and %q", i+1, code, out, stderr, want)
		}
	}
	if got := status(http.DefaultClient, "/api/v1/shipments", token); got != http.StatusUnauthorized {
		t.Errorf("the token after token revoke: %d; want 401", got)
	}

	if out, stderr, code := run(t, db, "user", "enable", "--name", "kari"); code != 0 || !strings.Contains(out, "user kari enabled") {
		t.Errorf("user enable: exit %d, out %q, stderr %q; want 0 and it enabled", code, out, stderr)
	}
	if got := status(loginClient(t, addr, "kari", password, "nb"), "/", ""); got != http.StatusOK {
		t.Errorf("kari logged in again after user enable: %d; want 200", got)
	}

	conn := openDB(t, db)
	var disables, enables, revokes int
	if err := conn.QueryRow(`SELECT count(*) FILTER (WHERE action = 'user_disable' AND object = 'user:kari'),
		count(*) FILTER (WHERE action = 'user_enable' AND object = 'user:kari'),
		count(*) FILTER (WHERE action = 'token_revoke' AND object = 'token:sak') FROM audit_log`).Scan(&disables, &enables, &revokes); err != nil {
		t.Fatal(err)
	}
	if disables != 1 || enables != 1 || revokes != 1 {
		t.Errorf("audit entries: %d user_disable, %d user_enable, %d token_revoke; want one each (the second calls changed nothing)",
			disables, enables, revokes)
	}

	for _, args := range [][]string{{"user", "disable", "--name", "nobody"}, {"user", "enable", "--name", "nobody"}, {"token", "revoke", "--name", "nobody"}} {
		if out, stderr, code := run(t, db, args...); code != 1 || !strings.Contains(stderr, `named "nobody"`) {
			t.Errorf("%v: exit %d, out %q, stderr %q; want 1 saying there is none of that name", args, code, out, stderr)
		}
	}
	// Matched exactly; one of the name in another case is named.
	newToken(t, db, "fag", "compliance")
	for _, args := range [][]string{{"user", "disable", "--name", "Kari"}, {"token", "revoke", "--name", "FAG"}} {
		if out, stderr, code := run(t, db, args...); code != 1 || !strings.Contains(stderr, `there is "`+strings.ToLower(args[3])+`"`) {
			t.Errorf("%v: exit %d, out %q, stderr %q; want 1 naming the one in another case", args, code, out, stderr)
		}
	}
}

// TestCLITokenRevokeOfSeveralOrganisations: a name is unique among one
// organisation's active tokens only; `token revoke --name` of a name two
// organisations' tokens have revokes neither and names them, and
// --sender-org says which ("" the token of none).
func TestCLITokenRevokeOfSeveralOrganisations(t *testing.T) {
	db := migrated(t)
	newToken(t, db, "sak", "compliance")
	if _, stderr, code := run(t, db, "token", "create", "--name", "sak", "--role", "compliance", "--sender-org", "964338531"); code != 0 {
		t.Fatalf("token create: %d %s", code, stderr)
	}
	conn := openDB(t, db)
	active := func() (n int) {
		t.Helper()
		if err := conn.QueryRow(`SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, stderr, code := run(t, db, "token", "revoke", "--name", "sak"); code != 1 || !strings.Contains(stderr, "--sender-org") ||
		!strings.Contains(stderr, "964338531") || active() != 2 {
		t.Errorf("token revoke of a name two organisations' tokens have: exit %d, stderr %q, %d active; want 1 naming them, none revoked",
			code, stderr, active())
	}
	if out, stderr, code := run(t, db, "token", "revoke", "--name", "sak", "--sender-org", ""); code != 0 || !strings.Contains(out, "token sak revoked") {
		t.Errorf("token revoke --sender-org \"\": exit %d, out %q, stderr %q; want the unscoped one revoked", code, out, stderr)
	}
	var org string
	if err := conn.QueryRow(`SELECT sender_org FROM api_tokens WHERE revoked_at IS NULL`).Scan(&org); err != nil || org != "964338531" {
		t.Errorf("the token left active: %q (%v); want 964338531's", org, err)
	}
	if _, stderr, code := run(t, db, "token", "revoke", "--name", "sak", "--sender-org", "971526920"); code != 1 || !strings.Contains(stderr, `named "sak" of 971526920`) {
		t.Errorf("token revoke of an organisation without that token: exit %d, stderr %q; want 1 saying so", code, stderr)
	}
}

// TestCLIAccessOffAuditedOrUnchanged: `user disable` and `token revoke`
// change and audit in one transaction: with the audit log refusing the
// entry, the user stays enabled and the token active, and the command
// fails.
func TestCLIAccessOffAuditedOrUnchanged(t *testing.T) {
	db := migrated(t)
	addUser(t, db, "kari", "--role", "admin")
	newToken(t, db, "sak", "operations")
	conn := openDB(t, db)
	storetest.RefuseAudit(t, conn)
	for _, args := range [][]string{{"user", "disable", "--name", "kari"}, {"token", "revoke", "--name", "sak"}} {
		if out, stderr, code := run(t, db, args...); code != 1 {
			t.Errorf("%v with the audit log refusing: exit %d, out %q, stderr %q; want 1", args, code, out, stderr)
		}
	}
	var off int
	if err := conn.QueryRow(`SELECT (SELECT count(*) FROM users WHERE disabled_at IS NOT NULL) +
		(SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL)`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	if off != 0 {
		t.Errorf("%d users disabled or tokens revoked with no audit entry; want none", off)
	}
}
