package policy

import (
	"slices"
	"time"
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
	RulePrintSilent   = "print_provider_silent"
)

// HealthRules lists the rules in the order they are evaluated and shown.
var HealthRules = []string{RuleChannelSilent, RuleStuck, RuleUnitDrop, RuleRejection, RuleNeverOpening, RuleCertificate, RulePrintSilent}

// Severities of a health rule.
var Severities = []string{"critical", "warning", "info"}

// AlertLabels are the labels a health alert may carry; inhibit rules
// compare them (sender: the sending organisation of a unit or system
// alert, whose unit names are its own; provider: print_provider_silent's
// print provider host).
var AlertLabels = []string{"channel", "sender", "unit", "system", "class", "org", "provider"}

// LabelUnitID is the label that names a unit alert's sending unit by its
// id (sender_units.id) wherever the alert leaves postvakt (mail, webhook,
// metric, log), in place of unit, the unit's name its stored labels keep.
// An inhibit rule's equal: may name it: the same unit, that is the same
// sender and unit (EqualLabels).
const LabelUnitID = "unit_id"

// EqualLabels are the labels an inhibit rule's equal: compares for the
// words it names: unit_id (LabelUnitID, as the alerts leave postvakt) is
// sender and unit (a unit's id is its organisation and name), each label
// once, in the order named.
func EqualLabels(words []string) []string {
	var out []string
	for _, w := range words {
		ls := []string{w}
		if w == LabelUnitID {
			ls = []string{"sender", "unit"}
		}
		for _, l := range ls {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// Roles a rule's to: may name beside e-mail addresses: the manager of the
// alert's sending unit (sender_units.manager_email), and the compliance
// officers of its sender organisation (users of role compliance with an
// e-mail address, unscoped ones included).
const (
	ToUnitManager = "unit_manager"
	ToCompliance  = "compliance"
)

// Rule is what every health rule has: whether it runs, how bad it is, who
// is told beyond POSTVAKT_ALERT_EMAIL, how often a firing alert is
// repeated, and how long a firing alert whose condition no longer holds
// keeps firing before it resolves (Prometheus' keep_firing_for: a
// condition that comes and goes between evaluations is one alert, not a
// mail each time; 0: it resolves at the first evaluation without it).
type Rule struct {
	Enabled        bool
	Severity       string
	To             []string // e-mail addresses, ToUnitManager and ToCompliance
	RepeatInterval time.Duration
	KeepFiringFor  time.Duration
	Line           int // where the rule is configured (0: defaults)
}

// DefaultKeepFiringFor is every rule's keep_firing_for without one of its
// own or a top-level one (Health.KeepFiring): fifteen evaluations of make
// run's minute, three of serve's default five minutes.
const DefaultKeepFiringFor = 15 * time.Minute

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

// PrintSilentRule: the print provider has given no useful answer about a
// placed print order that is not final for After or longer: its status
// polls or cancels fail, or it answers 404 while it knows none of
// postvakt's orders (a wrong POSTVAKT_PRINT_URL, an outage, a new
// account), so letters due on paper may not be printed and none goes to
// manual handling.
//
// Unprinted: the provider has kept an order it accepted for Unprinted or
// longer without printing it (its status polls answer "received"): an
// order lost inside the provider looks like a healthy one to every other
// check, and its letter waits in print_ordered for ever.
type PrintSilentRule struct {
	Rule
	After     time.Duration
	Unprinted time.Duration
}

// MinPrintUnprinted is the shortest PrintSilentRule.Unprinted: a provider
// prints and posts within a business day or two, and a weekend comes
// between.
const MinPrintUnprinted = 24 * time.Hour

// MinPrintSilentAfter is the shortest PrintSilentRule.After: a failing
// status poll is asked again after at most an hour (printing's backoff),
// so a shorter After fires on a few failed polls in a row.
const MinPrintSilentAfter = time.Hour

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
	File string // "" when there is no health.yaml (defaults)
	// RepeatInterval and KeepFiring are the top-level repeat_interval and
	// keep_firing_for: every rule's that sets none of its own (Rule).
	RepeatInterval time.Duration
	KeepFiring     time.Duration
	ChannelSilent  ChannelSilentRule
	Stuck          StuckRule
	UnitDrop       UnitDropRule
	Rejection      RejectionRule
	NeverOpening   NeverOpeningRule
	Certificate    CertificateRule
	PrintSilent    PrintSilentRule
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
	case RulePrintSilent:
		return &h.PrintSilent.Rule
	}
	return nil
}

// KeepFiringFor is how long the named rule's firing alerts are kept firing
// after their condition was last seen: 0 for a rule that is disabled (its
// alerts resolve at once) or unknown.
func (h *Health) KeepFiringFor(rule string) time.Duration {
	if c := h.Common(rule); c != nil && c.Enabled {
		return c.KeepFiringFor
	}
	return 0
}

const day = 24 * time.Hour

// DefaultHealth is the configuration without a health.yaml.
func DefaultHealth() *Health {
	rule := func(sev string) Rule { return Rule{Enabled: true, Severity: sev} }
	h := &Health{
		RepeatInterval: 4 * time.Hour,
		KeepFiring:     DefaultKeepFiringFor,
		ChannelSilent: ChannelSilentRule{Rule: rule("critical"), After: time.Hour, Young: 2 * day, MinLetters: 3,
			CallsWindow: time.Hour, MinCalls: 5, ErrorShare: 0.5, MaxLatency: 30 * time.Second},
		Stuck: StuckRule{Rule: rule("critical"), Settle: 7 * time.Hour, Percentile: 0.99, MinAfter: time.Hour, MaxAfter: day, Learn: 14 * day,
			MinLearned: 20, Lookback: 14 * day, Window: 3 * time.Hour, MinCount: 3, Count: 10, Share: 0.2},
		UnitDrop: UnitDropRule{Rule: rule("critical"), GroupBy: []string{"unit", "system"}, Letters: 3, Ratio: 0.2, OthersMin: 0.8},
		Rejection: RejectionRule{Rule: rule("warning"), GroupBy: []string{"channel", "unit"}, Window: day, Baseline: 28 * day,
			MinCount: 5, MinShare: 0.1, Factor: 3},
		NeverOpening: NeverOpeningRule{Rule: rule("info"), Letters: 3, Over: 365 * day, MinAge: 14 * day},
		Certificate:  CertificateRule{Rule: rule("warning"), Within: 30 * day},
		PrintSilent:  PrintSilentRule{Rule: rule("critical"), After: 6 * time.Hour, Unprinted: 5 * day},
		Inhibit: []Inhibit{
			{Source: RuleChannelSilent, Target: []string{RuleStuck, RuleUnitDrop, RuleRejection}, Equal: []string{"channel"}},
			// The same unit: its sender and name (two organisations' units
			// may share a name), as equal: [channel, unit_id] reads.
			{Source: RuleUnitDrop, Target: []string{RuleStuck}, Equal: EqualLabels([]string{"channel", LabelUnitID})},
		},
	}
	for _, name := range HealthRules {
		c := h.Common(name)
		c.RepeatInterval, c.KeepFiringFor = h.RepeatInterval, h.KeepFiring
	}
	h.NeverOpening.RepeatInterval = 7 * day
	h.Certificate.RepeatInterval = day // a reminder a day, as the log's warning: weeks ahead, not every 4 hours
	return h
}
