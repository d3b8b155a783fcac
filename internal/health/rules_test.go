package health

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/policy"
	"postvakt/internal/store"
)

var t0 = time.Date(2026, 5, 15, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

func TestThresholds(t *testing.T) {
	cfg := policy.DefaultHealth().Stuck
	got := Thresholds(cfg, []store.DeliveryTime{
		{Channel: "svarut", Delivered: 500, Quantile: 70*time.Minute + 400*time.Millisecond},
		{Channel: "altinn", Delivered: 500, Quantile: 10 * time.Minute},
		{Channel: "slow", Delivered: 500, Quantile: 5 * 24 * time.Hour},
		{Channel: "new", Delivered: 19, Quantile: time.Minute},
	}, []string{"svarut", "altinn", "slow", "new", "idle"})
	want := map[string]time.Duration{"svarut": 70 * time.Minute, "altinn": time.Hour, "slow": 24 * time.Hour,
		"new": 24 * time.Hour, "idle": 24 * time.Hour}
	for ch, w := range want {
		if got[ch] != w {
			t.Errorf("%s: T = %s, want %s (the p99, at least min_after, at most max_after, max_after when unlearned)", ch, got[ch], w)
		}
	}
}

func facts(units ...store.UnitFacts) Facts {
	return Facts{Now: t0, Units: units, Lookback: 14 * 24 * time.Hour, Window: 24 * time.Hour, Due: map[string]store.ChannelDue{
		"svarut": {Channel: "svarut", After: time.Hour, LastChange: at(-time.Minute)},
		"altinn": {Channel: "altinn", After: time.Hour, LastChange: at(-3 * time.Hour)},
	}}
}

func unit(ch, name string, set func(u *store.UnitFacts)) store.UnitFacts {
	u := store.UnitFacts{Channel: ch, SenderOrg: "964338531", Unit: name}
	set(&u)
	return u
}

func TestStuck(t *testing.T) {
	cfg := policy.DefaultHealth().Stuck // min_count 3, count 10, share 0.2
	for _, tt := range []struct {
		name string
		u    func(u *store.UnitFacts)
		fire bool
	}{
		{"none stuck", func(u *store.UnitFacts) { u.Recent = 50 }, false},
		{"two stuck, all recent: below min_count", func(u *store.UnitFacts) { u.Stuck, u.StuckRecent, u.Recent = 2, 2, 2 }, false},
		{"three of ten recent: share", func(u *store.UnitFacts) { u.Stuck, u.StuckRecent, u.Recent = 3, 3, 10 }, true},
		{"three of twenty recent: below share", func(u *store.UnitFacts) { u.Stuck, u.StuckRecent, u.Recent = 3, 3, 20 }, false},
		{"ten old ones: count", func(u *store.UnitFacts) { u.Stuck, u.StuckRecent, u.Recent = 10, 0, 500 }, true},
		{"nine old ones", func(u *store.UnitFacts) { u.Stuck, u.StuckRecent, u.Recent = 9, 0, 500 }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Stuck(cfg, facts(unit("svarut", "Barnevernstjenesten", tt.u)))
			if (len(got) == 1) != tt.fire || len(got) > 1 {
				t.Fatalf("got %+v, want firing %v", got, tt.fire)
			}
			if !tt.fire {
				return
			}
			c := got[0]
			if c.Labels.String() != "channel=svarut sender=964338531 unit=Barnevernstjenesten" || c.Severity != "critical" {
				t.Errorf("labels %s severity %s", c.Labels, c.Severity)
			}
			sel := c.Selector
			// Due letters only: sent at least T before the channel's last change.
			if sel.Channel != "svarut" || sel.Unit != "Barnevernstjenesten" || sel.SenderOrg != "964338531" ||
				!sel.From.Equal(t0.Add(-14*24*time.Hour)) || !sel.To.Equal(t0.Add(-time.Minute-time.Hour+time.Microsecond)) ||
				len(sel.States) != 2 || !sel.Undecided {
				t.Errorf("selector %+v", sel)
			}
		})
	}
	for _, tt := range []struct {
		name    string
		silence store.Silence
		fire    bool
	}{
		{"the channel spoke again an hour ago: settling", store.Silence{Started: t0.Add(-3 * time.Hour), Ended: t0.Add(-time.Hour)}, false},
		{"settled: the silence ended 7 hours ago", store.Silence{Started: t0.Add(-9 * time.Hour), Ended: t0.Add(-7 * time.Hour)}, true},
		// The silence ended without a word from the channel (its letters
		// aged out of young): nothing to catch up, the letters stay stuck.
		{"ended without a change since it began", store.Silence{Started: t0.Add(-30 * time.Second), Ended: t0.Add(-time.Second)}, true},
	} {
		f := facts(unit("svarut", "U", func(u *store.UnitFacts) { u.Stuck, u.Recent = 50, 50 }))
		f.Settle, f.SilenceEnded = 7*time.Hour, map[string]store.Silence{"svarut": tt.silence}
		if got := Stuck(cfg, f); (got != nil) != tt.fire {
			t.Errorf("%s: fired %+v, want firing %v", tt.name, got, tt.fire)
		}
	}
	// A firing alert holds while at least min_count letters are stuck,
	// though none is recent (a unit sending a few letters a day).
	few := facts(unit("svarut", "U", func(u *store.UnitFacts) { u.Stuck, u.StuckRecent, u.Recent = 3, 0, 0 }))
	if got := Stuck(cfg, few); got != nil {
		t.Errorf("three old stuck letters started an alert: %+v", got)
	}
	few.Firing = map[string]bool{store.Fingerprint(policy.RuleStuck, unitLabels("svarut", "964338531", "U")): true}
	if got := Stuck(cfg, few); len(got) != 1 {
		t.Errorf("a firing alert with three stuck letters, none recent, did not hold: %+v", got)
	}
	cfg.Enabled = false
	if got := Stuck(cfg, facts(unit("svarut", "U", func(u *store.UnitFacts) { u.Stuck, u.Recent = 50, 50 }))); got != nil {
		t.Errorf("a disabled rule fired: %+v", got)
	}
}

