package health

import (
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// PrintProvider is what the print_provider_silent rule reads: the print
// provider's host (POSTVAKT_PRINT_URL's, never its path, query or key)
// and the facts of its open orders as of the evaluation.
type PrintProvider struct {
	Host  string
	Facts store.PrintProviderFacts
}

// PrintProviderSilent is the print_provider_silent rule: the print
// provider has given no useful answer about at least one placed print
// order that is not final for After or longer, or has not placed an order
// asked for After or longer (its creates fail and are sent again), or the
// address lookups of a print decision have failed for After or longer
// (Enhetsregisteret, asked before any order: the print stops there). Its status polls (or
// cancels) fail, or it answers 404 in runs in which it knows none of
// postvakt's orders (a wrong POSTVAKT_PRINT_URL, an outage, a new
// account): printing then sends no order to manual handling, and the
// letters due on paper may never be printed. A 404 for one order while
// the provider knows the others is an answer (that order goes to manual
// handling, print_lost, after printing.OrderLostAfter), not this rule's.
// It fires too when the provider keeps orders it accepted Unprinted or
// longer ago without printing them (lost inside the provider: every poll
// answers, "received").
// Labelled with the provider's host; it names the host, the counts and
// the times, nothing of the letters (it is about no letters: their
// recipients and titles stay out of the mail).
func PrintProviderSilent(cfg policy.PrintSilentRule, f Facts) []Condition {
	p := f.Print
	if !cfg.Enabled || p == nil {
		return nil
	}
	host, pf := p.Host, p.Facts
	unanswered, unplaced := pf.Unanswered > 0 && pf.Since != nil, pf.Unplaced > 0 && pf.UnplacedSince != nil
	unresolved := pf.Unresolved > 0 && pf.UnresolvedSince != nil
	unprinted := pf.Unprinted > 0 && pf.UnprintedSince != nil
	if !unanswered && !unplaced && !unresolved && !unprinted {
		return nil
	}
	// The summary is the reasons in English (summaryOf): each names what
	// to check.
	var why []store.AlertReason
	if unanswered {
		why = append(why, reason("mail.alert.why.print_provider_silent", "Provider", host, "Count", pf.Unanswered,
			"Open", pf.Open, "After", cfg.After, "Since", when(*pf.Since)))
	}
	if unplaced {
		why = append(why, reason("mail.alert.why.print_unplaced", "Provider", host, "Count", pf.Unplaced,
			"After", cfg.After, "Since", when(*pf.UnplacedSince)))
	}
	if unresolved {
		why = append(why, reason("mail.alert.why.print_unresolved", "Count", pf.Unresolved, "After", cfg.After, "Since", when(*pf.UnresolvedSince)))
	}
	if unprinted {
		why = append(why, reason("mail.alert.why.print_unprinted", "Provider", host, "Count", pf.Unprinted,
			"After", cfg.Unprinted, "Since", when(*pf.UnprintedSince)))
	}
	if pf.Answered != nil {
		why = append(why, reason("mail.alert.why.print_answered", "At", when(*pf.Answered)))
	}
	summary := summaryOf(why)
	return []Condition{{Rule: policy.RulePrintSilent, Labels: store.Labels{"provider": p.Host},
		Severity: cfg.Severity, Summary: summary, Why: why, Selector: store.IncidentFilter{NoLetters: true}}}
}
