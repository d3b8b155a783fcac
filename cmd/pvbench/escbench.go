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

var summaryRE = regexp.MustCompile(`(\d+) open shipments looked at \([^)]*\), (\d+) due; (\d+) reminders to (\d+) organisations.* (\d+) failed sends, (\d+) unknown outcomes`)

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

// benchEscalation makes escalation runs over the large database, as of the
// moments the world aims at:
//
//  1. one letter due per organisation: a reminder to every organisation
//     over SMTP (mailpit) — the reminders figure;
//  2. a quarter of an hour later: the few letters whose step came due since;
//  3. six hours later: a tenth of all letters due.
//
// Runs 2 and 3 are made deciding only (`--dry-run`: every due letter
// decided, its organisation's message claimed and composed, all rolled
// back) — the escalation figure, measured as issue 13 set it: the same open
// letters, the time following the due letters, not the open ones. Run 2
// then sends, so that run 3 finds only its own letters due. With sending
// (`--only sending`, not in the default), run 3 sends too, as its own row:
// 100,000 reminders in one message per organisation, bound by the
// reminders target.
func (b *bench) benchEscalation(ctx context.Context, big *bigDB, sending bool) []figure {
	w := big.w
	remindWhat := fmt.Sprintf("reminders to %s organisations over SMTP (mailpit on loopback)", thousands(w.orgs))
	remindLimit := b.scaled(60 * time.Second)
	remindTarget := "< " + secs(remindLimit)
	escWhat := func(kind string, due int, how string) string {
		return fmt.Sprintf("escalation run over %s open letters, %s due (%s), %s", thousands(w.n), kind, thousands(due), how)
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
	run := func(at time.Time, dry bool) (measured, runSummary, error) {
		args := []string{"escalate", "--once", "--now", at.Format(time.RFC3339)}
		label := "escalate"
		if dry {
			args, label = append(args, "--dry-run"), "escalate-dry-run"
		}
		m, err := b.run(label, big.env(), nil, args...)
		if err != nil {
			return m, runSummary{}, err
		}
		s, err := parseSummary(m.stdout)
		return m, s, err
	}
	// 1. Reminders.
	m1, s1, err := run(w.runRemind, false)
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
	// 2. Few due, 3. many due: deciding, then sending.
	type outcome struct {
		m   measured
		s   runSummary
		err error
	}
	var few, many, manySent outcome
	few.m, few.s, few.err = run(w.runFew, true)
	if _, _, err := run(w.runFew, false); err != nil && few.err == nil {
		few.err = err
	}
	many.m, many.s, many.err = run(w.runMany, true)
	if sending {
		manySent.m, manySent.s, manySent.err = run(w.runMany, false)
	}
	for _, r := range []struct {
		kind string
		due  int
		outcome
	}{{"many", w.many, many}, {"few", w.few, few}} {
		what := escWhat(r.kind, r.due, "deciding (`--dry-run`)")
		if r.err != nil {
			figs = append(figs, failed(what, "< "+secs(escLimit), r.err))
			continue
		}
		f := figure{What: what, Value: secs(r.m.wall), Target: "< " + secs(escLimit) + ", proportional to the due letters",
			Note: fmt.Sprintf("`escalate --once --dry-run` as of a moment when %d letters' step is due: %d letters evaluated, %d due, "+
				"%d reminders to %d organisations claimed and composed, then rolled back; peak RSS %d MB", r.due, r.s.scanned, r.s.due, r.s.reminders, r.s.orgs, r.m.maxRSS>>20)}
		ok := r.m.wall < escLimit
		by := secs(r.m.wall-escLimit) + " over"
		if r.kind == "few" && many.err == nil {
			// The same open letters, a hundredth of the due ones: the run
			// must cost a fraction of the many-due one.
			share := r.m.wall.Seconds() / many.m.wall.Seconds()
			f.Anchor = "many-due run " + secs(many.m.wall)
			f.Ratio = fmt.Sprintf("%.0f %%", 100*share)
			f.Target = "< " + secs(escLimit) + " and ≤ 25 % of the many-due run"
			if share > 0.25 {
				ok, by = false, fmt.Sprintf("%.0f %% of the many-due run", 100*share)
			}
		}
		f.Verdict = verdict(ok, by)
		figs = append(figs, f)
	}
	if !sending {
		return figs
	}
	what := escWhat("many", w.many, "sending")
	if manySent.err != nil {
		return append(figs, failed(what, remindTarget, manySent.err))
	}
	s := manySent.s
	anchor := ""
	if many.err == nil {
		anchor = "deciding " + secs(many.m.wall)
	}
	return append(figs, figure{What: what, Value: secs(manySent.m.wall), Anchor: anchor,
		Ratio:  fmt.Sprintf("%.0f messages/s", float64(s.orgs)/manySent.m.wall.Seconds()),
		Target: remindTarget + " (reminders to " + thousands(w.orgs) + " organisations)", Verdict: verdict(manySent.m.wall < remindLimit, secs(manySent.m.wall-remindLimit)+" over"),
		Note: fmt.Sprintf("the same moment, `escalate --once`: %d letters evaluated, %d reminders in %d messages over SMTP, each recorded with its letters' steps; "+
			"%d failed, %d unknown; peak RSS %d MB", s.scanned, s.reminders, s.orgs, s.failed, s.unknown, manySent.m.maxRSS>>20)})
}