func TestChannelSilent(t *testing.T) {
	cfg := policy.DefaultHealth().ChannelSilent // after 1h, min_letters 3, min_calls 5, error_share 0.5, 30s
	act := func(set func(a *store.ChannelActivity)) []store.ChannelActivity {
		a := store.ChannelActivity{Channel: "svarut", LastCallAt: at(-time.Minute), LastOKAt: at(-time.Minute), LastChangeAt: at(-2 * time.Hour)}
		set(&a)
		return []store.ChannelActivity{a}
	}
	// overdue: n letters overdue, after of them sent after the last change.
	overdueAfter := func(n, after int) store.UnitFacts {
		return unit("svarut", "U", func(u *store.UnitFacts) {
			u.OverdueYoung, u.OverdueYoungFrom, u.OverdueAfterChange = n, at(-5*time.Hour), after
		})
	}
	overdue := func(n int) store.UnitFacts { return overdueAfter(n, n) }
	// pendingAfter: n of u's letters of the lookback sent after the last
	// change are not delivered.
	pendingAfter := func(u store.UnitFacts, n int) store.UnitFacts { u.PendingAfterChange = n; return u }
	dropping := func(f Facts, n int) Facts { f.Dropped = map[string]int{"svarut": n}; return f }
	for _, tt := range []struct {
		name string
		f    Facts
		why  string
	}{
		{"quiet, nothing overdue", Facts{Channels: act(func(*store.ChannelActivity) {}), Units: []store.UnitFacts{overdue(0)}}, ""},
		{"quiet, two overdue", Facts{Channels: act(func(*store.ChannelActivity) {}), Units: []store.UnitFacts{overdue(2)}}, ""},
		{"silent for 2h, three overdue", Facts{Channels: act(func(*store.ChannelActivity) {}), Units: []store.UnitFacts{overdue(3)}},
			"no status change for 2 hours while 3 letters are overdue"},
		// At night nobody sends: letters the channel could have moved
		// (sent before its last change) and did not are stuck, not a
		// silence (Copenhagen, May 2020: a false channel_silent every
		// evening of a partial loss).
		{"silent for 2h, thirty overdue all sent before the last change", Facts{Channels: act(func(*store.ChannelActivity) {}),
			Units: []store.UnitFacts{overdueAfter(30, 0)}}, ""},
		{"silent for 2h, thirty overdue, two sent after the last change", Facts{Channels: act(func(*store.ChannelActivity) {}),
			Units: []store.UnitFacts{overdueAfter(30, 2)}}, ""},
		{"silent for 2h, thirty overdue, three sent after the last change", Facts{Channels: act(func(*store.ChannelActivity) {}),
			Units: []store.UnitFacts{overdueAfter(30, 3)}}, "no status change for 2 hours while 30 letters are overdue"},
		// Letters a sender system hands over to nobody are its drop's
		// (Copenhagen, December 2019), not the channel's silence.
		{"silent for 2h, the letters after the last change a dropping system's", dropping(Facts{Channels: act(func(*store.ChannelActivity) {}),
			Units: []store.UnitFacts{overdue(15)}}, 15), ""},
		{"silent for 2h, three letters after the last change besides a dropping system's", dropping(Facts{Channels: act(func(*store.ChannelActivity) {}),
			Units: []store.UnitFacts{overdue(18)}}, 15), "no status change for 2 hours while 18 letters are overdue"},
		// A channel carrying a letter a day never has three within
		// young: silent for three days, its three letters since (the
		// oldest older than young) are overdue; none a dropping unit's.
		{"silent for 3 days, three overdue since, two of them within young", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastChangeAt = at(-72 * time.Hour)
		}), Units: []store.UnitFacts{pendingAfter(overdue(2), 3)}}, "no status change for 3 days while 3 letters are overdue"},
		// Letters a week or more old are asked about every 2 hours.
		{"silent for 9 days, three overdue since, asked 90 minutes ago", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastChangeAt, a.LastCallAt, a.LastOKAt = at(-9*24*time.Hour), at(-90*time.Minute), at(-90*time.Minute)
		}), Units: []store.UnitFacts{pendingAfter(overdue(0), 3)}}, "no status change for 9 days while 3 letters are overdue"},
		{"silent for 9 days, three overdue since, asked 3 hours ago", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastChangeAt, a.LastCallAt, a.LastOKAt = at(-9*24*time.Hour), at(-3*time.Hour), at(-3*time.Hour)
		}), Units: []store.UnitFacts{pendingAfter(overdue(0), 3)}}, ""},
		{"silent for 3 days, three overdue since, a dropping unit's", func() Facts {
			f := dropping(Facts{Channels: act(func(a *store.ChannelActivity) { a.LastChangeAt = at(-72 * time.Hour) }),
				Units: []store.UnitFacts{pendingAfter(overdue(2), 3)}}, 2)
			f.DroppedPending = map[string]int{"svarut": 3}
			return f
		}(), ""},
		{"changed 59m ago", Facts{Channels: act(func(a *store.ChannelActivity) { a.LastChangeAt = at(-59 * time.Minute) }),
			Units: []store.UnitFacts{overdue(30)}}, ""},
		{"never changed anything", Facts{Channels: act(func(a *store.ChannelActivity) { a.LastChangeAt = nil }),
			Units: []store.UnitFacts{overdue(3)}}, "no status change for ever"},
		{"postvakt has not asked: not the channel's silence", Facts{Channels: act(func(a *store.ChannelActivity) { a.LastCallAt = at(-2 * time.Hour) }),
			Units: []store.UnitFacts{overdue(30)}}, ""},
		// A provider down all night: the poller's last calls failed, and
		// it waits out the letters' backoff (an hour and more).
		{"last calls failed 2h ago, none answered since", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastCallAt, a.LastErrorAt, a.LastOKAt = at(-2*time.Hour), at(-2*time.Hour), at(-5*time.Hour)
		}), Units: []store.UnitFacts{overdue(30)}}, "no status change for 2 hours while 30 letters are overdue"},
		{"last calls 2h ago answered in part", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastCallAt, a.LastErrorAt, a.LastOKAt = at(-2*time.Hour), at(-2*time.Hour), at(-2*time.Hour)
		}), Units: []store.UnitFacts{overdue(30)}}, ""},
		// Once firing, it holds while no call is answered (the poller's
		// backoff: fewer than min_calls calls an hour), nothing overdue.
		{"firing, no call answered for 3h, one call in the window", firingSilent(Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastCallAt, a.LastErrorAt, a.LastOKAt, a.Calls, a.Errors = at(-30*time.Minute), at(-30*time.Minute), at(-3*time.Hour), 1, 1
		})}), "no call answered for 3 hours: every call since failed"},
		{"not firing, no call answered for 3h, one call in the window", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastCallAt, a.LastErrorAt, a.LastOKAt, a.Calls, a.Errors = at(-30*time.Minute), at(-30*time.Minute), at(-3*time.Hour), 1, 1
		})}, ""},
		{"firing, the last calls answered in part", firingSilent(Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastCallAt, a.LastErrorAt, a.LastOKAt, a.Calls, a.Errors = at(-30*time.Minute), at(-30*time.Minute), at(-30*time.Minute), 2, 1
		})}), ""},
		{"calls fail", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastChangeAt, a.Calls, a.Errors = at(-time.Minute), 10, 5
		})}, "5 of 10 calls in the last 1 hour failed"},
		{"few calls fail", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastChangeAt, a.Calls, a.Errors = at(-time.Minute), 4, 4
		})}, ""},
		{"calls slow", Facts{Channels: act(func(a *store.ChannelActivity) {
			a.LastChangeAt, a.Calls, a.LatencySumMS = at(-time.Minute), 5, 5*31000
		})}, "calls take 31 seconds on average"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.Now = t0
			tt.f.Due = map[string]store.ChannelDue{"svarut": {After: time.Hour}}
			tt.f.Lookback = 14 * 24 * time.Hour
			got := ChannelSilent(cfg, tt.f)
			if tt.why == "" {
				if len(got) != 0 {
					t.Fatalf("fired: %+v", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Summary, tt.why) || got[0].Labels.String() != "channel=svarut" {
				t.Fatalf("got %+v, want one alert saying %q", got, tt.why)
			}
			sel := got[0].Selector
			from := t0.Add(-48 * time.Hour)
			if c := tt.f.Channels[0].LastChangeAt; c != nil && c.Before(from) {
				from = c.Add(time.Microsecond) // silent longer than young: the letters sent after the last change
			}
			if !sel.From.Equal(from) || !sel.To.Equal(t0.Add(-time.Hour+time.Microsecond)) || sel.Unit != "" {
				t.Errorf("selector %+v", sel)
			}
		})
	}
}

