package policy

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/calendar"
)

var oslo = mustZone("Europe/Oslo")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ts parses "2006-01-02 15:04" in Oslo.
func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// taushetsbelagt is the shipped confidential-to-business policy, by hand.
func taushetsbelagt(t *testing.T) *Policy {
	t.Helper()
	cal, err := calendar.Get("NO")
	if err != nil {
		t.Fatal(err)
	}
	return &Policy{
		Name:       "taushetsbelagt",
		Calendar:   cal,
		Reminders:  Reminders{FirstAfter: 2, RepeatEvery: 3, Max: 2},
		Print:      Print{Enabled: true, After: 10},
		SendWindow: &SendWindow{From: 8 * 60, To: 16 * 60, BusinessDaysOnly: true, Location: oslo},
	}
}

// sched is a compact expected schedule entry: "reminder 1 @ due > sendAt".
func sched(s Scheduled) string {
	out := s.Step.String() + " @ " + s.Due.In(oslo).Format("01-02 15:04")
	if !s.SendAt.Equal(s.Due) {
		out += " > " + s.SendAt.In(oslo).Format("01-02 15:04")
	}
	return out
}

func TestPlan(t *testing.T) {
	p := taushetsbelagt(t)
	since := "2026-03-02 10:00" // a Monday
	tests := []struct {
		name     string
		pr       Progress
		now      string
		due      string // "" = nothing due
		upcoming []string
		skipped  []string
	}{
		{"fresh", Progress{}, "2026-03-03 10:00", "",
			[]string{"reminder 1 @ 03-04 10:00", "reminder 2 @ 03-09 10:00", "print @ 03-16 10:00"}, nil},
		{"first reminder due", Progress{}, "2026-03-04 10:00", "reminder 1 @ 03-04 10:00",
			[]string{"reminder 2 @ 03-09 10:00", "print @ 03-16 10:00"}, nil},
		// Due, but after the send window closed: it waits until 08:00 the
		// next business day, and reminder 2 is counted from then.
		{"first reminder after hours", Progress{}, "2026-03-04 17:00", "reminder 1 @ 03-04 10:00 > 03-05 08:00",
			[]string{"reminder 2 @ 03-10 08:00", "print @ 03-16 10:00"}, nil},
		{"first reminder sent late", Progress{RemindersSent: 1, LastReminder: ts(t, "2026-03-05 08:00")}, "2026-03-06 09:00", "",
			[]string{"reminder 2 @ 03-10 08:00", "print @ 03-16 10:00"}, nil},
		{"first reminder sent on time", Progress{RemindersSent: 1, LastReminder: ts(t, "2026-03-04 10:00")}, "2026-03-09 10:00",
			"reminder 2 @ 03-09 10:00", []string{"print @ 03-16 10:00"}, nil},
		{"all reminders sent", Progress{RemindersSent: 2, LastReminder: ts(t, "2026-03-09 10:00")}, "2026-03-12 10:00", "",
			[]string{"print @ 03-16 10:00"}, nil},
		{"print due", Progress{RemindersSent: 2, LastReminder: ts(t, "2026-03-09 10:00")}, "2026-03-16 10:00",
			"print @ 03-16 10:00", nil, nil},
		// Print orders ignore the send window.
		{"print overdue at night", Progress{RemindersSent: 2, LastReminder: ts(t, "2026-03-09 10:00")}, "2026-03-21 03:00",
			"print @ 03-16 10:00 > 03-21 03:00", nil, nil},
		{"print due, reminder outstanding", Progress{RemindersSent: 1, LastReminder: ts(t, "2026-03-04 10:00")}, "2026-03-16 10:00",
			"print @ 03-16 10:00", nil, []string{"reminder 2"}},
		// A reminder sent very late pushes the next one past print.
		{"late reminder crowds out the next", Progress{RemindersSent: 1, LastReminder: ts(t, "2026-03-12 10:00")}, "2026-03-12 11:00", "",
			[]string{"print @ 03-16 10:00"}, []string{"reminder 2"}},
		{"print ordered", Progress{RemindersSent: 2, PrintOrdered: true}, "2026-03-20 10:00", "", nil, nil},
		{"more reminders sent than max", Progress{RemindersSent: 5, LastReminder: ts(t, "2026-03-09 10:00")}, "2026-03-10 10:00", "",
			[]string{"print @ 03-16 10:00"}, nil},
		// Back-fill: a shipment from 2019 registered today goes straight to print.
		{"back-filled", Progress{Since: ts(t, "2019-01-07 09:00")}, "2026-03-02 10:00", "print @ 01-21 09:00 > 03-02 10:00",
			nil, []string{"reminder 1", "reminder 2"}},
		// Easter 2026: 2-6 April is closed (Thursday to Monday).
		{"over Easter", Progress{Since: ts(t, "2026-04-01 10:00")}, "2026-04-01 10:00", "",
			[]string{"reminder 1 @ 04-08 10:00", "reminder 2 @ 04-13 10:00", "print @ 04-20 10:00"}, nil},
		// Became available on Saturday: counting starts Monday 00:00, and
		// the reminder waits for the window.
		{"weekend start", Progress{Since: ts(t, "2026-03-07 12:00")}, "2026-03-07 12:00", "",
			[]string{"reminder 1 @ 03-11 00:00 > 03-11 08:00", "reminder 2 @ 03-16 08:00", "print @ 03-23 00:00"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := tt.pr
			if pr.Since.IsZero() {
				pr.Since = ts(t, since)
			}
			plan, err := p.Plan(pr, ts(t, tt.now))
			if err != nil {
				t.Fatal(err)
			}
			due := ""
			if plan.Now.Step.Kind != StepNone {
				due = sched(plan.Now)
			}
			if due != tt.due {
				t.Errorf("due now = %q, want %q", due, tt.due)
			}
			var upcoming []string
			for _, s := range plan.Upcoming {
				upcoming = append(upcoming, sched(s))
			}
			if !reflect.DeepEqual(upcoming, tt.upcoming) {
				t.Errorf("upcoming = %q, want %q", upcoming, tt.upcoming)
			}
			var skipped []string
			for _, s := range plan.Skipped {
				skipped = append(skipped, s.String())
			}
			if !reflect.DeepEqual(skipped, tt.skipped) {
				t.Errorf("skipped = %q, want %q", skipped, tt.skipped)
			}
			if fin := plan.Finished(); fin != (tt.due == "" && len(tt.upcoming) == 0) {
				t.Errorf("Finished() = %v", fin)
			}
		})
	}
}

