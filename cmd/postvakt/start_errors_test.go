package main_test

// What an operator following the README meets at start: each test names
// the README statement it holds to.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
)

// README, Registering letters: sender_org is a Norwegian organisation
// number or a CVR number, check digit verified. `token create` and `user
// add` refuse any other --sender-org, as the administration page does: a
// typo would make a token or user that silently sees nothing.
func TestReadmeScopedCLIRefusesBadSenderOrg(t *testing.T) {
	db := pgtest.New(t)
	for _, args := range [][]string{
		{"token", "create", "--name", "t1", "--role", "compliance", "--sender-org", "123"},
		{"token", "create", "--name", "t2", "--role", "compliance", "--sender-org", "964338532"}, // check digit wrong
		{"user", "add", "--name", "u1", "--role", "compliance", "--sender-org", "96433853x"},
	} {
		out, errOut, code := run(t, db, args...)
		if code == 0 || !strings.Contains(errOut, "sender-org") {
			t.Errorf("postvakt %s: exit %d, stdout %q, stderr %q; want a refusal naming --sender-org",
				strings.Join(args, " "), code, out, errOut)
		}
	}
}

// README, Deploy: "./postvakt migrate   # or let serve do it at start",
// followed by `token create`: on a database not migrated yet, token create
// migrates it first, as user add does.
func TestReadmeTokenCreateOnFreshDatabase(t *testing.T) {
	url := pgtest.Empty(t)
	db := url
	_, errOut, code := run(t, db, "token", "create", "--name", "sak-system", "--role", "compliance", "--sender-org", "964338531")
	if code != 0 {
		t.Errorf("token create on a database not yet migrated: exit %d, %q; want it to migrate and work, as user add does", code, errOut)
	}
}

// README, Configuration: "a bad value stops the command with the
// variable's name": what SvarUt's API version lacks too.
func TestReadmeSvarUtErrorsNameVariables(t *testing.T) {
	db := pgtest.New(t)
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"POSTVAKT_SVARUT_URL=http://127.0.0.1:1"}, "POSTVAKT_SVARUT_KONTO_ID"},
		{[]string{"POSTVAKT_SVARUT_URL=http://127.0.0.1:1", "POSTVAKT_SVARUT_KONTO_ID=f169d7dc-3b6b-4df3-a26e-ab5ffb387341"}, "POSTVAKT_SVARUT_INTEGRASJON_ID"},
		{[]string{"POSTVAKT_SVARUT_URL=http://127.0.0.1:1", "POSTVAKT_SVARUT_API=v1"}, "POSTVAKT_SVARUT_USER"},
	} {
		env := append([]string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies"}, c.env...)
		_, errOut, code := runEnv(t, env, "poll", "--once", "--channel", "svarut")
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want the error to name %s", c.env, code, strings.TrimSpace(errOut), c.want)
		}
	}
}

// README, Configuration, DATABASE_URL: "a URL it cannot read ... fail[s]
// at once": a misspelt sslmode and a scheme other than postgres too, not
// after the 30 s a database starting up is given.
func TestReadmeUnreadableDatabaseURLFailsAtOnce(t *testing.T) {
	db := pgtest.New(t)
	bad := strings.Replace(db, "sslmode=disable", "sslmode=requre", 1)
	if bad == db {
		bad = db + "&sslmode=requre"
	}
	for _, u := range []string{
		bad,
		"mysql://postvakt@db/postvakt",
	} {
		start := time.Now()
		_, errOut, code := run(t, u, "migrate")
		if d := time.Since(start); code == 0 || d > 10*time.Second {
			t.Errorf("DATABASE_URL %q: exit %d after %s (%q); want a failure at once", u, code, d.Round(time.Second), strings.TrimSpace(errOut))
		}
	}
}

