package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// countsWorld is the letters TestCountIncidentsAsCountIncident counts:
// every kind of thing an IncidentFilter narrows by, mixed.
var countsWorld = struct {
	t0                            time.Time
	orgs, units, systems, classes []string
	recipients                    []string
	scheduled                     string
}{
	t0:         time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	orgs:       []string{"964338531", "974760673", "64942212"},
	units:      []string{"Barnevernstjenesten", "NAV", "Socialforvaltningen"},
	systems:    []string{"", "sak-a", "sak-b"},
	classes:    []string{"taushetsbelagt", "fortrolig"},
	recipients: []string{"974760673", "964338531", "01017012343"},
	scheduled:  "DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY",
}

// seedCounts registers n letters over three channels, three sender
// organisations (NAV a unit of two of them), three sender systems (one
// none), two classes, two receiving organisations and a person, every
// state and several stages (the channel's print and closed among them),
// some available (at different times), some with an undecided follow-up
// and some decided, Danish letters whose latest word is a scheduled
// delivery, one that was scheduled and has been delivered since; sent
// every 97 minutes from countsWorld.t0.
func seedCounts(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := t.Context()
	w := countsWorld
	states := []model.State{model.StateRegistered, model.StateAccepted, model.StateAvailable, model.StateOpened,
		model.StateRejected, model.StateFailed, model.StateExpired}
	stages := []model.Stage{model.StageNone, model.StageReminded, model.StageManual, model.StageChannelPrint,
		model.StageClosed, model.StagePrintOrdered, model.StageNone}
	var items []model.NewShipment
	for i := range n {
		ns := storetest.Letter(i)
		ns.ChannelID = storetest.ChannelID("counts", i)
		ns.SentAt = w.t0.Add(time.Duration(i) * 97 * time.Minute)
		switch i % 3 {
		case 0:
			ns.Channel, ns.SenderOrg, ns.SenderUnit = "svarut", w.orgs[0], w.units[i/3%2]
		case 1:
			ns.Channel, ns.SenderOrg, ns.SenderUnit = "altinn", w.orgs[1], "NAV"
		case 2:
			ns.Channel, ns.SenderOrg, ns.SenderUnit = model.ChannelDigitalPost, w.orgs[2], w.units[2]
		}
		if ns.Channel == model.ChannelDigitalPost {
			ns.RecipientKind, ns.RecipientID = model.RecipientPerson, "0101801234"
			if i%4 == 0 {
				ns.RecipientKind, ns.RecipientID = model.RecipientOrg, "64942212"
			}
		} else {
			ns.RecipientKind, ns.RecipientID = model.RecipientOrg, w.recipients[i%len(w.recipients)]
			if i%len(w.recipients) == 2 {
				ns.RecipientKind = model.RecipientPerson
			}
		}
		ns.SenderSystem = w.systems[i%5%len(w.systems)]
		ns.Class = w.classes[i%7%2]
		ns.Confidential = i%4 != 3
		items = append(items, ns)
	}
	got := storetest.Register(t, st, items...)
	// Letters changed alike are changed together.
	type change struct {
		state     model.State
		stage     model.Stage
		available time.Duration // after sent; -1 not available
	}
	alike := map[change][]string{}
	for i, sh := range got {
		c := change{states[i%len(states)], stages[i/2%len(stages)], -1}
		if i%3 == 1 || i%5 == 2 {
			c.available = time.Duration(i%11) * time.Hour
		}
		alike[c] = append(alike[c], sh.ID)
	}
	for c, ids := range alike {
		storetest.Set(t, st, ids, storetest.State(c.state), storetest.Stage(c.stage))
		if c.available >= 0 {
			storetest.Set(t, st, ids, storetest.AvailableAfterSent(c.available))
		}
	}
	// An open follow-up for every Altinn letter (but the opened ones), then
	// every fifth letter decided.
	if _, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Filter: store.IncidentFilter{Channel: "altinn"},
		Deadline: w.t0.Add(48 * time.Hour), Actor: "test", At: w.t0}); err != nil {
		t.Fatal(err)
	}
	var entries []store.FeedEntry
	for i, sh := range got {
		if i%5 == 0 {
			if err := st.RecordFollowUp(ctx, store.FollowUpDecision{ShipmentID: sh.ID, Decision: store.DecisionAssessed,
				Actor: "test", At: sh.SentAt.Add(time.Hour), Deadline: sh.SentAt.Add(48 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if sh.Channel != model.ChannelDigitalPost {
			continue
		}
		at := sh.SentAt.Add(time.Second)
		entries = append(entries, entry(fmt.Sprintf("v%d", i), sh.ChannelID, "MEMO_SEND_VALIDATED", model.StateAccepted, "", at))
		if i%4 != 1 {
			entries = append(entries, entry(fmt.Sprintf("s%d", i), sh.ChannelID, w.scheduled, model.StateAccepted, "", at.Add(time.Second)))
			if i%4 == 2 {
				entries = append(entries, entry(fmt.Sprintf("a%d", i), sh.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT",
					model.StateAvailable, "", at.Add(time.Hour)))
			}
		}
	}
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: model.ChannelDigitalPost, Entries: entries}); err != nil {
		t.Fatal(err)
	}
}

// randomFilter is a filter narrowing by some of what seedCounts varies,
// each value sometimes one no letter has; times around the letters' (a
// period may end before it begins).
func randomFilter(r *rand.Rand, n int) store.IncidentFilter {
	w := countsWorld
	pick := func(p float64, vs ...string) string {
		if r.Float64() >= p {
			return ""
		}
		return vs[r.IntN(len(vs))]
	}
	at := func(p float64) time.Time {
		if r.Float64() >= p {
			return time.Time{}
		}
		return w.t0.Add(time.Duration(r.IntN(n*97+3*24*60)-24*60) * time.Minute)
	}
	var f store.IncidentFilter
	f.SenderOrg = pick(0.15, append(slices.Clone(w.orgs), "910000006")...)
	f.SenderUnit = pick(0.1, append(slices.Clone(w.units), "Skole")...)
	f.Channel = pick(0.3, "svarut", "altinn", model.ChannelDigitalPost, "eboks")
	f.Unit = pick(0.25, append(slices.Clone(w.units), "Skole")...)
	f.System = pick(0.2, "sak-a", "sak-b", "sak-c")
	f.Class = pick(0.2, append(slices.Clone(w.classes), "vedtak")...)
	f.Org = pick(0.2, append(slices.Clone(w.recipients), "64942212", "0101801234")...)
	if r.Float64() < 0.5 {
		for _, s := range []model.State{model.StateRegistered, model.StateAccepted, model.StateAvailable, model.StateOpened,
			model.StateRejected, model.StateFailed, model.StateExpired} {
			if r.Float64() < 0.4 {
				f.States = append(f.States, s)
			}
		}
	}
	f.From, f.To = at(0.5), at(0.5)
	f.Confidential = r.Float64() < 0.3
	f.AvailableBefore = at(0.2)
	switch r.IntN(6) {
	case 0:
		f.Unscheduled = []string{w.scheduled}
	case 1:
		f.Unscheduled = []string{w.scheduled, "MEMO_SEND_VALIDATED"}
	case 2:
		f.Unscheduled = []string{"LEVERT"}
	}
	f.Live = r.Float64() < 0.4
	f.Undecided = r.Float64() < 0.4
	f.NoLetters = r.IntN(20) == 0
	if r.Float64() < 0.2 { // a unit by its row id (the incident page's), some none has
		f.UnitID = int64(1 + r.IntN(8))
	}
	return f
}

// TestCountIncidentsAsCountIncident: CountIncidents' counts, all in one
// statement, are CountIncident's of each filter, in the filters' order,
// for hundreds of random filters over every field (many selecting none);
// also when they take several statements (a small batch here); and none
// for none.
func TestCountIncidentsAsCountIncident(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	const n = 240
	seedCounts(t, st, n)
	r := rand.New(rand.NewPCG(41, 7))
	var fs []store.IncidentFilter
	for range 400 {
		fs = append(fs, randomFilter(r, n))
	}
	// Also each field alone at the world's values, so that every one is
	// seen narrowing a count that is not empty.
	w := countsWorld
	fs = append(fs, store.IncidentFilter{}, store.IncidentFilter{NoLetters: true},
		store.IncidentFilter{Scope: store.Scope{SenderOrg: w.orgs[1], SenderUnit: "NAV"}},
		store.IncidentFilter{Unit: "NAV"}, store.IncidentFilter{UnitID: 1}, store.IncidentFilter{System: "sak-a"}, store.IncidentFilter{Class: "fortrolig"},
		store.IncidentFilter{Org: "974760673"}, store.IncidentFilter{Org: "64942212"}, store.IncidentFilter{Org: "01017012343"},
		store.IncidentFilter{States: []model.State{model.StateExpired}}, store.IncidentFilter{From: w.t0.Add(100 * time.Hour)},
		store.IncidentFilter{To: w.t0.Add(100 * time.Hour)}, store.IncidentFilter{Confidential: true},
		store.IncidentFilter{AvailableBefore: w.t0.Add(100 * time.Hour)}, store.IncidentFilter{Unscheduled: []string{w.scheduled}},
		store.IncidentFilter{Live: true}, store.IncidentFilter{Undecided: true})
	want := make([]int, len(fs))
	distinct := map[int]bool{}
	for i, f := range fs {
		var err error
		if want[i], err = st.CountIncident(ctx, f); err != nil {
			t.Fatalf("filter %d (%s): %v", i, f, err)
		}
		distinct[want[i]] = true
	}
	if !distinct[0] || !distinct[n] || len(distinct) < 40 {
		t.Fatalf("the filters count %d different numbers (%v): the world or the filters do not test much", len(distinct), distinct)
	}
	for _, batch := range []int{0, 7} {
		if batch > 0 {
			defer store.SetIncidentCountsBatch(batch)()
		}
		got, err := st.CountIncidents(ctx, fs)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("batch %d: %d counts, want %d", batch, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("batch %d: filter %d (%s): %d letters, CountIncident %d", batch, i, fs[i], got[i], want[i])
			}
		}
	}
	if got, err := st.CountIncidents(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no filters: %v, %v", got, err)
	}
	if _, err := st.CountIncidents(ctx, []store.IncidentFilter{{}, {States: []model.State{"lost"}}}); err == nil {
		t.Error("an unknown state counted")
	}
}
