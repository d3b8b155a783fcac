package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const checkBase = "name: p\ncalendar: NO\nreminders: {first_after: 2, repeat_every: 3, max: 2}\nprint: {after: 10}\n"

// Every invalid policy file is refused, with the file and the key named.
func TestInvalidPolicyFiles(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // substrings of one problem
	}{
		{"unknown top key", checkBase + "remind: {max: 1}\n", []string{"p.yaml:5", "remind"}},
		{"unknown nested key", strings.Replace(checkBase, "max: 2}", "max: 2, first: 1}", 1), []string{"p.yaml:3", "first"}},
		{"negative first_after", strings.Replace(checkBase, "first_after: 2", "first_after: -2", 1), []string{"p.yaml:3", "first_after"}},
		{"zero first_after", strings.Replace(checkBase, "first_after: 2", "first_after: 0", 1), []string{"p.yaml:3", "first_after"}},
		{"zero print.after", strings.Replace(checkBase, "after: 10", "after: 0", 1), []string{"p.yaml:4", "print.after"}},
		{"print before remind", strings.Replace(checkBase, "after: 10", "after: 2", 1), []string{"p.yaml:4", "print.after"}},
		{"reminder 2 at print", strings.Replace(checkBase, "after: 10", "after: 5", 1), []string{"p.yaml:3", "reminder 2"}},
		{"missing calendar", strings.Replace(checkBase, "calendar: NO\n", "", 1), []string{"p.yaml", "calendar"}},
		{"missing print", strings.Replace(checkBase, "print: {after: 10}\n", "", 1), []string{"p.yaml", "print"}},
		{"float days", strings.Replace(checkBase, "first_after: 2", "first_after: 1.5", 1), []string{"p.yaml:3", "first_after"}},
		{"string days", strings.Replace(checkBase, "first_after: 2", "first_after: \"2\"", 1), []string{"p.yaml:3", "first_after"}},
		{"lowercase calendar", strings.Replace(checkBase, "NO", "no", 1), []string{"p.yaml:2", "calendar"}},
		{"swedish calendar", strings.Replace(checkBase, "NO", "SE", 1), []string{"p.yaml:2", "calendar"}},
		{"empty window", checkBase + "send_window: {from: \"08:00\", to: \"08:00\"}\n", []string{"p.yaml:5", "send_window"}},
		{"24:00 window", checkBase + "send_window: {from: \"08:00\", to: \"24:00\"}\n", []string{"p.yaml:5", "send_window.to"}},
		{"bad zone", checkBase + "send_window: {from: \"08:00\", to: \"16:00\", timezone: Europe/Osl}\n", []string{"p.yaml:5", "timezone"}},
		{"catch_up grace 0", checkBase + "catch_up: {grace: 0}\n", []string{"p.yaml:5", "catch_up.grace"}},
		{"catch_up negative", checkBase + "catch_up: {reminders: -1}\n", []string{"p.yaml:5", "catch_up.reminders"}},
		{"catch_up too many for grace", checkBase + "catch_up: {reminders: 2, grace: 3}\n", []string{"p.yaml:5", "catch_up"}},
		{"catch_up above reminders.max", checkBase + "catch_up: {reminders: 3, grace: 20}\n", []string{"p.yaml:5", "reminders.max"}},
		{"catch_up unknown key", checkBase + "catch_up: {reminder: 2}\n", []string{"p.yaml:5", "reminder"}},
		{"negative priority", checkBase + "priority: -1\n", []string{"p.yaml:5", "priority"}},
		{"huge days", strings.Replace(checkBase, "after: 10", "after: 100000", 1), []string{"p.yaml:4", "print.after"}},
		{"two documents", checkBase + "---\n" + checkBase, []string{"p.yaml", "more than one"}},
		{"non-UTF-8 value", strings.Replace(checkBase, "name: p", "name: p\xe6", 1), []string{"p.yaml"}},
		{"latin-1 comment", "# Tilgjengelig for mottakeren \xe6\xf8\xe5\n" + checkBase, []string{"p.yaml"}},
		{"escalation empty", checkBase + "escalation: {to: []}\n", []string{"p.yaml:5", "escalation.to"}},
		{"escalation bad role", checkBase + "escalation: {to: [complience]}\n", []string{"p.yaml:5", "complience"}},
		{"retention 0", checkBase + "retention: {years: 0}\n", []string{"p.yaml:5", "retention.years"}},
		{"boolean yes", checkBase + "match: {confidential: yes}\n", []string{"p.yaml:5", "confidential"}},
		{"tab", checkBase + "send_window:\n\tfrom: \"08:00\"\n", []string{"p.yaml:6", "tab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(tt.body), 0o644)
			_, problems := LoadDir(dir)
			var all []string
			for _, p := range problems {
				all = append(all, p.String())
			}
			t.Logf("%s", strings.Join(all, "\n"))
			for _, p := range all {
				ok := true
				for _, w := range tt.want {
					ok = ok && strings.Contains(p, w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no problem naming %q:\n%s", tt.want, strings.Join(all, "\n"))
		})
	}
}

// The same policy name in two files is refused, naming both.
func TestRevEsctimeDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(checkBase), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(checkBase+"match: {class: [x]}\n"), 0o644)
	_, problems := LoadDir(dir)
	if len(problems) == 0 || !strings.Contains(problems[0].String(), "duplicate policy name") {
		t.Fatalf("%v", problems)
	}
}
