// Package health watches the watchers: rules over what postvakt's store
// knows of every letter and every channel call catch the losses no channel
// reports — a channel gone silent, letters a provider holds without ever
// delivering them (Copenhagen, May 2020), a sending unit whose letters stop
// reaching the channel (Copenhagen, December 2019), a rejection spike, and
// receiving organisations that never open anything (Bergen) — and raise
// alerts the Alertmanager way: identified by rule and labels, sent once,
// repeated after an interval while they hold, resolved (and told so) when
// they clear, recorded in the database so that a restart or a second
// replica never sends one twice.
//
// An evaluation is: gather the facts (store queries over a bounded recent
// period), run the rules (pure functions of the facts and the clock, in
// this file), inhibit what another alert explains, diff against the firing
// alerts, record, and notify (e-mail, Alertmanager webhook) through the
// notice log.
package health

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Condition is an alert the rules say holds as of the facts' time.
type Condition struct {
	Rule      string
	Labels    store.Labels
	Severity  string
	Summary   string               // readable, without personal data (English: the webhook's)
	Why       []store.AlertReason  // the summary for people in their language (Why)
	Selector  store.IncidentFilter // the letters it is about
	Affected  int                  // how many, from the facts (the evaluation recounts through Selector)
	Inhibited bool                 // another firing alert explains it
	// Systems are the sender systems of the letters a sending unit's
	// condition is about (see Explained); nil when not known.
	Systems []string
}

// Facts is everything the rules read, as of Now.
type Facts struct {
	Now time.Time
	// Due holds per channel the stuck rule's learned delivery time T
	// (After), the channel's last status change and its statuses of a
	// letter scheduled for later (left out by the selectors as by the
	// facts).
	Due     map[string]store.ChannelDue
	Learned map[string]store.DeliveryTime
	// Lookback and Window are the stuck rule's: the unit facts were read
	// over them (unit_delivery_drop judges the same letters).
	Lookback, Window time.Duration
	// SilenceEnded is, per channel, when its last channel_silent alert
	// resolved; for Settle after that its letters are not judged.
	SilenceEnded map[string]time.Time
	Settle       time.Duration
	Channels     []store.ChannelActivity // with the calls of the silent rule's calls window
	Units        []store.UnitFacts
	Systems      []store.SystemFacts // unit_delivery_drop per sender system
	Rejections   []store.RejectionFacts
	Orgs         []store.OrgFacts
}

// Thresholds learns each channel's T: the configured quantile of its recent
// delivery times, at least MinAfter and at most MaxAfter; MaxAfter while
// fewer than MinLearned letters were delivered. T is whole seconds.
func Thresholds(cfg policy.StuckRule, learned []store.DeliveryTime, channels []string) map[string]time.Duration {
	out := make(map[string]time.Duration, len(channels))
	for _, ch := range channels {
		out[ch] = cfg.MaxAfter
	}
	for _, l := range learned {
		t := cfg.MaxAfter
		if l.Delivered >= cfg.MinLearned {
			t = min(max(l.Quantile, cfg.MinAfter), cfg.MaxAfter)
		}
		out[l.Channel] = t.Round(time.Second)
	}
	return out
}

// pending are the states of a letter the channel has not delivered (yet);
// dropped the state of one it never heard of (unit_delivery_drop's letters:
// one it acknowledged and did not deliver is the stuck rule's).
var (
	pending = []model.State{model.StateRegistered, model.StateAccepted}
	dropped = []model.State{model.StateRegistered}
)

// just after: a selector's To is exclusive, the facts' bounds inclusive.
const tick = time.Microsecond

