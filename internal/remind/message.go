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
	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// Shipment is one shipment listed in a reminder: the pipeline's one item
// type, model.ReminderItem (references only, never a title).
type Shipment = model.ReminderItem

// Group is one receiving organisation's due shipments in one run: one
// message.
type Group struct {
	Org string
	// OrgName is the organisation's name from the registers (the names
	// job), "" when unknown: the reminder is addressed to it.
	OrgName   string
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
	MessageID string    // with angle brackets, deterministic from the notification key
	Date      time.Time // composed at now; a Courier sets it again as the send begins
	Body      string    // plain text, UTF-8
	// Cc are copy recipients (a unit's manager on a follow-up mail).
	Cc []string
	// ReplyTo is where a reply goes instead of From ("": to From): a
	// reminder's sending organisation's public contact (replyTo).
	ReplyTo string
	// OrderBody is Body as an Altinn Notifications order carries it, when
	// it differs ("": Body): Altinn sends it from its own no-reply address,
	// without ReplyTo, so its footer says not to reply (footer).
	OrderBody string
	// Langs are the languages the message is written in, in order (its
	// Content-Language).
	Langs []string
	// Flowed says Body's lines that end in a space may be joined with the
	// next by the reader (format=flowed, RFC 3676; see softBreak): Bytes
	// says so and space-stuffs the lines that need it.
	Flowed bool
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
func MessageID(key, from string) string { return MessageIDOf("reminder", key, from) }

// MessageIDOf makes the Message-ID of a message of a kind ("reminder",
// "alert") from its notification key, in the domain of the sender address
// (postvakt.invalid when it has none): "<kind.key@domain>", the key cut to
// 40 bytes. The same key always gives the same Message-ID, and the crash
// test reads the kind and key back from it.
func MessageIDOf(kind, key, from string) string {
	domain := "postvakt.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	if len(key) > 40 {
		key = key[:40]
	}
	return "<" + kind + "." + key + "@" + domain + ">"
}

