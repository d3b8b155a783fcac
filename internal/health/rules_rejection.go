package health

import (
	"slices"
	"sort"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// RejectionSpike is the rejection_spike rule, per GroupBy. A wave that
// runs across a channel is judged per channel too, when GroupBy has the
// channel and more:
// a channel rejecting four letters of each of forty units reaches no
// unit's min_count. The channel's alert fires when its letters spike and
// at least min_count of its rejected letters lie outside the finer groups
// that fire on their own (one unit's spike is not the channel's); the
// finer alerts of that channel are then muted (inhibited): it explains
// them.
func RejectionSpike(cfg policy.RejectionRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	out := rejectionSpikes(cfg, f, cfg.GroupBy)
	if !slices.Contains(cfg.GroupBy, "channel") || len(cfg.GroupBy) == 1 {
		// Grouped by the channel alone, the wave is the groups; grouped
		// without it, the groups' letters are not the channel's to weigh.
		return out
	}
	for _, wave := range rejectionSpikes(cfg, f, []string{"channel"}) {
		outside := wave.Affected
		for _, c := range out {
			if c.Labels["channel"] == wave.Labels["channel"] {
				outside -= c.Affected
			}
		}
		if outside < cfg.MinCount {
			continue
		}
		for i := range out {
			if out[i].Labels["channel"] == wave.Labels["channel"] {
				out[i].Inhibited = true
			}
		}
		wave.Why = append(wave.Why, reason("mail.alert.why.across_channel"))
		wave.Summary = summaryOf(wave.Why)
		out = append(out, wave)
	}
	return out
}

// rejectionSpikes judges the rejection facts summed per groupBy.
func rejectionSpikes(cfg policy.RejectionRule, f Facts, groupBy []string) []Condition {
	type group struct {
		labels                     store.Labels
		window, bad, base, baseBad int
	}
	groups := map[string]*group{}
	var keys []string
	for _, r := range f.Rejections {
		l := store.Labels{}
		for _, k := range groupBy {
			switch k {
			case "channel":
				l["channel"] = r.Channel
			case "unit":
				l["sender"], l["unit"] = r.SenderOrg, r.Unit
			case "class":
				l["class"] = r.Class
			}
		}
		key := l.String()
		g := groups[key]
		if g == nil {
			g = &group{labels: l}
			groups[key] = g
			keys = append(keys, key)
		}
		g.window += r.Window
		g.bad += r.WindowBad
		g.base += r.Baseline
		g.baseBad += r.BaselineBad
	}
	sort.Strings(keys)
	var out []Condition
	for _, k := range keys {
		g := groups[k]
		share, base := ratio(g.bad, g.window), ratio(g.baseBad, g.base)
		if g.bad < cfg.MinCount || share < cfg.MinShare || share < cfg.Factor*base {
			continue
		}
		l := g.labels
		why := []store.AlertReason{reason("mail.alert.why.rejections", "Bad", g.bad, "Letters", g.window, "Window", cfg.Window,
			"Share", pct(share), "Baseline", pct(base))}
		out = append(out, Condition{Rule: policy.RuleRejection, Labels: l, Severity: cfg.Severity, Affected: g.bad,
			Summary: summaryOf(why), Why: why,
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: l["sender"]}, Channel: l["channel"], Unit: l["unit"],
				Class: l["class"], States: []model.State{model.StateRejected, model.StateFailed},
				From: f.Now.Add(-cfg.Window), To: sentBy(f.Now, 0)}})
	}
	return out
}
