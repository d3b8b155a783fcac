package store_test

import (
	"context"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// seedLists: 12 letters sent Oct 1–12, even ones Barnevernstjenesten, odd
// ones NAV; 0 opened, 1 rejected, 2 failed, 3–5 available, the rest
// registered.
func TestIncidentReportQueries(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got := seedLists(t, st)
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 13, 0, 0, 0, 0, time.UTC)
	all := store.IncidentFilter{From: from, To: to}
	for _, tc := range []struct {
		name string
		f    store.IncidentFilter
		want int
	}{
		{"the period", all, 12},
		{"half the period", store.IncidentFilter{From: from, To: from.AddDate(0, 0, 6)}, 6},
		{"one unit", store.IncidentFilter{From: from, To: to, Unit: "NAV"}, 6},
		{"scope of a unit", store.IncidentFilter{Scope: store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, From: from, To: to}, 6},
		{"another sender organisation", store.IncidentFilter{Scope: store.Scope{SenderOrg: "974760673"}, From: from, To: to}, 0},
		{"stuck states", store.IncidentFilter{From: from, To: to, States: []model.State{model.StateRegistered, model.StateAccepted}}, 6},
		{"a receiving organisation", store.IncidentFilter{From: from, To: to, Org: "974760673"}, 4},
		{"channel", store.IncidentFilter{From: from, To: to, Channel: "altinn"}, 0},
		{"confidential", store.IncidentFilter{From: from, To: to, Confidential: true}, 11},
	} {
		n, err := st.CountIncident(ctx, tc.f)
		if err != nil || n != tc.want {
			t.Errorf("%s: %d letters, %v; want %d", tc.name, n, err, tc.want)
		}
	}
	// Grouped per unit (by name), oldest first within it.
	var units []string
	var last time.Time
	if err := st.EachIncidentLetter(ctx, all, func(r *store.IncidentRow) error {
		if len(units) == 0 || units[len(units)-1] != r.SenderUnit {
			units, last = append(units, r.SenderUnit), time.Time{}
		}
		if r.SentAt.Before(last) {
			t.Errorf("%s: %s before %s", r.SenderUnit, r.SentAt, last)
		}
		last = r.SentAt
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(units) != 2 || units[0] != "Barnevernstjenesten" || units[1] != "NAV" {
		t.Fatalf("units in order %v", units)
	}
	sum, err := st.IncidentSummary(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, c := range sum {
		counts[c.Unit+" "+string(c.State)] += c.N
	}
	want := map[string]int{"Barnevernstjenesten opened": 1, "Barnevernstjenesten failed": 1, "Barnevernstjenesten available": 1,
		"Barnevernstjenesten registered": 3, "NAV rejected": 1, "NAV available": 2, "NAV registered": 3}
	if len(counts) != len(want) {
		t.Fatalf("summary %v, want %v", counts, want)
	}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("summary %s = %d, want %d", k, counts[k], v)
		}
	}

	// Follow-ups for all of NAV's letters at once: opened letters need
	// none; each gets a deadline, and the decision once made; every one an
	// event in its evidence. Two letters a transaction here, so that the
	// batches join up: every letter once, none left out.
	defer store.SetIncidentBatch(2)()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	nav := store.IncidentFilter{Scope: store.Scope{SenderOrg: "964338531", SenderUnit: "NAV"}, From: from, To: to}
	n, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Filter: nav, Reason: "alert 7 stuck",
		Deadline: now.AddDate(0, 0, 10), Actor: "user:kari", At: now})
	if err != nil || n != 6 {
		t.Fatalf("opened %d follow-ups, %v; want 6", n, err)
	}
	if _, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Filter: nav, Decision: store.DecisionResent,
		Actor: "user:kari", At: now}); err == nil {
		t.Fatal("a resend for many letters at once was accepted")
	}
	bv := store.IncidentFilter{From: from, To: to, Unit: "Barnevernstjenesten"}
	n, err = st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Filter: bv, Decision: store.DecisionNewLetter, Note: "skrevet på nytt",
		Deadline: now, Actor: "user:ola", At: now})
	if err != nil || n != 5 { // six letters, one opened
		t.Fatalf("decided %d follow-ups, %v; want 5", n, err)
	}
	// Decided ones are left alone unless replaced; undecided NAV ones get
	// the decision now.
	if _, err := st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Filter: all, Decision: store.DecisionClosed, Actor: "user:ola", At: now}); err == nil {
		t.Fatal("follow-ups without a deadline were accepted")
	}
	n, err = st.RecordIncidentFollowUps(ctx, store.IncidentFollowUps{Filter: all, Decision: store.DecisionClosed, Deadline: now,
		Actor: "user:ola", At: now})
	if err != nil || n != 6 {
		t.Fatalf("closed %d, %v; want NAV's 6", n, err)
	}
	undecided := all
	undecided.Undecided = true
	if n, _ := st.CountIncident(ctx, undecided); n != 1 { // the opened letter has no follow-up
		t.Fatalf("%d letters without a decision, want 1", n)
	}
	sh, err := st.Shipment(ctx, got[3].ID, store.Scope{}) // NAV, available
	if err != nil {
		t.Fatal(err)
	}
	var evs []string
	for _, e := range sh.Events {
		if e.Kind == store.EventFollowUp {
			evs = append(evs, e.Message+" by "+e.Actor)
		}
	}
	if len(evs) != 2 || evs[0] != "follow-up opened: alert 7 stuck by user:kari" || evs[1] != "follow-up: closed (incident); escalation closed (stage reminded) by user:ola" {
		t.Fatalf("evidence %v", evs)
	}
	rows, err := st.IncidentLetters(ctx, nav, 100)
	if err != nil || len(rows) != 6 || rows[0].FollowUp == nil || *rows[0].FollowUp != "closed" || rows[0].Deadline == nil {
		t.Fatalf("rows %+v %v", rows, err)
	}
}
