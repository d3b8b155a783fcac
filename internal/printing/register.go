package printing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/register"
	"postvakt/internal/store"
)

// Reasons for manual handling found by the address lookup.
const (
	ReasonPerson            = "person"             // a citizen: no address register for persons
	ReasonCVR               = "cvr"                // a Danish CVR number: not in Enhetsregisteret
	ReasonUnknown           = "unknown"            // the register does not know the number (404)
	ReasonRemoved           = "removed"            // the register removed the unit (410)
	ReasonDeleted           = "deleted"            // the unit is deleted (slettedato)
	ReasonBankrupt          = "bankrupt"           // konkurs
	ReasonWindingUp         = "winding_up"         // underAvvikling
	ReasonForcedDissolution = "forced_dissolution" // underTvangsavviklingEllerTvangsopplosning
	ReasonNoAddress         = "no_address"         // neither postadresse nor forretningsadresse usable
	ReasonClosed            = "closed"             // a sub-unit that is closed down (nedleggelsesdato)
	ReasonForeignAddress    = "foreign_address"    // the postal address is abroad: post it by hand
	// ReasonPhysicalPost: the policy's print is Digital Post's own physical
	// post (print.via: digitalpost), which the sending unit orders.
	ReasonPhysicalPost = "physical_post"
)

// viaOf is the physical post the named policy's print means; the print
// provider when the policies are not at hand.
func (s *Service) viaOf(name string) string {
	if g, ok := s.opt.Policies.(interface {
		Get(name string) (*policy.Policy, bool)
	}); ok {
		if p, ok := g.Get(name); ok && p.Print.Via != "" {
			return p.Print.Via
		}
	}
	return policy.PrintViaProvider
}

// printAddressOf returns the address as the print provider wants it, or
// false when it lacks a street line, postal code or place.
func printAddressOf(a *register.Address) (printAddress, bool) {
	var lines []string
	for _, l := range a.Adresse {
		if l = addressText(l); l != "" {
			lines = append(lines, l)
		}
	}
	cc := strings.ToUpper(addressText(a.Landkode))
	if cc == "" {
		cc = "NO"
	}
	p := printAddress{Lines: lines, PostalCode: addressText(a.Postnummer), City: addressText(a.Poststed), CountryCode: cc}
	return p, len(lines) > 0 && p.PostalCode != "" && p.City != "" && len(cc) == 2
}

// addressText is a field of a register address as it goes on an envelope:
// a control character (a NUL, a line break or tab inside one line) or a
// byte that is not UTF-8 is a space, and spaces are one.
func addressText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, " "))
	return strings.Join(strings.Fields(s), " ")
}

// abroad reports whether the address is outside Norway, by its country
// code, else by its country's name; without either, a postal code says
// Norway. Enhetsregisteret holds a foreign address with the whole address
// in the lines and the country beside it, mostly without a postal code,
// but one with a code (Storgatan 1, 11122 STOCKHOLM, SE) is abroad all
// the same.
func abroad(a *register.Address) bool {
	if cc := strings.ToUpper(strings.TrimSpace(a.Landkode)); cc != "" {
		return cc != "NO"
	}
	land := strings.ToLower(strings.TrimSpace(a.Land))
	return land != "" && land != "norge" && land != "norway" && land != "noreg"
}

// verdict is what a register answer means for printing: an address, or a
// reason for manual handling.
type verdict struct {
	name    string
	address printAddress
	reason  string        // "" when there is an address
	why     []i18n.Phrase // the reason's detail (Detail), with the register's data
	parent  string        // a sub-unit's main unit (overordnetEnhet), whose state is the sub-unit's too
}

