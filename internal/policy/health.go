package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// HealthFile is the file in the policy folder that configures the health
// rules. It is not an escalation policy: LoadDir skips it and LoadHealth
// reads it.
const HealthFile = "health.yaml"

// The health rules (internal/health says what each watches).
const (
	RuleChannelSilent = "channel_silent"
	RuleStuck         = "stuck"
	RuleUnitDrop      = "unit_delivery_drop"
	RuleRejection     = "rejection_spike"
	RuleNeverOpening  = "never_opening_org"
	RuleCertificate   = "certificate_expiring"
)

// HealthRules lists the rules in the order they are evaluated and shown.
var HealthRules = []string{RuleChannelSilent, RuleStuck, RuleUnitDrop, RuleRejection, RuleNeverOpening, RuleCertificate}

// Severities of a health rule.
var Severities = []string{"critical", "warning", "info"}

// AlertLabels are the labels a health alert may carry; inhibit rules
// compare them.
var AlertLabels = []string{"channel", "unit", "system", "class", "org"}

// Roles a rule's to: may name beside e-mail addresses: the manager of the
// alert's sending unit (sender_units.manager_email), and the compliance
// officers of its sender organisation (users of role compliance with an
// e-mail address, unscoped ones included).
const (
	ToUnitManager = "unit_manager"
	ToCompliance  = "compliance"
)

// Rule is what every health rule has: whether it runs, how bad it is, who
// is told beyond POSTVAKT_ALERT_EMAIL, and how often a firing alert is
// repeated.
type Rule struct {
	Enabled        bool
	Severity       string
	To             []string // e-mail addresses, ToUnitManager and ToCompliance
	RepeatInterval time.Duration
	Line           int // where the rule is configured (0: defaults)
}

// ChannelSilentRule: a channel that reports no status change for After
// while at least MinLetters of its letters sent within Young are overdue
// (still registered or accepted past the learned delivery time), or whose
// calls fail (ErrorShare of at least MinCalls calls in CallsWindow) or are
// slow (average above MaxLatency).
type ChannelSilentRule struct {
	Rule
	After       time.Duration
	Young       time.Duration
	MinLetters  int
	CallsWindow time.Duration
	MinCalls    int
	ErrorShare  float64
	MaxLatency  time.Duration
}

// StuckRule: letters still registered or accepted past T, where T is the
// channel's own Percentile delivery time (sent → available) over the
// letters sent in the last Learn, at least MinAfter and at most MaxAfter
// (MaxAfter when fewer than MinLearned letters were delivered). Grouped per
// channel and sending unit over Lookback; a group fires with at least
// MinCount stuck letters when they are Count or more, or when they are at
// least Share of the group's letters sent in the last Window (older than T).
// For Settle after a channel_silent alert of the channel resolved, neither
// this rule nor unit_delivery_drop judges the channel's letters: the poller
// is still catching up with them (its longest retry backoff is 6 hours).
type StuckRule struct {
	Rule
	Settle     time.Duration
	Percentile float64
	MinAfter   time.Duration
	MaxAfter   time.Duration
	Learn      time.Duration
	MinLearned int
	Lookback   time.Duration
	Window     time.Duration
	MinCount   int
	Count      int
	Share      float64
}

// UnitDropRule: a sending unit (or a sender system: GroupBy) of whose last
// Letters letters (sent at least the stuck rule's T ago, within its
// lookback) at most Ratio of its own baseline share reached the channel at
// all (were acknowledged by it; the baseline: its earlier letters within
// the lookback, 1 without enough of them), while at least OthersMin of the
// other units' (systems') letters of the same time reached it.
type UnitDropRule struct {
	Rule
	GroupBy   []string // "unit" and/or "system"
	Letters   int
	Ratio     float64
	OthersMin float64
}

// By reports whether the rule judges groups of the kind ("unit", "system").
func (u UnitDropRule) By(kind string) bool { return slices.Contains(u.GroupBy, kind) }

