package policy

import (
	"strings"
	"testing"
)

const basePolicy = `name: p
calendar: NO
reminders: {first_after: 2, repeat_every: 3, max: 2%s}
print: {after: 10}
`

// catch_up, retention and reminders.name_unit: defaults, values, problems.
func TestCatchUpRetentionNameUnit(t *testing.T) {
	for _, tc := range []struct {
		name, extra, rem string
		problem          string
		check            func(p *Policy) bool
	}{
		{"defaults", "", "", "", func(p *Policy) bool {
			return p.CatchUp == DefaultCatchUp && p.Retention.Years == 0 && p.Reminders.NameUnit == nil &&
				!p.Reminders.NamesUnit()
		}},
		{"catch_up set", "catch_up: {reminders: 0, grace: 2, requires_approval: false}\n", "", "", func(p *Policy) bool {
			return p.CatchUp == CatchUp{Reminders: 0, Grace: 2, RequiresApproval: false}
		}},
		{"catch_up partly", "catch_up: {grace: 3}\n", "", "", func(p *Policy) bool {
			return p.CatchUp == CatchUp{Reminders: 1, Grace: 3, RequiresApproval: true}
		}},
		{"name_unit true", "", ", name_unit: true", "", func(p *Policy) bool { return p.Reminders.NamesUnit() }},
		{"name_unit false", "", ", name_unit: false", "", func(p *Policy) bool { return !p.Reminders.NamesUnit() }},
		{"retention", "retention: {years: 10}\n", "", "", func(p *Policy) bool { return p.Retention.Years == 10 }},
		{"grace zero", "catch_up: {grace: 0}\n", "", "catch_up.grace: must be at least 1 business day", nil},
		{"retention zero", "retention: {years: 0}\n", "", "retention.years: must be at least 1 year", nil},
		{"retention without years", "retention: {}\n", "", `missing required field "years"`, nil},
		{"catch_up unknown field", "catch_up: {later: 1}\n", "", "later", nil},
		// repeat_every 3: a second catch-up reminder comes 3 business days
		// after the first, the print 2 after it.
		{"catch_up reminders never sent", "catch_up: {reminders: 3, grace: 2}\n", "", "only 1 of the 3 catch-up reminders would be sent", nil},
		{"catch_up reminders apart within the grace", "catch_up: {reminders: 2, grace: 4}\n", "", "", func(p *Policy) bool {
			return p.CatchUp.Reminders == 2 && p.CatchUp.Grace == 4
		}},
		{"name_unit not a bool", "", ", name_unit: maybe", "name_unit", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(basePolicy, "%s", tc.rem, 1) + tc.extra
			got := parseFile("p.yaml", []byte(src))
			if tc.problem != "" {
				for _, p := range got.problems {
					if strings.Contains(p.String(), tc.problem) {
						return
					}
				}
				t.Fatalf("problems %v, want one with %q", got.problems, tc.problem)
			}
			if len(got.problems) > 0 || got.policy == nil || !tc.check(got.policy) {
				t.Fatalf("problems %v, policy %+v", got.problems, got.policy)
			}
		})
	}
}
