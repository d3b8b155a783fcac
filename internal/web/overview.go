package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"postvakt/internal/auth"
	"postvakt/internal/calendar"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// Alert is a firing health alert (a channel gone silent, a rejection
// spike...), shown on the overview.
type Alert struct {
	ID      int64     // the alert's page is /alerts/{ID}; 0: it has none
	Rule    string    // what fires, e.g. "channel_silent"
	Channel string    // the channel it is about, if any
	Since   time.Time // firing since
	Detail  string    // readable, without personal data (English)
	// Why is Detail for people in their language (health.Why); nil = Detail.
	Why []store.AlertReason

	SenderOrg, Unit string // the sender organisation and unit it is about, if any (who may see it: alertVisible)
}

// AlertSource lists the firing health alerts in scope. The health rules
// (issue 12) provide one; without it the overview says that alerts are not
// set up.
type AlertSource interface {
	FiringAlerts(ctx context.Context) ([]Alert, error)
}

// WithAlerts shows the firing health alerts on the overview.
func WithAlerts(a AlertSource) Option { return func(s *Server) { s.alerts = a } }

// ageBuckets are the overview's age buckets in business days unopened:
// 0–2, 3–10, 11–30, more than 30.
var ageBuckets = []int{3, 11, 31}

// overviewWeeks is how many weeks the charts show.
const overviewWeeks = 26

type bucketRow struct {
	Channel string
	N       [4]int
	Total   int
	// Lists are the addresses of the unopened list filtered to exactly
	// each bucket's letters (by channel and the days sent the bucket
	// spans: a bucket is a run of days, age growing with each day back);
	// "" for an empty bucket and in the totals row (the channels' calendars
	// differ).
	Lists [4]template.URL
}

type overviewData struct {
	AsOf, WeeksAsOf *time.Time
	Buckets         []bucketRow
	Totals          bucketRow
	WeekFrom        time.Time
	Activity        *store.Activity
	Alerts          []Alert
	AlertsOn        bool
	AlertsErr       bool
	OpenedWithin    int
	RateChart       template.HTML
	RateNone        bool // no week's rate is known yet: the rate chart would be empty
	UnopenedNone    bool // no channel has letters in scope: the unopened chart would be empty
	UnopenedChart   template.HTML
	Weeks           []weekRow // the charts as a table, newest first
	WeekChannels    []string
	TopOrgs         *store.ListSummary // receiving organisations only
	Persons         int                // persons' unopened letters (summarise)
	TopUnits        *store.ListSummary
	// UnitOrgs: the units are of more than one sending organisation (an
	// unscoped principal): each is named with its organisation's number,
	// as two organisations' units may share a name.
	UnitOrgs      bool
	TopOrgsChart  template.HTML
	TopUnitsChart template.HTML

	// AlertsNotYours: the role may not see health alerts (the unit role;
	// /alerts answers it 403), so the overview does not tell it that none
	// is firing: it says whose they are.
	AlertsNotYours bool
}

// weekRow is one week of the charts' table.
type weekRow struct {
	Week     time.Time
	Rate     []string // per channel: "83 %", or "—" when not yet known
	Unopened []int    // per channel
}

// calendarFor is the business-day calendar of a channel's letters.
func calendarFor(channel string) *calendar.Calendar {
	name := "NO"
	if channel == "digitalpost" {
		name = "DK"
	}
	c, err := calendar.Get(name)
	if err != nil {
		panic(err) // the calendars are built in
	}
	return c
}

// bucketOf returns the age bucket (0..3) of letters sent on day, as of
// now, by the channel's business days; ages of recent days are cached in
// ages (older days than the cache covers are always the last bucket).
func bucketOf(cal *calendar.Calendar, day, now time.Time, ages map[time.Time]int) int {
	age, ok := ages[day]
	if !ok {
		y, m, d := day.Date()
		sent := time.Date(y, m, d, 12, 0, 0, 0, cal.Location())
		if now.Sub(sent) > 70*24*time.Hour { // far more than 30 business days
			age = 1 << 30
		} else {
			age = cal.BusinessDaysBetween(sent, now)
		}
		ages[day] = age
	}
	for i, limit := range ageBuckets {
		if age < limit {
			return i
		}
	}
	return len(ageBuckets)
}