// sentBy is a selector's To for the letters at least age old as of now:
// every rule's facts count a letter exactly age old (sent_at <= now - age,
// as store.MinAgeBound for the lists), and a selector's To is exclusive.
func sentBy(now time.Time, age time.Duration) time.Time { return now.Add(-age + tick) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// reason is an AlertReason with its arguments as name, value pairs: a
// time.Duration is kept in seconds, anything else as its text.
func reason(key string, args ...any) store.AlertReason {
	r := store.AlertReason{Key: key}
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		switch v := args[i+1].(type) {
		case time.Duration:
			if r.Durations == nil {
				r.Durations = map[string]int64{}
			}
			r.Durations[name] = int64(v / time.Second)
		default:
			if r.Args == nil {
				r.Args = map[string]string{}
			}
			r.Args[name] = fmt.Sprint(v)
		}
	}
	return r
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

// ChannelSilent is the channel_silent rule.
func ChannelSilent(cfg policy.ChannelSilentRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	type overdue struct {
		n    int
		from *time.Time
	}
	byCh := map[string]*overdue{}
	var names []string
	for _, u := range f.Units {
		o := byCh[u.Channel]
		if o == nil {
			o = &overdue{}
			byCh[u.Channel] = o
			names = append(names, u.Channel)
		}
		o.n += u.OverdueYoung
		if u.OverdueYoungFrom != nil && (o.from == nil || u.OverdueYoungFrom.Before(*o.from)) {
			o.from = u.OverdueYoungFrom
		}
	}
	act := map[string]store.ChannelActivity{}
	for _, a := range f.Channels {
		act[a.Channel] = a
		if byCh[a.Channel] == nil {
			byCh[a.Channel] = &overdue{}
			names = append(names, a.Channel)
		}
	}
	sort.Strings(names)
	var out []Condition
	for _, ch := range names {
		o, a := byCh[ch], act[ch]
		var why []string
		var reasons []store.AlertReason
		asked := a.LastCallAt != nil && f.Now.Sub(*a.LastCallAt) <= cfg.After
		if o.n >= cfg.MinLetters && asked && (a.LastChangeAt == nil || f.Now.Sub(*a.LastChangeAt) >= cfg.After) {
			since := "ever"
			if a.LastChangeAt != nil {
				d := f.Now.Sub(*a.LastChangeAt).Round(time.Minute)
				since = d.String()
				reasons = append(reasons, reason("mail.alert.why.no_change", "Since", d, "Count", o.n))
			} else {
				reasons = append(reasons, reason("mail.alert.why.no_change_ever", "Count", o.n))
			}
			why = append(why, fmt.Sprintf("no status change for %s while %d letters are overdue", since, o.n))
		}
		if a.Calls >= cfg.MinCalls && ratio(a.Errors, a.Calls) >= cfg.ErrorShare {
			why = append(why, fmt.Sprintf("%d of %d calls in the last %s failed", a.Errors, a.Calls, cfg.CallsWindow))
			reasons = append(reasons, reason("mail.alert.why.call_errors", "Errors", a.Errors, "Calls", a.Calls, "Window", cfg.CallsWindow))
		}
		if a.Calls >= cfg.MinCalls && a.LatencyAvg() >= cfg.MaxLatency {
			why = append(why, fmt.Sprintf("calls take %s on average", a.LatencyAvg().Round(time.Millisecond)))
			reasons = append(reasons, reason("mail.alert.why.slow_calls", "Latency", a.LatencyAvg().Round(time.Millisecond)))
		}
		if len(why) == 0 {
			continue
		}
		t := f.Due[ch].After
		out = append(out, Condition{Rule: policy.RuleChannelSilent, Labels: store.Labels{"channel": ch},
			Severity: cfg.Severity, Affected: o.n,
			Summary: fmt.Sprintf("%s: %s", ch, strings.Join(why, "; ")), Why: reasons,
			Selector: store.IncidentFilter{Channel: ch, States: pending, From: f.Now.Add(-cfg.Young),
				To: sentBy(f.Now, t), Undecided: true, Unscheduled: f.Due[ch].Scheduled, Live: true}})
	}
	return out
}

// unitLabels are the labels of a sending unit on a channel.
func unitLabels(channel, senderOrg, unit string) store.Labels {
	return store.Labels{"channel": channel, "sender": senderOrg, "unit": unit}
}

// settling reports whether a channel's silence ended less than Settle ago:
// the poller is still catching up with its letters.
func (f Facts) settling(channel string) bool {
	end, ok := f.SilenceEnded[channel]
	return ok && f.Now.Sub(end) < f.Settle
}

// Stuck is the stuck rule.
func Stuck(cfg policy.StuckRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	var out []Condition
	for _, u := range f.Units {
		if u.Stuck < cfg.MinCount || f.settling(u.Channel) {
			continue
		}
		share := ratio(u.StuckRecent, u.Recent)
		if u.Stuck < cfg.Count && share < cfg.Share {
			continue
		}
		d := f.Due[u.Channel]
		dueBefore := f.Now
		if d.LastChange != nil && d.LastChange.Before(dueBefore) {
			dueBefore = *d.LastChange
		}
		out = append(out, Condition{Rule: policy.RuleStuck, Labels: unitLabels(u.Channel, u.SenderOrg, u.Unit),
			Severity: cfg.Severity, Affected: u.Stuck, Systems: u.StuckSystems,
			Summary: fmt.Sprintf("%d letters of %s on %s not delivered after %s (the channel's %s delivery time); %s of its letters of the last %s",
				u.Stuck, u.Unit, u.Channel, d.After, pct(cfg.Percentile), pct(share), cfg.Window),
			Why: []store.AlertReason{reason("mail.alert.why.stuck", "Count", u.Stuck, "Unit", u.Unit, "Channel", channel.Display(u.Channel),
				"After", d.After, "Percentile", pct(cfg.Percentile), "Share", pct(share), "Window", cfg.Window)},
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: u.SenderOrg}, Channel: u.Channel, Unit: u.Unit,
				States: pending, From: f.Now.Add(-cfg.Lookback), To: sentBy(dueBefore, d.After), Undecided: true,
				Unscheduled: d.Scheduled, Live: true}})
	}
	return out
}

