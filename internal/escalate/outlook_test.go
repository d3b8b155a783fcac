package escalate

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// TestOutlookOf: the outlook names the policy the run would match and
// lists the steps Decide takes, in order: at the first step's due time
// Decide takes that step. A person's reminders are marked not sent
// (ToPerson), as are those of a letter the channel has never heard of
// (Unheard); an opened letter has no steps (WhyEnded); a letter no policy
// matches is an error wrapping policy.ErrNoPolicy.
func TestOutlookOf(t *testing.T) {
	set := shipped(t)
	oslo, _ := time.LoadLocation("Europe/Oslo")
	sent := time.Date(2026, 11, 23, 12, 0, 0, 0, oslo) // Monday
	now := sent.Add(time.Hour)
	org := store.OpenShipment{ID: "a", Channel: "svarut", SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: model.RecipientOrg,
		RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true, State: model.StateAccepted, Stage: model.StageNone, SentAt: sent}

	o, err := OutlookOf(set, org, now)
	if err != nil || o.Policy.Name != "taushetsbelagt" || o.Why != "" || o.ToPerson || o.Unheard || len(o.Steps) != 3 {
		t.Fatalf("org letter: %+v %v; want taushetsbelagt's 3 steps", o, err)
	}
	if want := time.Date(2026, 11, 25, 12, 0, 0, 0, oslo); !o.Steps[0].Due.Equal(want) || o.Steps[0].Step.String() != "reminder 1" {
		t.Errorf("first step %v due %s; want reminder 1 due %s", o.Steps[0].Step, o.Steps[0].Due, want)
	}
	p, _ := set.Get("taushetsbelagt")
	if d, err := Decide(FactsOf(org), p, o.Steps[0].Due); err != nil || d.Step != o.Steps[0].Step {
		t.Errorf("Decide at the first step's due time: %v (%v); want %v", d.Step, err, o.Steps[0].Step)
	}

	person := org
	person.RecipientKind, person.RecipientID, person.Class, person.Confidential = model.RecipientPerson, "01017012343", "", false
	if o, err := OutlookOf(set, person, now); err != nil || !o.ToPerson || o.Unheard {
		t.Errorf("person letter: %+v %v; want its reminders marked not sent to a person", o, err)
	}

	unheard := org
	since := now.Add(-time.Minute)
	unheard.UnknownSince = &since
	if o, err := OutlookOf(set, unheard, now); err != nil || !o.Unheard || o.ToPerson {
		t.Errorf("letter unknown to the channel: %+v %v; want its reminders marked unheard", o, err)
	}

	opened := org
	opened.State = model.StateOpened
	if o, err := OutlookOf(set, opened, now); err != nil || o.Why != WhyEnded || len(o.Steps) != 0 || o.Policy.Name != "taushetsbelagt" {
		t.Errorf("opened letter: %+v %v; want taushetsbelagt, WhyEnded, no steps", o, err)
	}

	if _, err := OutlookOf(policy.NewSet(p), person, now); !errors.Is(err, policy.ErrNoPolicy) {
		t.Errorf("no policy matching: %v; want ErrNoPolicy", err)
	}
}

// TestNextStepOf: a letter's next step, as every list says it, is the
// first step of its outlook: reminder 1 due when OutlookOf's first step is
// for an unopened letter, print due at once for one the channel could not
// deliver, manual for a print through Digital Post's physical post (the
// Danish citizen's policy), and none for an opened letter, one whose
// escalation ended (manual handling), one no policy matches, or without
// the policies.
func TestNextStepOf(t *testing.T) {
	set := shipped(t)
	sent := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC) // Monday
	now := sent.Add(time.Hour)
	org := store.OpenShipment{ID: "a", Channel: "svarut", SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: model.RecipientOrg,
		RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true, State: model.StateAccepted, Stage: model.StageNone, SentAt: sent}
	o, err := OutlookOf(set, org, now)
	if err != nil || len(o.Steps) == 0 {
		t.Fatalf("org letter's outlook: %+v %v", o, err)
	}
	failed := org
	failed.State = model.StateFailed
	dk := store.OpenShipment{ID: "b", Channel: "digitalpost", SenderOrg: "64942212", SenderUnit: "Borgerservice", RecipientKind: model.RecipientPerson,
		RecipientID: "0101701234", Class: "sag", Confidential: true, State: model.StateAccepted, Stage: model.StageNone, SentAt: sent}
	opened, ended := org, org
	opened.State, ended.Stage = model.StateOpened, model.StageManual
	p, _ := set.Get("taushetsbelagt")
	person := org
	person.RecipientKind, person.RecipientID = model.RecipientPerson, "01017012343"

	for _, tc := range []struct {
		name string
		set  *policy.Set
		sh   store.OpenShipment
		want string // step, n, and whether due now
		due  time.Time
	}{
		{"unopened", set, org, "reminder 1", o.Steps[0].Due},
		{"failed", set, failed, "print 0", now},
		{"danish citizen", set, dk, "manual 0", time.Time{}},
		{"opened", set, opened, "", time.Time{}},
		{"manual handling", set, ended, "", time.Time{}},
		{"no policy", policy.NewSet(p), person, "", time.Time{}},
		{"no policies", nil, org, "", time.Time{}},
	} {
		n, err := NextStepOf(tc.set, tc.sh, now)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := ""
		if n != nil {
			got = n.Step + " " + strconv.Itoa(n.N)
		}
		if got != tc.want || (n != nil && !tc.due.IsZero() && !n.Due.Equal(tc.due)) {
			t.Errorf("%s: next step %q (%+v), want %q due %s", tc.name, got, n, tc.want, tc.due)
		}
	}
}
