package remind

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
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

// TestReminderFooterSpeaksForTheSenders: a receiving business does not
// know postvakt, so the reminder never names it (the From address is the
// operator's own); its footer says, in each of its languages, that it was
// sent automatically on behalf of the sending organisation (or
// organisations) named above, and what to do when it reached the wrong
// person. It names no unit. Read back from the SMTP server: a Norwegian
// reminder of one sender's letters and a Danish one of two senders'.
func TestReminderFooterSpeaksForTheSenders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	const aarhus = "55133018" // Aarhus Kommune's CVR number
	sent := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	letters := []struct {
		channel, id, org, orgName, unit, to string
	}{
		{"svarut", "sv-footer-1", "964338531", "Bergen kommune", "Barnevernstjenesten", firma},
		{"svarut", "sv-footer-2", "964338531", "Bergen kommune", "Barnevernstjenesten", firma},
		{"digitalpost", "dp-footer-1", kobenhavn, "Københavns Kommune", "BUF – sikker mail (SEPO)", virksomhed},
		{"digitalpost", "dp-footer-2", aarhus, "Aarhus Kommune", "Socialforvaltningen", virksomhed},
	}
	var items []model.NewShipment
	for i, l := range letters {
		items = append(items, model.NewShipment{Channel: l.channel, ChannelID: l.id, SenderOrg: l.org, SenderUnit: l.unit,
			RecipientKind: model.RecipientOrg, RecipientID: l.to, Title: "HEMMELIG-TITTEL-" + l.id, Confidential: true,
			Class: "taushetsbelagt", SentAt: sent.Add(time.Duration(i) * time.Minute)})
	}
	got, _, err := st.Register(ctx, items, store.SourceImport, "test")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]*Group{firma: {Org: firma}, virksomhed: {Org: virksomhed}}
	for i, s := range got {
		g := groups[letters[i].to]
		g.Shipments = append(g.Shipments, Shipment{ShipmentID: s.ID, Channel: s.Channel, ChannelID: s.ChannelID,
			SenderOrg: s.SenderOrg, SenderOrgName: letters[i].orgName, SenderUnit: s.SenderUnit, SentAt: s.SentAt, Since: s.SentAt, Reminder: 1})
	}
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}, {Org: virksomhed, Email: "post@virksomhed.dk"}}, "test"); err != nil {
		t.Fatal(err)
	}
	mp := mailpittest.Start(t)
	var logs bytes.Buffer
	r := newReminder(st, mp.SMTPAddr, &logs)
	for _, org := range []string{firma, virksomhed} {
		out, err := r.Deliver(ctx, *groups[org], time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), false)
		if err != nil || out.Status != StatusSent {
			t.Fatalf("deliver to %s: %+v %v", org, out, err)
		}
	}
	footers := map[string][]string{
		"post@firma.no": {
			"Denne e-posten er sendt automatisk på vegne av avsenderen som er nevnt over.",
			"Har den kommet til feil person, send den videre til den som tar seg av posten til virksomheten.",
			"This e-mail was sent automatically on behalf of the sender named above.",
			"If it reached the wrong person, please forward it to whoever handles your organisation's post.",
		},
		"post@virksomhed.dk": {
			"Denne e-mail er sendt automatisk på vegne af afsenderne, der er nævnt ovenfor.",
			"Er den havnet hos den forkerte person, så send den videre til den, der tager sig af virksomhedens post.",
			"This e-mail was sent automatically on behalf of the senders named above.",
			"If it reached the wrong person, please forward it to whoever handles your organisation's post.",
		},
	}
	msgs := mp.Messages(t)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		to := m.To[0].Address
		text := mailpittest.Reflowed(m.Text)
		if strings.Contains(strings.ToLower(m.Subject+text), "postvakt") {
			t.Errorf("the reminder to %s names postvakt, which the business does not know:\n%s", to, text)
		}
		for _, want := range footers[to] {
			if !says(text, want) {
				t.Errorf("the reminder to %s lacks %q:\n%s", to, want, text)
			}
		}
		for _, unit := range []string{"Barnevern", "BUF", "Socialforvaltningen"} {
			if strings.Contains(text, unit) {
				t.Errorf("the reminder to %s names the unit %q:\n%s", to, unit, text)
			}
		}
	}
}

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

