package main_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/httpfake"
	"postvakt/internal/pgtest"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
)

// The demo's clock as scripts/run.sh starts it (--behind, --speed): eight
// days behind the real time, caught up at 2304× in five minutes.
const (
	demoBehind = 8 * 24 * time.Hour
	demoSpeed  = 2304
)

// demoWorld is the demo simulator as make run starts it: its letters sent
// over the ten days up to the real now, its clock demoBehind behind (a
// manual clock the test moves), and the environment pointing postvakt at
// it with the demo policies and db.
func demoWorld(t *testing.T, now time.Time, extra ...string) (*sim.Sim, *sim.ManualClock, []string) {
	t.Helper()
	srv, env := serveScenario(t, simtest.Load(t, "demo"), 1, now.Add(-demoBehind), sim.Options{NoFaults: true, Start: now})
	env = append(env, "DATABASE_URL="+pgtest.New(t), "POSTVAKT_POLICIES=../../testdata/demo/policies", "POSTVAKT_POLL_MAX_WAIT=5s")
	env = append(env, extra...)
	// As run.sh: the compliance officer, the units' addresses.
	if out, stderr, code := runEnv(t, env, "user", "add", "--name", "compliance", "--role", "compliance", "--email", "compliance@demo.invalid"); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, stderr)
	}
	units, _ := simFile(t, env, "/units.csv")
	if out, stderr, code := runEnv(t, env, "units", "import", units); code != 0 {
		t.Fatalf("units import: %d %s %s", code, out, stderr)
	}
	if out, stderr, code := runEnv(t, env, "contacts", "import", demoContacts(t, env)); code != 0 {
		t.Fatalf("contacts import: %d %s %s", code, out, stderr)
	}
	return srv.Sim, srv.Clock, env
}

// demoContacts writes the reminder addresses run.sh imports: every Danish
// receiving business's, and the Norwegian organisations' whose number ends
// in an even digit (the others are Altinn Profile's alone).
func demoContacts(t *testing.T, env []string) string {
	t.Helper()
	all, _ := simFile(t, env, "/shipments.csv")
	b, err := os.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{"orgnr,email"}
	seen := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Split(l, ",")
		if len(f) < 6 || f[4] != "org" || seen[f[5]] {
			continue
		}
		switch org := f[5]; {
		case f[0] == "digitalpost" && len(org) == 8:
			lines = append(lines, org+",post@cvr"+org+".demo.invalid")
		case (f[0] == "svarut" || f[0] == "altinn") && len(org) == 9 && strings.ContainsAny(org[8:], "02468"):
			lines = append(lines, org+",postmottak@org"+org+".demo.invalid")
		default:
			continue
		}
		seen[f[5]] = true
	}
	path := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// simFile saves what the simulator env points at serves at path (under
// /sim) to a file and returns the file's path and its number of lines.
func simFile(t *testing.T, env []string, path string) (string, int) {
	t.Helper()
	var simURL string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "POSTVAKT_SIM_URL="); ok {
			simURL = v
		}
	}
	b := httpfake.Get(t, simURL+path)
	f := filepath.Join(t.TempDir(), "sim.csv")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f, strings.Count(string(b), "\n")
}

// importSent registers the letters the simulator has sent by its now, as
// run.sh does every ten seconds (shipments.csv?sent_by=now), and returns
// how many there are.
func importSent(t *testing.T, env []string, at time.Time) int {
	t.Helper()
	f, lines := simFile(t, env, "/shipments.csv?sent_by=now")
	if out, stderr, code := runEnv(t, env, "import", f); code != 0 {
		t.Fatalf("import at %s: %d %s %s", at.Format(time.RFC3339), code, out, stderr)
	}
	return lines - 1
}

// onlyNoAddress reports whether an escalation's failure (its last line:
// "not sent this run (see the log): a, b") is only about organisations
// without an address, which the demo has on purpose (the compliance
// officer's list), or Notifications orders refused for them beside an
// e-mail to their imported address.
func onlyNoAddress(stderr string) bool {
	_, list, ok := strings.Cut(stderr, "not sent this run (see the log): ")
	if !ok {
		return false
	}
	for _, item := range strings.Split(strings.TrimSpace(list), ", ") {
		// An organisation the simulator's Altinn knows no contact of:
		// no address at all, or (its address imported, the e-mail sent)
		// the order beside the e-mail refused.
		if !strings.HasSuffix(item, "(no e-mail address)") && !strings.HasSuffix(item, "(no contact information in Altinn either)") &&
			!strings.HasPrefix(item, "notification order of reminder ") {
			return false
		}
	}
	return true
}

