package remind

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // dates in the message are in Europe/Oslo, whatever the host has

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// Shipment is one shipment listed in a reminder: the pipeline's one item
// type, model.ReminderItem (references only, never a title).
type Shipment = model.ReminderItem

// Group is one receiving organisation's due shipments in one run: one
// message.
type Group struct {
	Org       string
	Shipments []Shipment
	// LookedUp are addresses looked up in the channel this run, used when
	// the store has none (a dry run does not cache its lookups).
	LookedUp []string
	// AddressUnknown is set when the organisation's address lookup failed
	// this run: without any address it is skipped, not listed as having
	// none.
	AddressUnknown bool
}

// Message is a composed reminder e-mail.
type Message struct {
	From      string
	To        []string
	Subject   string
	MessageID string // with angle brackets, deterministic from the notification key
	Date      time.Time
	Body      string // plain text, UTF-8
	// Cc are copy recipients (a unit's manager on a follow-up mail).
	Cc []string
	// Refused is filled by SMTP.Send: recipients the server refused
	// permanently; the message went to the others.
	Refused []Refusal
}

// oslo is the time zone dates in messages are shown in.
var oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// MessageID makes the Message-ID of the reminder with the given notification
// key, in the domain of the sender address: the same notification always has
// the same Message-ID, also when it is sent again after a failure.
func MessageID(key, from string) string {
	domain := "postvakt.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	if len(key) > 40 {
		key = key[:40]
	}
	return "<reminder." + key + "@" + domain + ">"
}

// Compose writes the reminder for one organisation: Norwegian bokmål first,
// then English. It lists every shipment by its channel reference, sender,
// sent date and days waiting, and says what to do: log in to Altinn, and get
// the access for confidential post from the organisation's main
// administrator. It is pure.
func Compose(org string, shipments []Shipment, to []string, from, key string, now time.Time) *Message {
	n := len(shipments)
	m := &Message{From: from, To: append([]string(nil), to...), MessageID: MessageID(key, from), Date: now}
	m.Subject = fmt.Sprintf("Påminnelse: %d %s i Altinn til org.nr. %s / Reminder: %d unopened %s in Altinn",
		n, plural(n, "uåpnet brev", "uåpnede brev"), org, n, plural(n, "letter", "letters"))

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("Til virksomheten med organisasjonsnummer %s", org)
	w("")
	noAccess, danish := accessNotice(shipments)
	if noAccess && danish {
		w("Ingen i virksomheden har åbnet de seneste breve fra os. Sandsynligvis har ingen medarbejder")
		w("rettighed til at læse virksomhedens Digital Post. Virksomhedens administrator i MitID Erhverv")
		w("skal tildele de medarbejdere, der skal læse brevene, rettigheden til Digital Post (adgang til")
		w("virksomhedens postkasse). Derefter kan brevene læses på virk.dk eller i Digital Post-appen.")
		w("")
	} else if noAccess {
		w("Ingen i virksomheten har åpnet de siste brevene vi har sendt. Trolig har ingen tilgang til")
		w("taushetsbelagt post i Altinn. Virksomhetens hovedadministrator i Altinn må gi tilgangspakken")
		w("«Post til virksomheten med taushetsbelagt innhold» til dem som skal lese brevene: logg inn på")
		w("Altinn, velg virksomheten, gå til «Tilganger», og gi tilgangspakken til de rette personene.")
		w("")
	}
	w("Det ligger %d brev til virksomheten i Altinn som ingen har åpnet ennå. Brevene kan", n)
	w("inneholde taushetsbelagte opplysninger, og derfor står det ikke her hva de gjelder.")
	w("")
	w("Brev som venter:")
	for i, s := range shipments {
		w("")
		w("  %d. %s", i+1, channelRef(s, "no"))
		w("     Avsender: %s", sender(s))
		w("     Sendt: %s, venter i %s (påminnelse %d)", s.SentAt.In(oslo).Format("02.01.2006"),
			plural(waitingDays(s, now), "1 dag", fmt.Sprintf("%d dager", waitingDays(s, now))), s.Reminder)
	}
	w("")
	w("Slik leser dere brevene:")
	w("  1. Logg inn på Altinn (https://www.altinn.no) og velg å representere virksomheten.")
	w("  2. Åpne innboksen og les brevene.")
	w("")
	w("Taushetsbelagt post kan bare leses av den som har tilgang til taushetsbelagt post i")
	w("Altinn (tilgangspakken «Post til virksomheten med taushetsbelagt innhold»).")
	w("Virksomhetens hovedadministrator i Altinn må gi denne tilgangen. Uten den ser dere")
	w("at brevet finnes, men dere kan ikke åpne det.")
	w("")
	w("Blir brevene ikke åpnet, kan avsenderen sende dem som vanlig papirpost.")
	w("")
	w("Denne e-posten er sendt automatisk av postvakt på vegne av avsenderne. Ikke svar på")
	w("den; ta kontakt med avsenderen hvis noe er uklart.")
	w("")
	w("-- English --")
	w("")
	w("To the organisation with organisation number %s", org)
	w("")
	if noAccess && danish {
		w("Nobody in your organisation has opened our latest letters. Most likely no employee has the")
		w("right to read the organisation's Digital Post. Your administrator in MitID Erhverv must give the")
		w("people who are to read the letters the Digital Post right (access to the organisation's")
		w("mailbox); then the letters can be read on virk.dk or in the Digital Post app.")
		w("")
	} else if noAccess {
		w("Nobody in your organisation has opened our latest letters. Most likely nobody has access to")
		w("confidential post (\"taushetsbelagt post\") in Altinn. Your organisation's main administrator")
		w("in Altinn must give the access package \"Post til virksomheten med taushetsbelagt innhold\" to")
		w("the people who are to read them: log in to Altinn, choose the organisation, go to \"Access\"")
		w("(\"Tilganger\") and grant the access package.")
		w("")
	}
	w("There %s %d %s for your organisation in Altinn that nobody has opened yet.", plural(n, "is", "are"), n, plural(n, "letter", "letters"))
	w("They may contain confidential information, so this message does not say what they")
	w("are about.")
	w("")
	w("Letters waiting:")
	for i, s := range shipments {
		d := waitingDays(s, now)
		w("")
		w("  %d. %s", i+1, channelRef(s, "en"))
		w("     Sender: %s", sender(s))
		w("     Sent: %s, waiting for %s (reminder %d)", s.SentAt.In(oslo).Format("2 Jan 2006"),
			plural(d, "1 day", fmt.Sprintf("%d days", d)), s.Reminder)
	}
	w("")
	w("How to read them:")
	w("  1. Log in to Altinn (https://www.altinn.no) and choose to act on behalf of the")
	w("     organisation.")
	w("  2. Open the inbox and read the letters.")
	w("")
	w("Confidential post (\"taushetsbelagt post\") can only be read by people who have the")
	w("access for confidential post in Altinn (the access package \"Post til virksomheten")
	w("med taushetsbelagt innhold\"). The organisation's main administrator in Altinn")
	w("(hovedadministrator) must grant it. Without it you can see that a letter exists,")
	w("but you cannot open it.")
	w("")
	w("If the letters are not opened, the sender may send them as ordinary printed post.")
	w("")
	w("This e-mail was sent automatically by postvakt on behalf of the senders. Please do")
	w("not reply to it; contact the sender if anything is unclear.")
	m.Body = b.String()
	return m
}

