package policy

import (
	"os"
	"strings"
	"testing"
)

// The policies shipped in policies/ must pass the check.
func TestShippedPolicies(t *testing.T) {
	set, problems := LoadDir("../../policies")
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	if set == nil {
		t.Fatal("LoadDir returned no set")
	}
	want := map[string]bool{"default": true, "taushetsbelagt": true, "barnevern": true}
	for _, p := range set.Policies() {
		delete(want, p.Name)
	}
	for name := range want {
		t.Errorf("policy %q not shipped", name)
	}

	tests := []struct {
		facts Facts
		want  string
	}{
		{Facts{Class: "vedtak", Confidential: true, RecipientKind: "org", SenderOrg: "964338531"}, "taushetsbelagt"},
		{Facts{Class: "vedtak", Confidential: false, RecipientKind: "org"}, "default"},
		{Facts{Class: "vedtak", Confidential: true, RecipientKind: "person"}, "default"},
		{Facts{Channel: "svarut", Class: "barnevern", Confidential: true, RecipientKind: "org"}, "barnevern"},
		{Facts{Channel: "altinn", Class: "barnevern", Confidential: true, RecipientKind: "person"}, "barnevern"},
		{Facts{Channel: "svarut", Class: "barnevern", Confidential: false, RecipientKind: "person"}, "default"},
		// A Danish child welfare letter counts Danish business days and
		// goes to Digital Post's physical post, never the Norwegian
		// barnevern windows.
		{Facts{Channel: "digitalpost", Class: "barnevern", Confidential: true, RecipientKind: "org"}, "dk-digital-post"},
		{Facts{Channel: "digitalpost", Class: "Barnevern", Confidential: true, RecipientKind: "person"}, "dk-digital-post-borger"},
		{Facts{Channel: "svarut", Class: "vedtak", Confidential: true, RecipientKind: "org"}, "taushetsbelagt"},
		{Facts{Channel: "digitalpost", Class: "fortrolig", Confidential: true, RecipientKind: "org", SenderOrg: "64942212"}, "dk-digital-post"},
		{Facts{Channel: "digitalpost", Class: "almindelig", Confidential: false, RecipientKind: "org"}, "dk-digital-post"},
		{Facts{Channel: "digitalpost", Class: "fortrolig", Confidential: true, RecipientKind: "person"}, "dk-digital-post-borger"},
	}
	for _, tt := range tests {
		p, err := set.Match(tt.facts)
		if err != nil {
			t.Errorf("Match(%v): %v", tt.facts, err)
			continue
		}
		if p.Name != tt.want {
			t.Errorf("Match(%v) = %s, want %s", tt.facts, p.Name, tt.want)
		}
	}

	channelsKeepTheirCountry(t, set)

	tb, _ := set.Get("taushetsbelagt")
	if tb.Reminders != (Reminders{FirstAfter: 2, RepeatEvery: 3, Max: 2}) || tb.Print != (Print{Enabled: true, After: 10, Via: PrintViaProvider}) {
		t.Errorf("taushetsbelagt = %+v %+v", tb.Reminders, tb.Print)
	}
	if w := tb.SendWindow; w == nil || w.From != 8*60 || w.To != 16*60 || !w.BusinessDaysOnly || w.Location.String() != "Europe/Oslo" {
		t.Errorf("taushetsbelagt send window = %+v", w)
	}
	if bv, _ := set.Get("barnevern"); !bv.Print.RequiresApproval {
		t.Error("barnevern: print must require approval")
	}
	for _, name := range []string{"dk-digital-post", "dk-digital-post-borger"} {
		dk, ok := set.Get(name)
		if !ok || dk.Calendar.Name() != "DK" || dk.Print.Via != PrintViaDigitalPost || !dk.Print.Enabled {
			t.Errorf("%s: %+v", name, dk)
		}
	}
}

// The example in the shipped senders.yaml, commented out, is valid once
// uncommented, and says what its comments say: Bergen kommune's contact,
// and an organisation kept out of the subject without one.
func TestShippedSendersExample(t *testing.T) {
	data, err := os.ReadFile("../../policies/senders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(data), "\n# senders:\n")
	if !ok {
		t.Fatal("no commented-out example (# senders:) in policies/senders.yaml")
	}
	lines := []string{"senders:"}
	for _, line := range strings.Split(strings.TrimSpace(example), "\n") {
		lines = append(lines, strings.TrimPrefix(line, "# "))
	}
	senders, problems := ParseSenders("senders.yaml", []byte(strings.Join(lines, "\n")))
	if len(problems) > 0 {
		t.Fatalf("the example has problems: %v", problems)
	}
	if s := senders["964338531"]; s.Contact.Email == "" || s.NotInSubject {
		t.Errorf("Bergen kommune: %+v, want a contact and named in the subject", s)
	}
	if s := senders["987654325"]; !s.NotInSubject || !s.Contact.IsZero() {
		t.Errorf("the crisis centre: %+v, want kept out of the subject, no contact", s)
	}
}

// The demo policies (testdata/demo/policies, scripts/run.sh) give every
// channel its country's calendar too.
func TestDemoPoliciesChannelsKeepTheirCountry(t *testing.T) {
	set, problems := LoadDir("../../testdata/demo/policies")
	if set == nil {
		t.Fatalf("demo policies: %v", problems)
	}
	channelsKeepTheirCountry(t, set)
}

// channelsKeepTheirCountry checks that, whatever its class, a letter
// counts the business days of its channel's country under set: Digital
// Post's Danish ones, SvarUt's and Altinn's Norwegian ones.
func channelsKeepTheirCountry(t *testing.T, set *Set) {
	t.Helper()
	for _, ch := range []struct{ channel, calendar string }{{"svarut", "NO"}, {"altinn", "NO"}, {"digitalpost", "DK"}} {
		for _, p := range set.Policies() {
			for _, class := range append([]string{"vedtak"}, p.Match.Class...) {
				for _, conf := range []bool{false, true} {
					for _, kind := range []string{RecipientOrg, RecipientPerson} {
						f := Facts{Channel: ch.channel, Class: class, Confidential: conf, RecipientKind: kind}
						if got, err := set.Match(f); err != nil {
							t.Errorf("Match(%v): %v", f, err)
						} else if got.Calendar.Name() != ch.calendar {
							t.Errorf("Match(%v) = %s (calendar %s), want a policy with calendar %s", f, got.Name, got.Calendar.Name(), ch.calendar)
						}
					}
				}
			}
		}
	}
}

// A municipality's own policy for its child welfare letters of as many
// match fields as barnevern (class, confidential and a unit) is no
// silent loser to it: the check reports the tie, which a priority
// settles, as README says of any two such policies.
func TestShippedBarnevernTiesAreReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../policies")); err != nil {
		t.Fatal(err)
	}
	own := "name: bv-unit\nmatch: {class: [barnevern], confidential: true, sender_unit: [Barnevernstjenesten]}\n" +
		"calendar: NO\nreminders: {max: 0}\nprint: {after: 3}\n"
	if err := os.WriteFile(dir+"/bv-unit.yaml", []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	_, problems := LoadDir(dir)
	if len(problems) != 1 || !strings.Contains(problems[0].Message, `policy "bv-unit" overlaps policy "barnevern"`) &&
		!strings.Contains(problems[0].Message, `policy "barnevern" overlaps policy "bv-unit"`) {
		t.Errorf("problems %v, want the overlap of bv-unit and barnevern", problems)
	}
}
