package remind

import (
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
)

// A sending organisation whose very name tells what its letters are about
// (policies/senders.yaml, name_in_subject: false) is named in no
// language's subject, nor in the body's first paragraphs, which inbox
// lists and a locked phone's notification show beside the subject: the
// From line and the no-access notice give it by number, the From line
// saying its name follows. Further down, behind the opened message, the
// contact lines and the list of letters name it, so the business knows
// whose letters wait. By default (the setting not given) the subject and
// the From line name it, as before. On Altinn (Norwegian) and Digital Post
// (Danish) alike.
func TestSenderKeptOutOfTheSubject(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	const krise, kriseName = "987654325", "Krisesenteret i Bergen IKS"
	const dk, dkName = "29189846", "Familiecentret i Roskilde"
	with := func(ss []Shipment, org, name string, notInSubject bool) []Shipment {
		for i := range ss {
			ss[i].SenderOrg, ss[i].SenderOrgName, ss[i].SenderNotInSubject, ss[i].NoAccess = org, name, notInSubject, true
			ss[i].SenderContact = model.Contact{Phone: "+47 55 56 55 56"}
		}
		return ss
	}
	for _, c := range []struct {
		lang             string
		receiver, name   string
		ss               func(notInSubject bool) []Shipment
		how              string   // the first language's how-to heading: the preview ends above it
		fromUnnamed      []string // the From line in each language, by number
		named, contact   []string // further down, by name
		fromNamedDefault string
	}{
		{"nb", firma, kriseName, func(b bool) []Shipment { return with(sampleShipments(), krise, kriseName, b) }, "Slik leser dere brevene:",
			[]string{"\nFra org.nr. " + krise + " (navnet står lenger ned)\n", "\nFrom org.nr. " + krise + " (named below)\n"},
			[]string{"Avsender: " + kriseName + " (org.nr. " + krise + ")", "Sender: " + kriseName + " (org.nr. " + krise + ")"},
			[]string{"Kontakt avsenderen:\n  " + kriseName + " (org.nr. " + krise + ")\n", "Contact the sender:\n  " + kriseName + " (org.nr. " + krise + ")\n"},
			"\nFra " + kriseName + " (org.nr. " + krise + ")\n"},
		{"da", virksomhed, dkName, func(b bool) []Shipment { return with(danishShipments(), dk, dkName, b) }, "Sådan læser I brevene:",
			[]string{"\nFra CVR-nr. " + dk + " (navnet står længere nede)\n", "\nFrom CVR no. " + dk + " (named below)\n"},
			[]string{"Afsender: " + dkName + " (CVR-nr. " + dk + ")", "Sender: " + dkName + " (CVR no. " + dk + ")"},
			[]string{"Kontakt afsenderen:\n  " + dkName + " (CVR-nr. " + dk + ")\n", "Contact the sender:\n  " + dkName + " (CVR no. " + dk + ")\n"},
			"\nFra " + dkName + " (CVR-nr. " + dk + ")\n"},
	} {
		m := Compose(c.receiver, "Fjordfisk AS", c.ss(true), nil, "postvakt@bergen.kommune.no", "k", now)
		if strings.Contains(m.Subject, c.name) || !strings.Contains(m.Subject, c.receiver) {
			t.Errorf("%s: subject %q names the sender kept out of it (or not the receiver)", c.lang, m.Subject)
		}
		preview, _, ok := strings.Cut(m.Body, c.how)
		if !ok {
			t.Fatalf("%s: no %q in\n%s", c.lang, c.how, m.Body)
		}
		if strings.Contains(flat(preview), c.name) {
			t.Errorf("%s: the body's first paragraphs name the sender kept out of the subject:\n%s", c.lang, preview)
		}
		for _, want := range append(append(c.fromUnnamed, c.named...), c.contact...) {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s: the reminder lacks %q:\n%s", c.lang, want, m.Body)
			}
		}

		// By default the subject and the From line name it.
		m = Compose(c.receiver, "Fjordfisk AS", c.ss(false), nil, "postvakt@bergen.kommune.no", "k", now)
		if !strings.Contains(m.Subject, c.name) || !strings.Contains(m.Body, c.fromNamedDefault) {
			t.Errorf("%s: by default the subject %q and the From line should name the sender:\n%s", c.lang, m.Subject, m.Body)
		}
	}
}

// A sender kept out of the subject whose name no letter carries is given
// by its number, as any sender without a name: no "(its name follows)"
// that nothing below would keep.
func TestSenderKeptOutOfTheSubjectWithoutName(t *testing.T) {
	ss := sampleShipments()
	for i := range ss {
		ss[i].SenderOrgName, ss[i].SenderNotInSubject = "", true
	}
	body := Compose(firma, "", ss, nil, "postvakt@bergen.kommune.no", "k", time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)).Body
	if !strings.Contains(body, "\nFra org.nr. 964338531\n") || !strings.Contains(body, "\nFrom org.nr. 964338531\n") {
		t.Errorf("want the From line by number alone:\n%s", body)
	}
}