// judge reads a register answer (status and body) for orgnr.
func judge(orgnr string, status int, body []byte) (verdict, error) {
	switch status {
	case http.StatusNotFound, http.StatusBadRequest:
		return verdict{reason: ReasonUnknown, why: []i18n.Phrase{i18n.P("manual.detail.unknown", "Orgnr", orgnr, "Status", strconv.Itoa(status))}}, nil
	case http.StatusGone:
		return verdict{reason: ReasonRemoved, why: []i18n.Phrase{i18n.P("manual.detail.removed", "Orgnr", orgnr)}}, nil
	case http.StatusOK:
	default:
		return verdict{}, fmt.Errorf("register answered HTTP %d for %s", status, orgnr)
	}
	e, err := register.ParseUnit(orgnr, body)
	if err != nil {
		return verdict{}, err
	}
	v := verdict{name: e.Navn, parent: e.OverordnetEnhet}
	switch {
	case e.Slettedato != "":
		v.reason, v.why = ReasonDeleted, []i18n.Phrase{i18n.P("manual.detail.deleted", "Orgnr", orgnr, "Date", e.Slettedato)}
	case bool(e.Konkurs):
		v.reason = ReasonBankrupt
	case bool(e.UnderTvangsavvikling):
		v.reason = ReasonForcedDissolution
	case bool(e.UnderAvvikling):
		v.reason = ReasonWindingUp
	case e.Nedleggelsesdato != "":
		v.reason, v.why = ReasonClosed, []i18n.Phrase{i18n.P("manual.detail.closed", "Orgnr", orgnr, "Date", e.Nedleggelsesdato)}
	}
	if v.reason != "" {
		if v.why == nil {
			v.why = []i18n.Phrase{i18n.P("manual.detail."+v.reason, "Orgnr", orgnr)}
		}
		return v, nil
	}
	found := false
	for _, a := range []*register.Address{e.Postadresse, e.Forretningsadresse, e.Beliggenhetsadresse} {
		if a == nil {
			continue
		}
		if abroad(a) {
			v.reason, v.why = ReasonForeignAddress, []i18n.Phrase{i18n.P("manual.detail.foreign_address", "Orgnr", orgnr,
				"Country", strings.TrimSpace(a.Land+" "+a.Landkode))}
			return v, nil
		}
		if pa, ok := printAddressOf(a); ok {
			v.address, found = pa, true
			break
		}
	}
	if !found {
		v.reason, v.why = ReasonNoAddress, []i18n.Phrase{i18n.P("manual.detail.no_address", "Orgnr", orgnr)}
		return v, nil
	}
	if v.name == "" {
		v.name = "Org.nr. " + orgnr
	}
	return v, nil
}

// ceased says whether a main unit's reason for manual handling ends its
// sub-units too: it is deleted, removed, bankrupt or being wound up.
func ceased(reason string) bool {
	switch reason {
	case ReasonDeleted, ReasonRemoved, ReasonBankrupt, ReasonForcedDissolution, ReasonWindingUp:
		return true
	}
	return false
}

// registerAnswer returns the register's answer for orgnr: from the cache
// while fresh (the names job caches there too), else asked through
// register.Brreg (/enheter, then /underenheter for a sub-unit) and cached.
// 200, 400, 404 and 410 are answers; anything else is an error, to be
// retried later, and is not cached (its body, garbage, comes back as the
// retry's evidence). With stop (register.Stop: an answer of this run said
// the register is not to be asked again), the register is not asked: a
// fresh cached answer stands, else stop is the lookup's error too, its
// Retry-After the lookup's wait.
func (s *Service) registerAnswer(ctx context.Context, orgnr string, now time.Time, stop error) (store.RegisterEntry, error) {
	e, err := s.st.RegisterEntry(ctx, orgnr)
	switch {
	case err == nil && now.Sub(e.FetchedAt) < s.opt.CacheTTL:
		return *e, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return store.RegisterEntry{}, err
	case stop != nil:
		return store.RegisterEntry{}, fmt.Errorf("business register not asked about %s: %w", orgnr, stop)
	}
	a, err := (&register.Brreg{HTTP: s.opt.Register}).Lookup(ctx, orgnr)
	if err != nil {
		return store.RegisterEntry{Body: a.Body}, err
	}
	if err := s.st.PutRegisterEntry(ctx, a.Entry(now)); err != nil {
		return store.RegisterEntry{}, err
	}
	return a.Entry(now), nil
}

// registerAsk is a register answer as one run of address lookups saw it.
type registerAsk struct {
	e   store.RegisterEntry
	err error
}

