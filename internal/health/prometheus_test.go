package health_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The shipped Prometheus rules parse, are complete, and cover what
// README says they cover.
func TestShippedPrometheusRules(t *testing.T) {
	data, err := os.ReadFile("../../docs/prometheus-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(false)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	// That each metric a rule reads is served, with the type and labels
	// the rule reads it by, is checked against serve's /metrics
	// (cmd/postvakt's TestShippedRulesReadWhatMetricsServes), not against
	// a list of names here.
	used := map[string]bool{}
	metric := regexp.MustCompile(`\b(postvakt_[a-z_]+|up)\b`)
	rules := map[string]bool{}
	lateRule := ""
	noRecipient := false
	jobRule := false
	noticesUnknown := false
	n := 0
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			n++
			if r.Alert == "" || r.Expr == "" || r.Labels["severity"] == "" {
				t.Errorf("rule %+v is incomplete", r)
			}
			// A sending unit is labelled by its id (unit_id), never by its
			// name: postvakt exports no label unit.
			texts := []string{r.Expr}
			for _, a := range r.Annotations {
				texts = append(texts, a)
			}
			for _, x := range texts {
				if regexp.MustCompile(`\$labels\.unit\b|[(,{]\s*unit\s*[,)=]`).MatchString(x) {
					t.Errorf("%s: uses the label unit, which postvakt does not export (unit_id): %s", r.Alert, x)
				}
				// The label job is Prometheus' own (the scrape config's
				// job_name; a target's label job becomes exported_job):
				// a scheduled job is the label task. Only up{job="postvakt"}
				// reads it.
				if regexp.MustCompile(`\$labels\.job\b|[(,{]\s*job\s*[,)=]`).MatchString(strings.ReplaceAll(x, `up{job="postvakt"}`, "up")) {
					t.Errorf("%s: reads the label job, Prometheus' target label, not postvakt's (task): %s", r.Alert, x)
				}
			}
			for _, m := range metric.FindAllString(r.Expr, -1) {
				used[m] = true
			}
			for _, m := range regexp.MustCompile(`rule="([a-z_]+)"`).FindAllStringSubmatch(r.Expr, -1) {
				rules[m[1]] = true
			}
			// A counter only grows: its value compared with a threshold
			// fires for good once crossed; its increase or rate is what
			// tells.
			if strings.Contains(r.Expr, "_total") && !strings.Contains(r.Expr, "rate(") && !strings.Contains(r.Expr, "increase(") {
				t.Errorf("%s: compares a counter's value, not its increase or rate", r.Alert)
			}
			if strings.Contains(r.Expr, `outcome="no_recipient"`) {
				noRecipient = true
			}
			if strings.Contains(r.Expr, `kind="late"`) {
				lateRule = r.Labels["severity"]
			}
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") {
				t.Errorf("%s: unbalanced parentheses", r.Alert)
			}
			// A job is late by its own schedule's ticks: a fixed threshold
			// fires every day for the daily retention job between its
			// runs, one interval every evening for an office-hours one.
			if strings.Contains(r.Expr, "postvakt_job_last_success_timestamp_seconds") {
				t.Errorf("%s: judges a job by the time since its success, not by its schedule's ticks (postvakt_job_ticks_since_success)", r.Alert)
			}
			// A notice (follow-up, escalation, digest) of unknown outcome
			// is never sent again by itself, as a reminder: alerted too.
			if e := strings.ReplaceAll(r.Expr, " ", ""); strings.Contains(e, "postvakt_notifications{") &&
				strings.Contains(e, `status="unknown"`) && !strings.Contains(e, `kind="reminder"`) {
				noticesUnknown = true
			}
			if r.Alert == "PostvaktJobNotSucceeding" {
				jobRule = strings.Contains(r.Expr, "postvakt_job_ticks_since_success")
			}
		}
	}
	// README: "docs/prometheus-rules.yaml has alert rules for each health
	// rule": each rule of the shipped policies/health.yaml, by
	// postvakt_health_alert_firing{rule="<name>"}, or (certificate_expiring)
	// by the metric that carries the same signal.
	var health struct {
		Rules map[string]any `yaml:"rules"`
	}
	b, err := os.ReadFile("../../policies/health.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &health); err != nil {
		t.Fatal(err)
	}
	if len(health.Rules) < 7 {
		t.Fatalf("policies/health.yaml has %d rules", len(health.Rules))
	}
	sameSignal := map[string]string{"certificate_expiring": "postvakt_certificate_expiry_seconds"}
	for name := range health.Rules {
		if !rules[name] && !used[sameSignal[name]] {
			t.Errorf("no Prometheus rule for the health rule %s", name)
		}
	}
	// A read that fails says so in a gauge, and leaves the series other
	// rules read out: each such gauge has a rule, or those rules fall
	// silent unnoticed.
	for _, want := range []string{"postvakt_database_up", "postvakt_health_alerts_readable", "postvakt_database_figures_readable"} {
		if !used[want] {
			t.Errorf("no Prometheus rule on %s", want)
		}
	}
	// Digital Post entries that showed in the log late (the daily re-read
	// kept them; the letters stood behind until then) warn an operator.
	if lateRule != "warning" {
		t.Errorf("the rule on Digital Post's late entries (kind=\"late\") has severity %q, want one with warning", lateRule)
	}
	// An alert whose route reaches no one (counted as no_recipient)
	// warns an operator: nobody else is told of it.
	if !noRecipient {
		t.Errorf("no Prometheus rule on the alert routes that reach no one (outcome=\"no_recipient\")")
	}
	if !noticesUnknown {
		t.Errorf(`no rule fires on postvakt_notifications{status="unknown"} of a notice kind (followup_due, followup_overdue, escalation, compliance_digest): only kind="reminder" is alerted on`)
	}
	if !jobRule {
		t.Errorf("PostvaktJobNotSucceeding does not count the job's ticks since its success (postvakt_job_ticks_since_success)")
	}
	if n < 7 {
		t.Fatalf("%d rules", n)
	}
}
