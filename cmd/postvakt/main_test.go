package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"postvakt/internal/logtest"
	"postvakt/internal/pgtest"
	"postvakt/internal/store"
	"postvakt/migrations"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "postvakt-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "postvakt")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build postvakt: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs the binary with DATABASE_URL=db and the shipped policies, and
// returns stdout, stderr and the exit code.
func run(t *testing.T, db string, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies"}, args...)
}

// migrated is a new database that `postvakt migrate` brought up to date.
func migrated(t *testing.T) string {
	t.Helper()
	db := pgtest.New(t)
	if _, stderr, code := run(t, db, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	return db
}

// newToken is `postvakt token create --name name --role role` on db: the
// token it prints, failing the test when it exits other than 0.
func newToken(t *testing.T, db, name, role string) string {
	t.Helper()
	out, stderr, code := run(t, db, "token", "create", "--name", name, "--role", role)
	if code != 0 {
		t.Fatalf("token create: %d %s", code, stderr)
	}
	return strings.TrimSpace(out)
}

// runEnv runs the binary with env added to the environment and returns
// stdout, stderr and the exit code.
func runEnv(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

const header = "channel,channel_id,sender_org,sender_unit,recipient_kind,recipient_id,title,confidential,class,sent_at\n"

// importCSV writes text to a file and runs command (such as "import" or
// "contacts", "import") on it; an exit other than 0 fails the test.
func importCSV(t *testing.T, db, text string, command ...string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "import.csv")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(command, f)
	if out, stderr, code := run(t, db, args...); code != 0 {
		t.Fatalf("%v: %d\n%s\n%s", args, code, out, stderr)
	}
}

// importLetter imports one letter line (after header) into db.
func importLetter(t *testing.T, db, line string) {
	t.Helper()
	importCSV(t, db, header+line+"\n", "import")
}

// escalateOnce runs `escalate --once` at 2026-11-30 10:00 Oslo time (not
// ahead of the clock: a run that acts refuses that) with the shipped
// policies, e-mail only (no channel, no print provider) to a mail server
// that cannot be reached, and returns stdout, stderr and the exit code.
func escalateOnce(t *testing.T, db string) (string, string, int) {
	t.Helper()
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_SMTP_ADDR=127.0.0.1:1", "POSTVAKT_SMTP_TLS=none"}
	return runEnv(t, env, "escalate", "--once", "--now", "2026-11-30T10:00:00+01:00")
}

// openDB opens db for the test's own queries, closed when the test ends.
func openDB(t *testing.T, db string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func countShipments(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(context.Background(), db, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM shipments`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportCommand(t *testing.T) {
	db := pgtest.New(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(header+
		"svarut,a-1,964338531,Byggesak,org,974760673,Brev,true,taushetsbelagt,2026-11-20T10:00:00Z\n"+
		"svarut,a-2,964338531,Byggesak,org,123456789,Brev,true,taushetsbelagt,2026-11-20T10:00:00Z\n"), 0o644)
	_, stderr, code := run(t, db, "import", bad)
	if code != 1 || !strings.Contains(stderr, "line 3, column recipient_id:") {
		t.Fatalf("bad import: exit %d, stderr:\n%s", code, stderr)
	}
	if n := countShipments(t, db); n != 0 {
		t.Fatalf("%d shipments stored from a bad file", n)
	}
	stdout, stderr, code := run(t, db, "import", "../../testdata/demo/shipments.csv")
	if code != 0 || !strings.Contains(stdout, "imported 40 rows") {
		t.Fatalf("demo import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, _, code := run(t, db, "import"); code != 2 {
		t.Fatalf("import without a file: exit %d, want 2", code)
	}
	if _, _, code := run(t, db, "import", filepath.Join(dir, "missing.csv")); code != 1 {
		t.Fatalf("import of a missing file: exit %d, want 1", code)
	}
}

func TestPolicyCheckCommand(t *testing.T) {
	out, _, code := run(t, "", "policy", "check", "../../policies")
	if code != 0 || !strings.Contains(out, "all valid") {
		t.Fatalf("shipped policies: exit %d %s", code, out)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "default.yaml"), []byte("name: default\ncalendar: SE\nreminders: {max: 0}\nprint: {enabled: false}\n"), 0o644)
	_, stderr, code := run(t, "", "policy", "check", dir)
	if code != 1 || !strings.Contains(stderr, "default.yaml:2: ") {
		t.Fatalf("bad policy: exit %d, stderr:\n%s", code, stderr)
	}
	// Without senders.yaml the summary says there is none (it named the
	// missing file as holding the contacts of 0 organisations).
	good := t.TempDir()
	os.WriteFile(filepath.Join(good, "default.yaml"), []byte("name: default\ncalendar: NO\nreminders: {max: 0}\nprint: {enabled: false}\n"), 0o644)
	if out, _, code := run(t, "", "policy", "check", good); code != 0 || !strings.Contains(out, "senders.yaml: none, reminders name no contact") {
		t.Fatalf("no senders.yaml: exit %d, out:\n%s", code, out)
	}
	// The summary counts the contacts and the organisations the subject
	// does not name (name_in_subject: false, which needs no contact).
	os.WriteFile(filepath.Join(good, "senders.yaml"), []byte("senders:\n  964338531:\n    email: postmottak@bergen.kommune.no\n"+
		"  974760673:\n    name_in_subject: false\n"), 0o644)
	if out, _, code := run(t, "", "policy", "check", good); code != 0 ||
		!strings.Contains(out, "contacts of 1 sending organisation(s), named in their reminders; 1 not named in the reminders' subject") {
		t.Fatalf("senders.yaml with name_in_subject: exit %d, out:\n%s", code, out)
	}
	// A sending organisation's contact that is not one is found by the
	// check too, at its line.
	os.WriteFile(filepath.Join(good, "senders.yaml"), []byte("senders:\n  964338531:\n    phone: \"ring oss\"\n"), 0o644)
	if _, stderr, code := run(t, "", "policy", "check", good); code != 1 || !strings.Contains(stderr, "senders.yaml:3: senders.964338531.phone") {
		t.Fatalf("bad sender contact: exit %d, stderr:\n%s", code, stderr)
	}
	// serve refuses to start on it.
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+pgtest.AdminURL(t), "POSTVAKT_POLICIES="+dir, "POSTVAKT_ADDR=127.0.0.1:0")
	out2, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out2), "default.yaml:2: ") {
		t.Fatalf("serve with a bad policy: %v\n%s", err, out2)
	}
}

func TestServeAndToken(t *testing.T) {
	db := pgtest.New(t)
	token, stderr, code := run(t, db, "token", "create", "--name", "t", "--role", "compliance")
	token = strings.TrimSpace(token)
	if code != 0 || !strings.HasPrefix(token, "pvt_") {
		t.Fatalf("token create: %d %q %s", code, token, stderr)
	}
	// An unknown role is a wrong invocation, as an unknown channel or
	// state is: exit 2.
	if _, _, code := run(t, db, "token", "create", "--name", "t", "--role", "king"); code != 2 {
		t.Fatalf("unknown role: exit %d, want 2", code)
	}
	// So is a national id for a name: names are written to the logs as
	// they are.
	for _, what := range []string{"user add", "token create"} {
		args := append(strings.Fields(what), "--name", "01017012343", "--role", "compliance")
		if _, stderr, code := run(t, db, args...); code != 2 || !strings.Contains(stderr, "--name: a national id is no") || strings.Contains(stderr, "01017012343") {
			t.Errorf("%s with a national id for its name: exit %d, want 2 without the id\n%s", what, code, stderr)
		}
	}
	addr, cmd, logs := startServe(t, db)
	defer cmd.Process.Kill()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/shipments", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("list with token: %v %v", resp, err)
	}
	resp.Body.Close()
	// The liveness check sees serve's scheduler running: 200.
	resp, err = http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz of a running serve: %v %v", resp, err)
	}
	resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly on SIGTERM: %v\n%s", err, logs.String())
	}
	// The log says what an operator reads at start (the address, the
	// database's schema, how many policies) and ends saying the stop is
	// complete, so a clean stop reads apart from a kill during it.
	known, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if !strings.Contains(logs.String(), fmt.Sprintf(`msg="postvakt serving" addr=http://%s schema=%d policies=`, addr, known)) {
		t.Errorf("no start line with the address and schema %d:\n%s", known, logs.String())
	}
	// ... and which build runs, as `postvakt version` says it.
	version, _, _ := runEnv(t, nil, "version")
	first, _, _ := strings.Cut(version, "\n")
	if want := " version=" + strings.TrimPrefix(first, "postvakt "); !strings.Contains(logs.String(), want) {
		t.Errorf("the start line lacks %q:\n%s", want, logs.String())
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, `msg="postvakt stopped" took=`) {
		t.Errorf("the log of a clean stop ends with %q; want \"postvakt stopped\"", last)
	}
}

// startServe starts `postvakt serve` on a free loopback port against db,
// with env added to the environment (env wins over the defaults, the
// shipped policies), and waits until /readyz answers 200 (the database
// answers, takes writes, is migrated). The caller stops it.
func startServe(t *testing.T, db string, env ...string) (string, *exec.Cmd, *logtest.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	// No load balancer waits to see /readyz say stopping: a test's stop
	// does not keep the listener open (one that tests it sets its own).
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+db, "POSTVAKT_POLICIES=../../policies", "POSTVAKT_STOP_DRAIN=0s"), env...)
	logs := &logtest.Buffer{} // read while serve writes
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr, cmd, logs
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("serve did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A bad value in any variable — postvakt's own or a channel's — stops the
// start with the variable's name, instead of becoming a default.
func TestBadConfigurationStopsStart(t *testing.T) {
	const dp = "POSTVAKT_SVARUT_URL= POSTVAKT_DIGITALPOST_URL=https://127.0.0.1:1/apis/v1 " +
		"POSTVAKT_DIGITALPOST_SYSTEM_ID=0d1c3f44-7a55-4e0b-9d8c-3f8e2f5b6a71 POSTVAKT_DIGITALPOST_API_TOKEN=t "
	for _, tc := range []struct{ env, want string }{
		{"POSTVAKT_RETENTION_YEARS=five", `POSTVAKT_RETENTION_YEARS: "five" is not a whole number`},
		{"POSTVAKT_SVARUT_API=v9", `POSTVAKT_SVARUT_API: "v9" is not one of v2, v3, v1`},
		{"POSTVAKT_ESCALATE_SCHEDULE=sometimes", `POSTVAKT_ESCALATE_SCHEDULE: "sometimes" is not a cron schedule`},
		// SvarUt v1 under v2's root would take every letter for unknown.
		{"POSTVAKT_SVARUT_API=v1 POSTVAKT_SVARUT_URL=https://svarut.ks.no/api", `POSTVAKT_SVARUT_URL: "https://svarut.ks.no/api": v1 takes SvarUt's service root`},
		{"POSTVAKT_SVARUT_URL=https://svarut.ks.no/api/v2", `POSTVAKT_SVARUT_URL: "https://svarut.ks.no/api/v2": v2 takes SvarUt's API root`},
		{"POSTVAKT_SVARUT_API=v3 POSTVAKT_SVARUT_URL=https://svarut.ks.no/api/v3", `POSTVAKT_SVARUT_URL: "https://svarut.ks.no/api/v3": v3 takes SvarUt's API root`},
		// A listen address without a port fails before the database is
		// opened, naming the variable.
		{"POSTVAKT_ADDR=localhost", `POSTVAKT_ADDR: "localhost" is not host:port`},
		// A Maskinporten key that is not there, or not a key, is named by
		// its variable at start, not by the first channel asking for a token.
		{"POSTVAKT_SVARUT_URL= POSTVAKT_ALTINN_URL=http://127.0.0.1:1 POSTVAKT_MASKINPORTEN_URL=http://127.0.0.1:1/token " +
			"POSTVAKT_MASKINPORTEN_CLIENT_ID=c POSTVAKT_MASKINPORTEN_KEY_ID=k POSTVAKT_MASKINPORTEN_KEY_FILE=/nonexistent/key.pem",
			"POSTVAKT_MASKINPORTEN_KEY_FILE: maskinporten: reading key file"},
		{"POSTVAKT_SVARUT_URL= POSTVAKT_ALTINN_URL=http://127.0.0.1:1 POSTVAKT_MASKINPORTEN_URL=http://127.0.0.1:1/token " +
			"POSTVAKT_MASKINPORTEN_CLIENT_ID=c POSTVAKT_MASKINPORTEN_KEY_ID=k POSTVAKT_MASKINPORTEN_KEY_FILE=main_test.go",
			"POSTVAKT_MASKINPORTEN_KEY_FILE: maskinporten: parsing key file main_test.go"},
		// Digital Post's OCES3 certificate or key missing, or not a
		// certificate: named by its variable at start, not by the first poll.
		{dp + "POSTVAKT_DIGITALPOST_CERT_FILE=/nonexistent/cert.pem POSTVAKT_DIGITALPOST_KEY_FILE=main_test.go",
			"POSTVAKT_DIGITALPOST_CERT_FILE: read the OCES3 certificate: open /nonexistent/cert.pem"},
		{dp + "POSTVAKT_DIGITALPOST_CERT_FILE=main_test.go POSTVAKT_DIGITALPOST_KEY_FILE=/nonexistent/key.pem",
			"POSTVAKT_DIGITALPOST_KEY_FILE: read the OCES3 certificate's key: open /nonexistent/key.pem"},
		{dp + "POSTVAKT_DIGITALPOST_CERT_FILE=main_test.go POSTVAKT_DIGITALPOST_KEY_FILE=main_test.go",
			"POSTVAKT_DIGITALPOST_CERT_FILE: the OCES3 certificate main_test.go with key main_test.go: it is not PEM"},
		// A policy folder that is not there (the relative default read
		// from a service manager's working directory): the error names
		// the variable and where a relative path was read from.
		{"POSTVAKT_SVARUT_URL= POSTVAKT_POLICIES=no-such-policies", "no-such-policies (POSTVAKT_POLICIES, read from the working directory /"},
	} {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(append(os.Environ(), "DATABASE_URL="+pgtest.AdminURL(t), "POSTVAKT_POLICIES=../../policies",
			"POSTVAKT_ADDR=127.0.0.1:0", "POSTVAKT_SVARUT_URL=http://127.0.0.1:1"), strings.Fields(tc.env)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %v\n%s", tc.env, err, out)
		}
	}
	// help still works, and lists every channel's variables.
	out, _, code := run(t, "", "help")
	for _, want := range []string{"POSTVAKT_SVARUT_URL", "POSTVAKT_ALTINN_URL", "POSTVAKT_SVARUT_RATE", "POSTVAKT_DIGITALPOST_URL", "--channel altinn|digitalpost|svarut"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("help (exit %d) lacks %q", code, want)
		}
	}
	// No command's line is padded to the longest one's arguments.
	commandsPart, _, _ := strings.Cut(out, "Environment:")
	for _, line := range strings.Split(commandsPart, "\n") {
		if strings.Contains(strings.TrimSpace(line), "    ") {
			t.Errorf("help pads a command line: %q", line)
		}
	}
}
