package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	_ "postvakt/internal/channel/registered" // every channel's scheduled statuses
	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// TestIncidentPage: an incident's page is its summary and its first
// letters in report order, exactly what IncidentSummary and
// IncidentLetters give, whatever the limit; an empty selection is an empty
// page.
func TestIncidentPage(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	seedLists(t, st)
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 13, 0, 0, 0, 0, time.UTC)
	all := store.IncidentFilter{From: from, To: to}
	for _, tc := range []struct {
		name  string
		f     store.IncidentFilter
		limit int
	}{
		{"every letter", all, 500},
		{"the first three (one unit's)", all, 3},
		{"the first eight (both units)", all, 8},
		{"stuck states of one unit", store.IncidentFilter{From: from, To: to, Unit: "NAV",
			States: []model.State{model.StateRegistered, model.StateAccepted}}, 500},
		{"nothing", store.IncidentFilter{From: from, To: to, Channel: "altinn"}, 500},
	} {
		p, err := st.IncidentPage(ctx, tc.f, tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		sum, err := st.IncidentSummary(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		letters, err := st.IncidentLetters(ctx, tc.f, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(p.Summary) != fmt.Sprint(sum) {
			t.Errorf("%s: summary %v, want %v", tc.name, p.Summary, sum)
		}
		if fmt.Sprintf("%+v", p.Letters) != fmt.Sprintf("%+v", letters) {
			t.Errorf("%s: letters\n%+v\nwant\n%+v", tc.name, p.Letters, letters)
		}
	}
}

// TestScheduledStatusesIndexed: the question whether a letter waits as its
// sender scheduled reads the events with a scheduled status through the
// partial index shipment_events_scheduled (migration 00031), not every
// event, for every registered channel's scheduled statuses; and the page
// leaves out exactly the letters whose latest word is such a status (not
// one that was scheduled and has since become available).
func TestScheduledStatusesIndexed(t *testing.T) {
	ctx := t.Context()
	st := newStore(t)
	const n = 600
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		ns := danish(i)
		ns.SentAt = t0.Add(time.Duration(i) * time.Minute)
		items = append(items, ns)
	}
	got := storetest.Register(t, st, items...)
	// Every letter validated; every 50th scheduled, and every other one
	// of those delivered since; every fifth of the rest available.
	const scheduled = "DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY"
	var entries []store.FeedEntry
	waiting := map[string]bool{}
	for i, sh := range got {
		at := sh.SentAt.Add(time.Second)
		entries = append(entries, entry(fmt.Sprintf("v%d", i), sh.ChannelID, "MEMO_SEND_VALIDATED", model.StateAccepted, "", at))
		switch {
		case i%50 == 0:
			entries = append(entries, entry(fmt.Sprintf("s%d", i), sh.ChannelID, scheduled, model.StateAccepted, "", at.Add(time.Second)))
			if i%100 == 0 {
				waiting[sh.ID] = true
			} else {
				entries = append(entries, entry(fmt.Sprintf("a%d", i), sh.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", at.Add(time.Hour)))
			}
		case i%5 == 0:
			entries = append(entries, entry(fmt.Sprintf("a%d", i), sh.ChannelID, "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, "", at.Add(time.Hour)))
		}
	}
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: model.ChannelDigitalPost, Entries: entries}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}

	pending := []model.State{model.StateRegistered, model.StateAccepted, model.StateAvailable}
	f := store.IncidentFilter{Channel: model.ChannelDigitalPost, States: pending, From: t0, To: t0.Add(24 * time.Hour),
		Unscheduled: channel.Scheduled(model.ChannelDigitalPost), Live: true, Undecided: true}
	p, err := st.IncidentPage(ctx, f, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Letters) != n-len(waiting) {
		t.Fatalf("%d letters on the page, want %d (all but the %d still scheduled)", len(p.Letters), n-len(waiting), len(waiting))
	}
	for _, l := range p.Letters {
		if waiting[l.ID] {
			t.Fatalf("letter %s still waits as scheduled, and is on the page", l.ID)
		}
	}

	var all []string
	for _, sp := range channel.Specs() {
		all = append(all, sp.Scheduled...)
		if len(sp.Scheduled) == 0 {
			continue
		}
		f.Unscheduled = sp.Scheduled
		assertScheduledIndexed(t, st, f, sp.Name)
	}
	if len(all) == 0 {
		t.Fatal("no channel registers a scheduled status; the test asks about none")
	}
	f.Unscheduled = all // as the health rules' unit facts ask: every channel's at once
	assertScheduledIndexed(t, st, f, "every channel")
}

// assertScheduledIndexed fails unless IncidentPage's plan for f reads the
// events with a scheduled status (alias se) through shipment_events_scheduled.
func assertScheduledIndexed(t *testing.T, st *store.Store, f store.IncidentFilter, what string) {
	t.Helper()
	raw, err := st.ExplainIncidentPage(t.Context(), f, 500)
	if err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plan %s: %v", raw, err)
	}
	var se []string // how the scheduled events are read: node type and index
	plans[0].Plan.walk(func(n planNode) {
		if n.Relation != "shipment_events" || n.Alias != "se" {
			return
		}
		index := n.Index
		for _, c := range n.Plans { // a bitmap scan names its index below
			if c.NodeType == "Bitmap Index Scan" {
				index = c.Index
			}
		}
		se = append(se, n.NodeType+" using "+index)
	})
	if len(se) == 0 || slices.ContainsFunc(se, func(s string) bool { return !strings.HasSuffix(s, " using shipment_events_scheduled") }) {
		t.Fatalf("%s (%v): the scheduled events are read by %q, want through shipment_events_scheduled; plan %s",
			what, f.Unscheduled, se, raw)
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Alias    string     `json:"Alias"`
	Index    string     `json:"Index Name"`
	Rows     float64    `json:"Actual Rows"`  // EXPLAIN ANALYZE's only
	Loops    float64    `json:"Actual Loops"` // EXPLAIN ANALYZE's only
	Plans    []planNode `json:"Plans"`
}

func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// TestIncidentSnapshot: an incident read in one snapshot counts and lists
// the same letters though a letter of its period is registered, and
// another changes state (counted then), between the two reads (a sender system at work
// while a report is written); read apart, the list sees them.
func TestIncidentSnapshot(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	all := store.IncidentFilter{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
	registered := all
	registered.States = []model.State{model.StateRegistered}
	count := func(r store.IncidentReader, f store.IncidentFilter, i int) (summed, listed int) {
		t.Helper()
		sum, err := r.IncidentSummary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range sum {
			summed += c.N
		}
		late := sample(20 + i)
		late.SentAt = time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
		storetest.Register(t, st, late)                                                   // committed by another connection
		storetest.Set(t, st, []string{got[i].ID}, storetest.State(model.StateRegistered)) // opened, rejected: registered again
		if err := r.EachIncidentLetter(ctx, f, func(*store.IncidentRow) error { listed++; return nil }); err != nil {
			t.Fatal(err)
		}
		return summed, listed
	}
	var summed, listed int
	if err := st.IncidentSnapshot(ctx, func(r store.IncidentReader) error {
		summed, listed = count(r, registered, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if summed != 6 || listed != 6 {
		t.Errorf("in one snapshot: summary %d, list %d; want 6 and 6 (the letters registered then)", summed, listed)
	}
	// Apart, the list reads a later moment: the snapshot is what keeps them
	// together (the test can tell).
	if summed, listed = count(st, registered, 1); summed == listed {
		t.Errorf("read apart: summary %d, list %d; want them to differ (a letter registered, another opened, in between)", summed, listed)
	}
}
