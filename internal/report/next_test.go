package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"postvakt/internal/escalate"
	"postvakt/internal/model"
	"postvakt/internal/policy/policytest"
	"postvakt/internal/store"
)

// nextRows are rows with next steps by row number (none for the others).
type nextRows struct {
	rows fakeSource
	next map[int]*NextStep
}

func (n nextRows) EachShipmentNext(_ context.Context, _ store.ListFilter, fn func(*store.ListRow, *NextStep) error) error {
	for i := range n.rows {
		if err := fn(&n.rows[i], n.next[i]); err != nil {
			return err
		}
	}
	return nil
}

// An export with next steps (ShipmentsNext) has the list's columns and then
// next_step and next_step_at, then followup_decision and
// followup_decided_at (the sending unit's decision and when), then the
// reminder and print history (first_reminded_at, print_ordered_at,
// print_placed_at, print_state): for programs (CSV, JSON, the XLSX without
// labels) the step's code and its time in UTC (RFC 3339), both empty for a
// letter without a step; for people the header, the step and the print
// state as the labels say them and the times as date cells on the Oslo
// clock, the cells empty without a step or a history.
func TestShipmentsNext(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	due := time.Date(2026, 3, 3, 11, 0, 0, 0, time.UTC)
	src := nextRows{rows: rows(3), next: map[int]*NextStep{0: {Step: "reminder", At: due}, 2: {Step: "manual", At: due.AddDate(0, 0, 7)}}}
	decided := time.Date(2026, 2, 27, 14, 30, 0, 0, time.UTC)
	src.rows[1].FollowUpDecision, src.rows[1].FollowUpDecidedAt = "consequences_assessed", &decided
	reminded, ordered, placed := time.Date(2026, 2, 10, 8, 0, 0, 0, time.UTC), time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 20, 9, 5, 0, 0, time.UTC)
	src.rows[2].FirstRemindedAt, src.rows[2].PrintOrderedAt, src.rows[2].PrintPlacedAt, src.rows[2].PrintState = &reminded, &ordered, &placed, "posted"
	want := [][]string{{"reminder", "2026-03-03T11:00:00Z", "", "", "", "", "", ""},
		{"", "", "consequences_assessed", "2026-02-27T14:30:00Z", "", "", "", ""},
		{"manual", "2026-03-10T11:00:00Z", "", "", "2026-02-10T08:00:00Z", "2026-02-20T09:00:00Z", "2026-02-20T09:05:00Z", "posted"}}
	header := append(slices.Clone(ShipmentHeader), "next_step", "next_step_at", "followup_decision", "followup_decided_at",
		"first_reminded_at", "print_ordered_at", "print_placed_at", "print_state")
	out := map[Format][]byte{}
	for _, f := range []Format{CSV, XLSX, JSON} {
		var buf bytes.Buffer
		if n, err := ShipmentsNext(context.Background(), src, store.ListFilter{List: store.ListUnopened}, f, &buf, now, XLSXOptions{}); err != nil || n != 3 {
			t.Fatalf("%s: %d rows, %v", f, n, err)
		}
		out[f] = buf.Bytes()
	}
	recs, err := csv.NewReader(bytes.NewReader(out[CSV])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], header) {
		t.Fatalf("CSV header %v, want %v", recs[0], header)
	}
	for i, w := range want {
		if got := recs[i+1][len(ShipmentHeader):]; !slices.Equal(got, w) {
			t.Errorf("CSV row %d next step, follow-up decision and history %v, want %v", i+1, got, w)
		}
	}
	x := readXLSX(t, out[XLSX])
	for i := range x {
		x[i] = append(x[i], make([]string, len(header)-len(x[i]))...) // GetRows drops empty trailing cells
	}
	if !slices.EqualFunc(x, recs, slices.Equal) {
		t.Errorf("the XLSX for programs differs from the CSV:\n%v\n%v", x, recs)
	}
	var objs []map[string]string
	if err := json.Unmarshal(out[JSON], &objs); err != nil || len(objs) != 3 || objs[0]["next_step"] != "reminder" ||
		objs[0]["next_step_at"] != want[0][1] || objs[1]["next_step"] != "" || objs[1]["followup_decision"] != "consequences_assessed" ||
		objs[2]["first_reminded_at"] != want[2][4] || objs[2]["print_placed_at"] != want[2][6] || objs[2]["print_state"] != "posted" {
		t.Errorf("JSON %v, %v; want the CSV's next steps", objs, err)
	}

	var buf bytes.Buffer
	if _, err := ShipmentsNext(context.Background(), src, store.ListFilter{List: store.ListUnopened}, XLSX, &buf, now, XLSXOptions{Labels: testLabels}); err != nil {
		t.Fatal(err)
	}
	people := readXLSX(t, buf.Bytes())
	col := len(ShipmentHeader)
	if got := people[0][col:]; !slices.Equal(got, []string{"export.col.next_step!", "export.col.next_step_at!",
		"export.col.followup_decision!", "export.col.followup_decided_at!", "export.col.first_reminded_at!",
		"export.col.print_ordered_at!", "export.col.print_placed_at!", "export.col.print_state!"}) {
		t.Errorf("the labelled header ends %v, want the next-step, follow-up decision and history columns' labels", got)
	}
	for i, w := range [][]string{{"export.step.reminder!", "2026-03-03 12:00", "", "", "", "", "", ""},
		{"", "", "decision.consequences_assessed!", "2026-02-27 15:30", "", "", "", ""},
		{"export.step.manual!", "2026-03-10 12:00", "", "", "2026-02-10 09:00", "2026-02-20 10:00", "2026-02-20 10:05", "export.print_state.posted!"}} {
		got := append(people[i+1][col:], make([]string, 8)...)[:8]
		if !slices.Equal(got, w) {
			t.Errorf("labelled row %d next step %v, want %v (Oslo time)", i+1, got, w)
		}
	}
}

