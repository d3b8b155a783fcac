package policy

import (
	"testing"

	"postvakt/internal/calendar"
)

func TestFingerprint(t *testing.T) {
	set, problems := LoadDir("../../policies")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	again, _ := LoadDir("../../policies")
	if set.Fingerprint() != again.Fingerprint() {
		t.Fatal("the same files give different fingerprints")
	}
	ps := set.Policies()
	moved := *ps[0]
	moved.File, moved.Line = "elsewhere.yaml", 99
	if NewSet(append([]*Policy{&moved}, ps[1:]...)...).Fingerprint() != set.Fingerprint() {
		t.Error("where a policy is written changed the fingerprint")
	}
	for name, change := range map[string]func(p *Policy){
		"reminder days": func(p *Policy) { p.Reminders.FirstAfter++ },
		"print":         func(p *Policy) { p.Print.After++ },
		"match":         func(p *Policy) { p.Match.Class = append(p.Match.Class, "x") },
		"priority":      func(p *Policy) { p.Priority++ },
		"send window":   func(p *Policy) { p.SendWindow = nil },
		"calendar":      func(p *Policy) { p.Calendar, _ = calendar.Get("DK") },
		"escalation.to": func(p *Policy) { p.Escalation.Emails = append(p.Escalation.Emails, "a@b.example") },
	} {
		c := *ps[0]
		if c.SendWindow != nil {
			w := *c.SendWindow
			c.SendWindow = &w
		}
		change(&c)
		if NewSet(append([]*Policy{&c}, ps[1:]...)...).Fingerprint() == set.Fingerprint() {
			t.Errorf("changing the %s kept the fingerprint", name)
		}
	}
}