// RejectionRule: the rejected or failed share of the letters sent in the
// last Window, per GroupBy (channel, unit, class), of at least MinCount
// letters, at least MinShare and at least Factor times the group's share
// over the Baseline before.
type RejectionRule struct {
	Rule
	GroupBy  []string
	Window   time.Duration
	Baseline time.Duration
	MinCount int
	MinShare float64
	Factor   float64
}

// NeverOpeningRule: a receiving organisation that opened none of its last
// Letters (or more) confidential letters sent within Over, each available
// and sent at least MinAge ago: likely nobody there has the access role.
type NeverOpeningRule struct {
	Rule
	Letters int
	Over    time.Duration
	MinAge  time.Duration
}

// CertificateRule: a channel's client certificate (Digital Post's OCES3),
// as its files hold it now, ends within Within, or has ended: the channel
// refuses every call from the day it ends.
type CertificateRule struct {
	Rule
	Within time.Duration
}

// Inhibit mutes the Target rules' alerts while a Source alert with the same
// Equal labels fires (Alertmanager's inhibit_rules): the source explains
// them.
type Inhibit struct {
	Source string
	Target []string
	Equal  []string
}

// Health is the configuration of the health rules.
type Health struct {
	File           string // "" when there is no health.yaml (defaults)
	RepeatInterval time.Duration
	ChannelSilent  ChannelSilentRule
	Stuck          StuckRule
	UnitDrop       UnitDropRule
	Rejection      RejectionRule
	NeverOpening   NeverOpeningRule
	Certificate    CertificateRule
	Inhibit        []Inhibit
}

// Common returns the common settings of the named rule (nil for an
// unknown name).
func (h *Health) Common(rule string) *Rule {
	switch rule {
	case RuleChannelSilent:
		return &h.ChannelSilent.Rule
	case RuleStuck:
		return &h.Stuck.Rule
	case RuleUnitDrop:
		return &h.UnitDrop.Rule
	case RuleRejection:
		return &h.Rejection.Rule
	case RuleNeverOpening:
		return &h.NeverOpening.Rule
	case RuleCertificate:
		return &h.Certificate.Rule
	}
	return nil
}

const day = 24 * time.Hour

// DefaultHealth is the configuration without a health.yaml.
func DefaultHealth() *Health {
	rule := func(sev string) Rule { return Rule{Enabled: true, Severity: sev} }
	h := &Health{
		RepeatInterval: 4 * time.Hour,
		ChannelSilent: ChannelSilentRule{Rule: rule("critical"), After: time.Hour, Young: 2 * day, MinLetters: 3,
			CallsWindow: time.Hour, MinCalls: 5, ErrorShare: 0.5, MaxLatency: 30 * time.Second},
		Stuck: StuckRule{Rule: rule("critical"), Settle: 7 * time.Hour, Percentile: 0.99, MinAfter: time.Hour, MaxAfter: day, Learn: 14 * day,
			MinLearned: 20, Lookback: 14 * day, Window: 3 * time.Hour, MinCount: 3, Count: 10, Share: 0.2},
		UnitDrop: UnitDropRule{Rule: rule("critical"), GroupBy: []string{"unit", "system"}, Letters: 3, Ratio: 0.2, OthersMin: 0.8},
		Rejection: RejectionRule{Rule: rule("warning"), GroupBy: []string{"channel", "unit"}, Window: day, Baseline: 28 * day,
			MinCount: 5, MinShare: 0.1, Factor: 3},
		NeverOpening: NeverOpeningRule{Rule: rule("info"), Letters: 3, Over: 365 * day, MinAge: 14 * day},
		Certificate:  CertificateRule{Rule: rule("warning"), Within: 30 * day},
		Inhibit: []Inhibit{
			{Source: RuleChannelSilent, Target: []string{RuleStuck, RuleUnitDrop, RuleRejection}, Equal: []string{"channel"}},
			{Source: RuleUnitDrop, Target: []string{RuleStuck}, Equal: []string{"channel", "unit"}},
		},
	}
	for _, name := range HealthRules {
		h.Common(name).RepeatInterval = h.RepeatInterval
	}
	h.NeverOpening.RepeatInterval = 7 * day
	h.Certificate.RepeatInterval = day // a reminder a day, as the log's warning: weeks ahead, not every 4 hours
	return h
}