// factsRows are rows with their letters' escalation facts (FactsSource).
type factsRows struct {
	rows  fakeSource
	facts []store.OpenShipment
}

func (f factsRows) EachShipmentFacts(_ context.Context, _ store.ListFilter, fn func(*store.ListRow, *store.OpenShipment) error) error {
	for i := range f.rows {
		if err := fn(&f.rows[i], &f.facts[i]); err != nil {
			return err
		}
	}
	return nil
}

// TestPolicyNextLogsOnce: an export whose letters' next steps cannot be
// said (here three without a start time: policy.Plan refuses them) has
// their cells empty and the others' filled, and logs it once for the
// export, with how many letters, the first of them and its error, not a
// line per letter (before: three lines).
func TestPolicyNextLogsOnce(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	rs := rows(4)
	facts := make([]store.OpenShipment, len(rs))
	for i, r := range rs {
		facts[i] = store.OpenShipment{ID: r.ID, Channel: "svarut", SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: model.RecipientOrg,
			RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true, State: model.StateAvailable, Stage: model.StageNone}
		if i == 2 {
			facts[i].SentAt = now.Add(-time.Hour) // the one letter with a start time
		}
	}
	var logs bytes.Buffer
	src := PolicyNext{Facts: factsRows{rows: rs, facts: facts}, Policies: policytest.Shipped(t), Now: now,
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	var got []*NextStep
	if err := src.EachShipmentNext(context.Background(), store.ListFilter{}, func(_ *store.ListRow, n *NextStep) error {
		got = append(got, n)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0] != nil || got[1] != nil || got[3] != nil || got[2] == nil || got[2].Step != escalate.NextReminder {
		t.Errorf("next steps %v, want only the third letter's (a reminder)", got)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "letters=3") || !strings.Contains(lines[0], "first_shipment="+rs[0].ID) ||
		!strings.Contains(lines[0], "error=") || !strings.Contains(lines[0], "level=ERROR") {
		t.Errorf("logged %q; want one error line for the export: letters=3, the first letter, its error", logs.String())
	}
}
