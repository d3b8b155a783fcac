package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"postvakt/internal/storetest"
)

// TestCLIUserList: `user list` shows an operator or an off-boarding
// script who may log in — name, role, organisation, unit, e-mail, open
// sessions, disabled — as the admin page's list does, and is audited as
// its view is (view_list users, of every organisation's staff): with the
// audit log refusing, nothing is shown. No password hash is ever printed.
func TestCLIUserList(t *testing.T) {
	db := migrated(t)
	addUser(t, db, "kari", "--role", "compliance", "--sender-org", "964338531", "--email", "kari@kommune.no")
	addUser(t, db, "ola", "--role", "unit", "--sender-org", "964338531", "--unit", "NAV Ås")
	if _, stderr, code := run(t, db, "user", "disable", "--name", "ola"); code != 0 {
		t.Fatalf("user disable: %d %s", code, stderr)
	}
	conn := openDB(t, db)
	var hashes []string
	rows, err := conn.Query(`SELECT password_hash FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	rows.Close()

	out, stderr, code := run(t, db, "user", "list")
	if code != 0 {
		t.Fatalf("user list: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("user list: %q; want a heading and a line per user", out)
	}
	for _, want := range [][]string{{"kari", "compliance", "964338531", "kari@kommune.no", "enabled"}, {"ola", "unit", "NAV Ås", "disabled"}} {
		if line := lines[map[string]int{"kari": 1, "ola": 2}[want[0]]]; !containsAll(line, want) {
			t.Errorf("user list line %q; want it to say %v", line, want)
		}
	}

	out, stderr, code = run(t, db, "user", "list", "--json")
	var got struct {
		Users []struct {
			Name       string     `json:"name"`
			Role       string     `json:"role"`
			SenderOrg  string     `json:"sender_org"`
			Unit       string     `json:"unit"`
			Email      string     `json:"email"`
			Sessions   *int       `json:"sessions"`
			CreatedAt  time.Time  `json:"created_at"`
			DisabledAt *time.Time `json:"disabled_at"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("user list --json: exit %d, %v, out %q, stderr %q", code, err, out, stderr)
	}
	if len(got.Users) != 2 || got.Users[0].Name != "kari" || got.Users[0].Email != "kari@kommune.no" || got.Users[0].SenderOrg != "964338531" ||
		got.Users[0].DisabledAt != nil || got.Users[0].Sessions == nil || got.Users[0].CreatedAt.IsZero() ||
		got.Users[1].Name != "ola" || got.Users[1].Unit != "NAV Ås" || got.Users[1].Role != "unit" || got.Users[1].DisabledAt == nil {
		t.Errorf("user list --json: %+v", got.Users)
	}
	for _, h := range hashes {
		if strings.Contains(out, h) || strings.Contains(out, "password") {
			t.Errorf("user list --json prints a password hash: %q", out)
		}
	}

	var entries int
	if err := conn.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'view_list' AND object = 'users' AND subject_org = '*'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 2 {
		t.Errorf("%d view_list users entries of every organisation; want one a list", entries)
	}
	storetest.RefuseAudit(t, conn)
	if out, stderr, code := run(t, db, "user", "list"); code != 1 || out != "" {
		t.Errorf("user list with the audit log refusing: exit %d, out %q, stderr %q; want 1 and nothing shown", code, out, stderr)
	}
	if out, stderr, code := run(t, db, "user", "list", "extra"); code != 2 || out != "" {
		t.Errorf("user list extra: exit %d, out %q, stderr %q; want 2", code, out, stderr)
	}
}

// TestCLITokenList: `token list` shows the API tokens — name, role,
// organisation, unit, last use, revoked — as the admin page's list does,
// audited as its view is (view_list api_tokens); never a secret or its
// hash.
func TestCLITokenList(t *testing.T) {
	db := migrated(t)
	secret := newToken(t, db, "sak", "compliance")
	if _, stderr, code := run(t, db, "token", "create", "--name", "old", "--role", "unit", "--sender-org", "964338531", "--unit", "NAV"); code != 0 {
		t.Fatalf("token create: %d %s", code, stderr)
	}
	if _, stderr, code := run(t, db, "token", "revoke", "--name", "old"); code != 0 {
		t.Fatalf("token revoke: %d %s", code, stderr)
	}
	addr, cmd, _ := startServe(t, db)
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/shipments", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cmd.Process.Kill()
	conn := openDB(t, db)
	var hash string
	if err := conn.QueryRow(`SELECT hash FROM api_tokens WHERE name = 'sak'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}

	out, stderr, code := run(t, db, "token", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("token list: exit %d, out %q, stderr %q; want a heading and a line per token", code, out, stderr)
	}
	if !containsAll(lines[1], []string{"sak", "compliance", "active"}) || strings.Contains(lines[1], "never") {
		t.Errorf("token list: %q; want sak active, used", lines[1])
	}
	if !containsAll(lines[2], []string{"old", "unit", "964338531", "NAV", "revoked", "never"}) {
		t.Errorf("token list: %q; want old revoked, of 964338531's NAV, never used", lines[2])
	}
	out, stderr, code = run(t, db, "token", "list", "--json")
	var got struct {
		Tokens []struct {
			Name       string     `json:"name"`
			Role       string     `json:"role"`
			SenderOrg  string     `json:"sender_org"`
			Unit       string     `json:"unit"`
			CreatedAt  time.Time  `json:"created_at"`
			LastUsedAt *time.Time `json:"last_used_at"`
			RevokedAt  *time.Time `json:"revoked_at"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("token list --json: exit %d, %v, out %q, stderr %q", code, err, out, stderr)
	}
	if len(got.Tokens) != 2 || got.Tokens[0].Name != "sak" || got.Tokens[0].LastUsedAt == nil || got.Tokens[0].RevokedAt != nil ||
		got.Tokens[1].Name != "old" || got.Tokens[1].SenderOrg != "964338531" || got.Tokens[1].Unit != "NAV" || got.Tokens[1].RevokedAt == nil ||
		got.Tokens[1].LastUsedAt != nil {
		t.Errorf("token list --json: %+v", got.Tokens)
	}
	for _, s := range []string{secret, hash} {
		if strings.Contains(out, s) {
			t.Errorf("token list --json prints a token's secret or hash: %q", out)
		}
	}
	var entries int
	if err := conn.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'view_list' AND object = 'api_tokens'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 2 {
		t.Errorf("%d view_list api_tokens entries; want one a list", entries)
	}
	storetest.RefuseAudit(t, conn)
	if out, stderr, code := run(t, db, "token", "list", "--json"); code != 1 || out != "" {
		t.Errorf("token list with the audit log refusing: exit %d, out %q, stderr %q; want 1 and nothing shown", code, out, stderr)
	}
}

// containsAll reports whether s holds each of subs.
func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