// UnitDrop is the unit_delivery_drop rule: a unit's latest letters do not
// reach the channel at all (they stay registered: the channel never heard
// of them), while the other units' letters of the same time do; and the
// same per sender system (the system that registered the letters), with
// the label system instead of unit (GroupBy). A letter the channel
// acknowledged but never delivered is the channel's doing: the stuck
// rule's (Copenhagen's May 2020 letters stayed "validated"; its December
// 2019 letters, one sender system's, never arrived). It judges the letters
// the stuck rule sees (Facts.Lookback).
func UnitDrop(cfg policy.UnitDropRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	var units []store.UnitFacts
	if cfg.By("unit") {
		units = f.Units
	}
	var systems []store.SystemFacts
	if cfg.By("system") {
		systems = f.Systems
	}
	var out []Condition
	for _, u := range units {
		base, others, ok := groupDropped(cfg, u.DropFacts)
		if !ok || f.settling(u.Channel) {
			continue
		}
		d := f.Due[u.Channel]
		out = append(out, Condition{Rule: policy.RuleUnitDrop, Labels: unitLabels(u.Channel, u.SenderOrg, u.Unit),
			Severity: cfg.Severity, Affected: u.Pending, Systems: u.DroppedSystems,
			Summary: fmt.Sprintf("%d of the last %d letters of %s reached %s (its baseline %s; the channel's other units %s of their letters of the %s)",
				u.LastReached, u.LastN, u.Unit, u.Channel, pct(base), pct(others), "same time"),
			Why: []store.AlertReason{reason("mail.alert.why.unit_drop", "Reached", u.LastReached, "Last", u.LastN, "Unit", u.Unit,
				"Channel", channel.Display(u.Channel), "Baseline", pct(base), "Others", pct(others))},
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: u.SenderOrg}, Channel: u.Channel, Unit: u.Unit,
				States: dropped, From: f.Now.Add(-f.Lookback), To: sentBy(f.Now, d.After), Undecided: true,
				Unscheduled: d.Scheduled, Live: true}})
	}
	for _, sy := range systems {
		base, others, ok := groupDropped(cfg, sy.DropFacts)
		if !ok || f.settling(sy.Channel) {
			continue
		}
		d := f.Due[sy.Channel]
		out = append(out, Condition{Rule: policy.RuleUnitDrop,
			Labels:   store.Labels{"channel": sy.Channel, "sender": sy.SenderOrg, "system": sy.System},
			Severity: cfg.Severity, Affected: sy.Dropped,
			Summary: fmt.Sprintf("%d of the last %d letters of sender system %s reached %s (its baseline %s; the channel's other letters %s of the same time)",
				sy.LastReached, sy.LastN, sy.System, sy.Channel, pct(base), pct(others)),
			Why: []store.AlertReason{reason("mail.alert.why.system_drop", "Reached", sy.LastReached, "Last", sy.LastN, "System", sy.System,
				"Channel", channel.Display(sy.Channel), "Baseline", pct(base), "Others", pct(others))},
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: sy.SenderOrg}, Channel: sy.Channel, System: sy.System,
				States: dropped, From: f.Now.Add(-f.Lookback), To: sentBy(f.Now, d.After), Undecided: true,
				Unscheduled: d.Scheduled, Live: true}})
	}
	return out
}

