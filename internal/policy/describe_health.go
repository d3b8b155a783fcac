package policy

// RuleTerms is one health rule in words, as the rules page shows it.
type RuleTerms struct {
	Name     string
	Enabled  bool
	Severity string
	// Watches is what fires the rule, with its thresholds.
	Watches Term
	// Repeat is how often a firing alert is sent again, and how long it is
	// kept firing after its condition ended (keep_firing_for).
	Repeat Term
	// Told is who is told: POSTVAKT_ALERT_EMAIL, and the rule's to:.
	Told Term
}

// Terms are the health rules in words, in the order they are evaluated;
// their to: e-mail addresses are named as v may read them (else counted):
// a rule's to: is told of every organisation's alerts, so only to an
// unscoped viewer (addressesHidden).
func (h *Health) Terms(v Viewer) []RuleTerms {
	var out []RuleTerms
	for _, name := range HealthRules {
		c := h.Common(name)
		var roles, emails []string
		for _, to := range c.To {
			if to == ToUnitManager || to == ToCompliance {
				roles = append(roles, to)
			} else {
				emails = append(emails, to)
			}
		}
		told := Term{Key: "rules.health.told_alert_email"}
		if to := escalationList(roles, emails, v.addressesHidden(nil)); len(to) > 0 {
			told = Term{Key: "rules.health.told", Args: []any{"To", to}}
		}
		repeat := Term{Key: "rules.health.repeat", Args: []any{"Every", Span(c.RepeatInterval)}}
		if c.KeepFiringFor > 0 {
			repeat = Term{Key: "rules.health.repeat_keep", Args: []any{"Every", Span(c.RepeatInterval), "Keep", Span(c.KeepFiringFor)}}
		}
		out = append(out, RuleTerms{Name: name, Enabled: c.Enabled, Severity: c.Severity, Watches: h.watches(name),
			Repeat: repeat, Told: told})
	}
	return out
}

// watches is what fires the named rule, with its thresholds.
func (h *Health) watches(name string) Term {
	switch name {
	case RuleChannelSilent:
		r := h.ChannelSilent
		return Term{Key: "rules.health.channel_silent", Args: []any{"After", Span(r.After), "MinLetters", r.MinLetters, "Young", Span(r.Young),
			"ErrorShare", Share(r.ErrorShare), "MinCalls", r.MinCalls, "CallsWindow", Span(r.CallsWindow), "MaxLatency", Span(r.MaxLatency)}}
	case RuleStuck:
		r := h.Stuck
		return Term{Key: "rules.health.stuck", Args: []any{"Percentile", Share(r.Percentile), "Learn", Span(r.Learn), "MinAfter", Span(r.MinAfter),
			"MaxAfter", Span(r.MaxAfter), "MinLearned", r.MinLearned, "Lookback", Span(r.Lookback), "MinCount", r.MinCount,
			"Many", r.Count, "Share", Share(r.Share), "Window", Span(r.Window), "Settle", Span(r.Settle)}}
	case RuleUnitDrop:
		r := h.UnitDrop
		return Term{Key: "rules.health.unit_delivery_drop", Args: []any{"By", words("rules.group.", r.GroupBy), "Letters", r.Letters,
			"Ratio", Share(r.Ratio), "OthersMin", Share(r.OthersMin)}}
	case RuleRejection:
		r := h.Rejection
		return Term{Key: "rules.health.rejection_spike", Args: []any{"Window", Span(r.Window), "By", words("rules.group.", r.GroupBy),
			"MinCount", r.MinCount, "MinShare", Share(r.MinShare), "Factor", r.Factor, "Baseline", Span(r.Baseline)}}
	case RuleNeverOpening:
		r := h.NeverOpening
		return Term{Key: "rules.health.never_opening_org", Args: []any{"Letters", r.Letters, "Count", r.Letters, "Over", Span(r.Over), "MinAge", Span(r.MinAge)}}
	case RuleCertificate:
		return Term{Key: "rules.health.certificate_expiring", Args: []any{"Within", Span(h.Certificate.Within)}}
	case RulePrintSilent:
		return Term{Key: "rules.health.print_provider_silent", Args: []any{"After", Span(h.PrintSilent.After), "Unprinted", Span(h.PrintSilent.Unprinted)}}
	}
	return Term{Key: "rules.health.unknown"}
}

// InhibitTerms are the inhibit rules in words.
func (h *Health) InhibitTerms() []Term {
	out := make([]Term, len(h.Inhibit))
	for i, in := range h.Inhibit {
		out[i] = Term{Key: "rules.health.inhibit", Args: []any{"Source", in.Source, "Target", List(anyOf(in.Target)), "Equal", words("rules.group.", in.Equal)}}
	}
	return out
}

// anyOf is a list of strings as a List's values.
func anyOf(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
