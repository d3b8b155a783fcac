package policy

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyListSaysWhatLeavingItOutMeans: an empty list is refused with
// what to write instead. Every list said "leave the field out to mean
// any", which holds for a match field only: escalation.to left out is a
// missing field (escalation left out tells nobody), a health rule's to:
// left out tells POSTVAKT_ALERT_EMAIL alone (not "any"), group_by left
// out groups by the default, an inhibit rule needs a target, and equal
// left out compares no label.
func TestEmptyListSaysWhatLeavingItOutMeans(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"default.yaml": catchAll,
		"a.yaml":       "name: a\nmatch: {class: []}\ncalendar: NO\nreminders: {max: 0}\nprint: {enabled: false}\nescalation: {to: []}\n",
	})
	_, problems := LoadDir(dir)
	health := "rules:\n  stuck: {to: []}\n  unit_delivery_drop: {group_by: []}\n" +
		"inhibit:\n  - {source: channel_silent, target: []}\n  - {source: channel_silent, target: [stuck], equal: []}\n"
	_, hp := ParseHealth(filepath.Join(dir, HealthFile), []byte(health))
	problems = append(problems, hp...)
	for _, tc := range []struct{ field, want string }{
		{"match.class", "leave the field out to mean any"},
		{"escalation.to", "leave escalation out when nobody is to be told"},
		{"rules.stuck.to", "leave the field out when POSTVAKT_ALERT_EMAIL alone is to be told"},
		{"rules.unit_delivery_drop.group_by", "leave the field out for the default grouping"},
		{"inhibit[0].target", "name at least one health rule"},
		{"inhibit[1].equal", "leave the field out to compare no label"},
	} {
		found := false
		for _, p := range problems {
			if strings.HasPrefix(p.Message, tc.field+": empty list") {
				found = true
				if !strings.Contains(p.Message, tc.want) {
					t.Errorf("%s: %q; want it to say %q", tc.field, p.Message, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("%s: no empty-list problem in %v", tc.field, problems)
		}
	}
}