// groupDropped judges a group: its last letters reached the channel at most
// Ratio times its baseline share (100% without enough baseline), while the
// channel's other letters sent over the same time reached it (else it is
// the channel, or postvakt still catching up with it, not the group). The
// other letters of the same time are those sent since the group's last
// letters began, or, when fewer than Letters were (the group's last
// letters are the channel's latest), those of the window before the due
// time: a verdict does not come and go with how letters happen to fall at
// the edge. It returns the baseline share and the others' share.
func groupDropped(cfg policy.UnitDropRule, g store.DropFacts) (base, others float64, ok bool) {
	if g.LastN < cfg.Letters {
		return 0, 0, false
	}
	base = 1.0
	if g.Baseline >= cfg.Letters {
		base = ratio(g.BaseReached, g.Baseline)
	}
	if ratio(g.LastReached, g.LastN) > cfg.Ratio*base {
		return base, 0, false
	}
	othersN, othersD := g.ChannelSince-g.LastN, g.ChannelReachedSince-g.LastReached
	if othersN < cfg.Letters {
		othersN, othersD = g.OthersRecent, g.OthersRecentReached
	}
	others = ratio(othersD, othersN)
	return base, others, othersN >= cfg.Letters && others >= cfg.OthersMin
}

// Explained mutes the stuck and unit_delivery_drop alerts of sending units
// all of whose letters in question came from sender systems whose own
// unit_delivery_drop fires, on the same channel for the same sender: the
// system's alert tells of them, and its incident report lists them per
// unit (Copenhagen, December 2019: one alert for the system SEPO, not one
// per unit that sent through it). They keep firing, muted, like the
// targets of an inhibit rule.
func Explained(conds []Condition) []Condition {
	key := func(l store.Labels, system string) string {
		return l["channel"] + "\x00" + l["sender"] + "\x00" + system
	}
	dropping := map[string]bool{}
	for _, c := range conds {
		if c.Rule == policy.RuleUnitDrop && c.Labels["system"] != "" {
			dropping[key(c.Labels, c.Labels["system"])] = true
		}
	}
	out := slices.Clone(conds)
	if len(dropping) == 0 {
		return out
	}
	for i := range out {
		c := &out[i]
		if (c.Rule != policy.RuleStuck && c.Rule != policy.RuleUnitDrop) || c.Labels["unit"] == "" || len(c.Systems) == 0 {
			continue
		}
		all := true
		for _, sys := range c.Systems {
			all = all && dropping[key(c.Labels, sys)]
		}
		c.Inhibited = c.Inhibited || all
	}
	return out
}

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
		wave.Summary += " across the channel"
		wave.Why = append(wave.Why, reason("mail.alert.why.across_channel"))
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
		out = append(out, Condition{Rule: policy.RuleRejection, Labels: l, Severity: cfg.Severity, Affected: g.bad,
			Summary: fmt.Sprintf("%d of %d letters of the last %s rejected or failed (%s; baseline %s)",
				g.bad, g.window, cfg.Window, pct(share), pct(base)),
			Why: []store.AlertReason{reason("mail.alert.why.rejections", "Bad", g.bad, "Letters", g.window, "Window", cfg.Window,
				"Share", pct(share), "Baseline", pct(base))},
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: l["sender"]}, Channel: l["channel"], Unit: l["unit"],
				Class: l["class"], States: []model.State{model.StateRejected, model.StateFailed},
				From: f.Now.Add(-cfg.Window), To: sentBy(f.Now, 0)}})
	}
	return out
}

