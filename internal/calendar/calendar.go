// Package calendar knows business days: weekends and public holidays for
// Norway (NO) and Denmark (DK). Easter-based moving feasts are computed with
// the anonymous Gregorian algorithm, not listed by hand, so every year works.
//
// All date questions are answered in the calendar's own time zone
// (Europe/Oslo for NO, Europe/Copenhagen for DK): a time.Time in any zone is
// first converted there. The package is pure: the time zone database is
// embedded (time/tzdata), so it does not depend on the host's zoneinfo files.
package calendar

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the calendars must work on hosts without /usr/share/zoneinfo
)

// Holiday is one public holiday.
type Holiday struct {
	// Date is the holiday's date at 00:00 in the calendar's time zone.
	Date time.Time
	// Name is the holiday's name in the country's language.
	Name string
}

// Calendar answers business-day questions for one country. A *Calendar is
// immutable and safe for concurrent use.
type Calendar struct {
	name  string
	loc   *time.Location
	rules func(year int) []rule

	mu     sync.RWMutex
	years  map[int][]rule     // memoised rules(year); never modified once stored
	tables map[int]*yearTable // memoised business-day tables (daytable.go)
}

// rule is a holiday as a civil date, before it is placed in a time zone.
type rule struct {
	month time.Month
	day   int
	name  string
}

// Oslo is the zone postvakt states dates and counts days in for people
// (Copenhagen keeps the same clock): one place for the pages, mails,
// follow-up deadlines and commands that need it. time/tzdata is linked in,
// so it loads on a machine without a zone database.
var Oslo = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return l
}()

var (
	calendars     map[string]*Calendar
	calendarsErr  error
	calendarsOnce sync.Once
)

func load() {
	oslo := Oslo
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		calendarsErr = fmt.Errorf("calendar DK: load time zone: %w", err)
		return
	}
	calendars = map[string]*Calendar{
		"NO": {name: "NO", loc: oslo, rules: norway, years: map[int][]rule{}, tables: map[int]*yearTable{}},
		"DK": {name: "DK", loc: cph, rules: denmark, years: map[int][]rule{}, tables: map[int]*yearTable{}},
	}
}

// holidays returns the holiday rules of a year, computing them once.
func (c *Calendar) holidays(year int) []rule {
	c.mu.RLock()
	r, ok := c.years[year]
	c.mu.RUnlock()
	if ok {
		return r
	}
	r = c.rules(year)
	c.mu.Lock()
	c.years[year] = r
	c.mu.Unlock()
	return r
}

// Names lists the known calendar names, sorted.
func Names() []string { return []string{"DK", "NO"} }

