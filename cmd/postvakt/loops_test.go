package main_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/sim"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// Units import is all or nothing with row errors; it and the other
// commands that change things (tokens, users, contacts, notification
// settlements) write the audit log, as the UI does.
func TestUnitsImportAndCLIAudit(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "sender_org,unit,contact_email,manager_email\n964338531,NAV,nav@bergen.kommune.no,\n123,Skole,,rektor@bergen.kommune.no\n")
	_, stderr, code := run(t, db, "units", "import", bad)
	if code != 1 || !strings.Contains(stderr, "line 3, column sender_org") || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("bad file: exit %d\n%s", code, stderr)
	}
	good := write("units.csv", "sender_org,unit,contact_email,manager_email\n964338531,NAV,nav@bergen.kommune.no,leder@bergen.kommune.no\n")
	if out, stderr, code := run(t, db, "units", "import", good); code != 0 || !strings.Contains(out, "imported 1 unit(s) (1 new)") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
	if out, _, _ := run(t, db, "units", "list"); !strings.Contains(out, "nav@bergen.kommune.no") || !strings.Contains(out, "leder@bergen.kommune.no") {
		t.Fatalf("list:\n%s", out)
	}
	contacts := write("contacts.csv", "orgnr,email\n974760673,post@firma.no\n")
	for _, args := range [][]string{
		{"contacts", "import", contacts},
		{"token", "create", "--name", "saksystem", "--role", "unit", "--sender-org", "964338531", "--unit", "NAV"},
		{"user", "add", "--name", "kari", "--role", "compliance", "--sender-org", "964338531", "--email", "kari@bergen.kommune.no"},
		{"user", "email", "--name", "kari", "--email", "personvern@bergen.kommune.no"},
	} {
		if out, stderr, code := run(t, db, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, stderr)
		}
	}
	if _, _, code := run(t, db, "user", "email", "--name", "kari", "--email", "not an address"); code != 2 {
		t.Fatalf("a bad address: exit %d, want 2", code)
	}
	st := storetest.OpenURL(t, db)
	entries, err := st.AuditEntries(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[store.AuditAction]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Actor, "cli:") {
			seen[e.Action] = true
		}
	}
	for _, a := range []store.AuditAction{"units_import", "contacts_import", "token_create", "user_add", "user_email"} {
		if !seen[a] {
			t.Errorf("no audit entry %s from the CLI (have %v)", a, seen)
		}
	}
	emails, err := st.UserEmails(ctx, "compliance", "964338531", "")
	if err != nil || len(emails) != 1 || emails[0] != "personvern@bergen.kommune.no" {
		t.Fatalf("compliance addresses %v %v", emails, err)
	}
}

// `postvakt sim` writes a Maskinporten key it accepts and prints it with
// the other lines: those lines alone point postvakt at the simulator. A
// grant signed with another key is refused. A --key-dir that is not there
// is made.
func TestSimPrintsAKeyItAccepts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	cmd := exec.Command(bin, "sim", "--addr", "127.0.0.1:0", "--key-dir", dir, "--seed", "2")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var env []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		env = append(env, sc.Text())
		if strings.HasPrefix(sc.Text(), "POSTVAKT_MASKINPORTEN_KEY_FILE=") {
			break
		}
	}
	keyFile := ""
	for _, l := range env {
		if v, ok := strings.CutPrefix(l, "POSTVAKT_MASKINPORTEN_KEY_FILE="); ok {
			keyFile = v
		}
	}
	if keyFile != filepath.Join(dir, "maskinporten.pem") {
		t.Fatalf("key file line %q in %v", keyFile, env)
	}
	env = append(env, "DATABASE_URL="+pgtest.New(t))
	since := time.Now().Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	out, stderr, code := runEnv(t, env, "discover", "--channel", "altinn", "--since", since, "--sender-org", "964338531")
	if code != 0 || !strings.Contains(out, "discovered ") {
		t.Fatalf("discover with the printed lines: exit %d\n%s\n%s", code, out, stderr)
	}
	other, _, err := sim.ClientKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wrong := append(append([]string(nil), env...), "POSTVAKT_MASKINPORTEN_KEY_FILE="+other)
	if _, _, code := runEnv(t, wrong, "discover", "--channel", "altinn", "--since", since, "--sender-org", "964338531"); code == 0 {
		t.Fatal("a grant signed with another key was accepted")
	}
}