// LoadHealth reads dir/health.yaml, or returns the defaults when the file
// does not exist. Every problem is returned (file:line), and then the
// configuration is nil.
func LoadHealth(dir string) (*Health, []Problem) {
	path := filepath.Join(dir, HealthFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// No health.yaml: the defaults. No folder at all is a mistyped
		// POSTVAKT_POLICIES, said as LoadDir says it, not the defaults.
		if _, err := os.ReadDir(dir); err != nil {
			return nil, []Problem{{File: dir, Message: fmt.Sprintf("cannot read policy directory: %v", unwrapPath(err))}}
		}
		return DefaultHealth(), nil
	}
	if err != nil {
		return nil, []Problem{{File: path, Message: fmt.Sprintf("cannot read health rules: %v", unwrapPath(err))}}
	}
	return ParseHealth(path, data)
}

// ParseHealth reads a health.yaml's content; file names it in problems.
// Fields left out keep their defaults.
func ParseHealth(file string, data []byte) (*Health, []Problem) {
	r := &reader{file: file}
	h := DefaultHealth()
	h.File = file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return h, nil // an empty file: the defaults
		}
		r.syntax(err)
		return nil, r.problems
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		r.addf(extra.Line, "more than one YAML document: health.yaml holds one")
	case !errors.Is(err, io.EOF):
		r.syntax(err)
	}
	if len(doc.Content) > 0 {
		r.health(doc.Content[0], h)
	}
	if len(r.problems) > 0 {
		sortProblems(r.problems)
		return nil, r.problems
	}
	return h, nil
}

func (r *reader) health(root *yaml.Node, h *Health) {
	root = deref(root)
	explicit := map[string]bool{} // rules with their own repeat_interval
	top := false
	r.mapping("", root.Line, root, []field{
		{"repeat_interval", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.duration(path, n); ok {
				h.RepeatInterval, top = v, true
			}
		}},
		{"rules", false, func(path string, key, n *yaml.Node) {
			var fields []field
			for _, name := range HealthRules {
				fields = append(fields, field{name, false, func(path string, key, n *yaml.Node) {
					explicit[name] = r.healthRule(path, key.Line, n, h, name)
				}})
			}
			r.mapping(path, key.Line, n, fields)
		}},
		{"inhibit", false, func(path string, key, n *yaml.Node) {
			h.Inhibit = r.inhibits(path, n)
		}},
	})
	// The top-level repeat_interval is every rule's that has none of its own.
	for _, name := range HealthRules {
		if top && !explicit[name] {
			h.Common(name).RepeatInterval = h.RepeatInterval
		}
	}
}

