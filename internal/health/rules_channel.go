package health

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/poll"
	"postvakt/internal/store"
)

// ChannelSilent is the channel_silent rule.
func ChannelSilent(cfg policy.ChannelSilentRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	type overdue struct {
		n, after int // overdue letters, and those sent after the last change
		pending  int // letters of the lookback sent after the last change, not delivered
		from     *time.Time
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
		o.after += u.OverdueAfterChange
		o.pending += u.PendingAfterChange
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
		// Asked: postvakt called the channel within after (a poller that
		// stopped is not the channel's silence), or its last calls all
		// failed and it waits out its letters' backoff (poll.Backoff, up
		// to hours, at night the only calls): a channel that has answered
		// nothing since is still down, not back.
		asked := a.LastCallAt != nil && (f.Now.Sub(*a.LastCallAt) <= cfg.After || unanswered(a))
		// Silent: letters sent after its last change are overdue (not
		// only letters it could have moved, while nobody sends: a night),
		// other than those of units or systems that hand over nothing.
		if o.after-f.Dropped[ch] >= cfg.MinLetters && asked && (a.LastChangeAt == nil || f.Now.Sub(*a.LastChangeAt) >= cfg.After) {
			since := "ever"
			if a.LastChangeAt != nil {
				d := f.Now.Sub(*a.LastChangeAt).Round(time.Minute)
				since = english(d)
				reasons = append(reasons, reason("mail.alert.why.no_change", "Since", d, "Count", o.n))
			} else {
				reasons = append(reasons, reason("mail.alert.why.no_change_ever", "Count", o.n))
			}
			why = append(why, fmt.Sprintf("no status change for %s while %d letters are overdue", since, o.n))
		}
		if a.Calls >= cfg.MinCalls && ratio(a.Errors, a.Calls) >= cfg.ErrorShare {
			why = append(why, fmt.Sprintf("%d of %d calls in the last %s failed", a.Errors, a.Calls, english(cfg.CallsWindow)))
			reasons = append(reasons, reason("mail.alert.why.call_errors", "Errors", a.Errors, "Calls", a.Calls, "Window", cfg.CallsWindow))
		}
		if a.Calls >= cfg.MinCalls && a.LatencyAvg() >= cfg.MaxLatency {
			why = append(why, fmt.Sprintf("calls take %s on average", english(a.LatencyAvg().Round(time.Millisecond))))
			reasons = append(reasons, reason("mail.alert.why.slow_calls", "Latency", a.LatencyAvg().Round(time.Millisecond)))
		}
		labels := store.Labels{"channel": ch}
		from := f.Now.Add(-cfg.Young)
		// Silent too: letters sent after its last change are overdue,
		// older than young, within the lookback. Once firing, it holds
		// while the channel, asked, still changes nothing (nobody sends
		// over a weekend: it resolved on Sunday while the channel was
		// still silent, and the letters it never moved were in no other
		// rule: none is stuck, the channel changed nothing after them).
		// And a channel carrying a letter a day never had three within
		// young. Its letters are then those sent after its last change,
		// within the lookback.
		affected := o.n
		// The poller asks about letters a week or more old only every few
		// hours (poll.NextPoll): a call within that is postvakt asking
		// about these letters (within after alone, a silent holiday's
		// alert resolved and fired anew between two calls).
		oldPolled := f.Now.Add(-f.Lookback)
		askedOld := asked || a.LastCallAt != nil && !a.LastCallAt.Add(poll.NextPoll(model.StateAccepted, "", oldPolled, f.Now, 0).Sub(f.Now)).Before(f.Now)
		if len(why) == 0 && askedOld && (a.LastChangeAt == nil || f.Now.Sub(*a.LastChangeAt) >= cfg.After) &&
			o.pending-f.DroppedPending[ch] >= cfg.MinLetters {
			affected, from = o.pending, f.Now.Add(-f.Lookback)
			if a.LastChangeAt != nil {
				d := f.Now.Sub(*a.LastChangeAt).Round(time.Minute)
				why = append(why, fmt.Sprintf("no status change for %s while %d letters are overdue", english(d), o.pending))
				reasons = append(reasons, reason("mail.alert.why.no_change", "Since", d, "Count", o.pending))
				if after := a.LastChangeAt.Add(tick); after.After(from) {
					from = after
				}
			} else {
				why = append(why, fmt.Sprintf("no status change ever while %d letters are overdue", o.pending))
				reasons = append(reasons, reason("mail.alert.why.no_change_ever", "Count", o.pending))
			}
		}
		// Once firing, it holds while no call is answered: after the first
		// hours of an outage the poller asks after the letters' backoff,
		// fewer than min_calls calls an hour, and every one fails.
		if len(why) == 0 && unanswered(a) && f.firing(policy.RuleChannelSilent, labels) {
			if a.LastOKAt != nil {
				d := f.Now.Sub(*a.LastOKAt).Round(time.Minute)
				why = append(why, fmt.Sprintf("no call answered for %s: every call since failed", english(d)))
				reasons = append(reasons, reason("mail.alert.why.no_answer", "Since", d))
			} else {
				why = append(why, "no call ever answered")
				reasons = append(reasons, reason("mail.alert.why.no_answer_ever"))
			}
		}
		if len(why) == 0 {
			continue
		}
		t := f.Due[ch].After
		out = append(out, Condition{Rule: policy.RuleChannelSilent, Labels: labels,
			Severity: cfg.Severity, Affected: affected,
			Summary: fmt.Sprintf("%s: %s", ch, strings.Join(why, "; ")), Why: reasons,
			Selector: store.IncidentFilter{Channel: ch, States: pending, From: from,
				To: sentBy(f.Now, t), Undecided: true, Unscheduled: f.Due[ch].Scheduled, PublishedBy: f.Now.Add(-t), Live: true}})
	}
	return out
}

// unanswered reports whether the channel's last calls all failed: none
// answered since (a batch with a call answered sets its last_ok_at too).
func unanswered(a store.ChannelActivity) bool {
	return a.LastCallAt != nil && a.LastErrorAt != nil && !a.LastErrorAt.Before(*a.LastCallAt) &&
		(a.LastOKAt == nil || a.LastOKAt.Before(*a.LastErrorAt))
}

// droppedOverdue counts, per channel, the letters sent after the channel's
// last change of the groups whose unit_delivery_drop condition holds
// (Facts.Dropped: those sent within young; Facts.DroppedPending: within the
// lookback). A unit's letters may also be a dropping system's: in that
// case they count twice, which only makes channel_silent slower while
// another group's letters show the channel receiving (a drop needs them).
func droppedOverdue(drops []Condition, f Facts) (young, lookback map[string]int) {
	type n struct{ young, lookback int }
	units := map[string]n{}
	for _, u := range f.Units {
		units[u.Channel+"\x00"+u.SenderOrg+"\x00"+u.Unit] = n{u.OverdueAfterChange, u.PendingAfterChange}
	}
	systems := map[string]n{}
	for _, sy := range f.Systems {
		systems[sy.Channel+"\x00"+sy.SenderOrg+"\x00"+sy.System] = n{sy.OverdueAfterChange, sy.PendingAfterChange}
	}
	young, lookback = map[string]int{}, map[string]int{}
	for _, c := range drops {
		l := c.Labels
		g := units[l["channel"]+"\x00"+l["sender"]+"\x00"+l["unit"]]
		if l["system"] != "" {
			g = systems[l["channel"]+"\x00"+l["sender"]+"\x00"+l["system"]]
		}
		young[l["channel"]] += g.young
		lookback[l["channel"]] += g.lookback
	}
	return young, lookback
}