// addressOf judges where a print to orgnr goes (ask gives the register's
// answers): its verdict, the answer that decided it (the evidence), or an
// error to retry later. A sub-unit's bankruptcy, winding-up or deletion
// is its main unit's (overordnetEnhet; the sub-unit's answer has no such
// flags), so a sub-unit's main unit is asked too.
func addressOf(orgnr string, ask func(string) registerAsk) (verdict, []byte, error) {
	a := ask(orgnr)
	v, err := judge(orgnr, a.e.Status, a.e.Body)
	if a.err != nil {
		return v, a.e.Body, a.err
	}
	if err != nil || v.reason != "" || v.parent == "" || a.e.Kind != store.RegisterUnderenhet {
		return v, a.e.Body, err
	}
	m := ask(v.parent)
	if m.err != nil {
		return v, m.e.Body, fmt.Errorf("main unit %s: %w", v.parent, m.err)
	}
	pv, err := judge(v.parent, m.e.Status, m.e.Body)
	switch {
	case err != nil:
		return v, m.e.Body, fmt.Errorf("main unit %s: %w", v.parent, err)
	case ceased(pv.reason):
		v.reason, v.why = pv.reason, append([]i18n.Phrase{i18n.P("manual.detail.subunit_of", "Orgnr", orgnr, "Parent", v.parent)}, pv.why...)
		return v, m.e.Body, nil
	}
	return v, a.e.Body, nil
}

// resolve looks up the addresses of claimed print decisions and records
// where each goes, counting into sum.
func (s *Service) resolve(ctx context.Context, lookups []store.PrintLookup, now time.Time, sum *Summary) error {
	seen := map[string]registerAsk{}
	// After an answer asking postvakt to slow down (a 429), or saying the
	// register cannot be asked now (a 401), the register is not asked
	// again this run: each further lookup would be one more request it
	// said not to make, or one more refused (register.Stop).
	var stop error
	ask := func(orgnr string) registerAsk {
		a, ok := seen[orgnr]
		if !ok {
			a.e, a.err = s.registerAnswer(ctx, orgnr, now, stop)
			if stop == nil {
				stop = register.Stop(a.err)
			}
			seen[orgnr] = a
		}
		return a
	}
	for _, l := range lookups {
		r := store.PrintResolution{ShipmentID: l.ShipmentID, At: now}
		switch {
		// No register is asked about these: the policy's rules decide
		// (the event's source), not Enhetsregisteret.
		case s.viaOf(l.Policy) == policy.PrintViaDigitalPost:
			r.Outcome, r.Reason, r.Why = store.ResolveManual, ReasonPhysicalPost, []i18n.Phrase{i18n.P("manual.detail.physical_post")}
			r.Source = store.SourcePolicy
		case l.RecipientKind == model.RecipientPerson:
			r.Outcome, r.Reason, r.Why = store.ResolveManual, ReasonPerson, []i18n.Phrase{i18n.P("manual.detail.person")}
			r.Source = store.SourcePolicy
		case len(l.RecipientID) == 8:
			r.Outcome, r.Reason, r.Why = store.ResolveManual, ReasonCVR, []i18n.Phrase{i18n.P("manual.detail.cvr", "Orgnr", l.RecipientID)}
			r.Source = store.SourcePolicy
		default:
			v, evidence, err := addressOf(l.RecipientID, ask)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.Evidence = evidence
			switch {
			case err != nil:
				r.Outcome, r.Detail, r.RetryAt = store.ResolveRetry, err.Error(), retryAt(now, l.Attempts, err)
				s.log.Warn("address lookup failed; retried later", "shipment", l.ShipmentID, "orgnr", l.RecipientID, "error", err)
			case v.reason != "":
				r.Outcome, r.Reason, r.Why = store.ResolveManual, v.reason, v.why
			default:
				body, err := json.Marshal(orderRequest{DocumentRef: l.Channel + ":" + l.ChannelID, RecipientName: v.name, Address: v.address})
				if err != nil {
					return fmt.Errorf("encode print order of %s: %w", l.ShipmentID, err)
				}
				r.Outcome, r.Request = store.ResolveOrder, body
			}
		}
		if r.Outcome == store.ResolveManual {
			r.Detail = englishDetail(r.Why)
		}
		state, err := s.st.ResolvePrint(ctx, r)
		if err != nil {
			return err
		}
		switch state {
		case store.PrintStateQueued:
			sum.Queued++
		case store.PrintStateHeld:
			sum.Held++
		case store.PrintStateManual:
			sum.Manual++
			s.log.Info("print needs manual handling", "shipment", l.ShipmentID,
				"recipient", model.MaskRecipient(l.RecipientKind, l.RecipientID), "reason", r.Reason)
		case store.PrintStateSkipped:
			sum.Skipped++
		case store.PrintStateLookup:
			sum.Retried++
		}
	}
	return nil
}