// README, Configuration, Secrets from files: DATABASE_URL_FILE names a
// file holding the URL (a mounted secret), its trailing newline dropped;
// DATABASE_URL given too stops the command naming both, never the URL.
func TestReadmeDatabaseURLFromFile(t *testing.T) {
	db := pgtest.New(t)
	f := filepath.Join(t.TempDir(), "database-url")
	if err := os.WriteFile(f, []byte(db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"DATABASE_URL=", "DATABASE_URL_FILE=" + f, "POSTVAKT_POLICIES=../../policies"}
	if out, errOut, code := runEnv(t, env, "migrate"); code != 0 || !strings.Contains(out, "nothing to apply") {
		t.Errorf("migrate with DATABASE_URL_FILE: exit %d, %q, %q; want the database reached", code, out, strings.TrimSpace(errOut))
	}
	env[0] = "DATABASE_URL=" + db
	_, errOut, code := runEnv(t, env, "migrate")
	if code == 0 || !strings.Contains(errOut, "DATABASE_URL: is set and so is DATABASE_URL_FILE") || strings.Contains(errOut, db) {
		t.Errorf("migrate with DATABASE_URL and DATABASE_URL_FILE: exit %d, %q; want a refusal naming both, not the URL", code, strings.TrimSpace(errOut))
	}
}

// README, Commands: `policy explain SHIPMENT_ID`: an id that is not one is
// named in the error, not answered "not found" alone.
func TestReadmePolicyExplainNamesBadID(t *testing.T) {
	db := pgtest.New(t)
	_, errOut, code := run(t, db, "policy", "explain", "nosuch")
	if code == 0 || !strings.Contains(errOut, "nosuch") {
		t.Errorf("policy explain nosuch: exit %d, %q; want the message to name the id", code, strings.TrimSpace(errOut))
	}
}

// README, Configuration: a POSTVAKT_ variable postvakt does not read (a
// name misspelt) leaves its setting at the default; every command says so
// at start, naming the variable meant. make run's own variables are no
// such mistake.
func TestReadmeUnknownVariableWarned(t *testing.T) {
	db := pgtest.New(t)
	_, errOut, code := runEnv(t, []string{"DATABASE_URL=" + db, "POSTVAKT_POLL_SHEDULE=@every 5m", "POSTVAKT_DEMO_SPEED=2"}, "migrate")
	if code != 0 || !strings.Contains(errOut, "variable=POSTVAKT_POLL_SHEDULE did_you_mean=POSTVAKT_POLL_SCHEDULE") ||
		strings.Contains(errOut, "POSTVAKT_DEMO_SPEED") {
		t.Errorf("migrate with POSTVAKT_POLL_SHEDULE set: exit %d, stderr %q; want a warning naming it and POSTVAKT_POLL_SCHEDULE, none for POSTVAKT_DEMO_SPEED", code, errOut)
	}
}

// README, Time zone: the schedules' clock times are in TZ's zone. A TZ Go
// cannot load (a name misspelt, a POSIX rule such as CET-1CEST) leaves
// them in UTC, an hour or two off Oslo's, and nothing said so: every
// command warns at start, naming it.
func TestUnknownTimeZoneWarned(t *testing.T) {
	db := pgtest.New(t)
	for _, tc := range []struct {
		tz   string
		warn bool
	}{
		{"Europe/Olso", true},
		{"CET-1CEST,M3.5.0,M10.5.0/3", true},
		{"Europe/Oslo", false},
		{":Europe/Oslo", false},
		{"UTC", false},
		{"", false},
	} {
		_, errOut, code := runEnv(t, []string{"DATABASE_URL=" + db, "TZ=" + tc.tz}, "migrate")
		warned := strings.Contains(errOut, "TZ names no time zone")
		if code != 0 || warned != tc.warn || tc.warn && !strings.Contains(errOut, tc.tz) {
			t.Errorf("TZ=%s: exit %d, stderr %q; want a warning naming it: %v", tc.tz, code, errOut, tc.warn)
		}
	}
}

// README, Configuration: `policy check` warns of a misspelt variable too:
// POSTVAKT_POLICIE=/opt/postvakt/policies left it checking the default
// policies/ of the working directory, "all valid", the folder meant never
// read, without a word.
func TestPolicyCheckWarnsOfAnUnknownVariable(t *testing.T) {
	out, errOut, code := runEnv(t, []string{"POSTVAKT_POLICIES=../../policies", "POSTVAKT_POLICIE=/opt/postvakt/policies"}, "policy", "check")
	if code != 0 || !strings.Contains(errOut, "variable=POSTVAKT_POLICIE did_you_mean=POSTVAKT_POLICIES") {
		t.Errorf("policy check with POSTVAKT_POLICIE set: exit %d, stderr %q; want a warning naming it and POSTVAKT_POLICIES\n%s", code, errOut, out)
	}
}
