package health

import (
	"fmt"
	"time"

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
// order that is not final for After or longer. Its status polls (or
// cancels) fail, or it answers 404 in runs in which it knows none of
// postvakt's orders (a wrong POSTVAKT_PRINT_URL, an outage, a new
// account): printing then sends no order to manual handling, and the
// letters due on paper may never be printed. A 404 for one order while
// the provider knows the others is an answer (that order goes to manual
// handling, print_lost, after printing.OrderLostAfter), not this rule's.
// Labelled with the provider's host; it names the host, the counts and
// the times, nothing of the letters (it is about no letters: their
// recipients and titles stay out of the mail).
func PrintProviderSilent(cfg policy.PrintSilentRule, f Facts) []Condition {
	p := f.Print
	if !cfg.Enabled || p == nil || p.Facts.Unanswered == 0 || p.Facts.Since == nil {
		return nil
	}
	host, pf := p.Host, p.Facts
	summary := fmt.Sprintf("the print provider %s has given no useful answer about %d of %d open print orders for %s or longer (since %s): "+
		"their status polls fail, or it answers that it knows none of postvakt's orders; their letters may not be printed and none goes "+
		"to manual handling. Check POSTVAKT_PRINT_URL, the provider account and the provider's status",
		host, pf.Unanswered, pf.Open, cfg.After, when(*pf.Since))
	why := []store.AlertReason{reason("mail.alert.why.print_provider_silent", "Provider", host, "Count", pf.Unanswered,
		"Open", pf.Open, "After", cfg.After, "Since", when(*pf.Since))}
	if pf.Answered != nil {
		summary += fmt.Sprintf("; its last useful answer about an open order: %s", when(*pf.Answered))
		why = append(why, reason("mail.alert.why.print_answered", "At", when(*pf.Answered)))
	}
	return []Condition{{Rule: policy.RulePrintSilent, Labels: store.Labels{"provider": p.Host},
		Severity: cfg.Severity, Summary: summary, Why: why, Selector: store.IncidentFilter{NoLetters: true}}}
}

// printBound is the bound of the print_provider_silent facts as of now:
// orders unanswered since then or earlier count.
func printBound(cfg policy.PrintSilentRule, now time.Time) time.Time { return now.Add(-cfg.After) }