// Bytes renders the message as RFC 5322 text with MIME headers: UTF-8 plain
// text, quoted-printable, lines ending in CRLF.
func (m *Message) Bytes() []byte {
	var b bytes.Buffer
	h := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	h("From", m.From)
	h("To", strings.Join(m.To, ", "))
	if len(m.Cc) > 0 {
		h("Cc", strings.Join(m.Cc, ", "))
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", m.MessageID)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Content-Language", "nb, en")
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(m.Body)) // writes to a bytes.Buffer do not fail
	_ = qp.Close()
	return b.Bytes()
}

// accessNotice says whether a reminder opens with how to get access (an
// organisation that never opens), and whether its letters are Danish
// (Digital Post access rights instead of Altinn's access package).
func accessNotice(ss []Shipment) (noAccess, danish bool) {
	for _, s := range ss {
		noAccess = noAccess || s.NoAccess
		if spec, ok := channel.Lookup(s.Channel); ok && spec.Country == "DK" {
			danish = true
		}
	}
	return noAccess, danish
}

func channelRef(s Shipment, lang string) string { return channel.Ref(s.Channel, s.ChannelID, lang) }

// sender names who sent a letter: the organisation, and the unit only when
// the policy lets the reminder name it (Shipment.NameUnit).
func sender(s Shipment) string {
	if s.NameUnit && s.SenderUnit != "" {
		return senderName(s) + ", " + s.SenderUnit
	}
	return senderName(s)
}

func senderName(s Shipment) string {
	if s.SenderOrgName != "" {
		return s.SenderOrgName + " (org.nr. " + s.SenderOrg + ")"
	}
	return "org.nr. " + s.SenderOrg
}

// waitingDays is the number of calendar days from the day the shipment
// started waiting to now's day, in Norway.
func waitingDays(s Shipment, now time.Time) int {
	y1, m1, d1 := s.Since.In(oslo).Date()
	y2, m2, d2 := now.In(oslo).Date()
	a := time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC)
	if b.Before(a) {
		return 0
	}
	return int(b.Sub(a).Hours() / 24)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
