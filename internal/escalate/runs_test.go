package escalate

import (
	"slices"
	"testing"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/policy"
)

// TestRunsOut: a reminder that waits for the next run goes out with the
// next run of the escalation's cron spec when every policy's send window
// is open then; when one is closed (after 16:00, a weekend, Whit Monday
// and 17 May), the next run is when it goes out at the earliest and the
// first run inside every window (08:00 the next business day) at the
// latest. A schedule that never runs inside the window gives no latest; an
// @every schedule, whose runs count from the process's start, and a spec
// that never fires give no time at all; without a windowed policy the
// next run holds at any hour.
func TestRunsOut(t *testing.T) {
	cal, err := calendar.Get("NO")
	if err != nil {
		t.Fatal(err)
	}
	oslo := calendar.Oslo
	office := &policy.Policy{Name: "office", Calendar: cal,
		SendWindow: &policy.SendWindow{From: 8 * 60, To: 16 * 60, BusinessDaysOnly: true, Location: oslo}}
	anytime := &policy.Policy{Name: "anytime", Calendar: cal}
	set := policy.NewSet(office, anytime)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, spec   string
		set          *policy.Set
		now          string
		next, latest string // "" for none
		held         bool
	}{
		{"in the window", "*/15 * * * *", set, "2026-12-01 14:05", "2026-12-01 14:15", "", false},
		{"at the window's end", "*/15 * * * *", set, "2026-12-01 15:50", "2026-12-01 16:00", "2026-12-02 08:00", true},
		{"friday evening", "*/15 * * * *", set, "2026-12-04 16:20", "2026-12-04 16:30", "2026-12-07 08:00", true},
		{"before whit monday and 17 may", "*/15 * * * *", set, "2027-05-14 16:10", "2027-05-14 16:15", "2027-05-18 08:00", true},
		{"hourly at :40", "CRON_TZ=Europe/Oslo 40 * * * *", set, "2026-12-01 22:00", "2026-12-01 22:40", "2026-12-02 08:40", true},
		{"never in the window", "CRON_TZ=Europe/Oslo 0 7 * * *", set, "2026-12-01 14:00", "2026-12-02 07:00", "", true},
		{"no windowed policy", "*/15 * * * *", policy.NewSet(anytime), "2026-12-05 23:50", "2026-12-06 00:00", "", false},
		{"no policies", "*/15 * * * *", nil, "2026-12-05 23:50", "2026-12-06 00:00", "", false},
		{"@every", "@every 15m", set, "2026-12-01 14:05", "", "", false},
		{"never fires", "0 0 30 2 *", set, "2026-12-01 14:05", "", "", false},
	} {
		r, err := NewRuns(tc.spec, tc.set)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := r.Out(at(tc.now))
		var want ReminderOut
		if tc.next != "" {
			want.Next = at(tc.next)
		}
		if tc.latest != "" {
			want.Latest = at(tc.latest)
		}
		want.Held = tc.held
		if !got.Next.Equal(want.Next) || !got.Latest.Equal(want.Latest) || got.Held != want.Held {
			t.Errorf("%s (%s at %s): %+v, want %+v", tc.name, tc.spec, tc.now, got, want)
		}
	}
	if _, err := NewRuns("every quarter", set); err == nil {
		t.Error("a spec that is none was read")
	}
}

// TestRunsUnreached: a schedule none of whose runs falls inside a
// policy's send window within a year (07:00 daily for a window of
// 08:00-16:00, Saturdays for one on business days) would hold that
// policy's reminders for ever, its letters going to print unreminded; it
// names the policy. One run a week inside, or a run in the summer only
// (06:00 UTC is 08:00 in Oslo then), reaches it; an @every schedule cannot
// be told.
func TestRunsUnreached(t *testing.T) {
	cal, err := calendar.Get("NO")
	if err != nil {
		t.Fatal(err)
	}
	office := &policy.Policy{Name: "office", Calendar: cal,
		SendWindow: &policy.SendWindow{From: 8 * 60, To: 16 * 60, BusinessDaysOnly: true, Location: calendar.Oslo}}
	evening := &policy.Policy{Name: "evening", Calendar: cal,
		SendWindow: &policy.SendWindow{From: 17 * 60, To: 20 * 60, Location: calendar.Oslo}}
	anytime := &policy.Policy{Name: "anytime", Calendar: cal}
	set := policy.NewSet(office, evening, anytime)
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, calendar.Oslo)
	for _, tc := range []struct {
		spec string
		want []string
	}{
		{"*/15 * * * *", nil},
		{"CRON_TZ=Europe/Oslo 0 7 * * *", []string{"evening", "office"}},
		{"CRON_TZ=Europe/Oslo 0 9 * * 6", []string{"evening", "office"}},
		{"CRON_TZ=Europe/Oslo 0 18 * * 6", []string{"office"}},
		{"CRON_TZ=Europe/Oslo 0 9 * * 1", []string{"evening"}},
		{"CRON_TZ=UTC 0 6 * * *", []string{"evening"}},
		{"@every 15m", nil},
	} {
		r, err := NewRuns(tc.spec, set)
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		var got []string
		for _, p := range r.Unreached(now) {
			got = append(got, p.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: policies never reached %v, want %v", tc.spec, got, tc.want)
		}
	}
}
