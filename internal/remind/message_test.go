package remind

import (
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"postvakt/internal/remind/mailpittest"
)

func sampleShipments() []Shipment {
	sent := time.Date(2026, 11, 20, 10, 0, 0, 0, oslo)
	return []Shipment{
		{ShipmentID: "019a0000-0000-7000-8000-000000000001", Channel: "svarut", ChannelID: "d6b23522-ddf3-462a-8140-16e59e1f476d",
			SenderOrg: "964338531", SenderOrgName: "Bergen kommune", SenderUnit: "Barnevernstjenesten", NameUnit: true,
			SentAt: sent, Since: sent.Add(2 * time.Hour), Reminder: 1},
		{ShipmentID: "019a0000-0000-7000-8000-000000000002", Channel: "altinn", ChannelID: "7c9f0b1e-1111-4222-8333-444455556666",
			SenderOrg: "964338531", SenderUnit: "Skatteetaten lokalt", NameUnit: true,
			SentAt: sent.AddDate(0, 0, -1), Since: sent.AddDate(0, 0, -1), Reminder: 2},
	}
}

func TestComposeSaysWhatToDoInBothLanguages(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	m := Compose("974760673", "", sampleShipments(), []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "abc123", now)
	body := m.Body
	no, en, ok := strings.Cut(body, "-- English --")
	if !ok {
		t.Fatal("no English part")
	}
	for _, want := range []string{
		"974760673",
		"SvarUt-forsendelse d6b23522-ddf3-462a-8140-16e59e1f476d",
		"Altinn-melding 7c9f0b1e-1111-4222-8333-444455556666",
		"Bergen kommune (org.nr. 964338531), Barnevernstjenesten",
		"Bergen kommune (org.nr. 964338531), Skatteetaten lokalt",
		// "har ventet": "venter i 4 dager" reads as waiting 4 days more.
		"Sendt: 20.11.2026, har ventet i 4 dager (påminnelse nr. 1)",
		"Sendt: 19.11.2026, har ventet i 5 dager (påminnelse nr. 2)",
		"https://www.altinn.no",
		"taushetsbelagt post",
		"«Post til virksomheten med taushetsbelagt innhold»",
		"hovedadministrator",
	} {
		if !strings.Contains(no, want) {
			t.Errorf("Norwegian part lacks %q", want)
		}
	}
	for _, want := range []string{
		"SvarUt shipment d6b23522-ddf3-462a-8140-16e59e1f476d",
		"Sent: 20 Nov 2026, waiting for 4 days (reminder no. 1)",
		"Log in to Altinn (https://www.altinn.no)",
		"\"taushetsbelagt post\"",
		"main administrator in Altinn",
		"(hovedadministrator;",
		"\"Post til virksomheten",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("English part lacks %q", want)
		}
	}
	// The second letter is reminded the second time: a new reminder.
	if !strings.Contains(m.Subject, "Ny påminnelse: 2 uåpnede brev") || !strings.Contains(m.Subject, "New reminder: 2 unopened letters") {
		t.Errorf("subject = %q", m.Subject)
	}
	one := Compose("974760673", "", sampleShipments()[:1], nil, "postvakt@bergen.kommune.no", "k", now)
	if !strings.Contains(one.Subject, "1 uåpnet brev") || !strings.Contains(one.Body, "This letter for your organisation") {
		t.Errorf("singular: %q", one.Subject)
	}
}

func TestMessageIDIsDeterministic(t *testing.T) {
	a := MessageID("0123456789abcdef0123456789abcdef0123456789abcdef", "Postvakt <postvakt@bergen.kommune.no>")
	if a != "<reminder.0123456789abcdef0123456789abcdef01234567@bergen.kommune.no>" {
		t.Fatalf("MessageID = %s", a)
	}
	if MessageID("other", "postvakt@bergen.kommune.no") == a {
		t.Fatal("different keys, same Message-ID")
	}
}

