package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// naiveBusiness is the definition, date by date: not a weekend, not a
// holiday. The tables must agree with it.
func naiveBusiness(c *Calendar, y int, m time.Month, d int) bool {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, holiday := c.HolidayName(t.Year(), t.Month(), t.Day())
	return !holiday
}

// naiveAdd walks day by day (the implementation the tables replaced).
func naiveAdd(c *Calendar, t time.Time, n int) time.Time {
	t = c.StartOfBusinessDay(t)
	y, m, d := t.Date()
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	off := 0
	for n > 0 {
		off += step
		if naiveBusiness(c, y, m, d+off) {
			n--
		}
	}
	return time.Date(y, m, d+off, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc)
}

func naiveBetween(c *Calendar, a, b time.Time) int {
	if b.Before(a) {
		return -naiveBetween(c, b, a)
	}
	start := c.StartOfBusinessDay(a)
	if b.Before(start) {
		return 0
	}
	// The implementation the tables replaced: count the business dates
	// after start's date up to b's, then check the clock on b's date.
	sy, sm, sd := start.Date()
	by, bm, bd := b.In(c.loc).Date()
	days := int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	n := 0
	for i := 1; i <= days; i++ {
		if naiveBusiness(c, sy, sm, sd+i) {
			n++
		}
	}
	if n > 0 && naiveAdd(c, start, n).After(b) {
		n--
	}
	return n
}

func TestDayNumber(t *testing.T) {
	for _, tt := range []struct {
		y    int
		m    time.Month
		d    int
		want time.Time
	}{
		{1970, 1, 1, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{2024, 2, 29, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{2024, 2, 30, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{2023, 12, 32, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{2023, 13, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{2024, 0, 1, time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC)},
		{1900, 3, 1, time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)},
		{2400, 12, 31, time.Date(2400, 12, 31, 0, 0, 0, 0, time.UTC)},
	} {
		dn := dayNumber(tt.y, tt.m, tt.d)
		if want := int(tt.want.Unix() / 86400); dn != want {
			t.Errorf("dayNumber(%d, %d, %d) = %d, want %d", tt.y, tt.m, tt.d, dn, want)
		}
		if y := yearOf(dn); y != tt.want.Year() {
			t.Errorf("yearOf(%d) = %d, want %d", dn, y, tt.want.Year())
		}
		if wd := weekday(dn); wd != tt.want.Weekday() {
			t.Errorf("weekday(%d) = %s, want %s", dn, wd, tt.want.Weekday())
		}
	}
}

// TestTablesAgreeWithTheDefinition compares the table-based arithmetic
// with the day-by-day walk on random times and spans across year ends,
// Easter and leap days.
func TestTablesAgreeWithTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(15 * 365 * 24 * time.Hour)
	for _, name := range Names() {
		c := mustGet(t, name)
		for d := 0; d < 15*366; d++ {
			day := base.AddDate(0, 0, d)
			if got, want := c.IsBusinessDate(day.Date()), naiveBusiness(c, day.Year(), day.Month(), day.Day()); got != want {
				t.Fatalf("%s: IsBusinessDate(%s) = %v, want %v", name, day.Format(time.DateOnly), got, want)
			}
		}
		for range 2000 {
			t1 := base.Add(time.Duration(rng.Int64N(span)))
			t2 := t1.Add(time.Duration(rng.Int64N(int64(800 * 24 * time.Hour))))
			n := rng.IntN(600) - 100
			if got, want := c.AddBusinessDays(t1, n), naiveAdd(c, t1, n); !got.Equal(want) {
				t.Fatalf("%s: AddBusinessDays(%v, %d) = %v, want %v", name, t1, n, got, want)
			}
			if got, want := c.BusinessDaysBetween(t1, t2), naiveBetween(c, t1, t2); got != want {
				t.Fatalf("%s: BusinessDaysBetween(%v, %v) = %d, want %d", name, t1, t2, got, want)
			}
		}
	}
}

// BenchmarkBusinessDaysBetween is a year of waiting: what the escalation
// run asked for every open letter before it kept the next step's time.
func BenchmarkBusinessDaysBetween(b *testing.B) {
	c, err := Get("NO")
	if err != nil {
		b.Fatal(err)
	}
	a := time.Date(2025, 3, 30, 10, 0, 0, 0, c.Location())
	to := a.AddDate(1, 0, 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if got := c.BusinessDaysBetween(a, to); got < 240 {
			b.Fatal(got)
		}
	}
}
