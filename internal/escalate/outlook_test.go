package escalate

import (
	"errors"
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