// healthRule reads one rule's section over its defaults and reports
// whether it sets its own repeat_interval.
func (r *reader) healthRule(section string, at int, n *yaml.Node, h *Health, name string) (ownRepeat bool) {
	c := h.Common(name)
	c.Line = at
	fields := []field{
		{"enabled", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.boolean(path, n); ok {
				c.Enabled = v
			}
		}},
		{"severity", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.word(path, n); ok {
				if !slices.Contains(Severities, v) {
					r.addf(deref(n).Line, "%s: %q is not a severity (%s)", path, v, strings.Join(Severities, ", "))
					return
				}
				c.Severity = v
			}
		}},
		{"to", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.list(path, n, r.alertRecipient); ok {
				c.To = v
			}
		}},
		{"repeat_interval", false, func(path string, _, n *yaml.Node) {
			ownRepeat = true
			if v, ok := r.duration(path, n); ok {
				c.RepeatInterval = v
			}
		}},
	}
	dur := func(name string, dst *time.Duration) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			if v, ok := r.duration(path, n); ok {
				*dst = v
			}
		}}
	}
	num := func(name string, dst *int) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			if v, ok := r.count(path, n); ok {
				if v < 1 {
					r.addf(deref(n).Line, "%s: must be at least 1", path)
					return
				}
				*dst = v
			}
		}}
	}
	frac := func(name string, dst *float64) field {
		return field{name, false, func(path string, _, n *yaml.Node) {
			if v, ok := r.fraction(path, n); ok {
				*dst = v
			}
		}}
	}
	lines := map[string]int{}
	track := func(f field) field {
		set := f.set
		f.set = func(path string, key, n *yaml.Node) { lines[key.Value] = deref(n).Line; set(path, key, n) }
		return f
	}
	switch name {
	case RuleChannelSilent:
		s := &h.ChannelSilent
		fields = append(fields, dur("after", &s.After), dur("young", &s.Young), num("min_letters", &s.MinLetters),
			dur("calls_window", &s.CallsWindow), num("min_calls", &s.MinCalls), frac("error_share", &s.ErrorShare),
			dur("max_latency", &s.MaxLatency))
	case RuleStuck:
		s := &h.Stuck
		fields = append(fields, dur("settle", &s.Settle), track(frac("percentile", &s.Percentile)), track(dur("min_after", &s.MinAfter)),
			track(dur("max_after", &s.MaxAfter)), dur("learn", &s.Learn), num("min_learned", &s.MinLearned),
			dur("lookback", &s.Lookback), dur("window", &s.Window), track(num("min_count", &s.MinCount)),
			track(num("count", &s.Count)), frac("share", &s.Share))
	case RuleUnitDrop:
		s := &h.UnitDrop
		fields = append(fields, field{"group_by", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.list(path, n, r.oneOf("a group", "unit", "system")); ok {
				s.GroupBy = v
			}
		}}, num("letters", &s.Letters), frac("ratio", &s.Ratio), frac("others_min", &s.OthersMin))
	case RuleRejection:
		s := &h.Rejection
		fields = append(fields, field{"group_by", false, func(path string, _, n *yaml.Node) {
			if v, ok := r.list(path, n, r.oneOf("a label", "channel", "unit", "class")); ok {
				s.GroupBy = v
			}
		}}, dur("window", &s.Window), dur("baseline", &s.Baseline), num("min_count", &s.MinCount),
			frac("min_share", &s.MinShare), field{"factor", false, func(path string, _, n *yaml.Node) {
				if v, ok := r.number(path, n); ok {
					if v < 1 {
						r.addf(deref(n).Line, "%s: must be at least 1 (times the baseline share)", path)
						return
					}
					s.Factor = v
				}
			}})
	case RuleNeverOpening:
		s := &h.NeverOpening
		fields = append(fields, num("letters", &s.Letters), dur("over", &s.Over), dur("min_age", &s.MinAge))
	case RuleCertificate:
		fields = append(fields, dur("within", &h.Certificate.Within))
	}
	r.mapping(section, at, n, fields)
	if name == RuleStuck {
		s := h.Stuck
		if s.MinAfter > s.MaxAfter {
			r.addf(max(lines["min_after"], lines["max_after"], at), "%s: min_after (%s) must not be longer than max_after (%s)",
				section, s.MinAfter, s.MaxAfter)
		}
		if s.Percentile <= 0 || s.Percentile >= 1 {
			r.addf(max(lines["percentile"], at), "%s.percentile: must be between 0 and 1 (e.g. 0.99), not %g", section, s.Percentile)
		}
		if s.Count < s.MinCount {
			r.addf(max(lines["count"], lines["min_count"], at), "%s: count (%d) must not be below min_count (%d)", section, s.Count, s.MinCount)
		}
	}
	return ownRepeat
}

