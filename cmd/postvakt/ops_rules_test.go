package main_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"postvakt/internal/pgtest"
	"postvakt/internal/sim"
	"postvakt/internal/storetest"
)

// ruleUse is what the shipped rules read of one metric: the labels they
// select, group or print by, and whether they take its rate or increase
// (a counter) or its value (a gauge).
type ruleUse struct {
	labels  map[string]bool
	values  map[string]bool // label="value" the rules select, but rule= (the health rules': a test of their own)
	counter bool
	typed   bool // the rules read it (README names a counter by _total, no other type)
	alerts  []string
}

// shippedRuleUses reads docs/prometheus-rules.yaml: per postvakt metric
// an expression names, the labels its selectors, by/without clauses and
// annotations ($labels.x) name and how the expression reads it.
func shippedRuleUses(t *testing.T) map[string]*ruleUse {
	t.Helper()
	data, err := os.ReadFile("../../docs/prometheus-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var (
		metric   = regexp.MustCompile(`\b(postvakt_[a-z_]+)\b(\{[^}]*\})?`)
		matcher  = regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
		grouping = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
		printed  = regexp.MustCompile(`\$labels\.([a-z_]+)`)
		counted  = regexp.MustCompile(`\b(?:rate|increase)\(\s*(postvakt_[a-z_]+)`)
	)
	uses := map[string]*ruleUse{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			// Labels an expression groups by, or an annotation prints,
			// are of every postvakt metric the expression reads (each
			// of the shipped rules reads one).
			var shared []string
			for _, m := range grouping.FindAllStringSubmatch(r.Expr, -1) {
				for l := range strings.SplitSeq(m[1], ",") {
					shared = append(shared, strings.TrimSpace(l))
				}
			}
			for _, a := range r.Annotations {
				for _, m := range printed.FindAllStringSubmatch(a, -1) {
					shared = append(shared, m[1])
				}
			}
			for _, m := range metric.FindAllStringSubmatch(r.Expr, -1) {
				u := uses[m[1]]
				if u == nil {
					u = &ruleUse{labels: map[string]bool{}, values: map[string]bool{}, typed: true}
					uses[m[1]] = u
				}
				u.alerts = append(u.alerts, r.Alert)
				for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
					u.labels[l[1]] = true
					if l[2] == "=" && l[1] != "rule" {
						u.values[l[1]+`="`+l[3]+`"`] = true
					}
				}
				for _, l := range shared {
					// instance is Prometheus' own target label.
					if l != "" && l != "instance" {
						u.labels[l] = true
					}
				}
			}
			for _, m := range counted.FindAllStringSubmatch(r.Expr, -1) {
				uses[m[1]].counter = true
			}
		}
	}
	if len(uses) < 10 {
		t.Fatalf("read %d metrics from the shipped rules: %v", len(uses), uses)
	}
	return uses
}

