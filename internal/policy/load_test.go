package policy

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "policies/a.yaml", Line: 3, Message: "bad"}, "policies/a.yaml:3: bad"},
		{Problem{File: "policies", Message: "no catch-all"}, "policies: no catch-all"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// writeDir creates a directory with the given files (a name ending in "/"
// becomes a directory).
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const catchAll = "name: default\ncalendar: NO\nreminders: {max: 0}\nprint: {enabled: false}\n"

func TestLoadDirDirectoryProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // nil: the directory does not exist
		wants []want            // file "" = the directory
	}{
		{"missing directory", nil, []want{{text: "cannot read policy directory: no such file or directory"}}},
		{"empty directory", map[string]string{}, []want{{text: "no policy files (*.yaml) in the directory"}}},
		{"only other files", map[string]string{"README.md": "# hi", ".hidden.yaml": "x: [", "sub/": ""},
			[]want{{text: "no policy files (*.yaml) in the directory"}}},
		{"unreadable file", map[string]string{"default.yaml": catchAll, "broken.yaml/": ""},
			[]want{{file: "broken.yaml", text: "cannot read policy file: "}}},
		{"empty file", map[string]string{"default.yaml": catchAll, "empty.yaml": ""},
			[]want{{file: "empty.yaml", text: "empty file: want one policy"}}},
		{"yml file", map[string]string{"default.yaml": catchAll, "old.yml": catchAll},
			[]want{{file: "old.yml", text: "not loaded: policy files must be named *.yaml"}}},
		// Copied from Windows, whose names ignore case: not loaded either,
		// and so said, not left out in silence.
		{"upper-case extension", map[string]string{"default.yaml": catchAll, "barnevern.YAML": catchAll, "old.Yml": catchAll},
			[]want{{file: "barnevern.YAML", text: "not loaded: policy files must be named *.yaml"},
				{file: "old.Yml", text: "not loaded: policy files must be named *.yaml"}}},
		{"unknown anchor", map[string]string{"default.yaml": catchAll + "escalation: {to: *nobody}\n"},
			[]want{{file: "default.yaml", text: "invalid YAML: unknown anchor 'nobody' referenced"}}},
		// A stray form feed or DOS end-of-file: said at its line, as a
		// tab is, not somewhere in a file of a hundred lines.
		{"control character", map[string]string{"default.yaml": catchAll, "bv.yaml": "name: bv\nmatch:\n  class: [barne\fvern]\n"},
			[]want{{file: "bv.yaml", line: 3, text: "invalid YAML: a control character (U+000C) at column 16"}}},
		{"control character at the end", map[string]string{"default.yaml": catchAll + "\x1a"},
			[]want{{file: "default.yaml", line: 5, text: "invalid YAML: a control character (U+001A) at column 1"}}},
		// UTF-16 without a byte-order mark: its zero bytes are no stray
		// control characters to delete.
		{"UTF-16 without a byte-order mark", map[string]string{"default.yaml": catchAll, "bv.yaml": "n\x00a\x00m\x00e\x00:\x00 \x00b\x00v\x00\n\x00"},
			[]want{{file: "bv.yaml", text: "not UTF-8: the file looks like UTF-16 (every other byte 0): save it as UTF-8"}}},
		{"Latin-1 file", map[string]string{"default.yaml": catchAll, "bv.yaml": "name: bv\nmatch:\n  class: \"omsorgs\xf8vertakelse\"\n"},
			[]want{{file: "bv.yaml", line: 3, text: "not UTF-8: byte 0xf8 at column 18 (save the file as UTF-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nonexistent")
			if tt.files != nil {
				dir = writeDir(t, tt.files)
			}
			set, problems := LoadDir(dir)
			if set != nil {
				t.Error("got a set despite problems")
			}
			for i := range tt.wants {
				tt.wants[i].file = filepath.Join(dir, tt.wants[i].file)
			}
			matchProblems(t, problems, tt.wants)
			if got := Check(dir); !reflect.DeepEqual(got, problems) {
				t.Errorf("Check = %v, LoadDir problems = %v", got, problems)
			}
		})
	}
}

// Policies that together cover every shipment need no empty match.
func TestCoverageWithoutCatchAll(t *testing.T) {
	set, problems := LoadDir("testdata/good/cover")
	if len(problems) > 0 || set == nil {
		t.Fatalf("problems: %v", problems)
	}
	p, err := set.Match(Facts{Class: "barnevern", Confidential: true, RecipientKind: RecipientPerson})
	if err != nil || p.Name != "bv" {
		t.Errorf("Match = %v, %v; want bv", p, err)
	}
}