// firingSilent is f with svarut's channel_silent alert firing.
func firingSilent(f Facts) Facts {
	f.Firing = map[string]bool{store.Fingerprint(policy.RuleChannelSilent, store.Labels{"channel": "svarut"}): true}
	return f
}

func TestUnitDrop(t *testing.T) {
	cfg := policy.DefaultHealth().UnitDrop // letters 3, ratio 0.2, others_min 0.8
	// others sets the channel's letters since the unit's last three: n more
	// of other units, d of them delivered.
	others := func(u *store.UnitFacts, n, d int) {
		u.ChannelSince, u.ChannelReachedSince = u.LastN+n, u.LastReached+d
	}
	for _, tt := range []struct {
		name     string
		u        func(u *store.UnitFacts)
		settling bool
		fire     bool
		firing   bool // its alert fired before this evaluation
	}{
		{"delivers", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached = 3, 3, 50, 50
			others(u, 20, 20)
		}, false, false, false},
		{"nothing of the last three", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached, u.Pending = 3, 0, 50, 50, 3
			others(u, 20, 20)
		}, false, true, false},
		{"one of three: above 20% of its baseline", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached = 3, 1, 50, 50
			others(u, 20, 20)
		}, false, false, false},
		{"one of three, against a poor baseline", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached = 3, 1, 50, 10
			others(u, 20, 20)
		}, false, false, false},
		{"too few letters to judge", func(u *store.UnitFacts) { u.LastN, u.LastReached = 2, 0; others(u, 20, 20) }, false, false, false},
		{"no history: measured against full delivery", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Pending = 3, 0, 3
			others(u, 20, 20)
		}, false, true, false},
		{"the other units' letters of the same time half delivered: the channel, not the unit", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached = 3, 0, 50, 50
			others(u, 20, 10)
		}, false, false, false},
		{"no other unit sent meanwhile: cannot tell", func(u *store.UnitFacts) { u.LastN, u.LastReached = 3, 0; others(u, 2, 2) }, false, false, false},
		{"the channel's silence ended lately: postvakt still catching up", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Pending = 3, 0, 3
			others(u, 20, 20)
		}, true, false, false},
		// A verdict given stands while it cannot be judged anew: at night
		// nobody else sends (Copenhagen, December 2019: SEPO's alert
		// resolved every evening, and its units' stuck alerts fired
		// unmuted the next morning).
		{"no other unit sent meanwhile, firing: the last verdict stands", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Pending = 3, 0, 3
			others(u, 2, 2)
		}, false, true, true},
		{"settling, firing: still judged", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Pending = 3, 0, 3
			others(u, 20, 20)
		}, true, true, true},
		{"delivers again, firing: resolves", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached = 3, 3, 50, 50
			others(u, 2, 2)
		}, false, false, true},
		{"the others' letters not delivered either, firing: the channel's", func(u *store.UnitFacts) {
			u.LastN, u.LastReached, u.Baseline, u.BaseReached = 3, 0, 50, 50
			others(u, 20, 10)
		}, false, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(unit("svarut", "SEPO", tt.u))
			f.Settle = 7 * time.Hour
			if tt.settling {
				f.SilenceEnded = map[string]store.Silence{"svarut": {Started: t0.Add(-9 * time.Hour), Ended: t0.Add(-6 * time.Hour)}}
			} else {
				f.SilenceEnded = map[string]store.Silence{"svarut": {Started: t0.Add(-10 * time.Hour), Ended: t0.Add(-8 * time.Hour)}}
			}
			if tt.firing {
				u := f.Units[0]
				f.Firing = map[string]bool{store.Fingerprint(policy.RuleUnitDrop, store.Labels{"channel": u.Channel, "sender": u.SenderOrg, "unit": u.Unit}): true}
			}
			got := UnitDrop(cfg, f)
			if (len(got) == 1) != tt.fire || len(got) > 1 {
				t.Fatalf("got %+v, want firing %v", got, tt.fire)
			}
			if tt.fire && (got[0].Labels["unit"] != "SEPO" || got[0].Affected != 3 || !got[0].Selector.Undecided) {
				t.Errorf("alert %+v", got[0])
			}
		})
	}
}

