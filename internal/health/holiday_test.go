package health_test

import (
	"strings"
	"testing"
	"time"
)

// officeDays plans a unit's letters every `every` from 08:00 to 15:00
// (Oslo, winter) on the weekdays of the days from start, but those off.
func (w *wk) officeDays(unit string, start time.Time, days int, every time.Duration, off func(time.Time) bool) {
	for d := range days {
		day := start.Add(time.Duration(d) * 24 * time.Hour)
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || off(day) {
			continue
		}
		w.send(unit, day, day.Add(7*time.Hour), every, func(int) bool { return false })
	}
}

// deliveryAlerts are the alerts of the delivery rules (not
// never_opening_org: the letters here are never opened) that started firing.
func (w *wk) deliveryAlerts() []string {
	var out []string
	for _, f := range w.fired {
		if !strings.Contains(f, " never_opening_org ") {
			out = append(out, f)
		}
	}
	return out
}

// TestQuietDaysRaiseNothing: days with few letters, every one delivered,
// cry no wolf: Christmas (Thursday 24 to Sunday 27 December, a letter a
// day from an automatic system, the offices closed), a small unit sending
// two letters a week beside a busy one, and a new unit with no history
// whose first letters are the last of a Friday. A channel silent from the
// Wednesday before Easter is one channel_silent alert, firing until
// Tuesday: not resolved over the five days nobody sends.
func TestQuietDaysRaiseNothing(t *testing.T) {
	t.Parallel()
	t.Run("christmas", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2026, 12, 21, 7, 0, 0, 0, time.UTC)
		w := newWk(t, start)
		w.history(40)
		w.officeDays("Skoleetaten", start, 10, 20*time.Minute, func(d time.Time) bool { return d.Day() >= 24 && d.Day() <= 26 })
		for d := 24; d <= 27; d++ {
			w.plan = append(w.plan, planned{at: time.Date(2026, 12, d, 2, 0, 0, 0, time.UTC), unit: "Eiendomsskatt"})
		}
		w.until(start.Add(10*24*time.Hour), 30*time.Minute)
		if a := w.deliveryAlerts(); len(a) > 0 {
			t.Errorf("a quiet Christmas raised alerts: %v", a)
		}
	})
	t.Run("two letters a week", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)
		w := newWk(t, start)
		w.history(40)
		w.officeDays("Skoleetaten", start, 21, 30*time.Minute, func(time.Time) bool { return false })
		for d := range 21 {
			day := start.Add(time.Duration(d) * 24 * time.Hour)
			if day.Weekday() == time.Tuesday || day.Weekday() == time.Thursday {
				w.plan = append(w.plan, planned{at: day.Add(3 * time.Hour), unit: "Barnevern"})
			}
		}
		w.until(start.Add(21*24*time.Hour), time.Hour)
		if a := w.deliveryAlerts(); len(a) > 0 {
			t.Errorf("a unit sending two letters a week raised alerts: %v", a)
		}
	})
	t.Run("new unit on a Friday evening", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)
		w := newWk(t, start)
		w.history(40)
		w.officeDays("Skoleetaten", start, 5, 30*time.Minute, func(time.Time) bool { return false })
		fri := start.Add(4*24*time.Hour + 8*time.Hour) // 16:00, after the others' last letter
		for i := range 3 {
			w.plan = append(w.plan, planned{at: fri.Add(time.Duration(i) * 10 * time.Minute), unit: "Ny"})
		}
		w.until(start.Add(7*24*time.Hour), 30*time.Minute)
		if a := w.deliveryAlerts(); len(a) > 0 {
			t.Errorf("a new unit's first letters raised alerts: %v", a)
		}
	})
	t.Run("silent over Easter", func(t *testing.T) {
		t.Parallel()
		wed := time.Date(2027, 3, 24, 7, 0, 0, 0, time.UTC) // Maundy Thursday to Easter Monday off
		w := newWk(t, wed)
		w.history(40)
		w.send("Skoleetaten", wed, wed.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
		for i := range w.plan {
			w.plan[i].mute = !w.plan[i].at.Before(wed.Add(6 * time.Hour))
		}
		w.until(time.Date(2027, 3, 30, 7, 0, 0, 0, time.UTC), 30*time.Minute)
		fired, resolved := w.alerts(" channel_silent ")
		if len(fired) != 1 || !strings.HasPrefix(fired[0], "Wed ") || len(resolved) != 0 || len(w.deliveryAlerts()) != 1 {
			t.Errorf("a channel silent from Wednesday 14:00: channel_silent fired %v, resolved %v (all %v); want it fired on Wednesday, firing on Tuesday",
				fired, resolved, w.fired)
		}
	})
}