// Compose writes the reminder for one organisation (org, named orgName
// when the registers know it, "" else): in the language of the country its
// letters' channel delivers in (Norwegian bokmål for Altinn and SvarUt,
// Danish for Digital Post), then in English, with the texts of the
// catalogue (internal/i18n, keys mail.reminder.*). It is addressed to the
// organisation by name and number ("Til Fjordfisk AS (org.nr. …)"), by
// number alone without a name. It lists
// every shipment by its channel reference, sender, sent date and days
// waiting (beyond maxListed once, at the end), and says what to do before the
// list: log in to Altinn (or Digital Post on virk.dk), and get the access
// for confidential post from the organisation's administrator (the rights
// administrator for Digital Post); an organisation that never opens gets
// that first. Below the count it says since when the oldest letter waits
// and, when any was reminded before, that this is a new reminder (its
// subject says so too: a second reminder must not look like the first in
// the inbox). After the list it says that the sender may send unopened
// letters on paper, and from when (paperLine). It ends saying it was sent automatically on behalf of the
// sending organisations named above (the business does not know postvakt),
// where a reply goes (footer; not to reply in OrderBody) and what to do
// if it reached the wrong person. It is pure.
func Compose(org, orgName string, shipments []Shipment, to []string, from, key string, now time.Time) *Message {
	n := len(shipments)
	country, noAccess := recipientCountry(shipments), accessNotice(shipments)
	senders := senderOrgs(shipments)
	names := senderNames(senders)
	k := reminderKeys[country]
	mail := i18n.NewMail(i18n.MailLanguages(country))
	m := &Message{From: from, To: append([]string(nil), to...), MessageID: MessageID(key, from), Date: now, Langs: mail.Langs(), Flowed: true,
		ReplyTo: replyTo(senders)}
	again := remindedBefore(shipments)
	subject := k.subject
	if again > 0 {
		subject = k.subjectAgain
	}
	oldest := oldestWaiting(shipments, now)
	m.Subject = mail.Joined(func(l *i18n.Localizer) string {
		return l.T(subject, "Count", n, "Org", org, "From", subjectFrom(l, senders))
	})
	replyTo := m.ReplyTo // the footer's (footer); "" for an order's text
	block := func(l *i18n.Localizer, line func(string)) {
		w := func(text string) { // a line, soft-broken when it passes lineWidth
			for _, s := range flowLine(text, lineWidth) {
				line(s)
			}
		}
		p := func(text string) { // a paragraph, filled to lineWidth
			for _, line := range fill(text, lineWidth) {
				w(line)
			}
		}
		if orgName != "" {
			p(l.T("mail.reminder.to_named", "Name", OrgName(l, orgName, org)))
		} else {
			p(l.T(k.to, "Org", org))
		}
		if len(senders) > 0 {
			p(fromLine(l, senders))
		}
		w("")
		if noAccess {
			// From one sender, named as the From line names it (never its
			// unit); from several, those the list names.
			p(l.T(k.noAccess, "Count", len(senders), "Sender", topName(l, senders[0])))
			w("")
		}
		p(l.T(k.waiting, "Count", n))
		w("")
		if status := waitStatus(l, shipments, oldest, again, now); status != "" {
			p(status)
			w("")
		}
		// What to do before the list: a long list must not bury it.
		p(l.T(k.how, "Count", n))
		w("")
		p(l.T(k.access))
		w("")
		if contactLines(l, senders, w, p) {
			w("")
		}
		p(l.T("mail.reminder.letters", "Count", n))
		for i, s := range shipments {
			if i == maxListed {
				w("")
				p(l.T("mail.reminder.more", "Count", n-maxListed))
				break
			}
			item := fmt.Sprintf("  %d. ", i+1)
			under := strings.Repeat(" ", len(item))
			w("")
			// The reference whole on its line, however long: it is what the
			// receiver looks the letter up by (w soft-breaks before it a line
			// too long, which a reflowing reader joins again: flowLine).
			w(item + channel.Ref(s.Channel, s.ChannelID, l.Lang()))
			p(under + l.T("mail.reminder.sender", "Sender", sender(l, s, names)))
			p(under + l.T("mail.reminder.sent", "Count", waitingDays(s, now), "Reminder", s.Reminder,
				"Date", s.SentAt.In(oslo).Format(l.T("mail.date"))))
		}
		w("")
		p(paperLine(l, shipments, now))
		w("")
		p(footer(l, replyTo, len(senders)))
	}
	m.Body = mail.Body(block) + moreLetters(mail, shipments, names)
	if replyTo != "" {
		replyTo = ""
		m.OrderBody = mail.Body(block) + moreLetters(mail, shipments, names)
	}
	return m
}

// maxListed is how many letters a reminder lists in full (reference,
// sender, sent date and days waiting on three lines) in each language;
// the rest are listed once, after every language, on two lines each
// (moreLetters): 812 letters made a message of 280 KB, and its English
// part began on line 1,130. Every letter a reminder is counted on is named
// in it: its evidence says so.
const maxListed = 50