func TestRejectionSpike(t *testing.T) {
	cfg := policy.DefaultHealth().Rejection // per channel+unit; min 5, 10%, 3× baseline
	rf := func(unit, class string, w, wb, b, bb int) store.RejectionFacts {
		return store.RejectionFacts{Channel: "svarut", SenderOrg: "964338531", Unit: unit, Class: class,
			Window: w, WindowBad: wb, Baseline: b, BaselineBad: bb}
	}
	for _, tt := range []struct {
		name  string
		facts []store.RejectionFacts
		group []string
		want  []string
	}{
		{"normal", []store.RejectionFacts{rf("BV", "barnevern", 40, 1, 1000, 20)}, nil, nil},
		{"spike", []store.RejectionFacts{rf("BV", "barnevern", 40, 12, 1000, 20)}, nil,
			[]string{"channel=svarut sender=964338531 unit=BV"}},
		{"spike summed over classes", []store.RejectionFacts{rf("BV", "barnevern", 20, 3, 500, 5), rf("BV", "vedtak", 20, 3, 500, 5)}, nil,
			[]string{"channel=svarut sender=964338531 unit=BV"}},
		{"four is below min_count", []store.RejectionFacts{rf("BV", "barnevern", 10, 4, 1000, 0)}, nil, nil},
		{"always this bad: no spike", []store.RejectionFacts{rf("BV", "barnevern", 40, 12, 1000, 250)}, nil, nil},
		{"per class", []store.RejectionFacts{rf("A", "barnevern", 20, 3, 500, 5), rf("B", "barnevern", 20, 3, 500, 5), rf("B", "vedtak", 50, 0, 500, 5)},
			[]string{"channel", "class"}, []string{"channel=svarut class=barnevern"}},
		// Four of each of six units: no unit reaches min_count, the
		// channel does.
		{"a wave across the channel", waveFacts(rf, 6, 4), nil, []string{"channel=svarut"}},
		// One unit reaches its own min_count in the wave: its alert is
		// muted by the channel's.
		{"a wave with one unit over the bar", append(waveFacts(rf, 6, 4), rf("BV", "barnevern", 40, 12, 1000, 20)), nil,
			[]string{"channel=svarut sender=964338531 unit=BV (inhibited)", "channel=svarut"}},
		{"per unit only: no channel to weigh", append(waveFacts(rf, 6, 4), rf("BV", "barnevern", 40, 12, 1000, 20)), []string{"unit"},
			[]string{"sender=964338531 unit=BV"}},
		{"one unit's spike is not the channel's", []store.RejectionFacts{rf("BV", "barnevern", 40, 12, 1000, 20), rf("NAV", "vedtak", 2000, 4, 50000, 100)}, nil,
			[]string{"channel=svarut sender=964338531 unit=BV"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			if tt.group != nil {
				c.GroupBy = tt.group
			}
			got := RejectionSpike(c, Facts{Now: t0, Rejections: tt.facts})
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %v", got, tt.want)
			}
			for i, g := range got {
				if l := g.Labels.String() + map[bool]string{true: " (inhibited)"}[g.Inhibited]; l != tt.want[i] {
					t.Errorf("labels %s, want %s", l, tt.want[i])
				}
				if g.Selector.Class != g.Labels["class"] || g.Selector.Unit != g.Labels["unit"] || len(g.Selector.States) != 2 {
					t.Errorf("selector %+v", g.Selector)
				}
			}
		})
	}
}

