package notice

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// escalations makes the escalation.to notices: every case (a print held
// for approval, a manual-handling case, a failed or rejected confidential
// letter) is told to the roles and addresses its policy's escalation.to
// lists, one notice per address holding all its cases of the run. A held
// batch is one case per batch (ref held:<batch>), whatever joins it later.
// An address the operations role alone brings a case to is told how many
// such cases there are, not which (roleLookup.addresses).
func (n *Notifier) escalations(ctx context.Context, now time.Time) ([]notice, error) {
	window := n.FailedWindow
	if window <= 0 {
		window = 14 * 24 * time.Hour
	}
	cases, err := n.Store.EscalationCases(ctx, now.Add(-window))
	if err != nil {
		return nil, err
	}
	byAddr := map[string][]toldCase{}
	roles := roleLookup{st: n.Store, cache: map[string][]string{}}
	untold := map[string]int{} // policy → its cases escalation.to reached no one with
	for _, c := range cases {
		p := n.policyOf(c)
		if p == nil || len(p.Escalation.Roles)+len(p.Escalation.Emails) == 0 {
			continue
		}
		to, err := roles.addresses(ctx, p.Escalation, c)
		if err != nil {
			return nil, err
		}
		if len(to) == 0 {
			untold[p.Name]++
		}
		for a, full := range to {
			byAddr[a] = append(byAddr[a], toldCase{c, !full})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(untold)) {
		// A role with no user of an address in the case's scope (unit: no
		// user of role unit; unit_manager: no manager address): the case
		// waits on its page, told to nobody. Said once a run per policy,
		// with no letter named.
		n.logger().Warn("escalation.to reaches no one for these cases: give the roles it names users with an e-mail address, "+
			"or name addresses", "policy", name, "cases", untold[name])
	}
	addrs := make([]string, 0, len(byAddr))
	for a := range byAddr {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var out []notice
	for _, a := range addrs {
		cs := byAddr[a]
		nt := notice{claim: store.NoticeClaim{Kind: store.KindEscalation, Group: "to:" + a}, to: []string{a}}
		seen := map[string]bool{}
		for _, c := range cs {
			ref := caseRef(c.EscalationCase)
			if seen[ref.Ref] {
				continue
			}
			seen[ref.Ref] = true
			nt.claim.Refs = append(nt.claim.Refs, ref)
		}
		base := n.BaseURL
		nt.compose = func(kept map[string]bool) text {
			var keep, counted []store.EscalationCase
			for _, c := range cs {
				switch {
				case !kept[caseRef(c.EscalationCase).Ref]:
				case c.counted:
					counted = append(counted, c.EscalationCase)
				default:
					keep = append(keep, c.EscalationCase)
				}
			}
			return escalationMessage(keep, counted, base)
		}
		out = append(out, nt)
	}
	return out, nil
}

// policyOf is the policy a case is told under: a held batch's own, else the
// letter's.
func (n *Notifier) policyOf(c store.EscalationCase) *policy.Policy {
	if n.Policies == nil {
		return nil
	}
	if c.Case == store.CaseHeld {
		if p, ok := n.Policies.Get(c.Policy); ok {
			return p
		}
	}
	p, err := n.Policies.Match(policy.Facts{Channel: c.Channel, Class: c.Class, Confidential: c.Confidential, RecipientKind: c.RecipientKind,
		SenderOrg: c.SenderOrg, SenderUnit: c.SenderUnit})
	if err != nil {
		n.logger().Error("no policy for an escalation case; nobody is told", "shipment", c.ShipmentID, "error", err)
		return nil
	}
	return p
}

// toldCase is a case as one address is told it: counted, when the
// operations role alone brought it there, else in full.
type toldCase struct {
	store.EscalationCase
	counted bool
}

// caseRef is the exactly-once identity of a case.
func caseRef(c store.EscalationCase) store.NoticeRef {
	if c.Case == store.CaseHeld {
		return store.NoticeRef{Ref: "held:" + strconv.FormatInt(c.BatchID, 10)}
	}
	return store.NoticeRef{Ref: c.Case + ":" + c.ShipmentID, ShipmentID: c.ShipmentID}
}

// roleLookup resolves escalation.to for a case: e-mail addresses as they
// are, unit_manager to the unit's manager, the other roles to the e-mail
// addresses of the users with that role who see the case's organisation
// (and, for unit, its unit).
type roleLookup struct {
	st    Store
	cache map[string][]string
}

// addresses is who is told case c: each address, with whether it is told
// the case in full (its reference, unit and recipient). Not when the
// operations role alone brings it there, as that role sees no personal
// data (README, roles); an address the policy names, or another role
// brings, is.
func (r roleLookup) addresses(ctx context.Context, e policy.Escalation, c store.EscalationCase) (map[string]bool, error) {
	set := map[string]bool{} // address → told in full
	for _, a := range e.Emails {
		set[strings.ToLower(a)] = true
	}
	for _, role := range e.Roles {
		if role == "unit_manager" {
			if m := strings.TrimSpace(c.ManagerEmail); m != "" {
				set[strings.ToLower(m)] = true
			}
			continue
		}
		unit := ""
		if role == "unit" {
			unit = c.SenderUnit
		}
		k := role + "\x00" + c.SenderOrg + "\x00" + unit
		list, ok := r.cache[k]
		if !ok {
			var err error
			if list, err = r.st.UserEmails(ctx, role, c.SenderOrg, unit); err != nil {
				return nil, err
			}
			r.cache[k] = list
		}
		for _, a := range list {
			set[a] = set[a] || role != "operations"
		}
	}
	return set, nil
}

// escalationMessage writes one address's notice: its held batches, manual
// cases and failed or rejected letters, in the language of the sending
// organisations' countries, then English (keys mail.escalation.*). The
// counted cases are told as how many letters each section has besides,
// without reference, unit or recipient; a section's link is given with
// cases told in full only (the pages it links name the letters).
func escalationMessage(cs, counted []store.EscalationCase, base string) text {
	held := map[int64][]store.EscalationCase{}
	var batches []int64
	var manual, failed []store.EscalationCase
	var countries []string
	for _, c := range cs {
		countries = append(countries, model.OrgCountry(c.SenderOrg))
		switch c.Case {
		case store.CaseHeld:
			if _, ok := held[c.BatchID]; !ok {
				batches = append(batches, c.BatchID)
			}
			held[c.BatchID] = append(held[c.BatchID], c)
		case store.CaseManual:
			manual = append(manual, c)
		default:
			failed = append(failed, c)
		}
	}
	n := map[string]int{} // counted letters by section: held, manual, failed
	heldCounted := map[int64]bool{}
	for _, c := range counted {
		countries = append(countries, model.OrgCountry(c.SenderOrg))
		switch c.Case {
		case store.CaseHeld:
			n[store.CaseHeld]++
			if _, ok := held[c.BatchID]; !ok {
				heldCounted[c.BatchID] = true
			}
		case store.CaseManual:
			n[store.CaseManual]++
		default:
			n[store.CaseFailed]++
		}
	}
	total := len(batches) + len(heldCounted) + len(manual) + n[store.CaseManual] + len(failed) + n[store.CaseFailed]
	mail := i18n.NewMail(i18n.MailLanguages(countries...))
	subject := "postvakt: " + mail.Joined(func(l *i18n.Localizer) string { return l.T("mail.escalation.subject", "Count", total) })
	body := mail.Body(func(l *i18n.Localizer, w func(string)) {
		w(l.T("mail.escalation.why", "Count", len(cs)+len(counted))) // of letters, not of cases
		countedLine := func(section string) {
			if n[section] > 0 {
				w("  - " + l.T("mail.escalation.counted", "Count", n[section]))
			}
		}
		if len(batches)+n[store.CaseHeld] > 0 {
			w("")
			heldLetters := n[store.CaseHeld]
			for _, id := range batches {
				heldLetters += len(held[id])
			}
			w(l.T("mail.escalation.held", "Count", heldLetters))
			for _, id := range batches {
				units := map[string]int{}
				for _, c := range held[id] {
					units[c.SenderUnit]++
				}
				w("  - " + l.T("mail.escalation.batch", "Batch", id, "Policy", held[id][0].Policy, "Count", len(held[id]),
					"Units", unitCounts(l, units)))
			}
			countedLine(store.CaseHeld)
			if base != "" && len(batches) > 0 {
				// Not every reader may open it (a unit manager may not
				// approve prints): who can.
				w("    " + base + "/print (" + l.T("mail.escalation.held_by") + ")")
			}
		}
		for _, sec := range []struct {
			title, link, counted string
			cases                []store.EscalationCase
		}{
			{"mail.escalation.manual", "/manual", store.CaseManual, manual},
			{"mail.escalation.failed", "", store.CaseFailed, failed},
		} {
			if len(sec.cases)+n[sec.counted] == 0 {
				continue
			}
			w("")
			w(l.T(sec.title, "Count", len(sec.cases)+n[sec.counted]))
			for _, c := range sec.cases {
				w("  - " + l.T("mail.escalation.case", "Ref", channel.Ref(c.Channel, c.ChannelID, l.Lang()), "Unit", c.SenderUnit,
					"Recipient", recipient(l, c.RecipientKind, c.RecipientID), "What", caseWhat(l, c)))
			}
			countedLine(sec.counted)
			if base != "" && sec.link != "" && len(sec.cases) > 0 {
				w("    " + base + sec.link)
			}
		}
	})
	return text{subject: subject, body: body + "\n" + autoFooter(mail) + "\n", langs: mail.Langs()}
}

// caseWhat says what became of a case's letter in l's language: a manual
// case's reason (print_manual.reason, postvakt's own code from
// internal/printing, never the channel's status: the text only, the code
// when the catalogue has none), else the letter's state.
func caseWhat(l *i18n.Localizer, c store.EscalationCase) string {
	if c.Case == store.CaseManual {
		if k := "reason." + c.Reason; l.Has(k) {
			return l.T(k)
		}
		return c.Reason
	}
	if k := "state." + string(c.State); l.Has(k) {
		return l.T(k)
	}
	return string(c.State)
}

// unitCounts is " (NAV 3, Barnevernstjenesten 1 307)": each unit's count
// of letters, written as l writes a count.
func unitCounts(l *i18n.Localizer, units map[string]int) string {
	names := make([]string, 0, len(units))
	for u := range units {
		names = append(names, u)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, u := range names {
		parts[i] = u + " " + l.Int(units[u])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
