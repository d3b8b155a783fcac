package remind

import (
	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// senderOrg is a sending organisation: its number, name ("" unknown),
// public contact (zero: none), and whether the subject must not name it
// (model.ReminderItem.SenderNotInSubject).
type senderOrg struct {
	org, name    string
	contact      model.Contact
	notInSubject bool
}

// senderOrgs are the sending organisations of a reminder's letters, in
// the order they first appear, each with its name and contact when any
// letter has them, and kept out of the subject when any letter says so.
func senderOrgs(ss []Shipment) []senderOrg {
	var out []senderOrg
	at := map[string]int{}
	for _, s := range ss {
		i, ok := at[s.SenderOrg]
		if !ok {
			i, at[s.SenderOrg] = len(out), len(out)
			out = append(out, senderOrg{org: s.SenderOrg})
		}
		if out[i].name == "" {
			out[i].name = s.SenderOrgName
		}
		if out[i].contact.IsZero() {
			out[i].contact = s.SenderContact
		}
		out[i].notInSubject = out[i].notInSubject || s.SenderNotInSubject
	}
	return out
}

// senderNames are the sending organisations' names by number, "" when no
// letter of the organisation carries one: a message names an organisation
// one way throughout, whichever of its letters carried the name (one
// letter's "org.nr. …" beside another's name of the same organisation
// reads as two senders).
func senderNames(senders []senderOrg) map[string]string {
	names := make(map[string]string, len(senders))
	for _, s := range senders {
		names[s.org] = s.name
	}
	return names
}

// fromLine says, in l's language, who sent the letters, below whom the
// reminder is to: the sending organisation by name and number (never a
// unit), or, for letters of several, how many (the list names them, as
// the no-access notice says). A business that did not expect the e-mail
// must see at once whose letters wait. An organisation the subject must
// not name is given by its number here too, saying that its name follows
// further down (topName). senders is not empty.
func fromLine(l *i18n.Localizer, senders []senderOrg) string {
	switch s := senders[0]; {
	case len(senders) > 1:
		return l.T("mail.reminder.from_many", "Count", len(senders))
	case s.notInSubject && s.name != "":
		return l.T("mail.reminder.from_unnamed", "Sender", topName(l, s))
	default:
		return l.T("mail.reminder.from", "Sender", topName(l, s))
	}
}

// topName names the sending organisation s in the body's first paragraphs
// (the From line, the no-access notice): by name and number, or by number
// alone when the subject must not name it. Inbox lists and phone
// notifications show a message's first lines beside its subject, so a name
// kept out of the subject is kept out of them too; the list of letters
// and the contact lines, further down, name it, as the business must know
// whose letters wait once it has opened the message.
func topName(l *i18n.Localizer, s senderOrg) string {
	if s.notInSubject {
		return OrgName(l, "", s.org)
	}
	return OrgName(l, s.name, s.org)
}

// subjectFrom is the subject's " fra Bergen kommune" in l's language when
// the letters have one sender, its name is known and senders.yaml does
// not keep it out of the subject (name_in_subject: false), "" else: the
// inbox shows whose letters wait before the message is opened. The name
// alone (a subject must stay short on a phone; a second number beside the
// receiver's would confuse).
func subjectFrom(l *i18n.Localizer, senders []senderOrg) string {
	if len(senders) != 1 || senders[0].name == "" || senders[0].notInSubject {
		return ""
	}
	return l.T("mail.reminder.subject_from", "Sender", senders[0].name)
}

// contactLines writes, in l's language, whom to ask about the letters:
// each sending organisation with a public contact (policies/senders.yaml)
// by name and number, then its e-mail address and phone number on lines
// of their own (whole, and a tap away on a phone; w soft-breaks one too
// long after its label, flowLine, and a reflowing reader joins it again).
// When only some of the senders have one, the heading says to ask each
// letter's own sender, and whose contacts follow: "Kontakt avsenderen:"
// above one of three senders read as the one to ask about every letter.
// It reports whether it wrote anything: nothing when no sender has a
// contact.
func contactLines(l *i18n.Localizer, senders []senderOrg, w, p func(string)) bool {
	var with []senderOrg
	for _, s := range senders {
		if !s.contact.IsZero() {
			with = append(with, s)
		}
	}
	switch {
	case len(with) == 0:
		return false
	case len(with) < len(senders):
		p(l.T("mail.reminder.contact.heading_some", "Count", len(with)))
	default:
		p(l.T("mail.reminder.contact.heading", "Count", len(with)))
	}
	for _, s := range with {
		p("  " + OrgName(l, s.name, s.org))
		if s.contact.Email != "" {
			w("    " + l.T("mail.reminder.contact.email", "Email", s.contact.Email))
		}
		if s.contact.Phone != "" {
			w("    " + l.T("mail.reminder.contact.phone", "Phone", s.contact.Phone))
		}
	}
	return true
}

// sender names who sent a letter, in l's language: the organisation, by
// its name in names (senderNames) rather than the letter's own, and the
// unit only when the policy lets the reminder name it (Shipment.NameUnit).
func sender(l *i18n.Localizer, s Shipment, names map[string]string) string {
	name := OrgName(l, names[s.SenderOrg], s.SenderOrg)
	if s.NameUnit && s.SenderUnit != "" {
		return name + ", " + s.SenderUnit
	}
	return name
}

// OrgName names an organisation in l's language: "Bergen kommune (org.nr.
// 964338531)", "CVR-nr. 64942212" without a name.
func OrgName(l *i18n.Localizer, name, org string) string {
	key := "mail.org.no"
	if model.OrgCountry(org) == "DK" {
		key = "mail.org.dk"
	}
	nr := l.T(key, "Org", org)
	if name != "" {
		return name + " (" + nr + ")"
	}
	return nr
}