// TestMessageIDOf: a health alert's notice and a reminder are told apart
// by the kind their Message-ID starts with (the crash test reads it back);
// a sender without a domain gets postvakt.invalid's.
func TestMessageIDOf(t *testing.T) {
	for _, c := range []struct{ kind, key, from, want string }{
		{"alert", "a1b2", "Postvakt <varsel@kk.dk>", "<alert.a1b2@kk.dk>"},
		{"reminder", "k", "postvakt@bergen.kommune.no", "<reminder.k@bergen.kommune.no>"},
		{"alert", "k", "not an address", "<alert.k@postvakt.invalid>"},
	} {
		if got := MessageIDOf(c.kind, c.key, c.from); got != c.want {
			t.Errorf("MessageIDOf(%q, %q, %q) = %s, want %s", c.kind, c.key, c.from, got, c.want)
		}
	}
}

func TestBytesIsAValidMIMEMessage(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	m := Compose("974760673", "", sampleShipments(), []string{"a@firma.no", "b@firma.no"}, "postvakt@bergen.kommune.no", "abc", now)
	raw := m.Bytes()
	if strings.Contains(strings.ReplaceAll(string(raw), "\r\n", ""), "\n") {
		t.Fatal("bare LF in the message: lines must end in CRLF")
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Fatalf("subject %q (%v), want %q", subject, err, m.Subject)
	}
	if msg.Header.Get("Message-ID") != m.MessageID || msg.Header.Get("To") != "a@firma.no, b@firma.no" {
		t.Fatalf("headers: %v", msg.Header)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8; format=flowed" {
		t.Fatalf("Content-Type %q: a reminder is flowed plain text", ct)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if mailpittest.Unstuffed(strings.ReplaceAll(string(body), "\r\n", "\n")) != m.Body {
		t.Fatal("body does not decode back to the composed text")
	}
}

// TestHeadersStayInBounds: a reminder to many addresses keeps every header
// line within RFC 5322's 998 characters, and a sender's display name with
// æ, ø or å goes encoded (RFC 2047): a header is ASCII.
func TestHeadersStayInBounds(t *testing.T) {
	var to []string
	for i := range 60 {
		to = append(to, fmt.Sprintf("postmottak-%02d@avdeling-med-langt-navn.firma.no", i))
	}
	m := Compose("974760673", "", sampleShipments(), to, "Bærum kommune <postvakt@baerum.example>", "abc", time.Date(2026, 11, 24, 9, 30, 0, 0, oslo))
	raw := string(m.Bytes())
	head, _, _ := strings.Cut(raw, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 998 {
			t.Errorf("a header line of %d characters: %.60s…", len(line), line)
		}
	}
	for i := 0; i < len(head); i++ {
		if head[i] >= 0x80 {
			t.Fatalf("a byte outside ASCII in the headers at %d: %q", i, head[max(0, i-20):min(len(head), i+20)])
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	list, err := msg.Header.AddressList("To")
	if err != nil || len(list) != len(to) {
		t.Fatalf("To: %d addresses (%v), want %d", len(list), err, len(to))
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Bærum kommune" || from[0].Address != "postvakt@baerum.example" {
		t.Errorf("From: %v (%v)", from, err)
	}
}

func TestGrouper(t *testing.T) {
	var g Grouper
	var groups []Group
	for i, org := range []string{"a", "a", "b", "c", "c", "c"} {
		if done, ok := g.Add(org, "", Shipment{ShipmentID: string(rune('0' + i))}); ok {
			groups = append(groups, done)
		}
	}
	if done, ok := g.Flush(); ok {
		groups = append(groups, done)
	}
	if _, ok := g.Flush(); ok {
		t.Fatal("second flush returned a group")
	}
	if len(groups) != 3 || groups[0].Org != "a" || len(groups[0].Shipments) != 2 || groups[1].Org != "b" ||
		len(groups[1].Shipments) != 1 || groups[2].Org != "c" || len(groups[2].Shipments) != 3 {
		t.Fatalf("groups = %+v", groups)
	}
}

func TestParseContacts(t *testing.T) {
	good := "email,orgnr\npost@firma.no,974760673\n faktura@firma.no , 974760673\nkontor@annet.no,964338531\n"
	cs, err := ParseContacts(strings.NewReader(good))
	if err != nil || len(cs) != 3 || cs[1].Email != "faktura@firma.no" || cs[2].Org != "964338531" {
		t.Fatalf("good file: %+v %v", cs, err)
	}
	// As Excel writes "CSV" in a Norwegian or Danish locale: semicolons.
	if cs, err := ParseContacts(strings.NewReader("orgnr;email\r\n974760673;post@firma.no\r\n")); err != nil || len(cs) != 1 || cs[0].Email != "post@firma.no" {
		t.Fatalf("semicolons: %+v %v", cs, err)
	}
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{"line 1: empty file"}},
		{"header", "org,email\n", []string{`line 1: unknown column "org"`, `line 1: missing column "orgnr"`}},
		{"rows", "orgnr,email\n974760673,post@firma.no\n123,post@firma.no\n974760673,not-an-address\n974760673\n,\n,post@firma.no\n974760673,\n",
			[]string{"line 3, column orgnr: ", "line 4, column email: ", "line 5: 1 fields, the header has 2",
				"line 7, column orgnr: required", "line 8, column email: required"}}, // line 6, a separator alone, is Excel's empty row: none
		{"display name", "orgnr,email\n974760673,Post <post@firma.no>\n", []string{"line 2, column email: "}},
		{"no rows", "orgnr,email\n", []string{"no contacts"}},
	} {
		_, err := ParseContacts(strings.NewReader(tc.in))
		inv, ok := err.(*InvalidContactsError)
		if !ok {
			t.Errorf("%s: err = %v, want *InvalidContactsError", tc.name, err)
			continue
		}
		if len(inv.Problems) != len(tc.want) {
			t.Errorf("%s: problems %v, want %d", tc.name, inv.Problems, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(inv.Problems[i].Error(), w) {
				t.Errorf("%s: problem %d = %q, want it to contain %q", tc.name, i, inv.Problems[i].Error(), w)
			}
		}
	}
}

// An organisation that never opens (health rule never_opening_org) gets
// a reminder that opens with how to get the access role; others do not.
func TestComposeForAnOrganisationWithoutAccess(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	plain := Compose("974760673", "", sampleShipments(), []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "abc123", now)
	ss := sampleShipments()
	for i := range ss {
		ss[i].NoAccess = true
	}
	m := Compose("974760673", "", ss, []string{"post@firma.no"}, "postvakt@bergen.kommune.no", "abc123", now)
	no, en, _ := strings.Cut(m.Body, "-- English --")
	// One sender: named (never its unit).
	for _, want := range []string{"Ingen i virksomheten har åpnet de siste brevene fra Bergen kommune (org.nr. 964338531).", "gå til «Tilgangsstyring»"} {
		if !says(no, want) || says(plain.Body, want) {
			t.Errorf("Norwegian part: %q only when nobody opens", want)
		}
	}
	for _, want := range []string{"Nobody in your organisation has opened the latest letters from Bergen kommune (org.nr. 964338531).", "grant the access package"} {
		if !says(en, want) || says(plain.Body, want) {
			t.Errorf("English part: %q only when nobody opens", want)
		}
	}
	if strings.Index(no, "Ingen i virksomheten") > strings.Index(no, "Brev som venter") {
		t.Error("the access text does not come first")
	}
	if strings.Contains(m.Body[:strings.Index(m.Body, "Brev som venter")], "Barnevernstjenesten") {
		t.Error("the access text names the sending unit")
	}
}

// TestComposeNoAccessFromSeveralSenders: a reminder listing letters from
// several sending organisations does not speak as one sender ("our
// letters", "the letters we have sent") nor name one of them: the access
// text points to the senders the list names, in each language.
func TestComposeNoAccessFromSeveralSenders(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	ss := sampleShipments()
	ss[1].SenderOrg, ss[1].SenderOrgName = "974760673", "Vestland fylkeskommune"
	for i := range ss {
		ss[i].NoAccess = true
	}
	no, en, _ := strings.Cut(Compose("974760673", "", ss, nil, "postvakt@bergen.kommune.no", "k", now).Body, "-- English --")
	if want := "Ingen i virksomheten har åpnet de siste brevene fra de 2 avsenderne som står nedenfor."; !says(no, want) {
		t.Errorf("Norwegian part lacks %q:\n%s", want, no)
	}
	if want := "Nobody in your organisation has opened the latest letters from the 2 senders listed below."; !says(en, want) {
		t.Errorf("English part lacks %q:\n%s", want, en)
	}
	da, den, _ := strings.Cut(Compose(virksomhed, "", append(danishShipments()[:1], Shipment{ShipmentID: "019a0000-0000-7000-8000-0000000000d3",
		Channel: "digitalpost", ChannelID: "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", SenderOrg: "29189846", SenderOrgName: "Aarhus Kommune",
		SentAt: now.AddDate(0, 0, -3), Since: now.AddDate(0, 0, -3), Reminder: 1, NoAccess: true}), nil, "postvakt@kk.dk", "dk3", now).Body, "-- English --")
	if want := "Ingen i virksomheden har åbnet de seneste breve fra de 2 afsendere, der står nedenfor."; !says(da, want) {
		t.Errorf("Danish part lacks %q:\n%s", want, da)
	}
	if !says(den, "from the 2 senders") {
		t.Errorf("English part of the Danish reminder does not point to the senders:\n%s", den)
	}
	intro := func(part string) string { return part[:strings.Index(part, "\n\n  1.")] }
	for _, part := range []string{no, en, da, den} {
		for _, never := range []string{"vi har sendt", "our latest", "fra os", "Bergen kommune", "Vestland", "Københavns", "Aarhus"} {
			if strings.Contains(intro(part), never) {
				t.Errorf("the text before the list says %q with several senders:\n%s", never, intro(part))
			}
		}
	}
}

// TestComposeNamesTheBusiness: a reminder is addressed to the receiving
// business by its name from the registers and its number, in each
// language; without a name, by its number alone. Nothing else changes:
// no title, no unit the policy does not let it name.
func TestComposeNamesTheBusiness(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, oslo)
	ss := sampleShipments()
	ss[0].NameUnit, ss[1].NameUnit = false, false
	for _, tc := range []struct {
		org, name string
		ss        []Shipment
		want      []string
		not       string
	}{
		{"974760673", "Fjordfisk AS", ss, []string{"Til Fjordfisk AS (org.nr. 974760673)\n", "To Fjordfisk AS (org.nr. 974760673)\n"},
			"organisasjonsnummer"},
		{"974760673", "", ss, []string{"Til virksomheten med organisasjonsnummer 974760673\n",
			"To the organisation with organisation number 974760673\n"}, "Fjordfisk"},
		{virksomhed, "Virksomhed ApS", danishShipments(), []string{"Til Virksomhed ApS (CVR-nr. " + virksomhed + ")\n",
			"To Virksomhed ApS (CVR no. " + virksomhed + ")\n"}, "CVR-nummer"},
	} {
		m := Compose(tc.org, tc.name, tc.ss, nil, "postvakt@bergen.kommune.no", "k", now)
		for _, want := range tc.want {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s %q: the reminder lacks %q:\n%s", tc.org, tc.name, want, m.Body)
			}
		}
		if strings.Contains(m.Body, tc.not) {
			t.Errorf("%s %q: the reminder says %q", tc.org, tc.name, tc.not)
		}
		for _, never := range []string{"Barnevernstjenesten", "Skatteetaten lokalt", "BUF"} {
			if strings.Contains(m.Body+m.Subject, never) {
				t.Errorf("%s %q: the reminder names the unit %q", tc.org, tc.name, never)
			}
		}
	}
}

// TestCheckEmail: a plain address, and only one a mail server without
// SMTPUTF8 takes.
func TestCheckEmail(t *testing.T) {
	for in, ok := range map[string]bool{"post@firma.no": true, "post@xn--bedrift-zua.no": true, "": false, "post": false,
		"Post <post@firma.no>": false, "post@firma": false, "ærlig@firma.no": false, "post@bedrift-æøå.no": false} {
		if msg := CheckEmail(in); (msg == "") != ok {
			t.Errorf("CheckEmail(%q) = %q, want ok %v", in, msg, ok)
		}
	}
}