func TestParseFullPolicy(t *testing.T) {
	dir := writeDir(t, map[string]string{"full.yaml": `
name: full
priority: 3
match:
  class: [vedtak, barnevern]
  confidential: false
  recipient_kind: person
  sender_org: ["964338531", 64942212]
  sender_unit: [Barnevernstjenesten]
calendar: DK
reminders: {first_after: 3, repeat_every: 2, max: 3}
print: {after: 10}
send_window: &w {from: "07:30", to: "15:00"}
escalation:
  to: [compliance, personvern@example.no, unit_manager]
`, "default.yaml": catchAll})
	set, problems := LoadDir(dir)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	p, _ := set.Get("full")
	f := false
	want := Matcher{Class: []string{"vedtak", "barnevern"}, Confidential: &f, RecipientKind: "person",
		SenderOrg: []string{"964338531", "64942212"}, SenderUnit: []string{"Barnevernstjenesten"}}
	if !reflect.DeepEqual(p.Match, want) {
		t.Errorf("Match = %v, want %v", p.Match, want)
	}
	if p.Match.Specificity() != 5 || p.Priority != 3 || p.Calendar.Name() != "DK" {
		t.Errorf("specificity %d, priority %d, calendar %s", p.Match.Specificity(), p.Priority, p.Calendar.Name())
	}
	if p.Reminders != (Reminders{FirstAfter: 3, RepeatEvery: 2, Max: 3}) {
		t.Errorf("Reminders = %+v", p.Reminders)
	}
	// print.enabled defaults to true, requires_approval to false.
	if p.Print != (Print{Enabled: true, After: 10, Via: PrintViaProvider}) {
		t.Errorf("Print = %+v", p.Print)
	}
	// The time zone defaults to the calendar's; business_days_only to false.
	w := p.SendWindow
	if w == nil || w.From.String() != "07:30" || w.To.String() != "15:00" || w.BusinessDaysOnly || w.Location.String() != "Europe/Copenhagen" {
		t.Errorf("SendWindow = %+v", w)
	}
	if !reflect.DeepEqual(p.Escalation, Escalation{Emails: []string{"personvern@example.no"}, Roles: []string{"compliance", "unit_manager"}}) {
		t.Errorf("Escalation = %+v", p.Escalation)
	}
	if p.File != filepath.Join(dir, "full.yaml") || p.Line != 2 {
		t.Errorf("defined at %s:%d", p.File, p.Line)
	}
	if d, _ := set.Get("default"); d.SendWindow != nil || d.Print.Enabled || d.Reminders.Enabled() {
		t.Errorf("default = %+v", d)
	}
	if got := len(set.Policies()); got != 2 {
		t.Errorf("%d policies", got)
	}
	if _, ok := set.Get("nope"); ok {
		t.Error("Get(nope) found a policy")
	}
}

func TestMatch(t *testing.T) {
	yes := true
	pol := func(name string, prio int, m Matcher) *Policy { return &Policy{Name: name, Priority: prio, Match: m} }
	set := NewSet(
		pol("default", 0, Matcher{}),
		pol("conf-org", 0, Matcher{Confidential: &yes, RecipientKind: RecipientOrg}),
		pol("barnevern", 10, Matcher{Class: []string{"barnevern"}, Confidential: &yes}),
		pol("bergen", 0, Matcher{SenderOrg: []string{"964338531"}}),
		pol("bergen-bv", 0, Matcher{SenderOrg: []string{"964338531"}, SenderUnit: []string{"Barnevernstjenesten"}, Class: []string{"barnevern"}}),
	)
	tests := []struct {
		f    Facts
		want string
	}{
		{Facts{Class: "x", RecipientKind: RecipientPerson}, "default"},
		{Facts{Class: "x", Confidential: true, RecipientKind: RecipientOrg}, "conf-org"},
		{Facts{Class: "barnevern", Confidential: true, RecipientKind: RecipientOrg}, "barnevern"}, // priority breaks the 2-2 tie
		{Facts{Class: "barnevern", Confidential: true, RecipientKind: RecipientPerson}, "barnevern"},
		{Facts{Class: "x", RecipientKind: RecipientOrg, SenderOrg: "964338531"}, "bergen"},
		{Facts{Class: "barnevern", Confidential: true, SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}, "bergen-bv"}, // 3 fields beat priority
	}
	for _, tt := range tests {
		p, err := set.Match(tt.f)
		if err != nil || p.Name != tt.want {
			t.Errorf("Match(%v) = %v, %v; want %s", tt.f, p, err, tt.want)
		}
	}

	// Without a catch-all, or with a tie, Match says so.
	partial := NewSet(pol("a", 0, Matcher{Class: []string{"a"}}), pol("conf", 0, Matcher{Confidential: &yes}))
	if _, err := partial.Match(Facts{Class: "b"}); !errors.Is(err, ErrNoPolicy) {
		t.Errorf("no match: err = %v", err)
	}
	// The error goes to logs: it names no sending unit (a unit's name,
	// Barnevernstjenesten, says what its letters are about).
	if _, err := partial.Match(Facts{Class: "b", SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten"}); err == nil ||
		strings.Contains(err.Error(), "Barnevern") || !strings.Contains(err.Error(), "964338531") {
		t.Errorf("no match for a unit's letter: err = %v; want the organisation, not the unit", err)
	}
	_, err := partial.Match(Facts{Class: "a", Confidential: true})
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "policies a, conf") {
		t.Errorf("tie: err = %v", err)
	}
}

func TestMatcherString(t *testing.T) {
	yes := true
	m := Matcher{Class: []string{"a", "b"}, Confidential: &yes, RecipientKind: "org", SenderOrg: []string{"964338531"}, SenderUnit: []string{"u"}}
	want := "{class: [a, b], confidential: true, recipient_kind: org, sender_org: [964338531], sender_unit: [u]}"
	if got := m.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (Matcher{}).String(); got != "{}" {
		t.Errorf("empty String() = %q", got)
	}
}
