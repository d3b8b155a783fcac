package remind

import (
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const (
	kobenhavn  = "64942212" // Københavns Kommune's CVR number
	virksomhed = "10150817" // a receiving business's CVR number
)

// danishShipments are two letters on Danish Digital Post from Copenhagen's
// child and youth administration to one business.
func danishShipments() []Shipment {
	sent := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	return []Shipment{
		{ShipmentID: "019a0000-0000-7000-8000-0000000000d1", Channel: "digitalpost", ChannelID: "0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41",
			SenderOrg: kobenhavn, SenderOrgName: "Københavns Kommune", SenderUnit: "BUF – sikker mail (SEPO)",
			SentAt: sent, Since: sent, Reminder: 1},
		{ShipmentID: "019a0000-0000-7000-8000-0000000000d2", Channel: "digitalpost", ChannelID: "5d2e7a90-1c3b-4f6d-8e9a-0b1c2d3e4f50",
			SenderOrg: kobenhavn, SenderOrgName: "Københavns Kommune", SenderUnit: "BUF – sikker mail (SEPO)",
			SentAt: sent.AddDate(0, 0, -1), Since: sent.AddDate(0, 0, -1), Reminder: 2},
	}
}

// A reminder about letters on Digital Post is written in Danish, then
// English, and tells how to read Digital Post (virk.dk, MitID Erhverv):
// nothing Norwegian, no Altinn, no unit unless the policy lets it.
func TestComposeDanishReminder(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	ss := danishShipments()
	ss[0].NoAccess = true
	m := Compose(virksomhed, "", ss, []string{"post@virksomhed.dk"}, "postvakt@kk.dk", "dk1", now)
	da, en, ok := strings.Cut(m.Body, "-- English --")
	if !ok {
		t.Fatalf("no English part:\n%s", m.Body)
	}
	for _, want := range []string{
		"Til virksomheden med CVR-nummer " + virksomhed,
		"Ingen i virksomheden har åbnet de seneste breve fra Københavns Kommune (CVR-nr. " + kobenhavn + ").",
		"Disse 2 breve til virksomheden ligger i Digital Post og er ikke åbnet endnu",
		"Breve, der venter:",
		"Digital Post-brev 0b6c1f1e-8f5a-4b2e-9d1c-3a7e5f9b2c41",
		"Afsender: Københavns Kommune (CVR-nr. " + kobenhavn + ")\n",
		// "har ventet": "venter i 4 dage" reads as waiting 4 days more.
		"Sendt: 20.11.2026, har ventet i 4 dage (påmindelse nr. 1)",
		"Sendt: 19.11.2026, har ventet i 5 dage (påmindelse nr. 2)",
		"MitID Erhverv",
		"https://virk.dk/digitalpost",
		"Denne e-mail er sendt automatisk på vegne af afsenderen, der er nævnt ovenfor.",
	} {
		if !says(da, want) {
			t.Errorf("Danish part lacks %q", want)
		}
	}
	for _, want := range []string{
		"To the organisation with CVR number " + virksomhed,
		"Nobody in your organisation has opened the latest letters from Københavns Kommune (CVR no. " + kobenhavn + ").",
		"These 2 letters for your organisation are in Digital Post",
		"Digital Post letter 5d2e7a90-1c3b-4f6d-8e9a-0b1c2d3e4f50",
		"Sent: 20 Nov 2026, waiting for 4 days (reminder no. 1)",
		"Log in to Digital Post on virk.dk",
	} {
		if !says(en, want) {
			t.Errorf("English part lacks %q", want)
		}
	}
	for _, never := range []string{"Altinn", "virksomheten", "Påminnelse", "taushetsbelagt", "BUF", "-- Norsk --"} {
		if strings.Contains(m.Body+m.Subject, never) {
			t.Errorf("a Danish reminder says %q:\n%s", never, m.Body)
		}
	}
	// One of the two is reminded the second time: a new reminder.
	if m.Subject != "Ny påmindelse: 2 uåbnede breve i Digital Post fra Københavns Kommune til CVR-nr. "+virksomhed+" / New reminder: 2 unopened letters in Digital Post from Københavns Kommune" {
		t.Errorf("subject %q", m.Subject)
	}
	if strings.Join(m.Langs, ",") != "da,en" || !strings.Contains(string(m.Bytes()), "Content-Language: da, en\r\n") {
		t.Errorf("languages %v", m.Langs)
	}
	one := Compose(virksomhed, "", ss[1:], nil, "postvakt@kk.dk", "dk2", now)
	if !strings.HasPrefix(one.Subject, "Ny påmindelse: 1 uåbnet brev i Digital Post") ||
		!strings.Contains(one.Body, "Dette brev til virksomheden") || strings.Contains(one.Body, "Ingen i virksomheden") {
		t.Errorf("one letter, access known:\n%s\n%s", one.Subject, one.Body)
	}
	// A Norwegian reminder stays bokmål and English.
	no := Compose(firma, "", sampleShipments(), nil, "postvakt@bergen.kommune.no", "k", now)
	if strings.Join(no.Langs, ",") != "nb,en" || !strings.Contains(string(no.Bytes()), "Content-Language: nb, en\r\n") {
		t.Errorf("Norwegian reminder languages %v", no.Langs)
	}
}

// A Danish reminder through a real SMTP server: registered Digital Post
// letters to a business, its address imported, delivered once; the mail
// that arrives is Danish and English and carries no title.
func TestDeliverDanishReminder(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	g := danishGroup(t, st, nil)
	m, _ := deliverOnly(t, st, g, "post@virksomhed.dk", time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	if !strings.HasPrefix(m.Subject, "Påmindelse: 2 uåbnede breve i Digital Post til CVR-nr. "+virksomhed) ||
		!strings.Contains(m.Subject, "Reminder: 2 unopened letters in Digital Post") {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{"Til virksomheden med CVR-nummer " + virksomhed, "Digital Post-brev " + g.Shipments[0].ChannelID,
		"Afsender: CVR-nr. " + kobenhavn + "\n", "-- English --", "Digital Post letter " + g.Shipments[1].ChannelID} {
		if !strings.Contains(strings.ReplaceAll(m.Text, "\r\n", "\n"), want) {
			t.Errorf("the delivered mail lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.Raw, "Content-Language: da, en") || strings.Contains(m.Text, "Altinn") {
		t.Errorf("not a Danish reminder:\n%s", m.Raw)
	}
	if strings.Contains(m.Raw+m.Text+m.Subject, "HEMMELIG") || strings.Contains(m.Text, "BUF") {
		t.Fatal("a title or the unit in the reminder")
	}
}

// danishGroup registers danishShipments' letters to virksomhed and returns
// them as a reminder's group, each first reminder, passed through with
// (when not nil) to add what a test needs.
func danishGroup(t *testing.T, st *store.Store, with func(*Shipment)) Group {
	t.Helper()
	var items []model.NewShipment
	for i, s := range danishShipments() {
		items = append(items, model.NewShipment{Channel: s.Channel, ChannelID: s.ChannelID, SenderOrg: s.SenderOrg,
			SenderUnit: s.SenderUnit, RecipientKind: model.RecipientOrg, RecipientID: virksomhed,
			Title: "HEMMELIG-TITEL-" + s.ChannelID, Confidential: true, Class: "taushetsbelagt",
			SentAt: time.Date(2026, 11, 16, 10, i, 0, 0, time.UTC)})
	}
	got, _, err := st.Register(context.Background(), items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	g := Group{Org: virksomhed}
	for _, s := range got {
		sh := Shipment{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1}
		if with != nil {
			with(&sh)
		}
		g.Shipments = append(g.Shipments, sh)
	}
	return g
}
