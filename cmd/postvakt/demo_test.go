package main_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/pgtest"
	"postvakt/internal/sim"
)

// TestDemoRaisesItsAlerts: what make run (scripts/run.sh) starts shows the
// health rules at work at their first evaluation after the first poll: the
// demo scenario's unit whose SvarUt letters never reached the channel
// (unit_lost) is found unknown to the channel and raises
// unit_delivery_drop, naming exactly those letters, and each of its
// organisations that never open raises never_opening_org, under the demo
// policies (testdata/demo/policies, whose health.yaml also mails them to
// the compliance officer run.sh creates). Nothing else fires. The simulator
// starts two days behind, as run.sh's --behind 48h.
func TestDemoRaisesItsAlerts(t *testing.T) {
	sc, err := sim.Load("demo")
	if err != nil {
		t.Fatal(err)
	}
	s, env := serveScenario(t, sc, 1, sim.NewManualClock(time.Now().UTC().Add(-48*time.Hour).Truncate(time.Second)),
		sim.Options{NoFaults: true})
	env = append(env, "DATABASE_URL="+pgtest.New(t),
		"POSTVAKT_POLICIES=../../testdata/demo/policies", "POSTVAKT_SMTP_ADDR=127.0.0.1:1")
	if out, stderr, code := runEnv(t, env, "import", simShipments(t, env)); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	if out, stderr, code := runEnv(t, env, "user", "add", "--name", "compliance", "--role", "compliance", "--email", "compliance@demo.invalid"); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, stderr)
	}

	// The simulator's truth.
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

	out, stderr, code := runEnv(t, env, "poll", "--once")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("svarut: polled=142 changed=%d errors=0 unknown=%d", 142-lost, lost)) {
		t.Fatalf("poll --once: exit %d, want svarut's %d lost letters unknown to the channel, no errors:\n%s\n%s", code, lost, out, stderr)
	}
	out, stderr, code = runEnv(t, env, "health", "--once", "--dry-run")
	want := []string{fmt.Sprintf("FIRING rule=unit_delivery_drop severity=critical channel=svarut sender=964338531 unit=%s affected=%d", unit, lost)}
	slices.Sort(never)
	for _, org := range never {
		want = append(want, fmt.Sprintf("FIRING rule=never_opening_org severity=info org=%s affected=", org))
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	ok := code == 0 && len(lines) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasPrefix(lines[i], want[i])
	}
	if !ok {
		t.Fatalf("health --once --dry-run: exit %d\n%s\nwant lines starting\n%s\n%s", code, out, strings.Join(want, "\n"), stderr)
	}
	if !strings.Contains(stderr, "compliance@demo.invalid") {
		t.Errorf("the alerts are not mailed to the compliance officer:\n%s", stderr)
	}
}