// neverOpening is never_opening_org's reason: nobody at the organisation
// seems to have access to its confidential post, which is granted in
// Altinn to a Norwegian organisation (the access role) and through MitID
// Erhverv to a Danish one (the Digital Post right from its administrator).
func neverOpening(org string, n int, since string) store.AlertReason {
	if model.OrgCountry(org) == "DK" {
		return reason("mail.alert.why.never_opening_dk", "Org", org, "Count", n, "Since", since)
	}
	return reason("mail.alert.why.never_opening", "Org", org, "Count", n, "Since", since)
}

// accessName is what a never-opening organisation likely lacks, in English.
func accessName(org string) string {
	if model.OrgCountry(org) == "DK" {
		return "the Digital Post right (given by its MitID Erhverv administrator)"
	}
	return "the access role"
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
		out = append(out, Condition{Rule: policy.RuleNeverOpening, Labels: store.Labels{"org": o.Org},
			Severity: cfg.Severity, Affected: o.Unopened,
			Summary: fmt.Sprintf("organisation %s opened none of its last %d confidential letters (since %s): likely nobody there has %s",
				o.Org, o.Unopened, since, accessName(o.Org)),
			Why: []store.AlertReason{neverOpening(o.Org, o.Unopened, since)},
			Selector: store.IncidentFilter{Org: o.Org, Confidential: true, States: []model.State{model.StateAvailable},
				From: from, To: sentBy(f.Now, cfg.MinAge)}})
	}
	return out
}

// Evaluate runs every rule over the facts and marks what a sender system's
// drop explains (Explained) and what the inhibit rules mute, in the rules'
// order.
func Evaluate(cfg *policy.Health, f Facts) []Condition {
	var all []Condition
	all = append(all, ChannelSilent(cfg.ChannelSilent, f)...)
	all = append(all, Stuck(cfg.Stuck, f)...)
	all = append(all, UnitDrop(cfg.UnitDrop, f)...)
	all = append(all, RejectionSpike(cfg.Rejection, f)...)
	all = append(all, NeverOpening(cfg.NeverOpening, f)...)
	return Inhibit(cfg.Inhibit, Explained(all))
}

// Inhibit marks each condition that a source condition of an inhibit rule,
// with the same Equal labels, explains (Alertmanager's inhibit_rules).
func Inhibit(rules []policy.Inhibit, conds []Condition) []Condition {
	out := slices.Clone(conds)
	for i := range out {
		for _, r := range rules {
			if !slices.Contains(r.Target, out[i].Rule) {
				continue
			}
			for _, src := range conds {
				if src.Rule == r.Source && sameLabels(src.Labels, out[i].Labels, r.Equal) {
					out[i].Inhibited = true
				}
			}
		}
	}
	return out
}

func sameLabels(a, b store.Labels, keys []string) bool {
	for _, k := range keys {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
