package policy

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
)

// Term is one rule in words, for a reader (the UI's rules page, `policy
// explain`): an i18n.Phrase, a catalogue key and its placeholders as pairs
// of name and value, said with Localizer.Say. A value is a Term, a List,
// a Word, BusinessDays, a Span or a Share in the reader's language
// (i18n.Spoken), anything else as it prints. What a policy or a health
// rule means is decided here, once; the callers only render it.
type Term = i18n.Phrase

// List is a placeholder of several values, joined with ", ".
type List []any

// Word is a code told by its catalogue text (Prefix + Code).
type Word struct{ Prefix, Code string }

// BusinessDays is a number of business days ("5 business days").
type BusinessDays int

// Span is a length of time, in the largest whole unit ("14 days", "7
// hours").
type Span time.Duration

// Share is a fraction shown as a percentage ("20 %").
type Share float64

// SayIn is the values in l's language, joined with ", ".
func (v List) SayIn(l *i18n.Localizer) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(l.Value(x))
	}
	return strings.Join(parts, ", ")
}

// SayIn is the code's catalogue text in l's language.
func (v Word) SayIn(l *i18n.Localizer) string { return l.T(v.Prefix + v.Code) }

// SayIn is "5 business days" in l's language.
func (v BusinessDays) SayIn(l *i18n.Localizer) string {
	return l.T("rules.business_days", "Count", int(v))
}

// SayIn is the span in its largest whole unit, in l's language.
func (v Span) SayIn(l *i18n.Localizer) string {
	d := time.Duration(v)
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return l.T("rules.span.days", "Count", int(d/(24*time.Hour)))
	case d >= time.Hour && d%time.Hour == 0:
		return l.T("rules.span.hours", "Count", int(d/time.Hour))
	case d >= time.Minute && d%time.Minute == 0:
		return l.T("rules.span.minutes", "Count", int(d/time.Minute))
	}
	return l.T("rules.span.seconds", "Count", int(d.Round(time.Second)/time.Second))
}

// SayIn is the share as a percentage, with l's decimal mark.
func (v Share) SayIn(l *i18n.Localizer) string {
	// Rounded to a millionth of a percent: 0.57*100 is
	// 56.99999999999999 in floating point.
	// Norwegian and Danish write a decimal comma: 12,5 %.
	n := strconv.FormatFloat(math.Round(float64(v)*1e8)/1e6, 'f', -1, 64)
	if l.Lang() != "en" {
		n = strings.Replace(n, ".", ",", 1)
	}
	return n + " %"
}

// words are codes as Words of one catalogue family.
func words(prefix string, codes []string) List {
	out := make(List, len(codes))
	for i, c := range codes {
		out[i] = Word{prefix, c}
	}
	return out
}

// InMatchOrder returns the policies in the order Match weighs them: the
// most specific first, then the higher priority, then by name; a
// catch-all last. The first of them that matches a letter governs it (a
// tie of two that match is a check error).
func (s *Set) InMatchOrder() []*Policy {
	ps := slices.Clone(s.policies)
	slices.SortStableFunc(ps, func(a, b *Policy) int { return compareRank(b, a) })
	return ps
}

// Admits reports whether a letter of the sending organisation org and
// unit can match: the matcher names neither another organisation nor
// another unit. An empty org or unit stands for any.
func (m Matcher) Admits(org, unit string) bool {
	return (org == "" || inList(m.SenderOrg, org)) && (unit == "" || inList(m.SenderUnit, unit))
}

// Viewer is whom the rules are described to: the rules page's viewer, or
// `postvakt policy explain`'s operator (Everyone). What a scoped viewer
// may read of the policies and health rules is decided here, once.
type Viewer struct {
	// Org and Unit are the sending organisation and unit the viewer is
	// limited to ("" for any).
	Org, Unit string
	// OwnUnits are the names of Org's sending units (the store's
	// sender_units of the organisation), for a viewer limited to Org. To
	// one limited to Org but not to one unit, of a match's sending units
	// only these are named (MatchTerm): units are per organisation, and a
	// unit's name may be sensitive (Barnevernstjenesten), another
	// organisation's is counted. Whether a policy's name is shown to a
	// viewer limited to Org or to one of its units depends on them too
	// (NameShown).
	OwnUnits []string
	// Addresses: the viewer may read e-mail addresses
	// (auth.ViewRuleAddresses). A viewer limited to an organisation reads
	// only those that tell of that organisation's letters alone
	// (addressesHidden).
	Addresses bool
}

// Everyone is the unscoped viewer who reads everything: `policy explain`.
var Everyone = Viewer{Addresses: true}