// waveFacts is n units' letters of the last day, bad of each rejected,
// none before.
func waveFacts(rf func(unit, class string, w, wb, b, bb int) store.RejectionFacts, n, bad int) []store.RejectionFacts {
	var out []store.RejectionFacts
	for i := range n {
		out = append(out, rf(fmt.Sprintf("unit-%d", i), "vedtak", 20, bad, 500, 0))
	}
	return out
}

func TestNeverOpening(t *testing.T) {
	cfg := policy.DefaultHealth().NeverOpening // 3 letters, 365d, 14d
	got := NeverOpening(cfg, Facts{Now: t0, Orgs: []store.OrgFacts{
		{Org: "974760673", Unopened: 3, From: t0.AddDate(0, -3, 0)},
		{Org: "987654325", Unopened: 2, From: t0.AddDate(0, -3, 0)},
		{Org: "912345674", Unopened: 5, From: t0.AddDate(0, -1, 0), LastOpened: at(-60 * 24 * time.Hour)},
	}})
	if len(got) != 2 || got[0].Labels["org"] != "974760673" || got[1].Labels["org"] != "912345674" {
		t.Fatalf("got %+v", got)
	}
	if s := got[0].Selector; s.Org != "974760673" || !s.Confidential || !s.From.Equal(t0.Add(-365*24*time.Hour)) ||
		!s.To.Equal(t0.Add(-14*24*time.Hour+time.Microsecond)) {
		t.Errorf("selector %+v", s)
	}
	if s := got[1].Selector; !s.From.Equal(t0.Add(-60*24*time.Hour + time.Microsecond)) {
		t.Errorf("letters since the last opened one: %+v", s)
	}
}

