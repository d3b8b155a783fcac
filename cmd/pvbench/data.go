package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
)

// benchPolicy is the one policy of the large database: Norwegian business
// days, reminder 1 after 2, reminder 2 three after it, print after 10, and
// no send window, so a letter's step is due at an exact time the data
// below can aim at.
const benchPolicy = `name: bench
calendar: NO
reminders:
  first_after: 2
  repeat_every: 3
  max: 2
print:
  enabled: true
  after: 10
  requires_approval: false
`

// world is the large database's letters: n letters to orgs organisations,
// all open, sent so that the escalation runs of the bench find a known
// number of them due (the policy above):
//
//	old    one letter per organisation, reminder 1 due at runRemind
//	few    n/1000 letters, reminder 1 due in (runRemind, runFew]
//	many   n/10 letters, reminder 1 due in (runFew, runMany]
//	young  the rest, nothing due before runMany
//
// Everything lies weeks in the past, so the import accepts it; the runs are
// made "as of" these times (escalate --now).
type world struct {
	n, orgs                      int
	few, many                    int
	sent                         time.Time // reference: a business day, 10:00 Oslo
	runRemind, runFew, runMany   time.Time
	orgNumbers                   []string
	cal                          *calendar.Calendar
	youngFrom, youngTo, manyFrom time.Time
}

func newWorld(n, orgs int, now time.Time) (*world, error) {
	cal, err := calendar.Get("NO")
	if err != nil {
		return nil, err
	}
	oslo := cal.Location()
	d := now.AddDate(0, 0, -28).In(oslo)
	ref := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, oslo)
	for !cal.IsBusinessDay(ref) {
		ref = ref.AddDate(0, 0, 1)
	}
	w := &world{n: n, orgs: orgs, few: n / 1000, many: n / 10, sent: ref, cal: cal, orgNumbers: orgNumbers(orgs)}
	w.runRemind = cal.AddBusinessDays(ref, 2)
	w.runFew = w.runRemind.Add(15 * time.Minute)
	w.runMany = w.runRemind.Add(6 * time.Hour)
	w.manyFrom = ref.Add(15 * time.Minute)
	w.youngFrom = ref.Add(6 * time.Hour)
	w.youngTo = ref.AddDate(0, 0, 6)
	if w.youngTo.After(now) || n < orgs+w.few+w.many {
		return nil, fmt.Errorf("world of %d letters to %d organisations does not fit", n, orgs)
	}
	return w, nil
}

// writeCSV writes the registration CSV of the world.
func (w *world) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(bw, "channel,channel_id,sender_org,sender_unit,recipient_kind,recipient_id,title,confidential,class,sent_at")
	spread := func(i, count int, from, to time.Time) time.Time {
		// (from, to], evenly
		step := to.Sub(from) / time.Duration(count)
		return from.Add(step * time.Duration(i+1))
	}
	young := w.n - w.orgs - w.few - w.many
	for i := 0; i < w.n; i++ {
		var sent time.Time
		org := i % w.orgs
		switch {
		case i < w.orgs:
			sent = w.sent.Add(-time.Hour)
		case i < w.orgs+w.few:
			sent = spread(i-w.orgs, w.few, w.sent, w.manyFrom)
		case i < w.orgs+w.few+w.many:
			sent = spread(i-w.orgs-w.few, w.many, w.manyFrom, w.youngFrom)
		default:
			sent = spread(i-w.orgs-w.few-w.many, young, w.youngFrom, w.youngTo)
		}
		fmt.Fprintf(bw, "svarut,%08x-0000-4000-8000-%012x,964338531,Enhet %d,org,%s,Brev %d,true,taushetsbelagt,%s\n",
			i/65536, i, i%50, w.orgNumbers[org], i, sent.UTC().Format(time.RFC3339))
	}
	return bw.Flush()
}

// writeContacts writes one reminder address per organisation.
func (w *world) writeContacts(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "orgnr,email")
	for _, o := range w.orgNumbers {
		fmt.Fprintf(bw, "%s,post@org%s.example\n", o, o)
	}
	return bw.Flush()
}

// orgNumbers makes n valid Norwegian organisation numbers.
func orgNumbers(n int) []string {
	var out []string
	for x := 91000000; len(out) < n; x++ {
		s := fmt.Sprint(x)
		if d, ok := model.OrgCheckDigit(s); ok {
			out = append(out, s+string(d))
		}
	}
	return out
}
