package health

import (
	"slices"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

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

// unitLabels are the labels of a sending unit on a channel.
func unitLabels(channel, senderOrg, unit string) store.Labels {
	return store.Labels{"channel": channel, "sender": senderOrg, "unit": unit}
}

// settling reports whether a channel's silence ended less than Settle ago
// because the channel spoke again (a status change since the alert
// began): the poller is still catching up with its letters. A silence
// that ended without a word from the channel (its letters grew older than
// the silent rule's young over a weekend) has nothing to catch up: the
// stuck letters are judged on, and a stuck alert the silence muted stays
// firing instead of resolving and firing anew.
func (f Facts) settling(channel string) bool {
	s, ok := f.SilenceEnded[channel]
	if !ok || f.Now.Sub(s.Ended) >= f.Settle {
		return false
	}
	last := f.Due[channel].LastChange
	return last != nil && last.After(s.Started)
}

// Stuck is the stuck rule.
func Stuck(cfg policy.StuckRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	var out []Condition
	for _, u := range f.Units {
		firing := f.firing(policy.RuleStuck, unitLabels(u.Channel, u.SenderOrg, u.Unit))
		if u.Stuck < cfg.MinCount || f.settling(u.Channel) && !firing {
			continue
		}
		// Count and Share say when an alert starts; one firing holds while
		// at least MinCount of its letters are stuck. A unit sending a few
		// letters a day has no letter in the recent window most of the
		// day: its share fell to 0 each evening, and the alert resolved
		// while every letter was still lost, to fire anew the next day.
		share := ratio(u.StuckRecent, u.Recent)
		if u.Stuck < cfg.Count && share < cfg.Share && !firing {
			continue
		}
		d := f.Due[u.Channel]
		dueBefore := f.Now
		if d.LastChange != nil && d.LastChange.Before(dueBefore) {
			dueBefore = *d.LastChange
		}
		why := []store.AlertReason{reason("mail.alert.why.stuck", "Count", u.Stuck, "Unit", u.Unit, "Channel", channel.Display(u.Channel),
			"After", d.After, "Percentile", pct(cfg.Percentile), "Share", pct(share), "Window", cfg.Window)}
		out = append(out, Condition{Rule: policy.RuleStuck, Labels: unitLabels(u.Channel, u.SenderOrg, u.Unit),
			Severity: cfg.Severity, Affected: u.Stuck, Systems: u.StuckSystems, Summary: summaryOf(why), Why: why,
			Selector: store.IncidentFilter{Scope: store.Scope{SenderOrg: u.SenderOrg}, Channel: u.Channel, Unit: u.Unit,
				States: pending, From: f.Now.Add(-cfg.Lookback), To: sentBy(dueBefore, d.After), Undecided: true,
				Unscheduled: d.Scheduled, PublishedBy: f.Now.Add(-d.After), Live: true}})
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
// the stuck rule sees (Facts.Lookback). Its why says two things, lest they
// read as one contradicting the other: how many of the group's last
// Letters due letters (sent at least the channel's T ago) reached the
// channel, the verdict; and which letters the alert counts as affected
// (its Selector: every letter of the group of the lookback, due, that
// never reached the channel and has no follow-up decision), often more
// than Letters ("0 of the last 3" beside "13 letters affected").
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
		out = appendDrop(out, cfg, f, unitGroup(u))
	}
	for _, sy := range systems {
		out = appendDrop(out, cfg, f, systemGroup(sy))
	}
	return out
}

// dropGroup is a group unit_delivery_drop judges, a sending unit or a
// sender system (GroupBy), and how its condition names it.
type dropGroup struct {
	// Key is "unit" or "system": the group's label; Why and WhyAffected
	// are its why's catalogue keys, spelt out (the catalogue's tests find
	// a key by its literal); Arg names the group in the why's arguments.
	Key, Arg           string
	Why, WhyAffected   string
	Name               string
	Channel, SenderOrg string
	store.DropFacts
	// Affected counts the letters of the condition's Selector; Systems are
	// their sender systems (a unit's; none for a system).
	Affected int
	Systems  []string
}

func unitGroup(u store.UnitFacts) dropGroup {
	return dropGroup{Key: "unit", Arg: "Unit", Why: "mail.alert.why.unit_drop", WhyAffected: "mail.alert.why.unit_drop_affected", Name: u.Unit,
		Channel: u.Channel, SenderOrg: u.SenderOrg, DropFacts: u.DropFacts, Affected: u.Pending, Systems: u.DroppedSystems}
}

func systemGroup(sy store.SystemFacts) dropGroup {
	return dropGroup{Key: "system", Arg: "System", Why: "mail.alert.why.system_drop", WhyAffected: "mail.alert.why.system_drop_affected", Name: sy.System,
		Channel: sy.Channel, SenderOrg: sy.SenderOrg, DropFacts: sy.DropFacts, Affected: sy.Dropped}
}

// appendDrop appends a group's unit_delivery_drop condition when
// groupDropped judges it dropped and its channel is not settling.
func appendDrop(out []Condition, cfg policy.UnitDropRule, f Facts, g dropGroup) []Condition {
	labels := store.Labels{"channel": g.Channel, "sender": g.SenderOrg, g.Key: g.Name}
	base, others, v := groupDropped(cfg, g.DropFacts)
	firing := f.firing(policy.RuleUnitDrop, labels)
	if v == dropNotJudged && firing {
		v = dropHolds // nothing to compare with: the last verdict stands
	}
	if v != dropHolds || f.settling(g.Channel) && !firing {
		return out
	}
	d := f.Due[g.Channel]
	sel := store.IncidentFilter{Scope: store.Scope{SenderOrg: g.SenderOrg}, Channel: g.Channel,
		States: dropped, From: f.Now.Add(-f.Lookback), To: sentBy(f.Now, d.After), Undecided: true,
		Unscheduled: d.Scheduled, Live: true}
	if g.Key == "unit" {
		sel.Unit = g.Name
	} else {
		sel.System = g.Name
	}
	why := []store.AlertReason{reason(g.Why, "Reached", g.LastReached, "Last", g.LastN, g.Arg, g.Name,
		"Channel", channel.Display(g.Channel), "Baseline", pct(base), "Others", pct(others)),
		reason(g.WhyAffected, g.Arg, g.Name, "Channel", channel.Display(g.Channel),
			"Lookback", f.Lookback, "After", d.After)}
	return append(out, Condition{Rule: policy.RuleUnitDrop,
		Labels:   labels,
		Severity: cfg.Severity, Affected: g.Affected, Systems: g.Systems, Summary: summaryOf(why), Why: why,
		Selector: sel})
}

// groupDropped judges a group: its last letters reached the channel at most
// Ratio times its baseline share (100% without enough baseline), while the
// channel's other letters sent over the same time reached it (else it is
// the channel, or postvakt still catching up with it, not the group). The
// other letters of the same time are those sent since the group's last
// letters began, or, when fewer than Letters were (the group's last
// letters are the channel's latest), those of the window before the due
// time: a verdict does not come and go with how letters happen to fall at
// the edge. When neither has Letters letters (nobody else sent: a night, a
// weekend) the group is not judged (dropNotJudged): its last verdict
// stands (appendDrop). It returns the baseline share and the others' share.
func groupDropped(cfg policy.UnitDropRule, g store.DropFacts) (base, others float64, v dropVerdict) {
	if g.LastN < cfg.Letters {
		return 0, 0, dropNone
	}
	base = 1.0
	if g.Baseline >= cfg.Letters {
		base = ratio(g.BaseReached, g.Baseline)
	}
	if ratio(g.LastReached, g.LastN) > cfg.Ratio*base {
		return base, 0, dropNone
	}
	othersN, othersD := g.ChannelSince-g.LastN, g.ChannelReachedSince-g.LastReached
	if othersN < cfg.Letters {
		othersN, othersD = g.OthersRecent, g.OthersRecentReached
	}
	if othersN < cfg.Letters {
		return base, 0, dropNotJudged
	}
	others = ratio(othersD, othersN)
	if others < cfg.OthersMin {
		return base, others, dropNone
	}
	return base, others, dropHolds
}

// dropVerdict is groupDropped's verdict on a group.
type dropVerdict int

const (
	dropNone      dropVerdict = iota // its letters reach the channel, or the others' do not either
	dropHolds                        // its letters do not reach the channel, the others' do
	dropNotJudged                    // its letters do not reach it, and no others were sent to compare with
)

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
