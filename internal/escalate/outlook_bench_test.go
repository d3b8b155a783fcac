package escalate

import (
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
)

// benchLetters are an export's kinds of escalating letter: unopened before
// and after its first reminder, due now, catching up, failed, unknown to
// the channel, to a person, under the Danish citizen's policy.
func benchLetters(now time.Time) []benchLetter {
	org := store.OpenShipment{ID: "a", Channel: "svarut", SenderOrg: "964338531", SenderUnit: "NAV", RecipientKind: model.RecipientOrg,
		RecipientID: "974760673", Class: "taushetsbelagt", Confidential: true, State: model.StateAccepted, Stage: model.StageNone,
		SentAt: now.Add(-time.Hour)}
	reminded, due, catchUp, failed, unheard, person := org, org, org, org, org, org
	last := now.AddDate(0, 0, -1)
	reminded.SentAt, reminded.RemindersSent, reminded.LastRemindedAt, reminded.EscalationStep = now.AddDate(0, 0, -5), 1, &last, "reminder 1"
	due.SentAt = now.AddDate(0, 0, -4)
	caught := now.AddDate(0, 0, -1)
	catchUp.SentAt, catchUp.CatchUpAt = now.AddDate(0, 0, -40), &caught
	failed.State = model.StateFailed
	since := now.Add(-time.Minute)
	unheard.SentAt, unheard.UnknownSince = now.AddDate(0, 0, -4), &since
	person.RecipientKind, person.RecipientID, person.Class, person.Confidential = model.RecipientPerson, "01017012343", "", false
	dk := store.OpenShipment{ID: "b", Channel: "digitalpost", SenderOrg: "64942212", SenderUnit: "Borgerservice", RecipientKind: model.RecipientPerson,
		RecipientID: "0101701234", Class: "sag", Confidential: true, State: model.StateAccepted, Stage: model.StageNone, SentAt: now.AddDate(0, 0, -2)}
	return []benchLetter{{"waiting", org}, {"reminded", reminded}, {"due", due}, {"catch-up", catchUp}, {"failed", failed},
		{"unheard", unheard}, {"person", person}, {"danish", dk}}
}

type benchLetter struct {
	name string
	sh   store.OpenShipment
}

// benchNow is the benchmarks' clock: Wednesday 2026-11-25 13:00 Oslo.
var benchNow = time.Date(2026, 11, 25, 13, 0, 0, 0, oslo)

// BenchmarkNextStepOf is the lists' and exports' per-letter rule
// (NextStepOf), for each kind of letter and over all of them in turn ("mix";
// one op: one letter).
func BenchmarkNextStepOf(b *testing.B) {
	set := shipped(b)
	benchEach(b, func(sh store.OpenShipment) error {
		_, err := NextStepOf(set, sh, benchNow)
		return err
	})
}

// BenchmarkDecide is the run's decision, with its reasons, over the same
// letters (the policy matched as the run matches it).
func BenchmarkDecide(b *testing.B) {
	set := shipped(b)
	benchEach(b, func(sh store.OpenShipment) error {
		p, err := set.Match(policyFacts(sh))
		if err == nil {
			_, err = Decide(FactsOf(sh), p, benchNow)
		}
		return err
	})
}

// benchEach runs fn as a sub-benchmark per kind of letter (benchLetters)
// and over all of them in turn ("mix").
func benchEach(b *testing.B, fn func(store.OpenShipment) error) {
	letters := benchLetters(benchNow)
	for _, l := range letters {
		b.Run(l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(l.sh); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("mix", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := fn(letters[i%len(letters)].sh); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
