package health

import (
	"reflect"
	"testing"
	"time"

	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// system returns the facts of sender system name on svarut: its last three
// letters, lastReached of them reached, and the channel's twenty other
// letters of the same time, othersReached of them reached.
func system(name string, lastReached, othersReached int) store.SystemFacts {
	return store.SystemFacts{Channel: "svarut", SenderOrg: "964338531", System: name, Dropped: 3 - lastReached,
		DropFacts: store.DropFacts{LastN: 3, LastReached: lastReached, ChannelSince: 23, ChannelReachedSince: lastReached + othersReached,
			Baseline: 40, BaseReached: 40}}
}

func TestUnitDropPerSystem(t *testing.T) {
	for _, tt := range []struct {
		name    string
		groupBy []string
		systems []store.SystemFacts
		want    []string
	}{
		{"a system delivers", nil, []store.SystemFacts{system("Sak", 3, 20)}, nil},
		{"a system's last three never reached the channel", nil, []store.SystemFacts{system("Sak", 3, 20), system("SEPO", 0, 20)},
			[]string{"channel=svarut sender=964338531 system=SEPO"}},
		{"one of three: above 20% of its baseline", nil, []store.SystemFacts{system("SEPO", 1, 20)}, nil},
		{"the others' letters not delivered either: the channel, not the system", nil, []store.SystemFacts{system("SEPO", 0, 10)}, nil},
		{"judged per unit only", []string{"unit"}, []store.SystemFacts{system("SEPO", 0, 20)}, nil},
		{"its last three are the channel's latest: the others of the window tell", nil, []store.SystemFacts{func() store.SystemFacts {
			s := system("SEPO", 0, 0)
			s.ChannelSince, s.OthersRecent, s.OthersRecentReached = 3, 40, 39
			return s
		}()}, []string{"channel=svarut sender=964338531 system=SEPO"}},
		{"nothing else sent lately: cannot tell", nil, []store.SystemFacts{func() store.SystemFacts {
			s := system("SEPO", 0, 0)
			s.ChannelSince, s.OthersRecent, s.OthersRecentReached = 4, 2, 2
			return s
		}()}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := policy.DefaultHealth().UnitDrop
			if tt.groupBy != nil {
				cfg.GroupBy = tt.groupBy
			}
			f := facts()
			f.Systems = tt.systems
			var got []string
			for _, c := range UnitDrop(cfg, f) {
				got = append(got, c.Labels.String())
				sel := c.Selector
				if sel.System != c.Labels["system"] || sel.Unit != "" || sel.SenderOrg != "964338531" || sel.Channel != "svarut" ||
					!sel.Undecided || !sel.Live || !sel.To.Equal(t0.Add(-time.Hour+time.Microsecond)) || c.Affected != 3 {
					t.Errorf("condition %+v", c)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A sender system's drop mutes the stuck and unit_delivery_drop alerts of
// the units whose letters in question all came from it, on the same channel
// for the same sender; no other.
func TestExplained(t *testing.T) {
	ul := func(ch, sender, unit string) store.Labels {
		return store.Labels{"channel": ch, "sender": sender, "unit": unit}
	}
	sys := store.Labels{"channel": "digitalpost", "sender": "64942212", "system": "SEPO"}
	got := Explained([]Condition{
		{Rule: policy.RuleUnitDrop, Labels: sys},
		{Rule: policy.RuleUnitDrop, Labels: ul("digitalpost", "64942212", "BUF"), Systems: []string{"SEPO"}},            // muted
		{Rule: policy.RuleStuck, Labels: ul("digitalpost", "64942212", "SOF"), Systems: []string{"SEPO"}},               // muted
		{Rule: policy.RuleStuck, Labels: ul("digitalpost", "64942212", "KFF"), Systems: []string{"SEPO", "Sagssystem"}}, // not all SEPO's
		{Rule: policy.RuleStuck, Labels: ul("digitalpost", "29189846", "BUF"), Systems: []string{"SEPO"}},               // another sender
		{Rule: policy.RuleStuck, Labels: ul("svarut", "64942212", "BUF"), Systems: []string{"SEPO"}},                    // another channel
		{Rule: policy.RuleStuck, Labels: ul("digitalpost", "64942212", "TMF")},                                          // systems unknown
		{Rule: policy.RuleRejection, Labels: ul("digitalpost", "64942212", "BUF"), Systems: []string{"SEPO"}},           // not explained by a drop
	})
	want := []bool{false, true, true, false, false, false, false, false}
	for i, c := range got {
		if c.Inhibited != want[i] {
			t.Errorf("%s %s: inhibited %v, want %v", c.Rule, c.Labels, c.Inhibited, want[i])
		}
	}
	// Evaluate applies it: the unit's own drop is muted, the system's is
	// not, and the unit's stuck alert stays muted by the inhibit rule.
	f := facts(unit("svarut", "SEPO-enheten", func(u *store.UnitFacts) {
		u.LastN, u.LastReached, u.Pending, u.DroppedSystems = 3, 0, 3, []string{"SEPO"}
		u.ChannelSince, u.ChannelReachedSince = 23, 20
		u.Stuck, u.StuckRecent, u.Recent, u.StuckSystems = 10, 3, 3, []string{"SEPO"}
	}))
	f.Systems = []store.SystemFacts{system("SEPO", 0, 20)}
	cfg := policy.DefaultHealth()
	var active []string
	for _, c := range Evaluate(cfg, f) {
		if !c.Inhibited {
			active = append(active, c.Rule+" "+c.Labels.String())
		}
	}
	if w := []string{"unit_delivery_drop channel=svarut sender=964338531 system=SEPO"}; !reflect.DeepEqual(active, w) {
		t.Fatalf("active %v, want %v", active, w)
	}
}