// addressesHidden is the catalogue key that counts, for v, the e-mail
// addresses of a rule told of the letters of the sending organisations
// orgs (none: of every organisation), or "" when v reads them. They may be
// a person's: a viewer without Addresses only counts them; one limited to
// an organisation reads them only when the rule is that organisation's
// alone (a policy whose match names that one organisation only), as
// another organisation's on-call address is not the viewer's to read in a
// shared installation. A health rule's to: is told of every
// organisation's alerts (internal/health routes by rule, never by
// organisation): its addresses are named to unscoped viewers only.
func (v Viewer) addressesHidden(orgs []string) string {
	switch {
	case !v.Addresses:
		return "rules.addresses_hidden"
	case v.Org != "" && !(len(orgs) == 1 && orgs[0] == v.Org):
		return "rules.addresses_other_orgs"
	}
	return ""
}

// NameShown reports whether v reads the policy's name and its file and
// line, or is told of it as a shared policy (SharedTerm). An
// administrator names a policy for the letters it governs, and a policy
// that also governs another organisation's letters may be named for them
// ("Helse Bergen barnevern"), as its file may be. A viewer limited to an
// organisation (or to one of its units) reads the name of a policy whose
// match names nothing of another organisation: no sending organisation
// but the viewer's, and either the viewer's organisation alone or no
// sending unit but the organisation's own (OwnUnits; a match without
// organisation or unit, a catch-all, is everyone's). An unscoped viewer
// reads every name. The rule holds wherever web names a policy (the
// letter's pages, the print batches, the preview: as /rules names it): the name
// is the administrator's, for the other organisations' letters as well.
func (p *Policy) NameShown(v Viewer) bool {
	if v.Org == "" && v.Unit == "" {
		return true
	}
	for _, o := range p.Match.SenderOrg {
		if o != v.Org {
			return false
		}
	}
	if len(p.Match.SenderOrg) > 0 {
		return true
	}
	for _, u := range p.Match.SenderUnit {
		if u != v.Unit && !slices.Contains(v.OwnUnits, u) {
			return false
		}
	}
	return true
}

// SharedTerm is how a policy whose name a viewer does not read
// (NameShown) is told: "Shared policy 2", n its place in the viewer's
// list.
func SharedTerm(n int) Term { return Term{Key: "rules.policy.shared", Args: []any{"N", n}} }

// MatchTerm says which letters the policy matches, as v reads it: of the
// match's sending organisations and units it names only v's own (Admits
// decides whether v is shown the policy at all); another organisation's
// number or another unit's name (Barnevernstjenesten) in the same list is
// not v's to read. A viewer limited to an organisation reads the names of
// its own units (OwnUnits) and how many others the match names.
func (p *Policy) MatchTerm(v Viewer) Term {
	if p.Match.Specificity() == 0 {
		return Term{Key: "rules.policy.match_all"}
	}
	m := p.Match
	if v.Org != "" && len(m.SenderOrg) > 0 {
		m.SenderOrg = []string{v.Org}
	}
	others := 0
	switch {
	case v.Unit != "" && len(m.SenderUnit) > 0:
		m.SenderUnit = []string{v.Unit}
	case v.Org != "":
		var own []string
		for _, u := range m.SenderUnit {
			if slices.Contains(v.OwnUnits, u) {
				own = append(own, u)
			} else {
				others++
			}
		}
		m.SenderUnit = own
	}
	var what List
	if len(m.Channel) > 0 {
		names := make([]string, len(m.Channel))
		for i, c := range m.Channel {
			names[i] = model.ChannelDisplay(c)
		}
		what = append(what, Term{Key: "rules.match.channel", Args: []any{"Values", strings.Join(names, " / ")}})
	}
	if len(m.Class) > 0 {
		what = append(what, Term{Key: "rules.match.class", Args: []any{"Values", strings.Join(m.Class, " / ")}})
	}
	if m.Confidential != nil {
		what = append(what, Term{Key: fmt.Sprintf("rules.match.confidential.%v", *m.Confidential)})
	}
	if m.RecipientKind != "" {
		what = append(what, Term{Key: "rules.match.recipient_kind." + m.RecipientKind})
	}
	if len(m.SenderOrg) > 0 {
		what = append(what, Term{Key: "rules.match.sender_org", Args: []any{"Values", strings.Join(m.SenderOrg, " / ")}})
	}
	switch units := strings.Join(m.SenderUnit, " / "); {
	case units != "" && others > 0:
		what = append(what, Term{Key: "rules.match.sender_unit_and_others", Args: []any{"Values", units, "Count", others}})
	case others > 0:
		what = append(what, Term{Key: "rules.match.sender_unit_others", Args: []any{"Count", others}})
	case units != "":
		what = append(what, Term{Key: "rules.match.sender_unit", Args: []any{"Values", units}})
	}
	return Term{Key: "rules.policy.match", Args: []any{"What", what}}
}