// overviewPage is the start page: the numbers that matter now, in the
// principal's scope (a unit user sees its unit's).
func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	scope := p.Scope()
	if !s.mustAudit(w, r, store.ActViewOverview, describe(store.ListFilter{Scope: scope, List: store.ListUnopened}), "") {
		return
	}
	now := s.now()
	l := s.loc(r)
	d := overviewData{OpenedWithin: store.OpenedWithinDays, AlertsOn: s.alerts != nil}

	days, asOf, err := s.store.UnopenedByDay(ctx, scope)
	if err != nil {
		s.internalError(w, r, "overview: unopened by day", err)
		return
	}
	d.AsOf = asOf
	d.Buckets, d.Totals = buckets(days, now)

	loc := zone
	y, m, dd := now.In(loc).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	d.WeekFrom = today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7)) // Monday
	if d.Activity, err = s.store.Activity(ctx, scope, d.WeekFrom, now); err != nil {
		s.internalError(w, r, "overview: activity", err)
		return
	}
	weeks, weeksAsOf, err := s.store.Weeks(ctx, scope, time.Time{})
	if err != nil {
		s.internalError(w, r, "overview: weeks", err)
		return
	}
	d.WeeksAsOf = weeksAsOf
	s.weekCharts(&d, l, weeks, d.WeekFrom, now)

	f := store.ListFilter{Scope: scope, List: store.ListUnopened}
	// The top recipients are organisations, the persons' letters one line
	// under them (summarise says why).
	if d.TopOrgs, d.Persons, err = s.summarise(ctx, f, store.ByRecipient, 0, 10); err != nil {
		s.internalError(w, r, "overview: top organisations", err)
		return
	}
	if d.TopUnits, err = s.store.Summarise(ctx, f, store.ByUnit, 0, 10); err != nil {
		s.internalError(w, r, "overview: top units", err)
		return
	}
	d.TopOrgsChart = barChart("chart-orgs", l.T("overview.top_orgs"), l.T("overview.top_orgs_desc"), orgBars(d.TopOrgs), l.Int)
	d.UnitOrgs = scope.SenderOrg == ""
	d.TopUnitsChart = barChart("chart-units", l.T("overview.top_units"), l.T("overview.top_units_desc"), unitBars(d.TopUnits, d.UnitOrgs), l.Int)

	// The alerts only for those the access matrix lets see them (the
	// unit role may not: /alerts answers it 403).
	d.AlertsNotYours = s.alerts != nil && !principal(ctx).Can(auth.ViewAlerts)
	if s.alerts != nil && !d.AlertsNotYours {
		all, err := s.alerts.FiringAlerts(ctx)
		if err != nil {
			s.log.Error("overview: read health alerts", "error", err)
			d.AlertsErr = true
		}
		for _, a := range all {
			if alertVisible(principal(ctx), a.SenderOrg, a.Unit) {
				d.Alerts = append(d.Alerts, a)
			}
		}
	}
	s.render(w, r, http.StatusOK, "overview", "title.overview", d)
}

// buckets sums unopened letters per channel into the age buckets, each
// with the list of its letters.
func buckets(days []store.UnopenedDay, now time.Time) ([]bucketRow, bucketRow) {
	byChannel := map[string]*bucketRow{}
	ages := map[string]map[time.Time]int{}
	type span struct{ first, last time.Time }
	spans := map[string]*[4]span{}
	var total bucketRow
	for _, x := range days {
		b := byChannel[x.Channel]
		if b == nil {
			b = &bucketRow{Channel: x.Channel}
			byChannel[x.Channel] = b
			ages[x.Channel] = map[time.Time]int{}
			spans[x.Channel] = &[4]span{}
		}
		i := bucketOf(calendarFor(x.Channel), x.Day, now, ages[x.Channel])
		sp := &spans[x.Channel][i]
		if sp.first.IsZero() || x.Day.Before(sp.first) {
			sp.first = x.Day
		}
		if x.Day.After(sp.last) {
			sp.last = x.Day
		}
		b.N[i] += x.N
		b.Total += x.N
		total.N[i] += x.N
		total.Total += x.N
	}
	out := []bucketRow{}
	for _, ch := range channelOrder(byChannel) {
		b := byChannel[ch]
		for i, sp := range spans[ch] {
			if b.N[i] == 0 {
				continue
			}
			// The youngest bucket open towards today and the oldest open
			// towards the past: letters sent since the counts were read
			// fall in them too.
			q := url.Values{"list": {string(store.ListUnopened)}, "channel": {ch}}
			if i < len(ageBuckets) {
				q.Set("from", sp.first.Format("2006-01-02"))
			}
			if i > 0 {
				q.Set("to", sp.last.Format("2006-01-02"))
			}
			b.Lists[i] = template.URL("/list?" + q.Encode()) // our own path and encoded values
		}
		out = append(out, *b)
	}
	return out, total
}

