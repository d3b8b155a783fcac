package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The shipped health.yaml spells out the defaults: reading it must give
// exactly what no file gives.
func TestShippedHealthIsTheDefaults(t *testing.T) {
	h, problems := LoadHealth("../../policies")
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	if h == nil {
		t.Fatal("no configuration")
	}
	want := DefaultHealth()
	for _, name := range HealthRules {
		h.Common(name).Line = 0
	}
	h.File = ""
	if !reflect.DeepEqual(h, want) {
		t.Errorf("policies/health.yaml differs from the defaults:\n got %+v\nwant %+v", h, want)
	}
}

func TestHealthWithoutFile(t *testing.T) {
	h, problems := LoadHealth(t.TempDir())
	if len(problems) > 0 || h == nil || h.File != "" || !h.Stuck.Enabled {
		t.Fatalf("LoadHealth without a file: %v %v", h, problems)
	}
	// A folder that is not there is a problem, not the defaults: health
	// --once would evaluate them in silence with a mistyped folder.
	missing := filepath.Join(t.TempDir(), "nope")
	if h, problems := LoadHealth(missing); h != nil || len(problems) != 1 || problems[0].File != missing ||
		!strings.Contains(problems[0].Message, "cannot read policy directory") {
		t.Fatalf("LoadHealth of a missing folder: %v %v", h, problems)
	}
	// The policy folder without health.yaml is still a valid policy set,
	// and health.yaml is not read as a policy.
	if _, problems := LoadDir("../../policies"); len(problems) > 0 {
		t.Fatalf("policies with health.yaml: %v", problems)
	}
}

func TestHealthOverrides(t *testing.T) {
	h, problems := ParseHealth("h.yaml", []byte(`
repeat_interval: 2h
rules:
  stuck: {min_count: 5, count: 50, share: 0.5, to: [drift@example.no, unit_manager]}
  never_opening_org: {letters: 1, over: 10w, enabled: false}
  channel_silent: {repeat_interval: 30m, keep_firing_for: 0s}
  certificate_expiring: {within: 6w, severity: critical}
  unit_delivery_drop: {keep_firing_for: 1h}
  print_provider_silent: {after: 2h, severity: warning, unprinted_after: 3d}
inhibit: []
`))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if h.Stuck.MinCount != 5 || h.Stuck.Count != 50 || h.Stuck.Share != 0.5 || h.Stuck.Line != 4 ||
		!reflect.DeepEqual(h.Stuck.To, []string{"drift@example.no", ToUnitManager}) {
		t.Errorf("stuck: %+v", h.Stuck)
	}
	if h.Stuck.RepeatInterval != 2*time.Hour || h.NeverOpening.RepeatInterval != 2*time.Hour {
		t.Errorf("repeat intervals: %s %s", h.Stuck.RepeatInterval, h.NeverOpening.RepeatInterval)
	}
	if h.NeverOpening.Enabled || h.NeverOpening.Letters != 1 || h.NeverOpening.Over != 70*24*time.Hour {
		t.Errorf("never_opening_org: %+v", h.NeverOpening)
	}
	if h.ChannelSilent.RepeatInterval != 30*time.Minute || DefaultHealth().Stuck.RepeatInterval != 4*time.Hour {
		t.Errorf("a rule's own repeat interval: %s; the default: %s", h.ChannelSilent.RepeatInterval, DefaultHealth().Stuck.RepeatInterval)
	}
	if c := h.Certificate; c.Within != 42*24*time.Hour || c.Severity != "critical" || !c.Enabled || c.Line != 7 ||
		c.RepeatInterval != 2*time.Hour || DefaultHealth().Certificate.Within != 30*24*time.Hour ||
		DefaultHealth().Certificate.RepeatInterval != 24*time.Hour {
		t.Errorf("certificate_expiring: %+v; the default: %+v", c, DefaultHealth().Certificate)
	}
	if p := h.PrintSilent; p.After != 2*time.Hour || p.Unprinted != 72*time.Hour || p.Severity != "warning" || !p.Enabled || p.Line != 9 ||
		DefaultHealth().PrintSilent.After != 6*time.Hour || DefaultHealth().PrintSilent.Severity != "critical" {
		t.Errorf("print_provider_silent: %+v; the default: %+v", p, DefaultHealth().PrintSilent)
	}
	if len(h.Inhibit) != 0 {
		t.Errorf("inhibit: %+v", h.Inhibit)
	}
	if h.ChannelSilent.KeepFiringFor != 0 || h.UnitDrop.KeepFiringFor != time.Hour || h.Stuck.KeepFiringFor != DefaultKeepFiringFor ||
		h.KeepFiringFor(RuleUnitDrop) != time.Hour || h.KeepFiringFor(RuleNeverOpening) != 0 /* disabled */ {
		t.Errorf("keep_firing_for: channel_silent %s, unit_delivery_drop %s, stuck %s, never_opening_org (disabled) %s",
			h.ChannelSilent.KeepFiringFor, h.UnitDrop.KeepFiringFor, h.Stuck.KeepFiringFor, h.KeepFiringFor(RuleNeverOpening))
	}
}

