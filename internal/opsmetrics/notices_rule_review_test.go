package opsmetrics

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// A notice (followup_due, followup_overdue, escalation, compliance_digest)
// whose send began and was not recorded has status unknown and is never
// sent again by itself, like a reminder (README, Stopping and Commands:
// notifications list). postvakt_notifications exports them, but
// docs/prometheus-rules.yaml alerts only on kind="reminder": an escalation
// notice to a unit's manager about an undelivered confidential letter can
// stay unknown for good with no alert in Prometheus.
func TestReviewOpsRulesAlertOnEveryUnknownNotification(t *testing.T) {
	b, err := os.ReadFile("../../docs/prometheus-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			e := strings.ReplaceAll(r.Expr, " ", "")
			if strings.Contains(e, "postvakt_notifications{") && strings.Contains(e, `status="unknown"`) && !strings.Contains(e, `kind="reminder"`) {
				return
			}
		}
	}
	t.Error(`no rule in docs/prometheus-rules.yaml fires on postvakt_notifications{status="unknown"} of a notice kind (followup_due, followup_overdue, escalation, compliance_digest): only kind="reminder" is alerted on`)
}
