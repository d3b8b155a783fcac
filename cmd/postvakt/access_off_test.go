package main_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"postvakt/internal/auth"
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

// TestCLIUserPassword: `user password --name N` is the admin page's reset
// for an administrator locked out of it: a new password printed once, the
// old one and every session of the user ended at once (a running serve
// refuses them), changed and audited in one transaction (with the audit
// log refusing, the old password stays and none is shown); names are
// found as `user disable` finds them.
func TestCLIUserPassword(t *testing.T) {
	db := migrated(t)
	old := addUser(t, db, "kari", "--role", "admin")
	addr, cmd, _ := startServe(t, db)
	defer cmd.Process.Kill()
	noFollow := func(c *http.Client) *http.Client {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		return c
	}
	status := func(c *http.Client) int {
		t.Helper()
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	session := noFollow(loginClient(t, addr, "kari", old, "nb"))
	if got := status(session); got != http.StatusOK {
		t.Fatalf("kari's session before the reset: %d; want 200", got)
	}

	out, stderr, code := run(t, db, "user", "password", "--name", "kari")
	m := regexp.MustCompile(`user kari: sessions ended; new password \(shown once\): (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("user password: exit %d, out %q, stderr %q; want 0 and the new password", code, out, stderr)
	}
	if got := status(session); got == http.StatusOK {
		t.Errorf("kari's session after user password: %d; want it ended", got)
	}
	if got := loginStatus(t, addr, "kari", old); got != http.StatusUnauthorized {
		t.Errorf("a login with the old password: %d; want 401", got)
	}
	if got := status(noFollow(loginClient(t, addr, "kari", m[1], "nb"))); got != http.StatusOK {
		t.Errorf("a login with the new password: %d; want 200", got)
	}
	conn := openDB(t, db)
	var entries int
	if err := conn.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'user_password' AND object = 'user:kari'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 1 {
		t.Errorf("%d user_password entries; want 1", entries)
	}

	for _, c := range []struct {
		name string
		code int
		want string
	}{
		{"kari:x", 1, `no user is named "kari:x"`}, // looked up as it is: an old name may have a colon
		{"nobody", 1, `no user is named "nobody"`},
		{"Kari", 1, `there is "kari"`},
	} {
		if out, stderr, code := run(t, db, "user", "password", "--name", c.name); code != c.code || !strings.Contains(stderr, c.want) || out != "" {
			t.Errorf("user password --name %q: exit %d, out %q, stderr %q; want %d, %q and no password", c.name, code, out, stderr, c.code, c.want)
		}
	}

	var hash string
	if err := conn.QueryRow(`SELECT password_hash FROM users WHERE name = 'kari'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	storetest.RefuseAudit(t, conn)
	if out, stderr, code := run(t, db, "user", "password", "--name", "kari"); code != 1 || strings.Contains(out, "shown once") {
		t.Errorf("user password with the audit log refusing: exit %d, out %q, stderr %q; want 1 and no password", code, out, stderr)
	}
	var after string
	if err := conn.QueryRow(`SELECT password_hash FROM users WHERE name = 'kari'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != hash {
		t.Error("the password changed with the audit log refusing its entry")
	}
}

// loginStatus is the status of serve's answer at addr to a login as name
// with password.
func loginStatus(t *testing.T, addr, name, password string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return signIn(t, c, addr, name, password, "")
}

// TestCLIUserPasswordInALoop: an off-boarding script resetting its users'
// passwords in a loop reading their names (while read n; do postvakt user
// password --name "$n"; done <names) gives the command the loop's input:
// `user password` reads none of it (the next name is no password, and the
// loop goes on to it), and prints each a new generated password.
func TestCLIUserPasswordInALoop(t *testing.T) {
	db := migrated(t)
	addUser(t, db, "kari", "--role", "compliance")
	addUser(t, db, "ola-nordmann-2026", "--role", "compliance")
	cmd := exec.Command(bin, "user", "password", "--name", "kari")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.WriteString("ola-nordmann-2026\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	cmd.Stdin = r // the loop's input itself, as the shell gives it
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	m := regexp.MustCompile(`user kari: sessions ended; new password \(shown once\): (\S+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("user password with the loop's input: %v, out %q, stderr %q; want a new password shown", err, out, stderr.String())
	}
	var hash string
	if err := openDB(t, db).QueryRow(`SELECT password_hash FROM users WHERE name = 'kari'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if auth.CheckPassword(hash, "ola-nordmann-2026") || !auth.CheckPassword(hash, string(m[1])) {
		t.Errorf("kari's password is the next line of the loop's input; want the one shown")
	}
	if rest, _ := io.ReadAll(r); string(rest) != "ola-nordmann-2026\n" {
		t.Errorf("the loop's input left: %q; want its next name unread", rest)
	}
}
