package notice

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// escalations makes the escalation.to notices: every case (a print held
// for approval, a manual-handling case, a failed or rejected confidential
// letter) is told to the roles and addresses its policy's escalation.to
// lists, one notice per address holding all its cases of the run. A held
// batch is one case per batch (ref held:<batch>), whatever joins it later.
func (n *Notifier) escalations(ctx context.Context, now time.Time) ([]notice, error) {
	window := n.FailedWindow
	if window <= 0 {
		window = 14 * 24 * time.Hour
	}
	cases, err := n.Store.EscalationCases(ctx, now.Add(-window))
	if err != nil {
		return nil, err
	}
	byAddr := map[string][]store.EscalationCase{}
	roles := roleLookup{st: n.Store, cache: map[string][]string{}}
	for _, c := range cases {
		p := n.policyOf(c)
		if p == nil || len(p.Escalation.Roles)+len(p.Escalation.Emails) == 0 {
			continue
		}
		to, err := roles.addresses(ctx, p.Escalation, c)
		if err != nil {
			return nil, err
		}
		for _, a := range to {
			byAddr[a] = append(byAddr[a], c)
		}
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
			ref := caseRef(c)
			if seen[ref.Ref] {
				continue
			}
			seen[ref.Ref] = true
			nt.claim.Refs = append(nt.claim.Refs, ref)
		}
		base := n.BaseURL
		nt.compose = func(kept map[string]bool) (string, string) {
			var keep []store.EscalationCase
			for _, c := range cs {
				if kept[caseRef(c).Ref] {
					keep = append(keep, c)
				}
			}
			return escalationMessage(keep, base)
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
	p, err := n.Policies.Match(policy.Facts{Class: c.Class, Confidential: c.Confidential, RecipientKind: c.RecipientKind,
		SenderOrg: c.SenderOrg, SenderUnit: c.SenderUnit})
	if err != nil {
		n.logger().Error("no policy for an escalation case; nobody is told", "shipment", c.ShipmentID, "error", err)
		return nil
	}
	return p
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

func (r roleLookup) addresses(ctx context.Context, e policy.Escalation, c store.EscalationCase) ([]string, error) {
	set := map[string]bool{}
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
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, nil
}

// escalationMessage writes one address's notice: its held batches, manual
// cases and failed or rejected letters.
func escalationMessage(cs []store.EscalationCase, base string) (string, string) {
	held := map[int64][]store.EscalationCase{}
	var batches []int64
	var manual, failed []store.EscalationCase
	for _, c := range cs {
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
	total := len(batches) + len(manual) + len(failed)
	subject := fmt.Sprintf("postvakt: %d sak(er) trenger en person / %d case(s) need a person", total, total)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("Du får denne e-posten fordi policyen for brevene nedenfor nevner deg (escalation.to).")
	w("You get this e-mail because the policy of the letters below lists you (escalation.to).")
	if len(batches) > 0 {
		w("")
		w("Utskrift venter på godkjenning / Prints waiting for approval:")
		for _, id := range batches {
			units := map[string]int{}
			for _, c := range held[id] {
				units[c.SenderUnit]++
			}
			w("  - batch %d (policy %s): %d brev / letter(s)%s", id, held[id][0].Policy, len(held[id]), unitCounts(units))
		}
		if base != "" {
			w("    %s/print", base)
		}
	}
	for _, sec := range []struct {
		title, link string
		cases       []store.EscalationCase
	}{
		{"Manuell behandling / Manual handling:", "/manual", manual},
		{"Taushetsbelagte brev som ikke kom fram / Confidential letters that did not arrive:", "", failed},
	} {
		if len(sec.cases) == 0 {
			continue
		}
		w("")
		w("%s", sec.title)
		for _, c := range sec.cases {
			what := c.Reason
			if c.Case != store.CaseManual {
				what = string(c.State)
			}
			w("  - %s, %s, til / to %s: %s", channel.Ref(c.Channel, c.ChannelID, "en"), c.SenderUnit,
				recipient(c.RecipientKind, c.RecipientID), what)
		}
		if base != "" && sec.link != "" {
			w("    %s%s", base, sec.link)
		}
	}
	w("")
	w("Denne e-posten er sendt automatisk av postvakt. / This e-mail was sent automatically by postvakt.")
	return subject, b.String()
}

func unitCounts(units map[string]int) string {
	names := make([]string, 0, len(units))
	for u := range units {
		names = append(names, u)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, u := range names {
		parts[i] = fmt.Sprintf("%s %d", u, units[u])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
