package remind

import (
	"strings"
	"testing"
	"time"
)

// flat is a text with its line breaks and runs of spaces made single
// spaces: what a sentence says, wherever the lines break.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// says reports whether text says want, wherever its lines break; a want
// with a line break in it must be there as it is.
func says(text, want string) bool {
	if strings.Contains(want, "\n") {
		return strings.Contains(text, want)
	}
	return strings.Contains(flat(text), want)
}

// A second reminder must not look like the first in the inbox: its
// subject says it is a new reminder, and the body says which letters were
// reminded of before and since when the oldest waits, in every language.
// A first reminder says neither.
func TestSecondReminderIsTold(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	first := sampleShipments()
	first[1].Reminder = 1
	m := Compose("974760673", "Fjordfisk AS", first, nil, "postvakt@bergen.kommune.no", "k1", now)
	if !strings.HasPrefix(m.Subject, "Påminnelse: 2 uåpnede brev") || strings.Contains(m.Subject, "New reminder") {
		t.Errorf("first reminder's subject = %q", m.Subject)
	}
	for _, never := range []string{"tidligere fått påminnelse", "reminded of"} {
		if strings.Contains(flat(m.Body), never) {
			t.Errorf("a first reminder says %q:\n%s", never, m.Body)
		}
	}
	for _, want := range []string{
		"Det som har ventet lengst, ble sendt 19.11.2026 og har ventet i 5 dager.",
		"The one waiting longest was sent on 19 Nov 2026 and has been waiting for 5 days.",
	} {
		if !strings.Contains(flat(m.Body), want) {
			t.Errorf("first reminder lacks %q:\n%s", want, m.Body)
		}
	}

	again := sampleShipments()
	again[0].Reminder = 2
	m = Compose("974760673", "Fjordfisk AS", again, nil, "postvakt@bergen.kommune.no", "k2", now)
	if m.Subject != "Ny påminnelse: 2 uåpnede brev i Altinn fra Bergen kommune til org.nr. 974760673 / New reminder: 2 unopened letters in Altinn from Bergen kommune" {
		t.Errorf("second reminder's subject = %q", m.Subject)
	}
	for _, want := range []string{
		"Dere har tidligere fått påminnelse om disse brevene, men de er fortsatt ikke åpnet.",
		"You have been reminded of these letters before, and they are still unopened.",
	} {
		if !strings.Contains(flat(m.Body), want) {
			t.Errorf("second reminder lacks %q:\n%s", want, m.Body)
		}
	}

	// One letter reminded again, one new: the body says which.
	mixed := sampleShipments() // reminders 1 and 2
	m = Compose("974760673", "", mixed, nil, "postvakt@bergen.kommune.no", "k3", now)
	for _, want := range []string{
		"Dere har tidligere fått påminnelse om ett av brevene, men det er fortsatt ikke åpnet.",
		"You have been reminded of one of the letters before, and it is still unopened.",
	} {
		if !strings.Contains(flat(m.Body), want) {
			t.Errorf("mixed reminder lacks %q:\n%s", want, m.Body)
		}
	}

	// One letter: its date is in the list; reminded again, the body says so.
	one := sampleShipments()[1:]
	m = Compose("974760673", "", one, nil, "postvakt@bergen.kommune.no", "k4", now)
	if strings.Contains(m.Body, "Det eldste") {
		t.Errorf("a reminder of one letter speaks of the oldest:\n%s", m.Body)
	}
	if !strings.Contains(flat(m.Body), "Dere har tidligere fått påminnelse om dette brevet, men det er fortsatt ikke åpnet.") {
		t.Errorf("reminder of one letter again:\n%s", m.Body)
	}

	// Danish.
	dk := danishShipments() // reminders 1 and 2
	for i := range dk {
		dk[i].Reminder = 3
	}
	m = Compose(virksomhed, "", dk, nil, "postvakt@kk.dk", "k5", now)
	if !strings.HasPrefix(m.Subject, "Ny påmindelse: 2 uåbnede breve i Digital Post fra Københavns Kommune til CVR-nr. "+virksomhed+" / New reminder:") {
		t.Errorf("Danish second reminder's subject = %q", m.Subject)
	}
	for _, want := range []string{
		"Det, der har ventet længst, blev sendt 19.11.2026 og har ventet i 5 dage.",
		"I har tidligere fået påmindelser om disse breve, men de er stadig ikke åbnet.",
	} {
		if !strings.Contains(flat(m.Body), want) {
			t.Errorf("Danish second reminder lacks %q:\n%s", want, m.Body)
		}
	}
}