// TestShippedRulesReadWhatMetricsServes: every metric the shipped
// Prometheus rules read is on serve's /metrics under that name, of the
// type the rule reads it as (rate or increase of a counter, the value of
// a gauge), with every label the rule selects, groups or prints by. A
// rule on a metric renamed, retyped or relabelled in the code evaluates
// to nothing and never fires; checked against a list of names in a test
// beside the rules, that drift goes unnoticed.
func TestShippedRulesReadWhatMetricsServes(t *testing.T) {
	uses := shippedRuleUses(t)
	db := pgtest.New(t)
	st := storetest.OpenURL(t, db)
	stuckLetters(t, st) // a firing alert: postvakt_health_alert_firing has a series
	token := newToken(t, db, "prometheus", "operations")
	certs, err := sim.DigitalPostCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addr, cmd, logs := startServe(t, db, "POSTVAKT_SVARUT_URL=http://127.0.0.1:1", "POSTVAKT_SVARUT_API=v1",
		"POSTVAKT_SVARUT_USER=u", "POSTVAKT_SVARUT_PASSWORD=pw-secret",
		"POSTVAKT_DIGITALPOST_URL=http://127.0.0.1:1/apis/v1", "POSTVAKT_DIGITALPOST_SYSTEM_ID=b07b2252-5b92-40ce-9349-c82fd6d059af",
		"POSTVAKT_DIGITALPOST_API_TOKEN=t", "POSTVAKT_DIGITALPOST_CERT_FILE="+certs.ClientCertFile,
		"POSTVAKT_DIGITALPOST_KEY_FILE="+certs.ClientKeyFile,
		"POSTVAKT_POLL_SCHEDULE=@every 1s", "POSTVAKT_HEALTH_SCHEDULE=@every 1s")
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	var body string
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		code, b := scrape(t, addr, token)
		if code != 200 {
			t.Fatalf("/metrics: %d %s", code, b)
		}
		body = b
		if strings.Contains(body, "\npostvakt_health_alert_firing{") && strings.Contains(body, "\npostvakt_poll_results_total{") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no firing alert or poll result on /metrics after 40 s:\n%.3000s\n%s", body, tail(logs.String(), 10))
		}
	}
	types := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) (\S+)$`).FindAllStringSubmatch(body, -1) {
		types[m[1]] = m[2]
	}
	labels := map[string]map[string]bool{}
	values := map[string]string{} // metric name: its series' labels, one after the other
	for _, m := range regexp.MustCompile(`(?m)^([a-z_]+)\{([^}]*)\} `).FindAllStringSubmatch(body, -1) {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} { // a histogram's series
			if base := strings.TrimSuffix(m[1], suffix); types[base] == "histogram" {
				m[1] = base
			}
		}
		if labels[m[1]] == nil {
			labels[m[1]] = map[string]bool{}
		}
		values[m[1]] += m[2] + ","
		for _, l := range regexp.MustCompile(`([a-z_]+)="`).FindAllStringSubmatch(m[2], -1) {
			labels[m[1]][l[1]] = true
		}
	}
	// README's metrics, in the rules' check below, with the labels it
	// gives them ({rule,channel} or {kind="late"}).
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, span := range regexp.MustCompile("`[^`]*`").FindAllString(string(readme), -1) {
		for _, m := range regexp.MustCompile(`(?:^|[^"a-z_])(postvakt_[a-z_]+)(\{[^}]*\})?`).FindAllStringSubmatch(span, -1) {
			u := uses[m[1]]
			if u == nil {
				u = &ruleUse{labels: map[string]bool{}, counter: strings.HasSuffix(m[1], "_total"), typed: strings.HasSuffix(m[1], "_total")}
				uses[m[1]] = u
			}
			u.alerts = append(u.alerts, "README "+span)
			for _, l := range regexp.MustCompile(`([a-z_]+)\s*(?:[,}=]|$)`).FindAllStringSubmatch(strings.Trim(m[2], "{}")+"}", -1) {
				u.labels[l[1]] = true
			}
		}
	}
	for name, u := range uses {
		want := "gauge"
		if u.counter {
			want = "counter"
		}
		switch got, ok := types[name]; {
		case !ok:
			t.Errorf("%v read %s, which /metrics does not serve", u.alerts, name)
			continue
		case got != want && u.typed:
			t.Errorf("%v read %s as a %s, /metrics serves a %s", u.alerts, name, want, got)
		}
		for l := range u.labels {
			if !labels[name][l] {
				have := make([]string, 0, len(labels[name]))
				for h := range labels[name] {
					have = append(have, h)
				}
				slices.Sort(have)
				t.Errorf("%v read %s's label %s; /metrics gives it %v", u.alerts, name, l, have)
			}
		}
		for v := range u.values {
			if !strings.Contains(values[name], v) {
				t.Errorf("%v select %s{%s}, which /metrics does not serve (a series shown from the start)", u.alerts, name, v)
			}
		}
	}
}