// moreLetters lists the letters beyond maxListed once, at the end of the
// message, under a heading in each of its languages: each by its reference
// and its sender and sent date, in the message's first language. "" when
// there are none. names are the sending organisations' (senderNames).
func moreLetters(mail i18n.Mail, ss []Shipment, names map[string]string) string {
	if len(ss) <= maxListed {
		return ""
	}
	l := mail.Locs[0]
	var b strings.Builder
	b.WriteString("\n-- " + mail.Joined(func(l *i18n.Localizer) string { return l.T("mail.reminder.more_heading") }) + " --\n\n")
	for i, s := range ss[maxListed:] {
		item := fmt.Sprintf("  %d. ", maxListed+i+1)
		for _, line := range flowLine(item+channel.Ref(s.Channel, s.ChannelID, l.Lang()), lineWidth) {
			b.WriteString(line + "\n")
		}
		for _, line := range fill(strings.Repeat(" ", len(item))+sender(l, s, names)+", "+s.SentAt.In(oslo).Format(l.T("mail.date")), lineWidth) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// replyTo is where a business's answer to a reminder goes: the public
// e-mail contact of its one sending organisation (senders.yaml), not the
// sender address, which nobody reads. "" for letters of several senders
// (no one address to answer), one without an e-mail contact, and one the
// subject must not name (its address may say what it is about; the
// contact lines further down give it).
func replyTo(senders []senderOrg) string {
	if len(senders) != 1 || senders[0].notInSubject {
		return ""
	}
	return senders[0].contact.Email
}

// footer is the reminder's last paragraph in l's language: sent on behalf
// of the senders named above, and what to do when it reached the wrong
// person. With a Reply-To (replyTo) a reply reaches the sender, and it
// says so, giving the address; without one a reply goes to the sender
// address, which nobody reads: "do not reply; contact the sender".
func footer(l *i18n.Localizer, replyTo string, senders int) string {
	if replyTo != "" {
		return l.T("mail.reminder.footer_reply", "Email", replyTo)
	}
	return l.T("mail.reminder.footer", "Count", senders)
}

// reminderKey are the catalogue keys of the texts that depend on where
// the letters wait: Altinn's access package, or Digital Post's right.
// The names in them are the services' own (README, Reminders, cites where
// each is from): Altinn 3's access package "Post til virksomheten med
// taushetsbelagt innhold" (area "Post og arkiv", given to no role from
// Enhetsregisteret, unlike "Ordinær post til virksomheten", the old role
// "Post/arkiv"; docs.altinn.studio, access packages, version 3), delegated
// by the main administrator (info.altinn.no, "Tilgang til taushetsbelagt
// post"); Digital Post's rights administrator and Rettighedsportalen
// (virk.dk, Virk Hjælp, "Digital Post"; digst.dk, "Rettighedsstyring i
// Digital Post").
type reminderKey struct{ subject, subjectAgain, to, noAccess, waiting, how, access string }

// reminderKeys are the texts by the country the letters' channel delivers
// in.
var reminderKeys = map[string]reminderKey{
	"NO": {subject: "mail.reminder.altinn.subject", subjectAgain: "mail.reminder.altinn.subject_again", to: "mail.reminder.altinn.to", noAccess: "mail.reminder.altinn.no_access",
		waiting: "mail.reminder.altinn.waiting", how: "mail.reminder.altinn.how", access: "mail.reminder.altinn.access"},
	"DK": {subject: "mail.reminder.digitalpost.subject", subjectAgain: "mail.reminder.digitalpost.subject_again", to: "mail.reminder.digitalpost.to", noAccess: "mail.reminder.digitalpost.no_access",
		waiting: "mail.reminder.digitalpost.waiting", how: "mail.reminder.digitalpost.how", access: "mail.reminder.digitalpost.access"},
}

// Bytes renders the message as RFC 5322 text with MIME headers: UTF-8 plain
// text, quoted-printable, lines ending in CRLF.
func (m *Message) Bytes() []byte {
	var b bytes.Buffer
	h := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	from := m.From
	if a, err := mail.ParseAddress(m.From); err == nil {
		from = a.String() // a display name such as "Bærum kommune" encoded (RFC 2047)
	}
	// A long name is several encoded-words on one line: folded between
	// them as the subject is.
	b.WriteString(foldHeader("From", from))
	// One address a line: a header line may not pass 998 characters
	// (RFC 5322), and a reminder may go to many addresses.
	h("To", strings.Join(m.To, ",\r\n "))
	if len(m.Cc) > 0 {
		h("Cc", strings.Join(m.Cc, ",\r\n "))
	}
	if m.ReplyTo != "" {
		h("Reply-To", m.ReplyTo)
	}
	b.WriteString(foldHeader("Subject", mime.QEncoding.Encode("utf-8", m.Subject)))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", m.MessageID)
	h("MIME-Version", "1.0")
	body := m.Body
	if m.Flowed {
		h("Content-Type", "text/plain; charset=utf-8; format=flowed")
		body = spaceStuffed(body)
	} else {
		h("Content-Type", "text/plain; charset=utf-8")
	}
	h("Content-Transfer-Encoding", "quoted-printable")
	if len(m.Langs) > 0 {
		h("Content-Language", strings.Join(m.Langs, ", "))
	}
	h("Auto-Submitted", "auto-generated")
	// Exchange and Outlook answer Auto-Submitted with an out-of-office
	// reply all the same unless told: thousands of reminders must not
	// bring thousands of them back to an address nobody reads.
	h("X-Auto-Response-Suppress", "OOF, AutoReply")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(body)) // writes to a bytes.Buffer do not fail
	_ = qp.Close()
	return b.Bytes()
}

// spaceStuffed is a format=flowed body's lines as sent (RFC 3676 4.4): a
// line that begins with a space, ">" or "From " gets one space more, which
// the reader takes off again; without it the reader would take one off an
// indented line ("  1. Logg inn …"), or read ">" as a quote.
func spaceStuffed(body string) string {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, ">") || strings.HasPrefix(l, "From ") {
			lines[i] = " " + l
		}
	}
	return strings.Join(lines, "\n")
}

