package escalate

import (
	"strings"
	"testing"

	"postvakt/internal/model"
	"postvakt/internal/policy"
)

// TestReminderNamesWhoSentItAndWhomToAsk: a business that gets a reminder
// it did not expect must see at once who sent the letters and whom to ask.
// Read back from the SMTP server: the subject names the sending
// organisation, the text says "Fra <name> (org.nr. …)" below whom it is to,
// and the contact from policies/senders.yaml (e-mail and phone, each on a
// line of its own) in both languages. A name with & and < (the register
// spells some so) reaches the reader as written, in the subject and the
// text. The unit is still not named, nor a title. A sending organisation
// without a contact gets no contact lines.
func TestReminderNamesWhoSentItAndWhomToAsk(t *testing.T) {
	t.Parallel()
	const bergen, name = "964338531", "Fjord & <Sønner> kommune"
	for _, withContact := range []bool{true, false} {
		h := newHarness(t)
		if withContact {
			h.esc.Policies = h.esc.Policies.WithSenders(map[string]policy.Sender{
				bergen: {Contact: model.Contact{Email: "postmottak@bergen.kommune.no", Phone: "+47 55 56 55 56"}}})
		}
		h.register(confidential(firmaA, 2)...)
		h.contacts(firmaA)
		h.named(bergen, name) // what the names job does for the sending organisation
		h.run(due1)
		msgs := h.mp.Messages(t)
		if len(msgs) != 1 {
			t.Fatalf("contact %v: %d reminders, want 1", withContact, len(msgs))
		}
		m := msgs[0]
		text := strings.ReplaceAll(m.Text, "\r\n", "\n")
		if want := "Påminnelse: 2 uåpnede brev i Altinn fra " + name + " til org.nr. " + firmaA; !strings.HasPrefix(m.Subject, want) {
			t.Errorf("contact %v: subject %q, want it to begin %q", withContact, m.Subject, want)
		}
		if want := "Reminder: 2 unopened letters in Altinn from " + name; !strings.HasSuffix(m.Subject, want) {
			t.Errorf("contact %v: subject %q, want it to end %q", withContact, m.Subject, want)
		}
		want := []string{
			"Til virksomheten med organisasjonsnummer " + firmaA + "\nFra " + name + " (org.nr. " + bergen + ")\n",
			"To the organisation with organisation number " + firmaA + "\nFrom " + name + " (org.nr. " + bergen + ")\n",
		}
		contact := []string{
			"Spørsmål om brevene? Kontakt avsenderen:\n  " + name + " (org.nr. " + bergen + ")\n" +
				"    E-post: postmottak@bergen.kommune.no\n    Telefon: +47 55 56 55 56\n",
			"Questions about the letters? Contact the sender:\n  " + name + " (org.nr. " + bergen + ")\n" +
				"    E-mail: postmottak@bergen.kommune.no\n    Phone: +47 55 56 55 56\n",
		}
		if withContact {
			want = append(want, contact...)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("contact %v: the reminder lacks %q:\n%s", withContact, w, text)
			}
		}
		if !withContact && (strings.Contains(text, "Spørsmål om brevene") || strings.Contains(text, "Questions about")) {
			t.Errorf("a sender without a contact got contact lines:\n%s", text)
		}
		if strings.Contains(m.Raw+text+m.Subject, "HEMMELIG") || strings.Contains(text+m.Subject, "Barnevernstjenesten") {
			t.Errorf("contact %v: the reminder shows a title or the unit:\n%s", withContact, text)
		}
		h.checkLogs()
	}
}

// TestSenderKeptOutOfTheSubject: a sending organisation that senders.yaml
// keeps out of the subject (name_in_subject: false, without a contact)
// reaches the business, read back from the SMTP server, with a subject
// that does not name it in either language and a From line by number; the
// list of letters further down names it.
func TestSenderKeptOutOfTheSubject(t *testing.T) {
	t.Parallel()
	const bergen, name = "964338531", "Krisesenteret i Bergen IKS"
	h := newHarness(t)
	h.esc.Policies = h.esc.Policies.WithSenders(map[string]policy.Sender{bergen: {NotInSubject: true}})
	h.register(confidential(firmaA, 2)...)
	h.contacts(firmaA)
	h.named(bergen, name) // what the names job does for the sending organisation
	h.run(due1)
	msgs := h.mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("%d reminders, want 1", len(msgs))
	}
	m := msgs[0]
	if strings.Contains(m.Subject, "Krisesenteret") || !strings.HasPrefix(m.Subject, "Påminnelse: 2 uåpnede brev i Altinn til org.nr. "+firmaA) {
		t.Errorf("subject %q: want it without the sender's name", m.Subject)
	}
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	for _, want := range []string{
		"\nFra org.nr. " + bergen + " (navnet står lenger ned)\n",
		"\nFrom org.nr. " + bergen + " (named below)\n",
		"Avsender: " + name + " (org.nr. " + bergen + ")",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the reminder lacks %q:\n%s", want, text)
		}
	}
	h.checkLogs()
}