// TestHealthTopKeepFiringFor: a top-level keep_firing_for is every rule's
// that sets none of its own, as repeat_interval is (before: an unknown
// field); 0s keeps none; a bad value is a problem at its line, as a rule's
// own.
func TestHealthTopKeepFiringFor(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       map[string]time.Duration // by rule; the others: top
		top        time.Duration
		problem    string // "" for none
	}{
		{"none", "repeat_interval: 2h\n", nil, DefaultKeepFiringFor, ""},
		{"top", "keep_firing_for: 1h\nrules:\n  stuck: {keep_firing_for: 0s}\n  channel_silent: {repeat_interval: 30m}\n  unit_delivery_drop: {keep_firing_for: 5m}\n",
			map[string]time.Duration{RuleStuck: 0, RuleUnitDrop: 5 * time.Minute}, time.Hour, ""},
		{"top zero", "keep_firing_for: 0s\n", nil, 0, ""},
		{"top zero as a number", "keep_firing_for: 0\n", nil, 0, ""},
		{"in days", "keep_firing_for: 1d\n", nil, 24 * time.Hour, ""},
		{"not a duration", "repeat_interval: 2h\nkeep_firing_for: soon\n", nil, 0, `h.yaml:2: keep_firing_for: "soon" is not a duration`},
		{"negative", "\nkeep_firing_for: -5m\n", nil, 0, `h.yaml:2: keep_firing_for: "-5m" is not a duration`},
		{"a list", "keep_firing_for: [1h]\n", nil, 0, "h.yaml:1: keep_firing_for: wrong type"},
	} {
		h, problems := ParseHealth("h.yaml", []byte(tc.yaml))
		if tc.problem != "" {
			if h != nil || len(problems) != 1 || !strings.HasPrefix(problems[0].String(), tc.problem) {
				t.Errorf("%s: %v; want one problem %q", tc.name, problems, tc.problem)
			}
			continue
		}
		if h == nil || len(problems) > 0 {
			t.Errorf("%s: %v", tc.name, problems)
			continue
		}
		if h.KeepFiring != tc.top {
			t.Errorf("%s: top-level keep_firing_for %s, want %s", tc.name, h.KeepFiring, tc.top)
		}
		for _, name := range HealthRules {
			want, own := tc.want[name]
			if !own {
				want = tc.top
			}
			if got := h.Common(name).KeepFiringFor; got != want {
				t.Errorf("%s: %s keeps firing for %s, want %s", tc.name, name, got, want)
			}
		}
	}
}

// Every kind of mistake is reported at its line.
func TestHealthProblems(t *testing.T) {
	dir := "testdata/health"
	path := filepath.Join(dir, "bad.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, problems := ParseHealth(path, data)
	if h != nil {
		t.Error("a configuration despite problems")
	}
	matchProblems(t, problems, readWants(t, dir))
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90m", 90 * time.Minute, true}, {"36h", 36 * time.Hour, true}, {"2d12h", 60 * time.Hour, true},
		{"1w", 7 * 24 * time.Hour, true}, {"1.5d", 36 * time.Hour, true}, {"30s", 30 * time.Second, true},
		{"", 0, false}, {"d", 0, false}, {"5", 0, false}, {"5x", 0, false}, {"-1h", 0, false},
		{"200000w", 0, false}, {"106751d1d", 0, false}, {"100000d", 100000 * 24 * time.Hour, true},
	} {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestInhibitEqualLabels: an inhibit rule's equal: may name every label a
// health alert carries, print_provider_silent's provider among them, and
// no other word.
func TestInhibitEqualLabels(t *testing.T) {
	for _, tc := range []struct {
		equal, problem string
		want           []string // the labels compared
	}{
		{"[provider]", "", []string{"provider"}},
		{"[channel, unit, system, class, org]", "", []string{"channel", "unit", "system", "class", "org"}},
		{"[sender, unit]", "", []string{"sender", "unit"}},
		// unit_id, as the alerts leave postvakt: the same unit, that is
		// the same sender and unit (the stored labels keep the name).
		{"[channel, unit_id]", "", []string{"channel", "sender", "unit"}},
		{"[sender, unit_id, unit]", "", []string{"sender", "unit"}},
		{"[host]", `h.yaml:5: inhibit[0].equal[0]: "host" is not a label (channel, sender, unit, system, class, org, provider, unit_id)`, nil},
	} {
		h, problems := ParseHealth("h.yaml", []byte("inhibit:\n  - source: print_provider_silent\n    target: [stuck]\n"+
			"    equal:\n      "+tc.equal+"\n"))
		if tc.problem == "" {
			if len(problems) > 0 || h == nil || len(h.Inhibit) != 1 || !slices.Equal(h.Inhibit[0].Equal, tc.want) {
				t.Errorf("equal: %s: %v %+v; want %v", tc.equal, problems, h, tc.want)
			}
			continue
		}
		if len(problems) != 1 || !strings.HasPrefix(problems[0].String(), tc.problem) {
			t.Errorf("equal: %s: %v; want %q", tc.equal, problems, tc.problem)
		}
	}
}