// TestNeverOpeningSinceIsAnOsloDate: the first unopened letter sent at
// 00:30 on 5 March in Oslo (23:30 UTC on the 4th) makes the alert say
// "since 2026-03-05", the date every page and mail shows for it.
func TestNeverOpeningSinceIsAnOsloDate(t *testing.T) {
	cfg := policy.DefaultHealth().NeverOpening
	from := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC)
	got := NeverOpening(cfg, Facts{Now: t0, Orgs: []store.OrgFacts{{Org: "974760673", Unopened: 3, From: from}}})
	if len(got) != 1 {
		t.Fatalf("got %+v", got)
	}
	if !strings.Contains(got[0].Summary, "(since 2026-03-05)") {
		t.Errorf("summary %q, want since 2026-03-05", got[0].Summary)
	}
	if why := fmt.Sprint(got[0].Why); !strings.Contains(why, "2026-03-05") || strings.Contains(why, "2026-03-04") {
		t.Errorf("why %s, want since 2026-03-05", why)
	}
}

func TestInhibit(t *testing.T) {
	rules := policy.DefaultHealth().Inhibit
	l := func(ch, unit string) store.Labels {
		if unit == "" {
			return store.Labels{"channel": ch}
		}
		return store.Labels{"channel": ch, "sender": "964338531", "unit": unit}
	}
	got := Inhibit(rules, []Condition{
		{Rule: policy.RuleChannelSilent, Labels: l("svarut", "")},
		{Rule: policy.RuleStuck, Labels: l("svarut", "A")},    // silent svarut explains it
		{Rule: policy.RuleStuck, Labels: l("altinn", "A")},    // other channel
		{Rule: policy.RuleUnitDrop, Labels: l("altinn", "B")}, // not muted
		{Rule: policy.RuleStuck, Labels: l("altinn", "B")},    // the drop explains it
		{Rule: policy.RuleNeverOpening, Labels: store.Labels{"org": "974760673"}},
	})
	want := []bool{false, true, false, false, true, false}
	for i, c := range got {
		if c.Inhibited != want[i] {
			t.Errorf("%s %s: inhibited %v, want %v", c.Rule, c.Labels, c.Inhibited, want[i])
		}
	}
}