// Get returns the calendar with the given name ("NO" or "DK", exactly as
// written). An unknown name is an error.
func Get(name string) (*Calendar, error) {
	calendarsOnce.Do(load)
	if calendarsErr != nil {
		return nil, calendarsErr
	}
	c, ok := calendars[name]
	if !ok {
		return nil, fmt.Errorf("unknown calendar %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return c, nil
}

// Name returns the calendar's name ("NO" or "DK").
func (c *Calendar) Name() string { return c.name }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holidays returns the public holidays of the given year in date order.
// Holidays falling on a weekend are included, and two holidays may share a
// date (Ascension Day was 1 May in 2008).
func (c *Calendar) Holidays(year int) []Holiday {
	rules := c.holidays(year)
	out := make([]Holiday, 0, len(rules))
	for _, r := range rules {
		out = append(out, Holiday{Date: time.Date(year, r.month, r.day, 0, 0, 0, 0, c.loc), Name: r.name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// HolidayName returns the name of the public holiday on the given civil
// date, and false when the date is not a public holiday.
func (c *Calendar) HolidayName(year int, month time.Month, day int) (string, bool) {
	// Normalise (e.g. 32 January) through time.Date in UTC, where every day
	// has 24 hours.
	d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	for _, r := range c.holidays(d.Year()) {
		if r.month == d.Month() && r.day == d.Day() {
			return r.name, true
		}
	}
	return "", false
}

// IsBusinessDate reports whether the civil date is a business day: not a
// Saturday or Sunday and not a public holiday.
func (c *Calendar) IsBusinessDate(year int, month time.Month, day int) bool {
	return c.isBusiness(dayNumber(year, month, day))
}

// IsBusinessDay reports whether t's date, in the calendar's time zone, is a
// business day.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	y, m, d := t.In(c.loc).Date()
	return c.IsBusinessDate(y, m, d)
}

// StartOfBusinessDay returns t itself when t falls on a business day, and
// otherwise 00:00 of the next business day (in the calendar's time zone).
// It is the normalisation AddBusinessDays and BusinessDaysBetween apply to
// a start time.
func (c *Calendar) StartOfBusinessDay(t time.Time) time.Time {
	t = t.In(c.loc)
	if c.IsBusinessDay(t) {
		return t
	}
	y, m, d := t.Date()
	for i := 1; ; i++ {
		if c.IsBusinessDate(y, m, d+i) {
			return time.Date(y, m, d+i, 0, 0, 0, 0, c.loc)
		}
	}
}

// AddBusinessDays returns the time n business days after t, at the same
// wall-clock time in the calendar's time zone (so a DST change in between
// does not shift the hour).
//
// When t is not itself on a business day (a weekend or holiday), it is first
// moved to 00:00 of the next business day: a shipment sent on Saturday at
// 10:00 starts counting on Monday at 00:00, so two business days later is
// Wednesday 00:00, never earlier than for a shipment sent on Friday. With
// this rule the result never decreases as t increases. n == 0 returns that
// normalised start; a negative n counts backwards from it, so that
// AddBusinessDays(AddBusinessDays(t, n), -n) equals the normalised t.
//
// The result is expressed in the calendar's time zone.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	t = c.StartOfBusinessDay(t)
	y, m, d := t.Date()
	off := 0
	switch {
	case n > 0:
		dn := dayNumber(y, m, d)
		off = c.nthAfter(dn, n) - dn
	case n < 0:
		dn := dayNumber(y, m, d)
		for n < 0 {
			off--
			if c.isBusiness(dn + off) {
				n++
			}
		}
	}
	if off == 0 {
		return t
	}
	return time.Date(y, m, d+off, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc)
}

// BusinessDaysBetween returns how many whole business days have passed from
// a to b: the largest n with AddBusinessDays(a, n) not after b (a is
// normalised as in AddBusinessDays). It is 0 when fewer than one business
// day has passed, and negative (-BusinessDaysBetween(b, a)) when b is
// before a.
func (c *Calendar) BusinessDaysBetween(a, b time.Time) int {
	if b.Before(a) {
		return -c.BusinessDaysBetween(b, a)
	}
	start := c.StartOfBusinessDay(a)
	if b.Before(start) {
		return 0
	}
	// Count business dates after start's date up to and including b's date.
	sy, sm, sd := start.Date()
	by, bm, bd := b.In(c.loc).Date()
	n := c.countAfter(dayNumber(sy, sm, sd), dayNumber(by, bm, bd))
	// The n-th business day is on b's date or earlier; on b's date it may
	// still lie ahead of b by its clock time.
	if n > 0 && c.AddBusinessDays(start, n).After(b) {
		n--
	}
	return n
}

// easter returns the month and day of Easter Sunday in the Gregorian
// calendar (the anonymous Gregorian algorithm, a.k.a. Meeus/Jones/Butcher).
func easter(year int) (time.Month, int) {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Month(month), day
}

// Easter returns Easter Sunday of the given year as a civil date (00:00 UTC).
func Easter(year int) time.Time {
	m, d := easter(year)
	return time.Date(year, m, d, 0, 0, 0, 0, time.UTC)
}

// fromEaster is a holiday a fixed number of days from Easter Sunday.
func fromEaster(year, offset int, name string) rule {
	d := Easter(year).AddDate(0, 0, offset)
	return rule{month: d.Month(), day: d.Day(), name: name}
}

// norway lists the Norwegian public holidays (helligdager and the two
// høytidsdager 1 and 17 May, lov om helligdager og helligdagsfred and lov
// om 1. og 17. mai som høgtidsdager). Christmas Eve and New Year's Eve are
// not public holidays, though many offices close early.
func norway(year int) []rule {
	return []rule{
		{time.January, 1, "Første nyttårsdag"},
		fromEaster(year, -3, "Skjærtorsdag"),
		fromEaster(year, -2, "Langfredag"),
		fromEaster(year, 0, "Første påskedag"),
		fromEaster(year, 1, "Andre påskedag"),
		{time.May, 1, "Offentlig høytidsdag"},
		{time.May, 17, "Grunnlovsdag"},
		fromEaster(year, 39, "Kristi himmelfartsdag"),
		fromEaster(year, 49, "Første pinsedag"),
		fromEaster(year, 50, "Andre pinsedag"),
		{time.December, 25, "Første juledag"},
		{time.December, 26, "Andre juledag"},
	}
}

// greatPrayerDayLastYear is the last year Store bededag was a Danish public
// holiday; it was abolished from 2024.
const greatPrayerDayLastYear = 2023

// denmark lists the Danish public holidays (helligdage) plus the days that
// are no helligdag by law but on which public offices and banks are closed:
// Constitution Day (Grundlovsdag, 5 June), Christmas Eve (Juleaftensdag,
// 24 Dec) and New Year's Eve (Nytårsaftensdag, 31 Dec). State and municipal
// offices are closed all day on the last two, and they are not Danish bank
// days. 1 May is not a day off in Denmark.
func denmark(year int) []rule {
	rules := []rule{
		{time.January, 1, "Nytårsdag"},
		fromEaster(year, -3, "Skærtorsdag"),
		fromEaster(year, -2, "Langfredag"),
		fromEaster(year, 0, "Påskedag"),
		fromEaster(year, 1, "2. påskedag"),
	}
	if year <= greatPrayerDayLastYear {
		// The fourth Friday after Easter.
		rules = append(rules, fromEaster(year, 26, "Store bededag"))
	}
	rules = append(rules,
		fromEaster(year, 39, "Kristi himmelfartsdag"),
		fromEaster(year, 49, "Pinsedag"),
		fromEaster(year, 50, "2. pinsedag"),
		rule{time.June, 5, "Grundlovsdag"},
		rule{time.December, 24, "Juleaftensdag"},
		rule{time.December, 25, "Juledag"},
		rule{time.December, 26, "2. juledag"},
		rule{time.December, 31, "Nytårsaftensdag"},
	)
	return rules
}
