// Package policy loads and validates the escalation policies in
// policies/*.yaml, matches a shipment to its policy, and computes a
// shipment's schedule (reminders, print fallback) in business days of the
// policy's calendar.
//
// Loading (LoadDir, Check) reports every problem as `file:line: message`.
// Matching (Set.Match) and planning (Policy.Plan, Policy.Explain,
// Policy.NextSendTime) are pure functions of their arguments; the caller
// supplies the clock.
//
// The YAML schema is documented in the shipped files under policies/ and in
// the field comments of Policy and its parts below.
package policy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"postvakt/internal/calendar"
)

// Recipient kinds, as in Facts.RecipientKind and match.recipient_kind.
const (
	RecipientOrg    = "org"
	RecipientPerson = "person"
)

// EscalationRoles are the role names allowed in escalation.to besides
// e-mail addresses: the user roles of postvakt (compliance, operations,
// admin), the users of the sending unit (unit) and the sending unit's
// manager e-mail (unit_manager).
var EscalationRoles = []string{"admin", "compliance", "operations", "unit", "unit_manager"}

// Policy is one validated policy file.
type Policy struct {
	// Name identifies the policy (YAML `name`, required, unique).
	Name string
	// Priority breaks ties between equally specific matching policies;
	// higher wins (YAML `priority`, default 0).
	Priority int
	// Match says which shipments the policy applies to (YAML `match`).
	Match Matcher
	// Calendar is the business-day calendar every day count uses (YAML
	// `calendar`: NO or DK, required).
	Calendar *calendar.Calendar
	// Reminders is the reminder schedule (YAML `reminders`, required).
	Reminders Reminders
	// Print is the print fallback (YAML `print`, required).
	Print Print
	// SendWindow limits when reminders may be sent; nil means any time
	// (YAML `send_window`, optional).
	SendWindow *SendWindow
	// Escalation says who is told when a shipment needs a person's attention
	// (YAML `escalation`, optional).
	Escalation Escalation
	// CatchUp is what happens to a letter already past its print window
	// when the escalation first meets it (YAML `catch_up`, optional; see
	// DefaultCatchUp).
	CatchUp CatchUp
	// Retention is how long the letters' personal data is kept (YAML
	// `retention`, optional).
	Retention Retention

	// File and Line locate the policy's definition (its `name` key, or the
	// start of the document).
	File string
	Line int

	lines lines
}

// lines remembers where parts of a policy were written, for problems found
// after parsing.
type lines struct {
	match int
}

// Matcher selects shipments. An empty (zero) field matches anything; a
// non-empty list matches a shipment whose value is in the list.
type Matcher struct {
	Channel       []string // YAML match.channel: channels (svarut, altinn, digitalpost)
	Class         []string // YAML match.class: shipment classes
	Confidential  *bool    // YAML match.confidential: nil = either
	RecipientKind string   // YAML match.recipient_kind: "org", "person" or "" = either
	SenderOrg     []string // YAML match.sender_org: sending organisations' numbers
	SenderUnit    []string // YAML match.sender_unit: sending units' names
}

// Specificity is the number of constrained fields; the most specific
// matching policy wins.
func (m Matcher) Specificity() int {
	n := 0
	for _, on := range []bool{len(m.Channel) > 0, len(m.Class) > 0, m.Confidential != nil, m.RecipientKind != "", len(m.SenderOrg) > 0, len(m.SenderUnit) > 0} {
		if on {
			n++
		}
	}
	return n
}

// Matches reports whether a shipment with the given facts is selected.
func (m Matcher) Matches(f Facts) bool {
	// A class is matched whatever its case: a case system's export that
	// writes "Barnevern" means barnevern, and must not fall to a policy
	// without its print approval.
	return inList(m.Channel, f.Channel) && inListFold(m.Class, f.Class) &&
		(m.Confidential == nil || *m.Confidential == f.Confidential) &&
		(m.RecipientKind == "" || m.RecipientKind == f.RecipientKind) &&
		inList(m.SenderOrg, f.SenderOrg) &&
		inList(m.SenderUnit, f.SenderUnit)
}

// inList is true for an unconstrained (empty) list or when v is in it.
func inList(list []string, v string) bool {
	return len(list) == 0 || slices.Contains(list, v)
}

// inListFold is inList with v matched whatever its case.
func inListFold(list []string, v string) bool {
	return len(list) == 0 || slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}