// TestDemoKeepsMoving: make run shows the whole flow over its first five
// minutes, not all of it at the first poll. The test walks run.sh's
// schedule on its clocks: every ten seconds the simulator's clock moves
// 2304 times as far (eight days in five minutes) and postvakt registers
// the letters sent by then and polls; every minute it escalates and
// evaluates the health rules, on the real clock of that moment. Expected,
// in the minutes after the first poll: letters opened in every minute of
// the catch-up (one after another, not all at the first poll), new letters
// registered in several, reminders reaching the SMTP server (mailpit) in at
// least two of the minutes, print orders placed, the lost letters' alert
// (unit_delivery_drop) firing within two minutes, and letters delivered
// through each channel: SvarUt, Altinn and Digital Post. (Which minutes
// have reminders and prints depends on the day: the policies count
// business days on the real clock. Reminders come in two minutes or more
// after any weekend or holiday; after Easter the prints may all come in
// the first escalation.)
func TestDemoKeepsMoving(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	mp := mailpittest.Start(t)
	s, clock, env := demoWorld(t, now, "POSTVAKT_SMTP_ADDR="+mp.SMTPAddr, "POSTVAKT_SMTP_FROM=postvakt@demo.invalid", "POSTVAKT_SMTP_TLS=none")
	db := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "DATABASE_URL="); ok {
			db = v
		}
	}
	sqlDB := openDB(t, db)
	count := func(q string) int {
		t.Helper()
		var n int
		if err := sqlDB.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	type minute struct{ letters, opened, mails, prints int }
	var mins []minute
	alertAt := -1
	var health, healthErr string // the last evaluation's
	delivered := map[string]bool{}
	const cycles = 30 // five minutes of ten-second polls
	// serve's first poll: after the setup (the letters registered then are
	// due at once).
	base := time.Now().Add(time.Second)
	for i := 0; i <= cycles; i++ {
		real := base.Add(time.Duration(i) * 10 * time.Second)
		simNow := now.Add(-demoBehind + time.Duration(i)*10*time.Second*demoSpeed)
		if simNow.After(real) {
			simNow = real
		}
		clock.Set(simNow)
		at := real.Format(time.RFC3339)
		letters := importSent(t, env, real)
		if out, stderr, code := runEnv(t, env, "poll", "--once", "--now", at); code != 0 {
			t.Fatalf("poll at %s: %d\n%s\n%s", at, code, out, stderr)
		}
		if i%6 != 0 {
			continue
		}
		// serve escalates a minute after its start, and every minute.
		if i > 0 {
			if out, stderr, code := runEnv(t, env, "escalate", "--once", "--now", at); code != 0 && !onlyNoAddress(stderr) {
				t.Fatalf("escalate at %s: %d\n%s\n%s", at, code, out, stderr)
			}
		}
		out, stderr, code := runEnv(t, env, "health", "--once", "--dry-run", "--now", at)
		if code != 0 {
			t.Fatalf("health at %s: %d\n%s\n%s", at, code, out, stderr)
		}
		if alertAt < 0 && strings.Contains(out, "FIRING rule=unit_delivery_drop") {
			alertAt = i / 6
		}
		health, healthErr = out, stderr
		for _, ch := range []string{"svarut", "altinn", "digitalpost"} {
			if count(fmt.Sprintf(`SELECT count(*) FROM shipments WHERE channel = '%s' AND state IN ('available', 'opened')`, ch)) > 0 {
				delivered[ch] = true
			}
		}
		mins = append(mins, minute{letters, count(`SELECT count(*) FROM shipments WHERE state = 'opened'`), mailCount(t, mp),
			count(`SELECT count(*) FROM print_orders`)})
		t.Logf("minute %d (simulated %s): %+v", i/6, simNow.Format(time.RFC3339), mins[len(mins)-1])
	}
	moved := func(f func(minute) int) (n int) {
		for m := 1; m < len(mins); m++ {
			if f(mins[m]) > f(mins[m-1]) {
				n++
			}
		}
		return n
	}
	if n := moved(func(m minute) int { return m.opened }); n < len(mins)-1 {
		t.Errorf("letters opened in %d of the %d minutes after the first poll, want every one: %+v", n, len(mins)-1, mins)
	}
	if n := moved(func(m minute) int { return m.letters }); n < 3 {
		t.Errorf("letters registered in %d of the minutes after the first poll, want at least 3: %+v", n, mins)
	}
	if n := moved(func(m minute) int { return m.mails }); n < 2 {
		t.Errorf("reminders reached mailpit in %d of the minutes after the first poll, want at least 2: %+v", n, mins)
	}
	// As the README says: reminders to the Norwegian organisations by
	// e-mail (those with an imported address), in Norwegian, and to the
	// Danish businesses, in Danish.
	subjects := mailSubjects(t, mp)
	for _, want := range []string{"til org.nr.", "til CVR-nr."} {
		if !slices.ContainsFunc(subjects, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("no reminder %q in mailpit: %q", want, subjects)
		}
	}
	if n := moved(func(m minute) int { return m.prints }); n < 2 {
		t.Errorf("print orders placed in %d of the minutes after the first poll, want at least 2: %+v", n, mins)
	}
	if alertAt < 0 || alertAt > 2 {
		t.Errorf("unit_delivery_drop first fired at minute %d, want within the first two (-1: never)", alertAt)
	}
	if len(delivered) != 3 {
		t.Errorf("letters delivered through %v, want SvarUt, Altinn and Digital Post", delivered)
	}
	// postvakt's own scopes pass every Altinn API's policy (the simulator
	// checks each as the service does): no Altinn request refused 401/403,
	// and Correspondence, Profile and Notifications each asked.
	asked := map[string]int{}
	for _, r := range s.Requests() {
		switch r.Group {
		case "altinn", "profile", "notifications":
			asked[r.Group]++
			if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
				t.Errorf("%s %s answered %d: postvakt's token for it lacks the scopes the API wants", r.Method, r.Path, r.Status)
			}
		}
	}
	if asked["altinn"] == 0 || asked["profile"] == 0 || asked["notifications"] == 0 {
		t.Errorf("Altinn requests %v, want Correspondence, Profile and Notifications asked", asked)
	}

	// Caught up, the alerts are the scenario's: unit_delivery_drop for the
	// unit whose SvarUt letters never reached the channel, naming exactly
	// those letters, and never_opening_org for each organisation that never
	// opens; nothing else fires. health.yaml mails them to the compliance
	// officer.
	lost, unit := 0, ""
	var never []string
	for _, r := range s.Shipments() {
		switch r.Incident {
		case sim.IncidentUnitLost:
			lost++
			unit = r.SenderUnit
		case sim.IncidentNeverOpened:
			if !slices.Contains(never, r.Recipient.ID) {
				never = append(never, r.Recipient.ID)
			}
		}
	}
	if lost < 3 || len(never) != 3 {
		t.Fatalf("the demo scenario: %d letters never reached the channel, %d organisations never open; want at least 3 and 3", lost, len(never))
	}
	// The unit by its id (unit_id=), never by its name.
	want := []string{"FIRING rule=unit_delivery_drop severity=critical channel=svarut sender=964338531 unit_id="}
	slices.Sort(never)
	for _, org := range never {
		want = append(want, fmt.Sprintf("FIRING rule=never_opening_org severity=info org=%s affected=", org))
	}
	lines := strings.Split(strings.TrimSpace(health), "\n")
	ok := len(lines) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasPrefix(lines[i], want[i])
	}
	ok = ok && strings.HasSuffix(lines[0], fmt.Sprintf(" affected=%d", lost)) && !strings.Contains(health, unit)
	if !ok {
		t.Errorf("health --once --dry-run after five minutes:\n%s\nwant lines starting\n%s", health, strings.Join(want, "\n"))
	}
	if !strings.Contains(healthErr, "compliance@demo.invalid") {
		t.Errorf("the alerts are not mailed to the compliance officer:\n%s", healthErr)
	}
}