// A receiver told to get access must find where and from whom: Altinn's
// menu is "Tilgangsstyring" (there is no "Tilganger"), and its main
// administrator is usually the managing director or the chair of the
// board; Digital Post's rights administrator is shown on virk.dk under
// "Mit Virk", "Virksomhedsoplysninger". In every language the reminder is
// written in, with the no-access notice and without.
func TestReminderSaysWhereToGetAccess(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	for _, noAccess := range []bool{false, true} {
		no := sampleShipments()
		dk := danishShipments()
		for i := range no {
			no[i].NoAccess = noAccess
		}
		for i := range dk {
			dk[i].NoAccess = noAccess
		}
		nb, en, _ := strings.Cut(Compose("974760673", "", no, nil, "postvakt@bergen.kommune.no", "k", now).Body, "-- English --")
		da, den, _ := strings.Cut(Compose(virksomhed, "", dk, nil, "postvakt@kk.dk", "k", now).Body, "-- English --")
		for _, c := range []struct{ part, want string }{
			{nb, "hovedadministrator i Altinn (som regel daglig leder eller styreleder) må gi den under «Tilgangsstyring»"},
			{en, "(hovedadministrator; usually the managing director or the chair of the board) must grant it under \"Access management\" (\"Tilgangsstyring\")"},
			{da, "I kan se, hvem der er jeres rettighedsadministrator, på virk.dk under »Mit Virk« og derefter »Virksomhedsoplysninger«."},
			{den, "You can see who your rights administrator is on virk.dk under \"Mit Virk\", then \"Virksomhedsoplysninger\"."},
		} {
			if !says(c.part, c.want) {
				t.Errorf("no access notice %v: the reminder lacks %q:\n%s", noAccess, c.want, c.part)
			}
		}
		for _, part := range []string{nb, en} {
			if strings.Contains(part, "Tilganger»") || strings.Contains(part, "\"Tilganger\"") {
				t.Errorf("the reminder sends the receiver to a menu Altinn does not have (Tilganger):\n%s", part)
			}
		}
	}
}

// A reminder of one letter tells how to read that letter, not "the
// letters": a business that finds one letter from the sender in its inbox
// must not go looking for more of it. In every language, on both
// channels' texts.
func TestReminderOfOneLetterSaysHowToReadIt(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	no := Compose(firma, "", sampleShipments()[:1], nil, "postvakt@bergen.kommune.no", "k", now).Body
	dk := Compose(virksomhed, "", danishShipments()[:1], nil, "postvakt@kk.dk", "k", now).Body
	for _, c := range []struct{ body, want string }{
		{no, "Slik leser dere brevet:\n"}, {no, "  2. Åpne innboksen og les brevet.\n"},
		{no, "How to read it:\n"}, {no, "  2. Open the inbox and read the letter.\n"},
		{dk, "Sådan læser I brevet:\n"}, {dk, "  2. Vælg virksomhedens postkasse, og læs brevet.\n"},
		{dk, "How to read it:\n"}, {dk, "  2. Choose the organisation's mailbox and read the letter.\n"},
		// Its list is headed by the one letter too.
		{no, "\nBrev som venter:\n"}, {no, "\nLetter waiting:\n"},
		{dk, "\nBrev, der venter:\n"}, {dk, "\nLetter waiting:\n"},
	} {
		if !strings.Contains(c.body, c.want) {
			t.Errorf("a reminder of one letter lacks %q:\n%s", c.want, c.body)
		}
	}
	two := Compose(firma, "", sampleShipments(), nil, "postvakt@bergen.kommune.no", "k", now).Body
	if !strings.Contains(two, "Slik leser dere brevene:\n") || !strings.Contains(two, "How to read them:\n") ||
		!strings.Contains(two, "\nBrev som venter:\n") || !strings.Contains(two, "\nLetters waiting:\n") {
		t.Errorf("a reminder of two letters:\n%s", two)
	}
}

// The line under the count names the letter that has waited longest, as
// its own line in the list does (its sent date, its days), and says so: a
// letter sent earlier that became available later (SvarUt letters can sit
// accepted for days) has waited less, and the line called the longest
// waiting "the oldest" beside a list whose earliest "Sendt:" was another.
func TestWaitLineNamesTheLongestWaiting(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, oslo)
	a := time.Date(2026, 11, 1, 10, 0, 0, 0, oslo)  // sent first, available 19 days later
	b := time.Date(2026, 11, 10, 10, 0, 0, 0, oslo) // sent later, available at once
	ss := []Shipment{
		{ShipmentID: "019a0000-0000-7000-8000-0000000000a1", Channel: "svarut", ChannelID: "aaaaaaaa-0000-4000-8000-000000000001",
			SenderOrg: "964338531", SentAt: a, Since: a.AddDate(0, 0, 19), Reminder: 1},
		{ShipmentID: "019a0000-0000-7000-8000-0000000000b2", Channel: "svarut", ChannelID: "bbbbbbbb-0000-4000-8000-000000000002",
			SenderOrg: "964338531", SentAt: b, Since: b, Reminder: 1},
	}
	m := Compose("974760673", "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "k1", now)
	no, en, _ := strings.Cut(m.Body, "-- English --")
	for _, tc := range []struct{ text, line, item string }{
		{no, "Det som har ventet lengst, ble sendt 10.11.2026 og har ventet i 24 dager.", "Sendt: 10.11.2026, har ventet i 24 dager"},
		{en, "The one waiting longest was sent on 10 Nov 2026 and has been waiting for 24 days.", "10 Nov 2026"},
	} {
		flat := strings.Join(strings.Fields(tc.text), " ")
		if !strings.Contains(flat, tc.line) || !strings.Contains(flat, tc.item) {
			t.Errorf("want %q beside the list's %q in:\n%s", tc.line, tc.item, tc.text)
		}
	}
}