// inhibits reads the inhibit list.
func (r *reader) inhibits(path string, n *yaml.Node) []Inhibit {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		r.addf(n.Line, "%s: wrong type: want a list of {source, target, equal}, got %s", path, describe(n))
		return nil
	}
	rule := r.oneOf("a health rule", HealthRules...)
	out := []Inhibit{}
	for i, c := range n.Content {
		var in Inhibit
		p := fmt.Sprintf("%s[%d]", path, i)
		targetLine := deref(c).Line
		r.mapping(p, deref(c).Line, c, []field{
			{"source", true, func(path string, _, n *yaml.Node) { in.Source, _ = rule(path, n) }},
			{"target", true, func(path string, key, n *yaml.Node) {
				targetLine = key.Line
				in.Target, _ = r.list(path, n, rule)
			}},
			{"equal", false, func(path string, _, n *yaml.Node) {
				in.Equal, _ = r.list(path, n, r.oneOf("a label", AlertLabels...))
			}},
		})
		if in.Source != "" && slices.Contains(in.Target, in.Source) {
			r.addf(targetLine, "%s: a rule cannot inhibit itself (%s)", p, in.Source)
		}
		out = append(out, in)
	}
	return out
}

// oneOf returns an item reader accepting one of the words.
func (r *reader) oneOf(what string, words ...string) func(path string, n *yaml.Node) (string, bool) {
	return func(path string, n *yaml.Node) (string, bool) {
		v, ok := r.word(path, n)
		if ok && !slices.Contains(words, v) {
			r.addf(deref(n).Line, "%s: %q is not %s (%s)", path, v, what, strings.Join(words, ", "))
			return "", false
		}
		return v, ok
	}
}

// alertRecipient reads one to: entry: an e-mail address, unit_manager or
// compliance.
func (r *reader) alertRecipient(path string, n *yaml.Node) (string, bool) {
	v, ok := r.word(path, n)
	if !ok {
		return "", false
	}
	if v == ToUnitManager || v == ToCompliance {
		return v, true
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v {
		r.addf(deref(n).Line, "%s: %q is neither a plain e-mail address nor %s or %s", path, v, ToUnitManager, ToCompliance)
		return "", false
	}
	return v, true
}

// duration reads a positive duration: Go's units plus d (days) and w
// (weeks), e.g. "90m", "36h", "2d", "1w".
func (r *reader) duration(path string, n *yaml.Node) (time.Duration, bool) {
	s, ok := r.scalar(path, n, `a duration such as "90m", "6h" or "14d"`, "!!str")
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s.Value)
	if err != nil {
		r.addf(s.Line, "%s: %v", path, err)
		return 0, false
	}
	if d <= 0 {
		r.addf(s.Line, "%s: must be longer than 0, got %q", path, s.Value)
		return 0, false
	}
	return d, true
}

// number reads a number (integer or decimal).
func (r *reader) number(path string, n *yaml.Node) (float64, bool) {
	s, ok := r.scalar(path, n, "a number", "!!int", "!!float")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s.Value, 64)
	if err != nil {
		r.addf(s.Line, "%s: %q is not a number", path, s.Value)
		return 0, false
	}
	return v, true
}

// fraction reads a number from 0 to 1.
func (r *reader) fraction(path string, n *yaml.Node) (float64, bool) {
	v, ok := r.number(path, n)
	if ok && (v < 0 || v > 1) {
		r.addf(deref(n).Line, "%s: must be between 0 and 1 (a share), not %g", path, v)
		return 0, false
	}
	return v, ok
}

// ParseDuration reads a duration with Go's units and also d (24h) and w
// (7d), which may be combined: "1w2d", "2d12h", "90m".
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration: want e.g. \"90m\", \"6h\", \"14d\" or \"1w\"", s)
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		if i == 0 || j == i {
			return 0, bad
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		var d time.Duration
		switch unit {
		case "d", "w":
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad
			}
			d = time.Duration(n * float64(day))
			if unit == "w" {
				d *= 7
			}
		default:
			var err error
			if d, err = time.ParseDuration(num + unit); err != nil {
				return 0, bad
			}
		}
		total += d
	}
	return total, nil
}