// String describes the matcher as in YAML, e.g. "{class: [barnevern]}".
func (m Matcher) String() string {
	var parts []string
	if len(m.Channel) > 0 {
		parts = append(parts, "channel: ["+strings.Join(m.Channel, ", ")+"]")
	}
	if len(m.Class) > 0 {
		parts = append(parts, "class: ["+strings.Join(m.Class, ", ")+"]")
	}
	if m.Confidential != nil {
		parts = append(parts, fmt.Sprintf("confidential: %v", *m.Confidential))
	}
	if m.RecipientKind != "" {
		parts = append(parts, "recipient_kind: "+m.RecipientKind)
	}
	if len(m.SenderOrg) > 0 {
		parts = append(parts, "sender_org: ["+strings.Join(m.SenderOrg, ", ")+"]")
	}
	if len(m.SenderUnit) > 0 {
		parts = append(parts, "sender_unit: ["+strings.Join(m.SenderUnit, ", ")+"]")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Reminders is a reminder schedule, in business days. Reminder 1 is due
// FirstAfter business days after the waiting period started; reminder k+1
// RepeatEvery business days after reminder k was sent (and never before
// FirstAfter + k*RepeatEvery from the start). Max == 0 turns reminders off.
type Reminders struct {
	FirstAfter  int // YAML reminders.first_after
	RepeatEvery int // YAML reminders.repeat_every
	Max         int // YAML reminders.max
	// NameUnit says whether a reminder may name the sending unit (YAML
	// reminders.name_unit); nil: no. A unit name such as
	// "Barnevernstjenesten" in an e-mail to a business tells whoever reads
	// its shared inbox too much, whether the letter the reminder is about
	// was marked confidential or not (its next one may be); the sending
	// organisation and the reference are enough.
	NameUnit *bool
}

// NamesUnit reports whether a reminder may name the sending unit: only
// when the policy says so.
func (r Reminders) NamesUnit() bool { return r.NameUnit != nil && *r.NameUnit }

// CatchUp is the rule for a letter the escalation first meets when its
// print window has already passed (a back-fill of history, a new policy,
// an escalation that did not run for weeks): instead of going to print at
// once, it gets Reminders reminders (inside the send window, repeat_every
// apart), and print comes Grace business days after the last of them (or
// after the escalation first met it, when none could be sent), in approval
// batches when RequiresApproval.
type CatchUp struct {
	Reminders        int  // YAML catch_up.reminders, default 1; 0 = print at once
	Grace            int  // YAML catch_up.grace, business days, default 5
	RequiresApproval bool // YAML catch_up.requires_approval, default true
}

// PrintNeedsApproval is the one rule for whether a print of p's is held
// for a compliance officer: the policy's print.requires_approval, and for
// a catch-up print (a letter met already past its print window) also
// catch_up.requires_approval. The escalation run and the print job's
// sweep of print-due letters both ask it. A print by Digital Post's own
// physical post (print.via: digitalpost) is never held: it goes to the
// sending unit's manual handling, which orders it, and no approval batch
// is ever made for it.
func (p *Policy) PrintNeedsApproval(catchUp bool) bool {
	if p.Print.Via == PrintViaDigitalPost {
		return false
	}
	return p.Print.RequiresApproval || catchUp && p.CatchUp.RequiresApproval
}

// CatchesUp reports whether a letter the escalation first meets past its
// print window catches up (catch_up's reminders, then a catch-up print):
// only under a policy that sends reminders, with a catch_up of at least
// one reminder. Otherwise such a letter goes to print at once, an
// ordinary print (PrintNeedsApproval(false)). The escalation's decision
// (escalate.startsCatchUp) and the rules page's words both ask it.
func (p *Policy) CatchesUp() bool { return p.Reminders.Enabled() && p.CatchUp.Reminders > 0 }

// DefaultCatchUp is the rule of a policy without a catch_up section: one
// reminder, then print five business days later, approved by a person.
var DefaultCatchUp = CatchUp{Reminders: 1, Grace: 5, RequiresApproval: true}

// Retention is how long a policy's letters keep their personal data: after
// Years (counted from the letter's last change), its title, the recipient's
// national id and name, follow-up notes, print addresses and reminder
// recipients are purged. Zero means the deployment's default
// (POSTVAKT_RETENTION_YEARS).
type Retention struct {
	Years int // YAML retention.years
}

// Enabled reports whether any reminder is sent.
func (r Reminders) Enabled() bool { return r.Max > 0 }

// Print is the print fallback: a print order After business days after the
// waiting period started, if the shipment is still unopened.
type Print struct {
	Enabled          bool   // YAML print.enabled, default true
	After            int    // YAML print.after
	RequiresApproval bool   // YAML print.requires_approval, default false
	Via              string // YAML print.via: PrintViaProvider (default) or PrintViaDigitalPost
}

// The physical post a policy's print means (print.via).
const (
	// PrintViaProvider: postvakt orders the print from its print provider,
	// to the address in the business register (Enhetsregisteret).
	PrintViaProvider = "provider"
	// PrintViaDigitalPost: Digital Post's own physical post ("fysisk
	// post"): the sending unit sends the letter again through Digital Post
	// for physical delivery. postvakt sends nothing; it puts the letter on
	// the manual-handling list for the unit, saying so.
	PrintViaDigitalPost = "digitalpost"
)

// SendWindow is when reminders may be sent: From (inclusive) to To
// (exclusive) on each day, or on business days of the policy's calendar
// only, in Location.
type SendWindow struct {
	From, To         Clock          // YAML send_window.from / .to, "HH:MM"
	BusinessDaysOnly bool           // YAML send_window.business_days_only, default false
	Location         *time.Location // YAML send_window.timezone, default the calendar's zone
}

// Clock is a time of day in minutes after midnight.
type Clock int

// String formats the clock as "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Escalation lists who is told when a shipment of this policy needs a
// person (e.g. print awaiting approval, manual handling).
type Escalation struct {
	Emails []string // entries of YAML escalation.to that are e-mail addresses
	Roles  []string // entries of YAML escalation.to that are role names (see EscalationRoles)
}

// Facts are what matching needs to know about a shipment.
type Facts struct {
	Channel       string // the shipment's channel
	Class         string
	Confidential  bool
	RecipientKind string // "org" or "person"
	SenderOrg     string // the sending organisation's number
	SenderUnit    string // the sending unit's name
}

// String describes the facts for Match's errors, which are logged: by
// the facts without the sending unit's name (a unit's name, such as
// Barnevernstjenesten, says what its letters are about), only whether it
// has one.
func (f Facts) String() string {
	unit := "none"
	if f.SenderUnit != "" {
		unit = "given, not logged"
	}
	return fmt.Sprintf("{channel: %q, class: %q, confidential: %v, recipient_kind: %q, sender_org: %q, sender_unit: %s}",
		f.Channel, f.Class, f.Confidential, f.RecipientKind, f.SenderOrg, unit)
}

// Set is a validated set of policies, as returned by LoadDir.
type Set struct {
	policies []*Policy // sorted by name
	// senders are what SendersFile says of each sending organisation, by
	// number: its public contact, and whether the reminders' subject may
	// name it.
	senders map[string]Sender
}

// NewSet builds a set from policies that were built by hand (e.g. in
// tests). It does not run the checks LoadDir does; Match reports a tie or
// a shipment matching nothing as an error.
func NewSet(policies ...*Policy) *Set {
	ps := slices.Clone(policies)
	slices.SortFunc(ps, func(a, b *Policy) int { return strings.Compare(a.Name, b.Name) })
	return &Set{policies: ps}
}

// Policies returns the policies sorted by name. The policies are shared:
// treat them as read-only.
func (s *Set) Policies() []*Policy { return slices.Clone(s.policies) }

// Get returns the policy with the given name.
func (s *Set) Get(name string) (*Policy, bool) {
	for _, p := range s.policies {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// ErrNoPolicy is returned (wrapped) by Match when no policy matches.
var ErrNoPolicy = errors.New("no policy matches")

// ErrAmbiguous is returned (wrapped) by Match when two policies match with
// the same specificity and priority. Check reports such sets, so this only
// happens with a set built by NewSet.
var ErrAmbiguous = errors.New("ambiguous policy match")

// Match returns the policy for a shipment: among the matching policies the
// most specific one (most constrained match fields), then the one with the
// highest priority.
func (s *Set) Match(f Facts) (*Policy, error) {
	var best *Policy
	tie := false
	for _, p := range s.policies {
		if !p.Match.Matches(f) {
			continue
		}
		switch c := compareRank(p, best); {
		case c > 0:
			best, tie = p, false
		case c == 0:
			tie = true
		}
	}
	if best == nil {
		return nil, fmt.Errorf("shipment %v: %w", f, ErrNoPolicy)
	}
	if tie {
		var names []string
		for _, p := range s.policies {
			if p.Match.Matches(f) && compareRank(p, best) == 0 {
				names = append(names, p.Name)
			}
		}
		return nil, fmt.Errorf("shipment %v: policies %s: %w", f, strings.Join(names, ", "), ErrAmbiguous)
	}
	return best, nil
}

// compareRank orders policies by specificity, then priority; any policy
// outranks nil.
func compareRank(a, b *Policy) int {
	if b == nil {
		return 1
	}
	if c := cmp.Compare(a.Match.Specificity(), b.Match.Specificity()); c != 0 {
		return c
	}
	return cmp.Compare(a.Priority, b.Priority)
}