// channelOrder lists the channels of m in model order, unknown ones last.
func channelOrder[T any](m map[string]T) []string {
	var out []string
	for _, c := range model.Channels() {
		if _, ok := m[c]; ok {
			out = append(out, c)
		}
	}
	var rest []string
	for c := range m {
		if !slices.Contains(out, c) {
			rest = append(rest, c)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// weekCharts turns the weekly counts into the rate and unopened charts (the
// last overviewWeeks weeks up to this one) and their table.
func (s *Server) weekCharts(d *overviewData, l *i18n.Localizer, weeks []store.Week, thisWeek, now time.Time) {
	first := thisWeek.AddDate(0, 0, -7*(overviewWeeks-1))
	idx := func(t time.Time) int {
		y, m, dd := t.Date()
		w := time.Date(y, m, dd, 0, 0, 0, 0, zone)
		return int((w.Sub(first).Hours() + 12) / (24 * 7))
	}
	type acc struct {
		sent, opened [overviewWeeks]int
		unopened     [overviewWeeks]int
		seen         [overviewWeeks]bool
		before       int // unopened at the end of the last week before the charts
	}
	per := map[string]*acc{}
	for _, w := range weeks {
		a := per[w.Channel]
		if a == nil {
			a = &acc{}
			per[w.Channel] = a
		}
		i := idx(w.Week)
		switch {
		case i < 0:
			a.before = w.Unopened
		case i < overviewWeeks:
			a.sent[i], a.opened[i], a.unopened[i], a.seen[i] = w.Sent, w.OpenedWithin, w.Unopened, true
		}
	}
	chans := channelOrder(per)
	d.WeekChannels = chans
	labels := make([]string, overviewWeeks)
	for i := range labels {
		labels[i] = first.AddDate(0, 0, 7*i).Format("02.01")
	}
	var rate, open []series
	total := series{Name: l.T("overview.all_channels"), Values: make([]float64, overviewWeeks), Has: make([]bool, overviewWeeks)}
	rows := make([]weekRow, overviewWeeks)
	for i := range rows {
		rows[i].Week = first.AddDate(0, 0, 7*i)
	}
	for _, ch := range chans {
		a := per[ch]
		rs := series{Name: model.ChannelDisplay(ch), Values: make([]float64, overviewWeeks), Has: make([]bool, overviewWeeks)}
		us := series{Name: model.ChannelDisplay(ch), Values: make([]float64, overviewWeeks), Has: make([]bool, overviewWeeks)}
		cur := a.before
		for i := 0; i < overviewWeeks; i++ {
			if a.seen[i] {
				cur = a.unopened[i]
			}
			us.Values[i], us.Has[i] = float64(cur), true
			total.Values[i] += float64(cur)
			total.Has[i] = true
			rows[i].Unopened = append(rows[i].Unopened, cur)
			// A week's rate is known once its last letter has had its days.
			known := !rows[i].Week.AddDate(0, 0, 7+store.OpenedWithinDays).After(now) && a.sent[i] > 0
			if known {
				rs.Values[i], rs.Has[i] = 100*float64(a.opened[i])/float64(a.sent[i]), true
				rows[i].Rate = append(rows[i].Rate, fmt.Sprintf("%.0f %%", rs.Values[i]))
			} else {
				rows[i].Rate = append(rows[i].Rate, "—")
			}
		}
		rate = append(rate, rs)
		open = append(open, us)
	}
	if len(chans) > 1 {
		open = append(open, total)
	}
	d.RateNone, d.UnopenedNone = true, len(chans) == 0
	for _, rs := range rate {
		if slices.Contains(rs.Has, true) {
			d.RateNone = false
		}
	}
	pct := func(v float64) string { return fmt.Sprintf("%.0f %%", v) }
	num := func(v float64) string { return l.Int(int64(math.Round(v))) } // a tick: 1 500 in nb
	d.RateChart = lineChart("chart-rate", l.T("overview.rate_title", "Days", store.OpenedWithinDays),
		l.T("overview.rate_desc", "Days", store.OpenedWithinDays, "Weeks", overviewWeeks), labels, rate, 100, pct)
	d.UnopenedChart = lineChart("chart-unopened", l.T("overview.unopened_title"),
		l.T("overview.unopened_desc", "Weeks", overviewWeeks), labels, open, 0, num)
	slices.Reverse(rows)
	d.Weeks = rows
}

func orgBars(sum *store.ListSummary) []bar {
	var out []bar
	for _, g := range sum.Groups {
		label := model.MaskRecipient(g.Kind, g.Key)
		if g.Name != "" {
			label += " " + isolate(g.Name)
		}
		out = append(out, bar{Label: label, Value: g.Count})
	}
	return out
}

func unitBars(sum *store.ListSummary, withOrg bool) []bar {
	var out []bar
	for _, g := range sum.Groups {
		label := isolate(g.Key)
		if withOrg && g.SenderOrg != "" {
			label += " (" + g.SenderOrg + ")"
		}
		out = append(out, bar{Label: label, Value: g.Count})
	}
	return out
}

// isolate wraps a name from outside that holds right-to-left letters or
// bidi controls (a sender system's unit name with U+202E) in a first
// strong isolate (U+2068 … U+2069), so that it cannot reorder the text
// around it in a chart's label ("Enhet (964338531)"); other names are as
// they are.
func isolate(name string) string {
	if !strings.ContainsFunc(name, func(r rune) bool {
		return unicode.Is(unicode.Bidi_Control, r) || unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko)
	}) {
		return name
	}
	return "\u2068" + name + "\u2069"
}