// Terms are the policy's rules in words, in the order a letter meets
// them: reminders, when they are sent, print, catch-up, who is told,
// retention. Its escalation.to e-mail addresses are named as v may read
// them (else counted): addressesHidden.
func (p *Policy) Terms(v Viewer) []Term {
	cal := Word{"rules.calendar.", strings.ToLower(p.Calendar.Name())}
	var out []Term
	r := p.Reminders
	switch {
	case !r.Enabled():
		out = append(out, Term{Key: "rules.policy.reminders_off"})
	case r.Max == 1:
		out = append(out, Term{Key: "rules.policy.reminder_one", Args: []any{"First", BusinessDays(r.FirstAfter), "Calendar", cal}})
	default:
		out = append(out, Term{Key: "rules.policy.reminders", Args: []any{"First", BusinessDays(r.FirstAfter), "Calendar", cal,
			"Every", BusinessDays(r.RepeatEvery), "Max", r.Max}})
	}
	if r.Enabled() {
		if r.NamesUnit() {
			out = append(out, Term{Key: "rules.policy.names_unit"})
		} else {
			out = append(out, Term{Key: "rules.policy.names_no_unit"})
		}
		switch w := p.SendWindow; {
		case w == nil:
			out = append(out, Term{Key: "rules.policy.window_any"})
		case w.BusinessDaysOnly:
			out = append(out, Term{Key: "rules.policy.window_business", Args: []any{"From", w.From.String(), "To", w.To.String(), "Zone", w.Location.String()}})
		default:
			out = append(out, Term{Key: "rules.policy.window", Args: []any{"From", w.From.String(), "To", w.To.String(), "Zone", w.Location.String()}})
		}
	}
	if !p.Print.Enabled {
		out = append(out, Term{Key: "rules.policy.print_off"})
	} else {
		via := p.Print.Via
		if via == "" {
			via = PrintViaProvider
		}
		out = append(out, Term{Key: "rules.policy.print", Args: []any{"After", BusinessDays(p.Print.After), "Calendar", cal,
			"Via", Word{"rules.via.", via}}}, approval("rules.policy.print", p.PrintNeedsApproval(false)))
		// Without a catch-up (CatchesUp) such a letter's print is an
		// ordinary one, approved as print_approval says.
		if c := p.CatchUp; p.CatchesUp() {
			out = append(out, Term{Key: "rules.policy.catch_up", Args: []any{"Count", c.Reminders, "Grace", BusinessDays(c.Grace)}},
				approval("rules.policy.catch_up", p.PrintNeedsApproval(true)))
		} else {
			out = append(out, Term{Key: "rules.policy.catch_up_now"})
		}
	}
	if to := escalationList(p.Escalation.Roles, p.Escalation.Emails, v.addressesHidden(p.Match.SenderOrg)); len(to) > 0 {
		out = append(out, Term{Key: "rules.policy.escalation", Args: []any{"To", to}})
	} else {
		out = append(out, Term{Key: "rules.policy.escalation_none"})
	}
	if p.Retention.Years > 0 {
		out = append(out, Term{Key: "rules.policy.retention", Args: []any{"Count", p.Retention.Years}})
	} else {
		out = append(out, Term{Key: "rules.policy.retention_default"})
	}
	return out
}

// approval says whether a print (of the kind key names) is held for a
// compliance officer.
func approval(key string, held bool) Term {
	if held {
		return Term{Key: key + "_approval"}
	}
	return Term{Key: key + "_no_approval"}
}

// escalationList is who is told: the roles in words, then the e-mail
// addresses, or their number by the catalogue key hidden (the viewer's
// addressesHidden; "": named).
func escalationList(roles, emails []string, hidden string) List {
	to := words("rules.to.", roles)
	switch {
	case len(emails) == 0:
	case hidden == "":
		for _, e := range emails {
			to = append(to, e)
		}
	default:
		to = append(to, Term{Key: hidden, Args: []any{"Count", len(emails)}})
	}
	return to
}

// Terms are what a sending organisation's reminders say of it, as
// SendersFile sets it: its contact for questions, and whether their
// subject names it.
func (s Sender) Terms() []Term {
	var out []Term
	var contact List
	for _, c := range []string{s.Contact.Email, s.Contact.Phone} {
		if c != "" {
			contact = append(contact, c)
		}
	}
	if len(contact) > 0 {
		out = append(out, Term{Key: "rules.sender.contact", Args: []any{"Contact", contact}})
	} else {
		out = append(out, Term{Key: "rules.sender.no_contact"})
	}
	if s.NotInSubject {
		out = append(out, Term{Key: "rules.sender.not_in_subject"})
	} else {
		out = append(out, Term{Key: "rules.sender.in_subject"})
	}
	return out
}
