package health

import (
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// neverOpening is never_opening_org's reason: nobody at the organisation
// seems to have access to its confidential post, which is granted in
// Altinn to a Norwegian organisation (the access role) and to a Danish one
// by its rights administrator in Rettighedsportalen (not in MitID
// Erhverv). The catalogue says it, in every language; the English summary
// is its English (one source of the advice).
func neverOpening(org string, n int, since string) store.AlertReason {
	if model.OrgCountry(org) == "DK" {
		return reason("mail.alert.why.never_opening_dk", "Org", org, "Count", n, "Since", since)
	}
	return reason("mail.alert.why.never_opening", "Org", org, "Count", n, "Since", since)
}

// NeverOpening is the never_opening_org rule.
func NeverOpening(cfg policy.NeverOpeningRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	var out []Condition
	for _, o := range f.Orgs {
		if o.Unopened < cfg.Letters {
			continue
		}
		from := f.Now.Add(-cfg.Over)
		if o.LastOpened != nil && o.LastOpened.Add(tick).After(from) {
			from = o.LastOpened.Add(tick)
		}
		since := o.From.In(oslo).Format("2006-01-02") // the date pages and mails show for the letter
		why := []store.AlertReason{neverOpening(o.Org, o.Unopened, since)}
		out = append(out, Condition{Rule: policy.RuleNeverOpening, Labels: store.Labels{"org": o.Org},
			Severity: cfg.Severity, Affected: o.Unopened,
			Summary: summaryOf(why), Why: why,
			Selector: store.IncidentFilter{Org: o.Org, Confidential: true, States: []model.State{model.StateAvailable},
				ExceptStages: []model.Stage{model.StageRecipientSystem}, From: from, To: sentBy(f.Now, cfg.MinAge)}})
	}
	return out
}