// TestInhibitSameUnitOfAnotherSender: two sending organisations' units
// may share a name (Barnevernstjenesten): one organisation's dropping unit
// does not mute the other's stuck alert (its letters lost inside the
// provider, never told), by the default inhibit rules nor the shipped ones.
func TestInhibitSameUnitOfAnotherSender(t *testing.T) {
	shipped, problems := policy.LoadHealth("../../policies")
	if len(problems) > 0 {
		t.Fatalf("shipped health.yaml: %v", problems)
	}
	unit := func(sender string) store.Labels {
		return store.Labels{"channel": "altinn", "sender": sender, "unit": "Barnevernstjenesten"}
	}
	for name, rules := range map[string][]policy.Inhibit{"default": policy.DefaultHealth().Inhibit, "shipped": shipped.Inhibit} {
		got := Inhibit(rules, []Condition{
			{Rule: policy.RuleUnitDrop, Labels: unit("964338531")},
			{Rule: policy.RuleStuck, Labels: unit("964338531")}, // its own drop explains it
			{Rule: policy.RuleStuck, Labels: unit("987654325")}, // another organisation's unit of that name
		})
		for i, want := range []bool{false, true, false} {
			if got[i].Inhibited != want {
				t.Errorf("%s: %s %s: inhibited %v, want %v", name, got[i].Rule, got[i].Labels, got[i].Inhibited, want)
			}
		}
	}
}

// An alert's summary is English for programs (the webhook's annotation,
// GET /api/v1/alerts): its counts keep plain digits, as the summaries
// the rules write with %d do, however large ("1307", never "1,307").
func TestSummaryCountsPlainDigits(t *testing.T) {
	for _, tc := range []struct {
		rule      string
		conds     []Condition
		want, not string
	}{
		{policy.RuleNeverOpening, NeverOpening(policy.DefaultHealth().NeverOpening, Facts{Now: t0,
			Orgs: []store.OrgFacts{{Org: "974760673", Unopened: 1307, From: t0.AddDate(0, -3, 0)}}}),
			"1307 confidential letters", "1,307"},
		{policy.RuleCertificate, CertificateExpiring(policy.CertificateRule{Rule: policy.Rule{Enabled: true, Severity: "warning"},
			Within: 4 * 365 * 24 * time.Hour}, Facts{Now: t0, Certificates: []Certificate{{Channel: "digitalpost", NotAfter: t0.AddDate(0, 0, 1095)}}}),
			"(in 1095 days)", "1,095"},
	} {
		if len(tc.conds) != 1 {
			t.Fatalf("%s: %d conditions, want 1", tc.rule, len(tc.conds))
		}
		if s := tc.conds[0].Summary; !strings.Contains(s, tc.want) || strings.Contains(s, tc.not) {
			t.Errorf("%s: summary %q, want %q (plain digits)", tc.rule, s, tc.want)
		}
	}
}
