package health

import (
	"fmt"
	"strings"
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
	if !unanswered && !unplaced && !unresolved {
		return nil
	}
	var parts []string
	var why []store.AlertReason
	if unanswered {
		parts = append(parts, fmt.Sprintf("the print provider %s has given no useful answer about %d of %d open print orders for %s or longer (since %s): "+
			"their status polls fail, or it answers that it knows none of postvakt's orders; their letters may not be printed and none goes "+
			"to manual handling", host, pf.Unanswered, pf.Open, english(cfg.After), when(*pf.Since)))
		why = append(why, reason("mail.alert.why.print_provider_silent", "Provider", host, "Count", pf.Unanswered,
			"Open", pf.Open, "After", cfg.After, "Since", when(*pf.Since)))
	}
	if unplaced {
		orders := "print orders"
		if pf.Unplaced == 1 {
			orders = "print order"
		}
		parts = append(parts, fmt.Sprintf("the print provider %s has not placed %d %s asked for %s or longer (since %s): "+
			"its answers to them fail (5xx, timeouts, answers that cannot be read) and each is sent again; their letters are not printed "+
			"and none goes to manual handling", host, pf.Unplaced, orders, english(cfg.After), when(*pf.UnplacedSince)))
		why = append(why, reason("mail.alert.why.print_unplaced", "Provider", host, "Count", pf.Unplaced,
			"After", cfg.After, "Since", when(*pf.UnplacedSince)))
	}
	var check []string
	if unanswered || unplaced {
		check = append(check, "POSTVAKT_PRINT_URL, the provider account and the provider's status")
	}
	if unresolved {
		decisions := "print decisions"
		if pf.Unresolved == 1 {
			decisions = "print decision"
		}
		parts = append(parts, fmt.Sprintf("the address lookups of %d %s have failed for %s or longer (since %s): "+
			"Enhetsregisteret does not answer, or answers what cannot be read, and each is asked again; their letters are not printed "+
			"and none goes to manual handling", pf.Unresolved, decisions, english(cfg.After), when(*pf.UnresolvedSince)))
		why = append(why, reason("mail.alert.why.print_unresolved", "Count", pf.Unresolved, "After", cfg.After, "Since", when(*pf.UnresolvedSince)))
		check = append(check, "POSTVAKT_REGISTER_URL and Enhetsregisteret's status")
	}
	summary := strings.Join(parts, "; ") + ". Check " + strings.Join(check, "; ")
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
