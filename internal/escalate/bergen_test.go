package escalate

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"postvakt/internal/calendar"
)

// params mirrors the shipped policies (policies/*.yaml) by hand: the test's
// oracle must not be the code under test.
type params struct{ first, repeat, max, print int }

var (
	pTaushetsbelagt = params{2, 3, 2, 10}
	pBarnevern      = params{1, 2, 2, 5}
	pDefault        = params{5, 5, 2, 15}
)

// simShipment is the oracle's view of one shipment.
type simShipment struct {
	id, channelID, org string
	person             bool
	p                  params
	since              time.Time
	sent               int
	last               time.Time
	printed, opened    bool
}

// TestBergen is the Bergen case end to end: a few hundred organisations
// receive confidential post around Easter 2026; some open it at once, some
// later, some never, some have no e-mail address. The clock moves through
// four weeks, three runs a day (07:00, 09:00, 17:00 in Oslo), with no
// sleeping. After every run the messages on the SMTP server must be exactly
// what the policies say: the right organisations, on the right days
// (weekends and Easter holidays skipped, only inside the send window), one
// message per organisation per run listing exactly its due shipments, and
// no title anywhere.
func TestBergen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cal, err := calendar.Get("NO")
	if err != nil {
		t.Fatal(err)
	}
	orgs := orgNumbers(300)
	persons := personIDs(12)
	start := time.Date(2026, 3, 27, 0, 0, 0, 0, oslo) // Friday before Easter week

	var ships []ship
	var sims []*simShipment
	noAddress := map[string]bool{}
	var withAddress []string
	for i, org := range orgs {
		if i%10 == 3 {
			noAddress[org] = true
		} else {
			withAddress = append(withAddress, org)
		}
		for j := 0; j < 1+i%4; j++ {
			sent := start.AddDate(0, 0, (i*7+j*13)%6).Add(time.Duration(8+(i+j)%6) * time.Hour)
			s := ship{recipient: org, class: "taushetsbelagt", conf: true, sent: sent}
			p := pTaushetsbelagt
			switch {
			case (i+j)%7 == 0:
				s.class, p = "barnevern", pBarnevern
			case (i+j)%11 == 0:
				s.class, s.conf, p = "skatt", false, pDefault
			}
			ships = append(ships, s)
			sims = append(sims, &simShipment{org: org, p: p, since: sent.Add(time.Hour)})
		}
	}
	for i, pid := range persons {
		s := ship{recipient: pid, person: true, class: "barnevern", conf: true, sent: start.Add(time.Duration(9+i%5) * time.Hour)}
		p := pBarnevern
		if i%2 == 0 {
			s.class, s.conf, p = "skatt", false, pDefault
		}
		ships = append(ships, s)
		sims = append(sims, &simShipment{org: pid, person: true, p: p, since: s.sent.Add(time.Hour)})
	}
	ids, channelIDs := h.register(ships...)
	for i := range sims {
		sims[i].id, sims[i].channelID = ids[i], channelIDs[i]
	}
	h.contacts(withAddress...)

	// Who opens when: a third never, a third everything, a third only its
	// first shipment, on a day that depends on the organisation.
	opensOn := map[*simShipment]int{}
	first := map[string]bool{}
	for _, s := range sims {
		if s.person {
			continue
		}
		i := indexOf(orgs, s.org)
		switch i % 3 {
		case 1:
			opensOn[s] = i % 12
		case 2:
			if !first[s.org] {
				opensOn[s] = i % 12
			}
		}
		first[s.org] = true
	}

	var totalMessages, totalReminders, totalPrints int
	byDay := map[string]int{}
	for day := 0; day < 29; day++ {
		date := start.AddDate(0, 0, day)
		var opening []string
		for s, d := range opensOn {
			if d == day && !s.opened {
				s.opened = true
				opening = append(opening, s.id)
			}
		}
		if len(opening) > 0 {
			h.open(opening...)
		}
		for _, hour := range []int{7, 9, 17} {
			now := date.Add(time.Duration(hour) * time.Hour)
			want, wantNoAddr, wantPrints := oracle(cal, sims, noAddress, now)
			sum := h.run(now)
			got := map[string][]string{}
			for _, m := range h.take() {
				if _, dup := got[m.org]; dup {
					t.Fatalf("%s: two messages to %s in one run", now, m.org)
				}
				got[m.org] = m.refs
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: messages differ from the policies\n got: %v\nwant: %v", now.Format("Mon 2006-01-02 15:04"), got, want)
			}
			reminders := 0
			for _, refs := range want {
				reminders += len(refs)
			}
			if sum.Orgs != len(want) || sum.Reminders != reminders || sum.PrintDue != wantPrints || sum.Errors != 0 || sum.Failed != 0 {
				t.Fatalf("%s: summary %+v, want %d orgs, %d reminders, %d print due", now, sum, len(want), reminders, wantPrints)
			}
			if !reflect.DeepEqual(sum.NoAddress, wantNoAddr) {
				t.Fatalf("%s: organisations without address %v, want %v", now, sum.NoAddress, wantNoAddr)
			}
			totalMessages += len(got)
			totalReminders += reminders
			totalPrints += wantPrints
			byDay[now.Format("2006-01-02")] += len(got)
			if hour != 9 && len(got) > 0 {
				t.Fatalf("%s: reminders sent outside the send window", now)
			}
		}
	}
	// Holidays and weekends, said out loud (the oracle uses the calendar).
	for _, d := range []string{"2026-04-02", "2026-04-03", "2026-04-04", "2026-04-05", "2026-04-06", "2026-04-11", "2026-04-12"} {
		if byDay[d] != 0 {
			t.Errorf("%d reminders sent on %s, a holiday or weekend day", byDay[d], d)
		}
	}
	if byDay["2026-04-07"] == 0 || byDay["2026-04-08"] == 0 {
		t.Errorf("no reminders on the business days after Easter: %v", byDay)
	}
	if totalMessages < 150 || totalPrints < 100 {
		t.Fatalf("the scenario is too small to mean much: %d messages, %d print due", totalMessages, totalPrints)
	}
	// The evidence: one decision event per step and shipment, one reminder
	// event per reminder.
	if n := h.count(`SELECT count(*) FROM (SELECT shipment_id, payload->>'step' FROM shipment_events
		WHERE kind = 'decision' GROUP BY 1, 2 HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d decisions recorded twice", n)
	}
	if n := h.count(`SELECT count(*) FROM shipment_events WHERE kind = 'reminder'`); n != totalReminders {
		t.Fatalf("%d reminder events, want %d", n, totalReminders)
	}
	if n := h.count(`SELECT count(*) FROM shipments WHERE stage = 'print_due'`); n != totalPrints {
		t.Fatalf("%d shipments print due, want %d", n, totalPrints)
	}
	h.checkLogs()
	t.Logf("%d organisations, %d shipments: %d messages, %d reminders, %d print due", len(orgs), len(sims), totalMessages, totalReminders, totalPrints)
}

// oracle says what a run at now must do, straight from the policy numbers:
// per organisation the sorted channel ids to list, the organisations
// without address that are due, and how many shipments become print due.
// It advances the simulated shipments as if that happened.
func oracle(cal *calendar.Calendar, sims []*simShipment, noAddress map[string]bool, now time.Time) (map[string][]string, []string, int) {
	want := map[string][]string{}
	noAddr := map[string]bool{}
	prints := 0
	local := now.In(oslo)
	inWindow := cal.IsBusinessDay(now) && local.Hour() >= 8 && local.Hour() < 16
	for _, s := range sims {
		if s.opened || s.printed {
			continue
		}
		printAt := cal.AddBusinessDays(s.since, s.p.print)
		if !now.Before(printAt) {
			s.printed = true
			prints++
			continue
		}
		if s.sent >= s.p.max || !inWindow {
			continue
		}
		k := s.sent + 1
		due := cal.AddBusinessDays(s.since, s.p.first+(k-1)*s.p.repeat)
		if k > 1 {
			if after := cal.AddBusinessDays(s.last, s.p.repeat); after.After(due) {
				due = after
			}
		}
		if now.Before(due) || s.person {
			continue
		}
		if noAddress[s.org] {
			noAddr[s.org] = true
			continue
		}
		want[s.org] = append(want[s.org], s.channelID)
		s.sent, s.last = k, now
	}
	for _, refs := range want {
		sort.Strings(refs)
	}
	var orgs []string
	for o := range noAddr {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	return want, orgs, prints
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// personIDs makes n valid Norwegian person ids (born 1 January 1970).
func personIDs(n int) []string {
	var out []string
	for ind := 100; len(out) < n; ind++ {
		s := fmt.Sprintf("010170%03d", ind)
		k1 := check(s, []int{3, 7, 6, 1, 8, 9, 4, 5, 2})
		if k1 == 10 {
			continue
		}
		s += fmt.Sprint(k1)
		k2 := check(s, []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
		if k2 == 10 {
			continue
		}
		out = append(out, s+fmt.Sprint(k2))
	}
	return out
}

func check(s string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	k := 11 - sum%11
	if k == 11 {
		return 0
	}
	return k
}