// foldHeader is the header field name: value, ending in CRLF, folded at
// the value's spaces, so that no line passes 78 characters where a space
// allows (RFC 5322 2.1.1; RFC 2047 2: a line with encoded-words at most
// 76): a subject in two languages, encoded, made one line of 170. A first
// word that does not fit beside the name (an encoded-word of 75 after
// "Subject: " made a line of 84) goes on the next line. Between two
// encoded-words the fold is not read as a space, in plain text it is one.
func foldHeader(name, value string) string {
	const limit = 78
	var b strings.Builder
	b.WriteString(name + ":")
	n := len(name) + 1 // "Name:"
	for _, word := range strings.Split(value, " ") {
		if n+1+len(word) > limit && n > 1 {
			b.WriteString("\r\n ")
			n = 1
		} else {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	b.WriteString("\r\n")
	return b.String()
}

// recipientCountry is the country the reminder's letters wait in: "DK"
// when any is on a Danish channel (Digital Post), else "NO" (Altinn,
// SvarUt, and a channel no longer registered). One organisation's letters
// are on one country's channels: a Norwegian organisation number or a CVR
// number.
func recipientCountry(ss []Shipment) string {
	for _, s := range ss {
		if spec, ok := channel.Lookup(s.Channel); ok && spec.Country == "DK" {
			return "DK"
		}
	}
	return "NO"
}

// accessNotice says whether a reminder opens with how to get access: an
// organisation that never opens (health rule never_opening_org).
func accessNotice(ss []Shipment) bool {
	for _, s := range ss {
		if s.NoAccess {
			return true
		}
	}
	return false
}

// remindedBefore counts the shipments the organisation was reminded of
// before (this is at least their second reminder).
func remindedBefore(ss []Shipment) int {
	n := 0
	for _, s := range ss {
		if s.Reminder > 1 {
			n++
		}
	}
	return n
}

// oldestWaiting is the index of the shipment that has waited longest (the
// first of equals).
func oldestWaiting(ss []Shipment, now time.Time) int {
	oldest := 0
	for i, s := range ss {
		if waitingDays(s, now) > waitingDays(ss[oldest], now) {
			oldest = i
		}
	}
	return oldest
}

// waitStatus says, in l's language, since when the oldest of several
// letters waits, and whether the organisation was reminded of any of them
// before: "" when there is neither (one letter, reminded the first time;
// the list gives its date).
func waitStatus(l *i18n.Localizer, ss []Shipment, oldest, again int, now time.Time) string {
	var parts []string
	if len(ss) > 1 {
		s := ss[oldest]
		parts = append(parts, l.T("mail.reminder.oldest", "Count", waitingDays(s, now), "Date", s.SentAt.In(oslo).Format(l.T("mail.date"))))
	}
	switch {
	case again == len(ss):
		parts = append(parts, l.T("mail.reminder.again_all", "Count", again))
	case again > 0:
		parts = append(parts, l.T("mail.reminder.again_some", "Count", again))
	}
	return strings.Join(parts, " ")
}

// paperLine says, in l's language, what happens to letters left unopened:
// the sender may send them on paper, from the earliest date their policy
// prints one (Shipment.PrintFrom; a business reminded the second time
// asks what comes next), without a date when no letter's policy prints,
// or when that day is not after now (print comes instead of a reminder,
// so a reminder's print day is ahead of it; "tidligst" a past day would
// read as an error).
func paperLine(l *i18n.Localizer, ss []Shipment, now time.Time) string {
	var first time.Time
	for _, s := range ss {
		if !s.PrintFrom.IsZero() && (first.IsZero() || s.PrintFrom.Before(first)) {
			first = s.PrintFrom
		}
	}
	if !first.After(now) {
		return l.T("mail.reminder.paper", "Count", len(ss))
	}
	return l.T("mail.reminder.paper_from", "Count", len(ss), "Date", first.In(oslo).Format(l.T("mail.date")))
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
