package escalate

import (
	"reflect"
	"testing"
	"time"

	"postvakt/internal/model"
)

// TestOutlookSaysNoWords: the lists' and exports' rule (NextStepOf, and
// the outlook without its note) decides by the one rule Decide follows
// (decide) without building its English. Over a month of clocks for each
// kind of letter (benchLetters, and a held one): the quiet decision is
// Decide's but for Reason and Unopened, which it leaves empty; the quiet
// outlook is Explain's but for Note; and a letter's next step costs no
// more allocations than the run's decision of it with its reasons, though
// it builds the steps too (it built the catch-up reason and note as well:
// 18 allocations against Decide's 9).
func TestOutlookSaysNoWords(t *testing.T) {
	set := shipped(t)
	letters := benchLetters(benchNow)
	held := letters[0].sh
	held.Channel, held.ChannelStatus = "digitalpost", "DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY"
	held.SenderOrg, held.SenderUnit, held.RecipientKind, held.RecipientID, held.Class = "64942212", "Borgerservice", model.RecipientPerson, "0101701234", "sag"
	letters = append(letters, benchLetter{"held", held})
	for _, l := range letters {
		p, err := set.Match(policyFacts(l.sh))
		if err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		f := FactsOf(l.sh)
		if o, err := Explain(l.sh.State, l.sh.Stage, f, p, benchNow); l.name == "held" && (err != nil || o.Why != WhyHeld) {
			t.Fatalf("the held letter's outlook: %+v %v; want it held", o, err)
		}
		for now := benchNow.Add(-time.Hour); now.Before(benchNow.AddDate(0, 1, 0)); now = now.Add(7 * time.Hour) {
			d, err := Decide(f, p, now)
			if err != nil {
				t.Fatalf("%s at %s: %v", l.name, now, err)
			}
			q, err := decide(f, p, now, false)
			if err != nil {
				t.Fatalf("%s at %s: %v", l.name, now, err)
			}
			if q.Reason != "" || q.Unopened != 0 {
				t.Errorf("%s at %s: the quiet decision says %q (%d days)", l.name, now, q.Reason, q.Unopened)
			}
			d.Reason, d.Unopened = "", 0
			if !reflect.DeepEqual(q.Decision, d) {
				t.Errorf("%s at %s: the quiet decision %+v, Decide's %+v", l.name, now, q.Decision, d)
			}
			o, err := Explain(l.sh.State, l.sh.Stage, f, p, now)
			if err != nil {
				t.Fatalf("%s at %s: %v", l.name, now, err)
			}
			qo, err := explain(l.sh.State, l.sh.Stage, f, p, now, false)
			if err != nil {
				t.Fatalf("%s at %s: %v", l.name, now, err)
			}
			if qo.Note != "" {
				t.Errorf("%s at %s: the quiet outlook says %q", l.name, now, qo.Note)
			}
			o.Note = ""
			if !reflect.DeepEqual(o, qo) {
				t.Errorf("%s at %s: the quiet outlook %+v, Explain's %+v", l.name, now, qo, o)
			}
		}
	}
	for _, l := range letters {
		switch l.name {
		case "catch-up", "due", "unheard": // Decide gives a reason with days and times
		default:
			continue
		}
		p, _ := set.Match(policyFacts(l.sh))
		next := testing.AllocsPerRun(50, func() { _, _ = NextStepOf(set, l.sh, benchNow) })
		run := testing.AllocsPerRun(50, func() { _, _ = Decide(FactsOf(l.sh), p, benchNow) })
		if next > run {
			t.Errorf("%s: its next step takes %.0f allocations, the run's decision with its reason %.0f", l.name, next, run)
		}
	}
}
