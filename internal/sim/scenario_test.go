package sim

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestShippedScenariosLoad(t *testing.T) {
	names := ShippedScenarios()
	for _, want := range []string{"bergen", "demo", "faults"} {
		if !contains(names, want) {
			t.Errorf("shipped scenarios %v lack %s", names, want)
		}
	}
	for _, n := range names {
		sc, err := Load(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if sc.Name != n {
			t.Errorf("scenario %s calls itself %q", n, sc.Name)
		}
		if _, err := New(sc, 1, NewManualClock(testStart), Options{Logger: quietLogger}); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "organisations: {count: 3}\nshipments: {count: 10}\n"
	dp := "digitalpost:\n  companies: 2\n  letters: 5\n  sender:\n    units: [A, B]\n"
	cases := []struct {
		name, file, body string
		want             string // "" = loads
	}{
		{"minimal file", "mini.yaml", good, ""},
		{"unknown field with line", "typo.yaml", "organisations: {count: 3}\nshipments:\n  count: 10\n  chanels: {svarut: 1}\n", "line 4: field chanels not found"},
		{"unknown field in a distribution", "dist.yaml", good + "delivery:\n  accept_delay: {min: 1m, maxx: 2m}\n", "line 4: field maxx not found"},
		{"bad duration", "dur.yaml", good + "delivery:\n  accept_delay: 3 parsecs\n", "line 4"},
		{"chance above one", "chance.yaml", good + "delivery: {reject_chance: 1.5}\n", "delivery.reject_chance must be between 0 and 1"},
		{"unknown channel", "chan.yaml", "organisations: {count: 3}\nshipments: {count: 10, channels: {eboks: 1}}\n", `unknown channel "eboks"`},
		{"invalid sender orgnr", "org.yaml", good + "sender: {org: \"964338532\"}\n", "not a valid Norwegian organisation number"},
		{"exact shipments without orgs", "exact.yaml", "organisations: {count: 3, never_open: {shipments: 4}}\nshipments: {count: 10}\n", "needs organisations.never_open.orgs"},
		{"unknown fault group", "fault.yaml", good + "faults: {smtp: {server_error: 0.1}}\n", `unknown endpoint group "smtp"`},
		{"cvr fault group", "cvrfault.yaml", good + "faults: {cvr: {server_error: 0.1}}\n", ""},
		{"invalid CVR number", "cvr.yaml", good + "cvr: {companies: [{cvr: \"64942213\", name: X}]}\n", `cvr.companies[0].cvr "64942213" is not a valid CVR number`},
		{"CVR company without a name", "cvrname.yaml", good + "cvr: {companies: [{cvr: \"64942212\"}]}\n", ""},
		{"failing person id", "failing.yaml", good + "register: {failing: [{number: \"01017012343\"}]}\n", "neither a Norwegian organisation number nor a CVR number"},
		{"sub-unit chance above one", "sub.yaml", good + "register: {sub_unit_chance: 2}\n", "register.sub_unit_chance must be between 0 and 1"},
		{"sender systems", "systems.yaml", good + dp + "    systems: [{name: Sag, units: [A]}, {name: SEPO}]\n  lost_systems: [{system: SEPO, from: -1d, to: 1h}]\n", ""},
		{"a lost system that is not one", "lostsys.yaml", good + dp + "  lost_systems: [{system: SEPO}]\n", `lost_systems[0]: "SEPO" is not one of digitalpost.sender.systems`},
		{"a unit no system sends for", "unserved.yaml", good + dp + "    systems: [{name: Sag, units: [A]}]\n", `no system sends the letters of "B"`},
		{"a system of an unknown unit", "sysunit.yaml", good + dp + "    systems: [{name: Sag, units: [A, B, C]}]\n", `systems[0].units: "C" is not one of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := Load(write(c.file, c.body))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want == "":
				if sc.Name != strings.TrimSuffix(c.file, ".yaml") {
					t.Errorf("name %q", sc.Name)
				}
			case err == nil:
				t.Fatalf("loaded; want error %q", c.want)
			case !strings.Contains(err.Error(), c.want):
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
	if _, err := Load("atlantis"); err == nil || !strings.Contains(err.Error(), "no such shipped scenario") {
		t.Errorf("unknown name: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"90m", 90 * time.Minute, false},
		{"36h", 36 * time.Hour, false},
		{"2d", 48 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"1w", 7 * 24 * time.Hour, false},
		{"-30d", -30 * 24 * time.Hour, false},
		{"1500ms", 1500 * time.Millisecond, false},
		{"0", 0, false},
		{"", 0, true},
		{"3 parsecs", 0, true},
		{"d", 0, true},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestOrgNumbers(t *testing.T) {
	for _, c := range []struct {
		nr string
		ok bool
	}{{"964338531", true}, {"974760673", true}, {"964338532", false}, {"12345678", false}, {"96433853x", false}} {
		if validOrgNr(c.nr) != c.ok {
			t.Errorf("validOrgNr(%s) = %v", c.nr, !c.ok)
		}
	}
	s := newEnv(t, loadScenario(t, "bergen"), 3, Options{}).sim
	for _, o := range s.w.orgs {
		if !validOrgNr(o.nr) || o.nr == s.w.sender.nr {
			t.Fatalf("bad organisation number %s", o.nr)
		}
	}
	for _, id := range genPersons(&Scenario{Persons: Persons{Count: 200}}, derivedRand(1, "p")) {
		if len(id) != 11 || !allDigits(id) {
			t.Fatalf("bad person id %s", id)
		}
	}
}

func csvOf(t *testing.T, e *env) string {
	t.Helper()
	resp, body := e.do(e.request(http.MethodGet, "/sim/shipments.csv", nil, nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("csv: %d", resp.StatusCode)
	}
	return string(body)
}

func TestDeterminism(t *testing.T) {
	for _, name := range []string{"demo", "bergen"} {
		t.Run(name, func(t *testing.T) {
			a := newEnv(t, loadScenario(t, name), 42, Options{})
			b := newEnv(t, loadScenario(t, name), 42, Options{})
			c := newEnv(t, loadScenario(t, name), 43, Options{})
			if !reflect.DeepEqual(a.sim.ShipmentsWithStatus(), b.sim.ShipmentsWithStatus()) {
				t.Error("same seed, different shipments")
			}
			if csvOf(t, a) != csvOf(t, b) {
				t.Error("same seed, different CSV")
			}
			if !reflect.DeepEqual(a.sim.Organisations(), b.sim.Organisations()) {
				t.Error("same seed, different organisations")
			}
			if a.sim.opts.KontoID != b.sim.opts.KontoID || a.sim.opts.ClientID != b.sim.opts.ClientID {
				t.Error("same seed, different credentials")
			}
			for i, sh := range a.sim.w.shipments {
				if !reflect.DeepEqual(sh.events, b.sim.w.shipments[i].events) {
					t.Fatalf("same seed, different timeline for %s", sh.id)
				}
			}
			if csvOf(t, a) == csvOf(t, c) {
				t.Error("different seeds, same CSV")
			}
			if a.sim.w.shipments[0].id == c.sim.w.shipments[0].id {
				t.Error("different seeds, same first id")
			}
		})
	}
}

func TestShipmentsCSVAndJSON(t *testing.T) {
	e := newEnv(t, loadScenario(t, "demo"), 5, Options{})
	lines := strings.Split(strings.TrimSpace(csvOf(t, e)), "\n")
	if lines[0] != CSVHeader {
		t.Fatalf("header %q", lines[0])
	}
	if len(lines)-1 != 200+e.sim.danishLetters() || e.sim.danishLetters() == 0 {
		t.Errorf("%d rows, want 200 and the %d Danish letters", len(lines)-1, e.sim.danishLetters())
	}
	resp, body := e.do(e.request(http.MethodGet, "/sim/shipments", nil, nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	got := decode[[]ShipmentRecord](t, body)
	if !reflect.DeepEqual(got, e.sim.Shipments()) {
		t.Error("/sim/shipments differs from Shipments()")
	}
	kinds, channels, classes := map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range got {
		if r.Channel == "digitalpost" {
			continue // TestDemoHasDanishLetters
		}
		kinds[r.Recipient.Kind]++
		channels[r.Channel]++
		classes[r.Class]++
		if r.SentAt.After(e.sim.Now()) {
			t.Errorf("%s sent in the future", r.ChannelID)
		}
		if r.SenderOrg != "964338531" || r.Title == "" || r.SenderUnit == "" || !isUUID(r.ChannelID) {
			t.Errorf("incomplete record %+v", r)
		}
		if (r.Class == "ordinaer") == r.Confidential {
			t.Errorf("class %s with confidential %v", r.Class, r.Confidential)
		}
	}
	if kinds["org"] == 0 || kinds["person"] == 0 || channels["svarut"] == 0 || channels["altinn"] == 0 || len(classes) < 3 {
		t.Errorf("mix too narrow: %v %v %v", kinds, channels, classes)
	}
}

// TestBergenCounts: ~3,800 confidential shipments; at the start exactly
// 1,307 are unopened (available, never read), at exactly 162 organisations,
// which are exactly the never-opening ones.
func TestBergenCounts(t *testing.T) {
	for _, seed := range []int64{1, 2, 99} {
		e := newEnv(t, loadScenario(t, "bergen"), seed, Options{})
		now := e.sim.Now()
		confidential, unopened, rejected := 0, 0, 0
		orgs := map[string]bool{}
		for _, sh := range e.sim.w.shipments {
			if sh.confidential && sh.kind == "org" {
				confidential++
			}
			st, _ := sh.statusAt(now)
			switch st.status {
			case svLest:
			case svAvvist:
				rejected++
			case svVarslet:
				unopened++
				orgs[sh.recipientID] = true
				if !sh.org.neverOpen {
					t.Fatalf("seed %d: %s unopened at an organisation that opens", seed, sh.id)
				}
			default:
				t.Fatalf("seed %d: unexpected status %s", seed, st.status)
			}
		}
		never := 0
		for _, o := range e.sim.Organisations() {
			if o.NeverOpens {
				never++
			}
		}
		if confidential != 3800 || unopened != 1307 || len(orgs) != 162 || never != 162 {
			t.Errorf("seed %d: %d confidential, %d unopened at %d organisations (%d never open); want 3800, 1307, 162", seed, confidential, unopened, len(orgs), never)
		}
		if rejected == 0 {
			t.Errorf("seed %d: no rejections at all", seed)
		}
	}
}

func TestScenarioStart(t *testing.T) {
	for _, c := range []struct {
		start string
		want  time.Time
	}{
		{"", testStart},
		{"2024-06-01T08:00:00+02:00", time.Date(2024, 6, 1, 6, 0, 0, 0, time.UTC)},
		{"-48h", testStart.Add(-48 * time.Hour)},
	} {
		sc, err := Parse([]byte("start: \"" + c.start + "\"\norganisations: {count: 2}\nshipments: {count: 5, sent_from: -1d, sent_to: -1h}\n"))
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, sc, 1, Options{})
		if !e.sim.Now().Equal(c.want) || !e.sim.Start().Equal(c.want) {
			t.Errorf("start %q: now %s, want %s", c.start, e.sim.Now(), c.want)
		}
		for _, r := range e.sim.Shipments() {
			if r.SentAt.Before(c.want.Add(-24*time.Hour)) || r.SentAt.After(c.want.Add(-time.Hour)) {
				t.Errorf("start %q: sent %s outside [-1d, -1h]", c.start, r.SentAt)
			}
		}
	}
}
