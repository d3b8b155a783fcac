package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// runSummary is what `postvakt escalate --once` said it did.
type runSummary struct {
	scanned, due, reminders, orgs, failed, unknown int
}

var summaryRE = regexp.MustCompile(`(\d+) open shipments, (\d+) due; (\d+) reminders to (\d+) organisations.* (\d+) failed sends, (\d+) unknown outcomes`)

func parseSummary(out string) (runSummary, error) {
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		return runSummary{}, fmt.Errorf("no summary in %q", out)
	}
	var n [6]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return runSummary{scanned: n[0], due: n[1], reminders: n[2], orgs: n[3], failed: n[4], unknown: n[5]}, nil
}

// benchEscalation makes three escalation runs over the large database, as
// of the moments the world aims at:
//
//  1. one letter due per organisation: a reminder to every organisation
//     over SMTP (mailpit) — the reminders figure;
//  2. a quarter of an hour later: the few letters whose step came due since;
//  3. six hours later: a tenth of all letters due.
//
// Runs 2 and 3 are the escalation figure: the same open letters, the time
// following the due letters, not the open ones.
func (b *bench) benchEscalation(ctx context.Context, big *bigDB) []figure {
	w := big.w
	remindWhat := fmt.Sprintf("reminders to %s organisations over SMTP (mailpit on loopback)", thousands(w.orgs))
	remindLimit := b.scaled(60 * time.Second)
	remindTarget := "< " + secs(remindLimit)
	escWhat := func(kind string, due int) string {
		return fmt.Sprintf("escalation run over %s open letters, %s due (%s)", thousands(w.n), kind, thousands(due))
	}
	escLimit := b.scaled(20 * time.Second)
	contacts := filepath.Join(b.work, "contacts.csv")
	if err := w.writeContacts(contacts); err != nil {
		return []figure{failed(remindWhat, remindTarget, err)}
	}
	if _, err := b.run("", big.env(), nil, "contacts", "import", contacts); err != nil {
		return []figure{failed(remindWhat, remindTarget, err)}
	}
	before, err := b.mail.count()
	if err != nil {
		return []figure{failed(remindWhat, remindTarget, err)}
	}
	var figs []figure
	run := func(at time.Time) (measured, runSummary, error) {
		m, err := b.run("escalate", big.env(), nil, "escalate", "--once", "--now", at.Format(time.RFC3339))
		if err != nil {
			return m, runSummary{}, err
		}
		s, err := parseSummary(m.stdout)
		return m, s, err
	}
	// 1. Reminders.
	m1, s1, err := run(w.runRemind)
	if err != nil {
		figs = append(figs, failed(remindWhat, remindTarget, err))
	} else {
		after, _ := b.mail.count()
		note := fmt.Sprintf("one `escalate --once` run: %d letters evaluated, %d due, %d reminders in %d messages; "+
			"mailpit received %d; %d failed, %d unknown", s1.scanned, s1.due, s1.reminders, s1.orgs, after-before, s1.failed, s1.unknown)
		ok := m1.wall < remindLimit && s1.orgs == w.orgs && after-before == w.orgs
		by := fmt.Sprintf("%s over", secs(m1.wall-remindLimit))
		if s1.orgs != w.orgs || after-before != w.orgs {
			by = fmt.Sprintf("%d messages, want %d", after-before, w.orgs)
		}
		figs = append(figs, figure{What: remindWhat, Value: secs(m1.wall), Anchor: "", Ratio: fmt.Sprintf("%.0f messages/s", float64(s1.orgs)/m1.wall.Seconds()),
			Target: remindTarget, Verdict: verdict(ok, by), Note: note})
	}
	// 2. Few due, 3. many due.
	mFew, sFew, errFew := run(w.runFew)
	mMany, sMany, errMany := run(w.runMany)
	for _, r := range []struct {
		kind string
		due  int
		m    measured
		s    runSummary
		err  error
	}{{"many", w.many, mMany, sMany, errMany}, {"few", w.few, mFew, sFew, errFew}} {
		what := escWhat(r.kind, r.due)
		if r.err != nil {
			figs = append(figs, failed(what, "< "+secs(escLimit), r.err))
			continue
		}
		f := figure{What: what, Value: secs(r.m.wall), Target: "< " + secs(escLimit) + ", proportional to the due letters",
			Note: fmt.Sprintf("`escalate --once` as of a moment when %d letters' step is due: %d letters evaluated, %d due, "+
				"%d reminders to %d organisations, peak RSS %d MB", r.due, r.s.scanned, r.s.due, r.s.reminders, r.s.orgs, r.m.maxRSS>>20)}
		ok := r.m.wall < escLimit
		by := secs(r.m.wall-escLimit) + " over"
		if r.kind == "few" && errMany == nil {
			// The same open letters, a hundredth of the due ones: the run
			// must cost a fraction of the many-due one.
			share := r.m.wall.Seconds() / mMany.wall.Seconds()
			f.Anchor = "many-due run " + secs(mMany.wall)
			f.Ratio = fmt.Sprintf("%.0f %%", 100*share)
			f.Target = "< " + secs(escLimit) + " and ≤ 25 % of the many-due run"
			if share > 0.25 {
				ok, by = false, fmt.Sprintf("%.0f %% of the many-due run", 100*share)
			}
		}
		f.Verdict = verdict(ok, by)
		figs = append(figs, f)
	}
	return figs
}
