package health

import (
	"slices"
	"time"

	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Diff turns an evaluation's conditions into alert changes against the
// firing alerts: a condition without a firing alert fires a new one
// (unless it is inhibited: a muted condition starts nothing), one with a
// firing alert updates it (affected letters, summary, whether muted; held
// now). A firing alert without a condition keeps firing, as it was last
// seen (its letters, summary and reasons are not recounted: they say what
// held), until its condition was last held keepFor(rule) ago (Prometheus'
// keep_firing_for), and then resolves: a condition that comes and goes
// between evaluations is one alert, told once and repeated by
// NeedsUpdate's interval, not a new alert each time it comes back.
func Diff(firing []store.Alert, conds []Condition, keepFor func(rule string) time.Duration, now time.Time) store.AlertChanges {
	byFP := make(map[string]store.Alert, len(firing))
	for _, a := range firing {
		byFP[a.Fingerprint] = a
	}
	c := store.AlertChanges{Now: now}
	seen := map[string]bool{}
	for _, cond := range conds {
		fp := store.Fingerprint(cond.Rule, cond.Labels)
		if seen[fp] {
			continue
		}
		seen[fp] = true
		a, ok := byFP[fp]
		switch {
		case ok:
			a.Affected, a.Summary, a.Selector, a.Inhibited, a.Severity = cond.Affected, cond.Summary, cond.Selector, cond.Inhibited, cond.Severity
			a.Why, a.HeldAt, a.UpdatedAt = cond.Why, &now, now
			c.Update = append(c.Update, a)
		case !cond.Inhibited:
			c.Fire = append(c.Fire, store.Alert{Fingerprint: fp, Rule: cond.Rule, Labels: cond.Labels, Severity: cond.Severity,
				Status: store.AlertFiring, Affected: cond.Affected, Summary: cond.Summary, Why: cond.Why, Selector: cond.Selector,
				StartedAt: now, UpdatedAt: now, HeldAt: &now})
		}
	}
	for _, a := range firing {
		if seen[a.Fingerprint] {
			continue
		}
		if held, ok := keeps(a, keepFor, now); ok {
			a.HeldAt, a.UpdatedAt = &held, now // Kept
			c.Update = append(c.Update, a)
			continue
		}
		c.Resolve = append(c.Resolve, a.ID)
	}
	return c
}

// Kept reports whether a is a firing alert kept firing without its
// condition (keep_firing_for: the last evaluation did not find it), and
// when its condition last held: its letters (Affected), summary and
// reasons are as of then, not recounted (Diff). Its page and its e-mail
// say so, rather than show them as now.
func Kept(a store.Alert) (held time.Time, ok bool) {
	if a.Status != store.AlertFiring || a.HeldAt == nil || !a.HeldAt.Before(a.UpdatedAt) {
		return time.Time{}, false
	}
	return *a.HeldAt, true
}

// AffectedAsOf is when an alert's letters (Affected), summary and
// reasons were counted: the last evaluation that found its condition
// (HeldAt), for a firing alert of before held_at its last update (as
// keeps reads it); false for a resolved alert of before held_at, whose
// last update is its resolution, not a count. For a kept alert (Kept) it
// is before the last evaluation: the mail's subject, the webhook's and the
// API's affected_as_of and the pages say so.
func AffectedAsOf(a store.Alert) (time.Time, bool) {
	switch {
	case a.HeldAt != nil:
		return *a.HeldAt, true
	case a.Status == store.AlertFiring:
		return a.UpdatedAt, true
	}
	return time.Time{}, false
}

// keeps reports whether a firing alert, were its condition gone, is kept
// firing as of now, and when its condition last held.
func keeps(a store.Alert, keepFor func(rule string) time.Duration, now time.Time) (held time.Time, ok bool) {
	held = a.UpdatedAt // an alert of before held_at: its last update
	if a.HeldAt != nil {
		held = *a.HeldAt
	}
	return held, now.Sub(held) < keepFor(a.Rule)
}

// InhibitKept mutes, as Inhibit does, the conditions that a firing alert
// kept firing without its condition explains (Alertmanager inhibits by
// firing alerts): a channel_silent alert kept firing for a while after its
// channel spoke again still explains the channel's stuck letters.
func InhibitKept(rules []policy.Inhibit, conds []Condition, firing []store.Alert, keepFor func(rule string) time.Duration, now time.Time) []Condition {
	held := map[string]bool{}
	for _, c := range conds {
		held[store.Fingerprint(c.Rule, c.Labels)] = true
	}
	all := slices.Clone(conds)
	for _, a := range firing {
		if _, ok := keeps(a, keepFor, now); ok && !held[a.Fingerprint] {
			all = append(all, Condition{Rule: a.Rule, Labels: a.Labels})
		}
	}
	if len(all) == len(conds) {
		return conds
	}
	return Inhibit(rules, all)[:len(conds)]
}

// Decision is whether an alert is to be told to a destination now, and as
// what: its seq-th notification there, firing (a first one or a repeat)
// or resolved.
type Decision struct {
	Send       bool
	Seq        int
	Transition string
}

// NeedsUpdate decides whether an alert must be told to a destination now,
// given the latest notification it had there (nil: none), like
// Alertmanager's dedup stage: a firing alert is told once, then again
// every repeat interval; a resolved one once, if its firing was told
// (also when a later repeat failed); a failed notification is sent again
// with the same number; one in flight,
// or whose outcome is unknown, is never sent again (an unknown firing one
// still counts for the repeat interval). An inhibited alert is not told
// while it fires.
func NeedsUpdate(a store.Alert, last *store.AlertNoticeState, repeat time.Duration, now time.Time) Decision {
	none := Decision{}
	if a.Status == store.AlertFiring {
		if a.Inhibited {
			return none
		}
		if last == nil {
			return Decision{true, 1, store.TransitionFiring}
		}
		if last.Transition != store.TransitionFiring {
			return none
		}
		switch last.Status {
		case store.AlertNoticeFailed:
			return Decision{true, last.Seq, store.TransitionFiring}
		case store.AlertNoticeSent, store.AlertNoticeUnknown:
			if now.Sub(last.At) >= repeat {
				return Decision{true, last.Seq + 1, store.TransitionFiring}
			}
		}
		return none
	}
	if last == nil {
		return none
	}
	switch {
	case last.Transition == store.TransitionFiring && (last.Status == store.AlertNoticeSent || last.Status == store.AlertNoticeUnknown):
		return Decision{true, last.Seq + 1, store.TransitionResolved}
	case last.Transition == store.TransitionFiring && last.Status == store.AlertNoticeFailed && last.Told:
		// A repeat failed (the receiver down), an earlier firing one was
		// told: the receiver is owed the resolution, or it shows the
		// alert firing for ever. The failed repeat is not sent again.
		return Decision{true, last.Seq + 1, store.TransitionResolved}
	case last.Transition == store.TransitionResolved && last.Status == store.AlertNoticeFailed:
		return Decision{true, last.Seq, store.TransitionResolved}
	}
	return none
}
