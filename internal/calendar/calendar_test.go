package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

func mustGet(t *testing.T, name string) *Calendar {
	t.Helper()
	c, err := Get(name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	return c
}

// at parses a wall-clock time "2006-01-02 15:04" in the calendar's zone.
func at(t *testing.T, c *Calendar, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, c.Location())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGet(t *testing.T) {
	for _, name := range []string{"NO", "DK"} {
		c := mustGet(t, name)
		if c.Name() != name {
			t.Errorf("Name() = %q, want %q", c.Name(), name)
		}
	}
	if got := mustGet(t, "NO").Location().String(); got != "Europe/Oslo" {
		t.Errorf("NO location = %s", got)
	}
	if got := mustGet(t, "DK").Location().String(); got != "Europe/Copenhagen" {
		t.Errorf("DK location = %s", got)
	}
	for _, bad := range []string{"", "no", "SE", "Norway"} {
		if _, err := Get(bad); err == nil {
			t.Errorf("Get(%q): want error", bad)
		}
	}
}

func TestEaster(t *testing.T) {
	tests := map[int]string{
		1818: "1818-03-22", // earliest possible
		1943: "1943-04-25", // latest possible
		2000: "2000-04-23",
		2018: "2018-04-01",
		2019: "2019-04-21",
		2023: "2023-04-09",
		2024: "2024-03-31",
		2025: "2025-04-20",
		2026: "2026-04-05",
		2027: "2027-03-28",
		2038: "2038-04-25",
		2285: "2285-03-22",
	}
	for year, want := range tests {
		if got := Easter(year).Format(time.DateOnly); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestHolidays(t *testing.T) {
	tests := []struct {
		cal  string
		year int
		want []string
	}{
		{"NO", 2026, []string{"2026-01-01", "2026-04-02", "2026-04-03", "2026-04-05", "2026-04-06", "2026-05-01",
			"2026-05-14", "2026-05-17", "2026-05-24", "2026-05-25", "2026-12-25", "2026-12-26"}},
		{"NO", 2025, []string{"2025-01-01", "2025-04-17", "2025-04-18", "2025-04-20", "2025-04-21", "2025-05-01",
			"2025-05-17", "2025-05-29", "2025-06-08", "2025-06-09", "2025-12-25", "2025-12-26"}},
		{"NO", 2024, []string{"2024-01-01", "2024-03-28", "2024-03-29", "2024-03-31", "2024-04-01", "2024-05-01",
			"2024-05-09", "2024-05-17", "2024-05-19", "2024-05-20", "2024-12-25", "2024-12-26"}},
		// 2023: the last year with Store bededag (4th Friday after Easter).
		{"DK", 2023, []string{"2023-01-01", "2023-04-06", "2023-04-07", "2023-04-09", "2023-04-10", "2023-05-05",
			"2023-05-18", "2023-05-28", "2023-05-29", "2023-06-05", "2023-12-24", "2023-12-25", "2023-12-26", "2023-12-31"}},
		{"DK", 2024, []string{"2024-01-01", "2024-03-28", "2024-03-29", "2024-03-31", "2024-04-01",
			"2024-05-09", "2024-05-19", "2024-05-20", "2024-06-05", "2024-12-24", "2024-12-25", "2024-12-26", "2024-12-31"}},
		{"DK", 2027, []string{"2027-01-01", "2027-03-25", "2027-03-26", "2027-03-28", "2027-03-29",
			"2027-05-06", "2027-05-16", "2027-05-17", "2027-06-05", "2027-12-24", "2027-12-25", "2027-12-26", "2027-12-31"}},
	}
	for _, tt := range tests {
		c := mustGet(t, tt.cal)
		got := c.Holidays(tt.year)
		if len(got) != len(tt.want) {
			t.Errorf("%s %d: got %d holidays %v, want %d", tt.cal, tt.year, len(got), got, len(tt.want))
			continue
		}
		for i, h := range got {
			if d := h.Date.Format(time.DateOnly); d != tt.want[i] {
				t.Errorf("%s %d holiday %d (%s) = %s, want %s", tt.cal, tt.year, i, h.Name, d, tt.want[i])
			}
			if h.Date.Location() != c.Location() || h.Date.Hour() != 0 {
				t.Errorf("%s %d holiday %s not at midnight in %s: %v", tt.cal, tt.year, h.Name, c.Location(), h.Date)
			}
			if h.Name == "" {
				t.Errorf("%s %d holiday %d has no name", tt.cal, tt.year, i)
			}
		}
	}
}

func TestHolidayName(t *testing.T) {
	no := mustGet(t, "NO")
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{
		{2026, time.May, 14, "Kristi himmelfartsdag"},
		{2026, time.May, 25, "Andre pinsedag"},
		{2026, time.May, 17, "Grunnlovsdag"},
		{2026, time.April, 2, "Skjærtorsdag"},
		{2026, time.December, 24, ""},
		{2026, time.January, 32, ""}, // normalised to 1 February
		{2025, time.December, 32, "Første nyttårsdag"},
	}
	// Two holidays on one date: Ascension Day on 1 May 2008.
	var may1 []string
	for _, h := range no.Holidays(2008) {
		if h.Date.Month() == time.May && h.Date.Day() == 1 {
			may1 = append(may1, h.Name)
		}
	}
	if len(may1) != 2 {
		t.Errorf("NO 1 May 2008 holidays = %v, want two", may1)
	}
	for _, tt := range tests {
		got, ok := no.HolidayName(tt.y, tt.m, tt.d)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("HolidayName(%d-%d-%d) = %q, %v; want %q", tt.y, tt.m, tt.d, got, ok, tt.want)
		}
	}
}

func TestIsBusinessDay(t *testing.T) {
	no, dk := mustGet(t, "NO"), mustGet(t, "DK")
	tests := []struct {
		cal  *Calendar
		at   string
		want bool
	}{
		{no, "2026-03-05 12:00", true},  // Thursday
		{no, "2026-03-07 12:00", false}, // Saturday
		{no, "2026-03-08 12:00", false}, // Sunday
		{no, "2026-04-02 12:00", false}, // Maundy Thursday
		{no, "2026-04-06 12:00", false}, // Easter Monday
		{no, "2026-04-07 12:00", true},
		{no, "2026-05-01 12:00", false},
		{no, "2026-05-14 12:00", false}, // Ascension
		{no, "2026-05-18 12:00", true},  // 17 May was a Sunday: no substitute day
		{no, "2026-06-05 12:00", true},  // DK constitution day, not NO
		{no, "2026-12-24 12:00", true},  // Christmas Eve is not a public holiday
		{dk, "2026-05-01 12:00", true},  // 1 May is not a DK public holiday
		{dk, "2026-06-05 12:00", false}, // Grundlovsdag
		{dk, "2026-05-25 12:00", false}, // Whit Monday
		{dk, "2023-05-05 12:00", false}, // Store bededag 2023
		{dk, "2024-04-26 12:00", true},  // would have been Store bededag: abolished
		{dk, "2026-12-24 12:00", false}, // Juleaftensdag: public offices and banks closed
		{dk, "2026-12-23 12:00", true},
		{dk, "2026-12-31 12:00", false}, // Nytårsaftensdag: public offices and banks closed
	}
	for _, tt := range tests {
		if got := tt.cal.IsBusinessDay(at(t, tt.cal, tt.at)); got != tt.want {
			t.Errorf("%s IsBusinessDay(%s) = %v, want %v", tt.cal.Name(), tt.at, got, tt.want)
		}
	}
	// The date is taken in the calendar's zone, not the argument's: Friday
	// 23:30 UTC in winter is Saturday 00:30 in Oslo.
	fri := time.Date(2026, time.March, 6, 23, 30, 0, 0, time.UTC)
	if no.IsBusinessDay(fri) {
		t.Errorf("IsBusinessDay(%v): Saturday in Oslo, want false", fri)
	}
	if !no.IsBusinessDay(fri.Add(-time.Hour)) {
		t.Errorf("IsBusinessDay(%v): Friday in Oslo, want true", fri.Add(-time.Hour))
	}
}

func TestAddBusinessDays(t *testing.T) {
	no, dk := mustGet(t, "NO"), mustGet(t, "DK")
	tests := []struct {
		name string
		cal  *Calendar
		from string
		n    int
		want string
	}{
		{"plain week", no, "2026-03-02 10:00", 3, "2026-03-05 10:00"},
		{"over weekend", no, "2026-03-05 10:00", 2, "2026-03-09 10:00"},
		{"zero on business day", no, "2026-03-05 10:00", 0, "2026-03-05 10:00"},
		{"Easter 2026", no, "2026-04-01 10:00", 1, "2026-04-07 10:00"},
		{"Ascension 2026", no, "2026-05-13 10:00", 1, "2026-05-15 10:00"},
		{"17 May on Sunday", no, "2026-05-15 09:00", 1, "2026-05-18 09:00"},
		{"Whitsun 2026", no, "2026-05-22 09:00", 1, "2026-05-26 09:00"},
		{"Christmas 2025", no, "2025-12-24 15:00", 1, "2025-12-29 15:00"},
		{"New Year 2027", no, "2026-12-31 08:00", 1, "2027-01-04 08:00"},
		{"Saturday starts Monday 00:00", no, "2026-03-07 10:00", 2, "2026-03-11 00:00"},
		{"zero on Saturday", no, "2026-03-07 10:00", 0, "2026-03-09 00:00"},
		{"holiday start", no, "2026-04-02 16:00", 1, "2026-04-08 00:00"},
		{"backwards over Easter", no, "2026-04-07 10:00", -1, "2026-04-01 10:00"},
		{"backwards from Sunday", no, "2026-03-08 10:00", -1, "2026-03-06 00:00"},
		{"ten days", no, "2026-03-02 09:30", 10, "2026-03-16 09:30"},
		{"DK Store bededag 2023", dk, "2023-05-04 10:00", 1, "2023-05-08 10:00"},
		{"DK no Store bededag 2024", dk, "2024-04-25 10:00", 1, "2024-04-26 10:00"},
		{"DK Grundlovsdag 2025", dk, "2025-06-04 10:00", 1, "2025-06-06 10:00"},
		{"DK 1 May is a business day", dk, "2026-04-30 10:00", 1, "2026-05-01 10:00"},
		// DST starts Sunday 29 March 2026 and ends Sunday 25 October 2026:
		// the wall-clock time is kept, so the UTC offset changes.
		{"DST spring", no, "2026-03-27 10:00", 1, "2026-03-30 10:00"},
		{"DST autumn", no, "2026-10-23 10:00", 1, "2026-10-26 10:00"},
		{"DST spring DK", dk, "2026-03-26 02:30", 2, "2026-03-30 02:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddBusinessDays(at(t, tt.cal, tt.from), tt.n)
			want := at(t, tt.cal, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddBusinessDays(%s, %d) = %v, want %v", tt.from, tt.n, got, want)
			}
			if got.Location() != tt.cal.Location() {
				t.Errorf("result in %v, want %v", got.Location(), tt.cal.Location())
			}
		})
	}

	// A time given in UTC is read in the calendar's zone.
	from := time.Date(2026, time.March, 27, 9, 0, 0, 0, time.UTC) // Friday 10:00 CET
	got := no.AddBusinessDays(from, 1)
	if want := time.Date(2026, time.March, 30, 8, 0, 0, 0, time.UTC); !got.Equal(want) { // Monday 10:00 CEST
		t.Errorf("AddBusinessDays over DST = %v, want %v", got.UTC(), want)
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	no := mustGet(t, "NO")
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-03-02 10:00", "2026-03-02 10:00", 0},
		{"2026-03-02 10:00", "2026-03-03 09:59", 0},
		{"2026-03-02 10:00", "2026-03-03 10:00", 1},
		{"2026-03-02 10:00", "2026-03-09 10:00", 5},
		{"2026-03-07 10:00", "2026-03-09 23:59", 0}, // Saturday: counting starts Monday 00:00
		{"2026-03-07 10:00", "2026-03-10 00:00", 1},
		{"2026-04-01 10:00", "2026-04-07 10:00", 1}, // Easter
		{"2026-04-07 10:00", "2026-04-01 10:00", -1},
		{"2025-12-31 00:00", "2026-12-31 00:00", 253}, // Norway has 253 working days in 2026
		{"2026-01-01 00:00", "2027-01-01 00:00", 252}, // 1 Jan is a holiday: counting starts 2 Jan 00:00
	}
	for _, tt := range tests {
		if got := no.BusinessDaysBetween(at(t, no, tt.a), at(t, no, tt.b)); got != tt.want {
			t.Errorf("BusinessDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestProperties checks, on random times over several years, that
// BusinessDaysBetween inverts AddBusinessDays, that negative n undoes
// positive n, and that AddBusinessDays never goes backwards in t.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(13 * 365 * 24 * time.Hour)
	for _, name := range Names() {
		c := mustGet(t, name)
		for range 1000 {
			t1 := base.Add(time.Duration(rng.Int64N(span)))
			t2 := t1.Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))
			n := rng.IntN(40)
			r := c.AddBusinessDays(t1, n)
			if got := c.BusinessDaysBetween(t1, r); got != n {
				t.Fatalf("%s: Between(%v, Add(%d)=%v) = %d", name, t1, n, r, got)
			}
			if n > 0 {
				if got := c.BusinessDaysBetween(t1, r.Add(-time.Nanosecond)); got != n-1 {
					t.Fatalf("%s: Between(%v, %v-1ns) = %d, want %d", name, t1, r, got, n-1)
				}
			}
			if back := c.AddBusinessDays(r, -n); !back.Equal(c.StartOfBusinessDay(t1)) {
				t.Fatalf("%s: Add(Add(%v, %d), -%d) = %v", name, t1, n, n, back)
			}
			if r2 := c.AddBusinessDays(t2, n); r2.Before(r) {
				t.Fatalf("%s: Add(%v,%d)=%v before Add(%v,%d)=%v", name, t2, n, r2, t1, n, r)
			}
			if !c.IsBusinessDay(r) {
				t.Fatalf("%s: Add(%v, %d) = %v is not a business day", name, t1, n, r)
			}
		}
	}
}