func TestPlanWithoutPrintOrReminders(t *testing.T) {
	p := taushetsbelagt(t)
	p.Print = Print{Enabled: false}
	p.SendWindow = nil
	since := ts(t, "2026-03-02 10:00")
	plan, err := p.Plan(Progress{Since: since, RemindersSent: 1, LastReminder: ts(t, "2026-03-20 10:00")}, ts(t, "2026-03-26 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	// Without print, a late reminder is never crowded out.
	if plan.Now.Step != (Step{Kind: StepRemind, N: 2}) || !plan.Now.Due.Equal(ts(t, "2026-03-25 10:00")) || len(plan.Upcoming) != 0 {
		t.Errorf("plan = %+v", plan)
	}
	plan, _ = p.Plan(Progress{Since: since, RemindersSent: 2}, ts(t, "2027-01-01 00:00"))
	if !plan.Finished() {
		t.Errorf("all reminders sent, no print: plan = %+v", plan)
	}

	p.Reminders = Reminders{}
	p.Print = Print{Enabled: true, After: 1}
	steps, err := p.Explain(since)
	if err != nil || len(steps) != 1 || steps[0].Step.Kind != StepPrint || !steps[0].Due.Equal(ts(t, "2026-03-03 10:00")) {
		t.Errorf("Explain = %+v, %v", steps, err)
	}
}

func TestPlanErrors(t *testing.T) {
	p := taushetsbelagt(t)
	now := ts(t, "2026-03-02 10:00")
	for _, pr := range []Progress{{}, {Since: now, RemindersSent: -1}} {
		if _, err := p.Plan(pr, now); err == nil {
			t.Errorf("Plan(%+v): want error", pr)
		}
	}
	if _, err := (&Policy{Name: "x"}).Plan(Progress{Since: now}, now); err == nil {
		t.Error("Plan without calendar: want error")
	}
	if _, err := p.Explain(time.Time{}); err == nil || !strings.Contains(err.Error(), `explain policy "taushetsbelagt"`) {
		t.Errorf("Explain(zero) err = %v", err)
	}
}

func TestExplain(t *testing.T) {
	p := taushetsbelagt(t)
	// Sent Friday 15:30: reminder 1 due Tuesday 15:30, inside the window.
	steps, err := p.Explain(ts(t, "2026-03-27 15:30"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, sched(s))
	}
	want := []string{"reminder 1 @ 03-31 15:30", "reminder 2 @ 04-08 15:30", "print @ 04-15 15:30"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Explain = %q, want %q", got, want)
	}
}

func TestNextSendTime(t *testing.T) {
	p := taushetsbelagt(t)
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"inside", ts(t, "2026-04-01 10:00"), ts(t, "2026-04-01 10:00")},
		{"at opening", ts(t, "2026-04-01 08:00"), ts(t, "2026-04-01 08:00")},
		{"before opening", ts(t, "2026-04-01 07:59"), ts(t, "2026-04-01 08:00")},
		{"at closing, before Easter", ts(t, "2026-04-01 16:00"), ts(t, "2026-04-07 08:00")},
		{"Saturday", ts(t, "2026-03-07 12:00"), ts(t, "2026-03-09 08:00")},
		{"17 May on Sunday", ts(t, "2026-05-15 18:00"), ts(t, "2026-05-18 08:00")},
		// 07:30 CET in UTC; then across the DST change to CEST.
		{"UTC input", time.Date(2026, 3, 27, 6, 30, 0, 0, time.UTC), time.Date(2026, 3, 27, 7, 0, 0, 0, time.UTC)},
		{"over DST", ts(t, "2026-03-27 17:00"), time.Date(2026, 3, 30, 6, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := p.NextSendTime(tt.at); !got.Equal(tt.want) {
			t.Errorf("%s: NextSendTime(%v) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}

	// Every day, not only business days.
	p.SendWindow.BusinessDaysOnly = false
	if got, want := p.NextSendTime(ts(t, "2026-03-07 17:00")), ts(t, "2026-03-08 08:00"); !got.Equal(want) {
		t.Errorf("every day: got %v, want %v", got, want)
	}
	// No window: any time.
	p.SendWindow = nil
	if at := ts(t, "2026-03-07 03:00"); !p.NextSendTime(at).Equal(at) {
		t.Error("no window: time changed")
	}
}

func TestStepString(t *testing.T) {
	tests := map[Step]string{
		{}:                       "none",
		{Kind: StepRemind, N: 2}: "reminder 2",
		{Kind: StepPrint}:        "print",
		{Kind: StepKind(9)}:      "StepKind(9)",
	}
	for s, want := range tests {
		if got := s.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", s, got, want)
		}
	}
}
