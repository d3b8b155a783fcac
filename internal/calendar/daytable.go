package calendar

import (
	"sort"
	"time"
)

// Business-day arithmetic on day numbers. A shipment's escalation asks
// "how many business days from a to b" and "n business days after t" for
// every shipment the escalation run looks at; walking the dates one by one
// (time.Date, a holiday lookup per day) cost ~0.1 ms per shipment over a
// year of waiting (the profile of an escalation run over 100,000 letters
// was 90 % in that walk). Instead each year is turned once into a table of
// running business-day counts, so a count is two lookups per year spanned
// and "n after" one binary search.

// dayNumber is the number of days from 1970-01-01 to the civil date
// y-m-d; m and d may be out of range (d = 32 is the next month's first).
func dayNumber(y int, m time.Month, d int) int {
	mi := int(m) - 1
	y += floorDiv(mi, 12)
	mi -= floorDiv(mi, 12) * 12
	return daysFromCivil(y, mi+1, 1) + d - 1
}

// daysFromCivil is Howard Hinnant's days_from_civil (proleptic Gregorian).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// yearOf is the civil year of a day number (Hinnant's civil_from_days).
func yearOf(z int) int {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	if mp := (5*doy + 2) / 153; mp >= 10 { // January or February
		y++
	}
	return y
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// yearTable is one year's business days: cum[i] is how many of the year's
// days 0..i-1 (0 = 1 January) are business days.
type yearTable struct {
	first int // day number of 1 January
	days  int // 365 or 366
	cum   []uint16
}

// table returns a year's table, building it once.
func (c *Calendar) table(year int) *yearTable {
	c.mu.RLock()
	t, ok := c.tables[year]
	c.mu.RUnlock()
	if ok {
		return t
	}
	first := daysFromCivil(year, 1, 1)
	t = &yearTable{first: first, days: daysFromCivil(year+1, 1, 1) - first}
	holiday := make([]bool, t.days)
	for _, r := range c.holidays(year) {
		holiday[daysFromCivil(year, int(r.month), r.day)-first] = true
	}
	t.cum = make([]uint16, t.days+1)
	for i := 0; i < t.days; i++ {
		t.cum[i+1] = t.cum[i]
		if wd := weekday(first + i); wd != time.Saturday && wd != time.Sunday && !holiday[i] {
			t.cum[i+1]++
		}
	}
	c.mu.Lock()
	c.tables[year] = t
	c.mu.Unlock()
	return t
}

// weekday of a day number (1970-01-01 was a Thursday).
func weekday(dn int) time.Weekday {
	return time.Weekday(((dn+4)%7 + 7) % 7)
}

// isBusiness reports whether the day is a business day.
func (c *Calendar) isBusiness(dn int) bool {
	t := c.table(yearOf(dn))
	i := dn - t.first
	return t.cum[i+1] > t.cum[i]
}

// countAfter returns how many business days d have a < d <= b (0 when b <= a).
func (c *Calendar) countAfter(a, b int) int {
	n := 0
	for a < b {
		t := c.table(yearOf(a + 1))
		end := min(b, t.first+t.days-1)
		n += int(t.cum[end-t.first+1]) - int(t.cum[a+1-t.first])
		a = end
	}
	return n
}

// nthAfter returns the n-th business day after day a (n >= 1).
func (c *Calendar) nthAfter(a, n int) int {
	for {
		t := c.table(yearOf(a + 1))
		i0 := a + 1 - t.first
		if avail := int(t.cum[t.days]) - int(t.cum[i0]); n > avail {
			n -= avail
			a = t.first + t.days - 1
			continue
		}
		target := int(t.cum[i0]) + n
		// The first day j >= i0 whose running count reaches target.
		j := i0 + sort.Search(t.days-i0, func(k int) bool { return int(t.cum[i0+k+1]) >= target })
		return t.first + j
	}
}
