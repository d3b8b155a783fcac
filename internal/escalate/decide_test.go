package escalate

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/policy/policytest"
)

var oslo = func() *time.Location {
	cal, err := calendar.Get("NO")
	if err != nil {
		panic(err)
	}
	return cal.Location()
}()

// at parses "2006-01-02 15:04" in Oslo.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// shipped loads the policies in policies/.
func shipped(t testing.TB) *policy.Set { t.Helper(); return policytest.Shipped(t) }

// unheardWant is what TestDecide wants of a letter unknown to the channel
// since since (empty: known): Decision.Unheard, CatchUp, Next (or Never)
// and Recorded.
type unheardWant struct {
	since, next, recorded   string
	unheard, catchUp, never bool
}

func TestDecide(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	get := func(name string) *policy.Policy {
		p, ok := set.Get(name)
		if !ok {
			t.Fatalf("no policy %s", name)
		}
		return p
	}
	cal, _ := calendar.Get("NO")
	anyTime := &policy.Policy{Name: "anytime", Calendar: cal,
		Reminders: policy.Reminders{FirstAfter: 1, RepeatEvery: 1, Max: 3}, Print: policy.Print{Enabled: false}}

	// 2026: Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6
	// April. 2027: 17 May is both Constitution Day and Whit Monday.
	easter := "2026-04-01 10:00" // Wednesday before Easter
	tests := []struct {
		name     string
		p        *policy.Policy
		since    string
		sent     int
		last     string
		now      string
		step     string // "none", "reminder 1", "print"
		wait     bool
		reason   string
		unopened int
		u        unheardWant // the letter is unknown to the channel (u.since set)
	}{
		{"easter: one business day after 5 days", get("taushetsbelagt"), easter, 0, "", "2026-04-07 10:00", "none", false, "", 1, unheardWant{}},
		{"easter: holidays are not business days", get("taushetsbelagt"), easter, 0, "", "2026-04-06 12:00", "none", false, "", 0, unheardWant{}},
		{"easter: not due before the hour", get("taushetsbelagt"), easter, 0, "", "2026-04-08 09:59", "none", false, "", 1, unheardWant{}},
		{"easter: reminder 1 on the second business day", get("taushetsbelagt"), easter, 0, "", "2026-04-08 10:00", "reminder 1", false,
			"reminder 1 due: 2 business days unopened (policy taushetsbelagt)", 2, unheardWant{}},
		{"quiet hours: due after 16:00 waits for 08:00 next business day", get("taushetsbelagt"), easter, 0, "", "2026-04-08 17:00", "reminder 1", true,
			"reminder 1 due: 2 business days unopened (policy taushetsbelagt); outside the send window, waits until Thu 2026-04-09 08:00 CEST", 2, unheardWant{}},
		{"quiet hours: Friday evening waits for Monday", get("taushetsbelagt"), "2026-04-14 15:00", 0, "", "2026-04-17 16:00", "reminder 1", true,
			"reminder 1 due: 3 business days unopened (policy taushetsbelagt); outside the send window, waits until Mon 2026-04-20 08:00 CEST", 3, unheardWant{}},
		{"reminder 1 sent: nothing until reminder 2", get("taushetsbelagt"), easter, 1, "2026-04-08 10:00", "2026-04-10 15:00", "none", false, "", 4, unheardWant{}},
		{"reminder 2 after repeat_every since reminder 1", get("taushetsbelagt"), easter, 1, "2026-04-08 10:00", "2026-04-13 10:00", "reminder 2", false,
			"reminder 2 due: 5 business days unopened, 3 business days since reminder 1 (policy taushetsbelagt)", 5, unheardWant{}},
		{"reminder 2 counts from a late reminder 1", get("taushetsbelagt"), easter, 1, "2026-04-09 08:00", "2026-04-13 10:00", "none", false, "", 5, unheardWant{}},
		{"all reminders sent", get("taushetsbelagt"), easter, 2, "2026-04-13 10:00", "2026-04-17 10:00", "none", false, "", 9, unheardWant{}},
		{"print after 10 business days, ignoring quiet hours", get("taushetsbelagt"), easter, 2, "2026-04-13 10:00", "2026-04-20 22:00", "print", false,
			"print due: 10 business days unopened (policy taushetsbelagt)", 10, unheardWant{}},
		{"17 May 2027 is no business day", get("taushetsbelagt"), "2027-05-14 10:00", 0, "", "2027-05-18 12:00", "none", false, "", 1, unheardWant{}},
		{"17 May 2027: reminder on Wednesday", get("taushetsbelagt"), "2027-05-14 10:00", 0, "", "2027-05-19 10:00", "reminder 1", false,
			"reminder 1 due: 2 business days unopened (policy taushetsbelagt)", 2, unheardWant{}},
		{"barnevern: reminder after 1 business day", get("barnevern"), "2026-11-23 09:00", 0, "", "2026-11-24 09:00", "reminder 1", false,
			"reminder 1 due: 1 business day unopened (policy barnevern)", 1, unheardWant{}},
		{"barnevern: print needs approval", get("barnevern"), "2026-11-23 09:00", 2, "2026-11-26 09:00", "2026-11-30 09:00", "print", false,
			"print due: 5 business days unopened (policy barnevern); needs a compliance officer's approval", 5, unheardWant{}},
		{"default: a week of business days", get("default"), "2026-11-23 09:00", 0, "", "2026-11-27 09:00", "none", false, "", 4, unheardWant{}},
		{"default: reminder 1 after 5", get("default"), "2026-11-23 09:00", 0, "", "2026-11-30 09:00", "reminder 1", false,
			"reminder 1 due: 5 business days unopened (policy default)", 5, unheardWant{}},
		{"no send window: any time", anyTime, "2026-11-23 09:00", 0, "", "2026-11-24 23:30", "reminder 1", false,
			"reminder 1 due: 1 business day unopened (policy anytime)", 1, unheardWant{}},
		{"no print: nothing after the last reminder", anyTime, "2026-11-23 09:00", 3, "2026-11-26 09:00", "2026-12-30 09:00", "none", false, "", 26, unheardWant{}},
		// Unknown to the channel: a due reminder is not sent (not Wait, even
		// in quiet hours); the next step is print, or none without print.
		{"unknown to the channel: reminder not sent, print next", get("taushetsbelagt"), easter, 0, "", "2026-04-08 17:00", "reminder 1", false,
			"reminder 1 due: 2 business days unopened (policy taushetsbelagt); not sent: the channel has never heard of the shipment " +
				"(unknown to the channel since 2026-04-02 09:00 CEST), a reminder would point at nothing; print follows the policy (due 2026-04-20 10:00 CEST)", 2,
			unheardWant{since: "2026-04-02 09:00", unheard: true, next: "2026-04-20 10:00", recorded: "reminder 1 not sent (unknown to the channel)"}},
		{"unknown to the channel: reminder 2 not sent either", get("taushetsbelagt"), easter, 1, "2026-04-08 10:00", "2026-04-13 10:00", "reminder 2", false,
			"reminder 2 due: 5 business days unopened, 3 business days since reminder 1 (policy taushetsbelagt); not sent: the channel has never heard of the shipment " +
				"(unknown to the channel since 2026-04-09 09:00 CEST), a reminder would point at nothing; print follows the policy (due 2026-04-20 10:00 CEST)", 5,
			unheardWant{since: "2026-04-09 09:00", unheard: true, next: "2026-04-20 10:00", recorded: "reminder 2 not sent (unknown to the channel)"}},
		{"unknown to the channel, no print: nothing comes", anyTime, "2026-11-23 09:00", 0, "", "2026-11-24 23:30", "reminder 1", false,
			"reminder 1 due: 1 business day unopened (policy anytime); not sent: the channel has never heard of the shipment " +
				"(unknown to the channel since 2026-11-23 09:00 UTC), a reminder would point at nothing; no print under the policy", 1,
			unheardWant{since: "2026-11-23 10:00", unheard: true, never: true, recorded: "reminder 1 not sent (unknown to the channel)"}},
		{"unknown to the channel: catch-up reminder not sent, print after the grace", get("taushetsbelagt"), "2026-03-02 10:00", 0, "", "2026-04-20 12:00", "reminder 1", false,
			"catch-up reminder 1 due: 32 business days unopened, past its print window when first met (policy taushetsbelagt); not sent: the channel has never heard of the shipment " +
				"(unknown to the channel since 2026-03-03 09:00 CET), a reminder would point at nothing; print follows the policy (due 2026-04-27 12:00 CEST)", 32,
			unheardWant{since: "2026-03-03 09:00", unheard: true, catchUp: true, next: "2026-04-27 12:00", recorded: "reminder 1 not sent (unknown to the channel)"}},
		{"unknown to the channel: print is still due", get("taushetsbelagt"), easter, 2, "2026-04-13 10:00", "2026-04-20 22:00", "print", false,
			"print due: 10 business days unopened (policy taushetsbelagt)", 10,
			unheardWant{since: "2026-04-02 09:00", never: true, recorded: "print"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Facts{Since: at(t, tc.since), RemindersSent: tc.sent}
			if tc.last != "" {
				f.LastReminder = at(t, tc.last)
			}
			if tc.u.since != "" {
				f.UnknownSince = at(t, tc.u.since)
			}
			d, err := Decide(f, tc.p, at(t, tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if d.Step.String() != tc.step || d.Wait != tc.wait || d.Reason != tc.reason || d.Unopened != tc.unopened {
				t.Fatalf("got step=%q wait=%v unopened=%d reason=%q\nwant step=%q wait=%v unopened=%d reason=%q",
					d.Step, d.Wait, d.Unopened, d.Reason, tc.step, tc.wait, tc.unopened, tc.reason)
			}
			if d.Policy != tc.p.Name || d.Due() != (tc.step != "none") {
				t.Fatalf("policy %q due %v", d.Policy, d.Due())
			}
			if d.Wait && !d.SendAt.After(at(t, tc.now)) {
				t.Fatalf("waiting, but SendAt %s is not later than now", d.SendAt)
			}
			if d.Unheard != tc.u.unheard || d.CatchUp != tc.u.catchUp {
				t.Fatalf("unheard=%v catch-up=%v, want %v %v", d.Unheard, d.CatchUp, tc.u.unheard, tc.u.catchUp)
			}
			if tc.u.since == "" {
				return
			}
			if tc.u.next != "" && (!d.Next.Equal(at(t, tc.u.next)) || d.Never) {
				t.Fatalf("next %s never=%v, want %s", d.Next, d.Never, tc.u.next)
			}
			if tc.u.never && (!d.Next.IsZero() || !d.Never) {
				t.Fatalf("next %s never=%v, want never", d.Next, d.Never)
			}
			if d.Recorded() != tc.u.recorded {
				t.Fatalf("recorded %q, want %q", d.Recorded(), tc.u.recorded)
			}
		})
	}
	if _, err := Decide(Facts{}, get("default"), at(t, "2026-11-23 09:00")); err == nil {
		t.Fatal("a shipment without a start time was decided")
	}
}

// A letter first met past its print window catches up (policy catch_up,
// default: one reminder, print five business days later with approval)
// instead of going to print in the first run; one the escalation met before
// keeps its schedule, skipped reminders and all.
func TestDecideCatchUp(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	p, _ := set.Get("taushetsbelagt")
	noCatchUp := *p
	noCatchUp.CatchUp.Reminders = 0
	since := "2026-03-02 10:00" // 32 business days before 20 April
	for _, tc := range []struct {
		name          string
		p             *policy.Policy
		f             Facts
		now           string
		step          string
		catchUp, wait bool
		approval      bool
		reason        string
	}{
		{"met before, reminders skipped: print", p, Facts{Decided: true}, "2026-04-20 12:00", "print", false, false, false,
			"print due: 32 business days unopened (policy taushetsbelagt)"},
		{"first met past print: catch-up reminder", p, Facts{}, "2026-04-20 12:00", "reminder 1", true, false, false,
			"catch-up reminder 1 due: 32 business days unopened, past its print window when first met (policy taushetsbelagt)"},
		{"first met in the evening: the reminder waits for the window", p, Facts{}, "2026-04-20 20:00", "reminder 1", true, true, false,
			"catch-up reminder 1 due: 32 business days unopened, past its print window when first met (policy taushetsbelagt); " +
				"outside the send window, waits until Tue 2026-04-21 08:00 CEST"},
		{"catch_up.reminders 0: print at once", &noCatchUp, Facts{}, "2026-04-20 12:00", "print", false, false, false,
			"print due: 32 business days unopened (policy taushetsbelagt)"},
		{"catching up, waiting for the window", p, Facts{Decided: true, CatchUpSince: at(t, "2026-04-20 20:00")}, "2026-04-21 07:00",
			"reminder 1", true, true, false, ""},
		{"catch-up reminder sent: nothing during the grace", p, Facts{Decided: true, RemindersSent: 1, LastReminder: at(t, "2026-04-21 08:00"),
			CatchUpSince: at(t, "2026-04-20 20:00")}, "2026-04-27 12:00", "none", true, false, false, ""},
		{"grace over: print with approval", p, Facts{Decided: true, RemindersSent: 1, LastReminder: at(t, "2026-04-21 08:00"),
			CatchUpSince: at(t, "2026-04-20 20:00")}, "2026-04-28 08:00", "print", true, false, true,
			"catch-up print due: 5 business days after the catch-up reminder (policy taushetsbelagt); needs a compliance officer's approval"},
		{"no reminder could go out: print after the grace from first meeting", p, Facts{Decided: true, CatchUpSince: at(t, "2026-04-20 12:00")},
			"2026-04-27 12:00", "print", true, false, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.Since = at(t, since)
			d, err := Decide(f, tc.p, at(t, tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if d.Step.String() != tc.step || d.CatchUp != tc.catchUp || d.Wait != tc.wait || d.NeedsApproval != tc.approval ||
				(tc.reason != "" && d.Reason != tc.reason) {
				t.Fatalf("got %s catch-up=%v wait=%v approval=%v reason=%q", d.Step, d.CatchUp, d.Wait, d.NeedsApproval, d.Reason)
			}
			if tc.catchUp && d.Due() && !strings.HasPrefix(d.Label(), "catch-up ") {
				t.Fatalf("label %q", d.Label())
			}
		})
	}
}

// A shipment the channel could not deliver needs paper at once, whatever
// the reminder schedule says; without print fallback it gets nothing.
func TestDecideFailedNeedsPaper(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		policy   string
		catchUp  bool // met past its print window before it failed: under catch_up
		want     policy.StepKind
		approval bool
	}{
		{"taushetsbelagt", false, policy.StepPrint, false},
		{"barnevern", false, policy.StepPrint, true},
		// catch_up.requires_approval (default true) holds it, as the
		// print job's sweep of print-due letters would (PrintNeedsApproval)
		{"taushetsbelagt", true, policy.StepPrint, true},
	} {
		p, ok := set.Get(tc.policy)
		if !ok {
			t.Fatalf("no policy %s", tc.policy)
		}
		f := Facts{Since: now.Add(-time.Hour), Failed: true}
		if tc.catchUp {
			f.CatchUpSince = now.Add(-24 * time.Hour)
		}
		d, err := Decide(f, p, now)
		if err != nil || d.Step.Kind != tc.want || d.NeedsApproval != tc.approval || !strings.Contains(d.Reason, "could not deliver") {
			t.Errorf("%s: %+v %v", tc.policy, d, err)
		}
		// The same shipment, delivered and one hour old, is not due at all.
		if d, _ := Decide(Facts{Since: now.Add(-time.Hour)}, p, now); d.Due() {
			t.Errorf("%s: a fresh delivered shipment is due: %+v", tc.policy, d)
		}
	}
	noPrint := *func() *policy.Policy { p, _ := set.Get("taushetsbelagt"); return p }()
	noPrint.Print.Enabled = false
	if d, _ := Decide(Facts{Since: now, Failed: true}, &noPrint, now); d.Due() {
		t.Errorf("print disabled: %+v", d)
	}
}

// Explain and Decide follow one rule: a failed letter goes to print at once
// (no "no further steps"), an opened or printed one has no steps.
func TestExplainFollowsTheRunsRule(t *testing.T) {
	p, ok := shipped(t).Get("taushetsbelagt")
	if !ok {
		t.Fatal("no policy taushetsbelagt")
	}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	since := now.AddDate(0, 0, -1)
	for _, tc := range []struct {
		state     model.State
		stage     model.Stage
		wantSteps int
		wantFirst policy.StepKind
		wantNote  string
	}{
		{model.StateFailed, model.StageNone, 1, policy.StepPrint, "print at once"},
		{model.StateOpened, model.StageReminded, 0, policy.StepNone, "the shipment is opened"},
		{model.StateAvailable, model.StagePrintOrdered, 0, policy.StepNone, "stage is print_ordered"},
		{model.StateAvailable, model.StageNone, -1, policy.StepRemind, ""},
	} {
		f := Facts{Since: since, Failed: tc.state == model.StateFailed}
		o, err := Explain(tc.state, tc.stage, f, p, now)
		steps, note := o.Steps, o.Note
		if err != nil {
			t.Fatal(err)
		}
		if (tc.wantSteps >= 0 && len(steps) != tc.wantSteps) || (tc.wantSteps < 0 && len(steps) < 2) ||
			(len(steps) > 0 && steps[0].Step.Kind != tc.wantFirst) || !strings.Contains(note, tc.wantNote) {
			t.Errorf("%s/%s: steps %v, note %q", tc.state, tc.stage, steps, note)
		}
		if tc.state == model.StateFailed {
			d, err := Decide(f, p, now)
			if err != nil || d.Step.Kind != steps[0].Step.Kind {
				t.Errorf("Decide %v (%v) disagrees with Explain %v", d.Step, err, steps[0].Step)
			}
		}
	}
}
