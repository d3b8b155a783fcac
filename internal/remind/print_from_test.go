package remind

import (
	"testing"
	"time"
)

// What happens next: a business reminded of a letter for the second or
// third time wants to know whether, and when, the letter comes on paper
// instead. When the letters' policy prints them (Shipment.PrintFrom), the
// reminder says from when, the earliest of its letters', in every
// language; without, it says only that the sender may send them on paper.
func TestReminderSaysFromWhenPaperMayCome(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	print1 := time.Date(2026, 12, 4, 11, 0, 0, 0, oslo)
	print2 := time.Date(2026, 12, 1, 11, 0, 0, 0, oslo)
	for _, c := range []struct {
		name  string
		ss    func() []Shipment
		print []time.Time
		want  []string
	}{
		{"one Norwegian letter", func() []Shipment { return sampleShipments()[:1] }, []time.Time{print1}, []string{
			"Blir brevet ikke åpnet, kan avsenderen sende det som vanlig papirpost, tidligst 04.12.2026.",
			"If the letter is not opened, the sender may send it as ordinary printed post, at the earliest on 4 Dec 2026.",
		}},
		{"two Norwegian letters, the earliest", sampleShipments, []time.Time{print1, print2}, []string{
			"Blir brevene ikke åpnet, kan avsenderen sende dem som vanlig papirpost, tidligst 01.12.2026.",
			"If the letters are not opened, the sender may send them as ordinary printed post, at the earliest on 1 Dec 2026.",
		}},
		{"one printed, one not", sampleShipments, []time.Time{{}, print1}, []string{
			"tidligst 04.12.2026.", "at the earliest on 4 Dec 2026.",
		}},
		{"Danish letters", danishShipments, []time.Time{print1, print1}, []string{
			"Bliver brevene ikke åbnet, kan afsenderen sende dem som almindelig papirpost, tidligst 04.12.2026.",
			"If the letters are not opened, the sender may send them as ordinary printed post, at the earliest on 4 Dec 2026.",
		}},
		{"a print day passed", sampleShipments, []time.Time{now.Add(-time.Hour), now.Add(-time.Hour)}, []string{
			"Blir brevene ikke åpnet, kan avsenderen sende dem som vanlig papirpost.",
		}},
		{"no print under the policy", sampleShipments, []time.Time{{}, {}}, []string{
			"Blir brevene ikke åpnet, kan avsenderen sende dem som vanlig papirpost.",
			"If the letters are not opened, the sender may send them as ordinary printed post.",
		}},
		// One letter is "it", also without a print day: the rest of the
		// message says "this letter".
		{"one letter, no print under the policy", func() []Shipment { return sampleShipments()[:1] }, []time.Time{{}}, []string{
			"Blir brevet ikke åpnet, kan avsenderen sende det som vanlig papirpost.",
			"If the letter is not opened, the sender may send it as ordinary printed post.",
		}},
		{"one Danish letter, its print day passed", func() []Shipment { return danishShipments()[:1] }, []time.Time{now.Add(-time.Hour)}, []string{
			"Bliver brevet ikke åbnet, kan afsenderen sende det som almindelig papirpost.",
			"If the letter is not opened, the sender may send it as ordinary printed post.",
		}},
	} {
		ss := c.ss()
		for i := range ss {
			ss[i].PrintFrom = c.print[i]
		}
		org := firma
		if ss[0].Channel == "digitalpost" {
			org = virksomhed
		}
		m := Compose(org, "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "k", now)
		for _, want := range c.want {
			if !says(m.Body, want) {
				t.Errorf("%s: the reminder lacks %q:\n%s", c.name, want, m.Body)
			}
		}
	}
}
