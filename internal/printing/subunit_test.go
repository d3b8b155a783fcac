package printing_test

import (
	"strings"
	"testing"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/sim"
	"postvakt/internal/store"
)

// subUnits is a world where many receiving organisations are sub-units
// (only on /underenheter), some closed down, and some have their postal
// address abroad (no postnummer).
const subUnits = `
name: sub-units
start: "2026-11-02T07:00:00Z"
organisations: {count: 30}
shipments: {count: 60, sent_from: -6h, sent_to: -1m, confidential_share: 1}
register:
  sub_unit_chance: 0.4
  closed_sub_unit_share: 0.3
  foreign_address_chance: 0.25
print: {fail_chance: 0}
`

// TestSubUnitsAndForeignAddresses: a number that is a sub-unit's is found
// at /underenheter and printed to its beliggenhetsadresse (postadresse
// when it has one); a closed sub-unit and an address abroad go to manual
// handling, each with its own reason, never "no usable address".
func TestSubUnitsAndForeignAddresses(t *testing.T) {
	e := newEnv(t, subUnits, sim.Options{NoFaults: true})
	truth := map[string]sim.OrganisationRecord{}
	for _, o := range e.sim.Organisations() {
		truth[o.OrgNr] = o
	}
	var ids []string
	for _, sh := range e.ships {
		if sh.RecipientKind == model.RecipientOrg {
			ids = append(ids, sh.ID)
		}
	}
	if err := e.svc.Order(e.ctx, ids, "taushetsbelagt", false, day(3)); err != nil {
		t.Fatal(err)
	}
	e.run(day(3))
	prints := e.prints()
	orders := e.providerOrders()
	var subOrdered, closed, foreign int
	for _, sh := range e.ships {
		if sh.RecipientKind != model.RecipientOrg {
			continue
		}
		o, p := truth[sh.RecipientID], prints[sh.ID]
		order, ordered := orders["postvakt-print-"+sh.ID]
		reason := ""
		if p.Reason != nil {
			reason = *p.Reason
		}
		switch {
		case o.ClosedSubUnit:
			closed++
			if reason != printing.ReasonClosed || ordered {
				t.Errorf("%s (closed sub-unit): %s %q", sh.RecipientID, p.State, reason)
			}
		case o.ForeignAddress:
			// Abroad; a main unit may be bankrupt or wound up first.
			if reason == printing.ReasonForeignAddress {
				foreign++
			}
			if ordered || reason == "" || (o.SubUnit && reason != printing.ReasonForeignAddress) {
				t.Errorf("%s (address abroad): %s %q", sh.RecipientID, p.State, reason)
			}
		case o.SubUnit:
			subOrdered++
			if !ordered || reason != "" || order.Request.Address.PostalCode == "" || strings.HasPrefix(order.Request.Address.Lines[0], "Postboks") {
				t.Errorf("%s (sub-unit): state %s reason %q order %+v", sh.RecipientID, p.State, reason, order.Request)
			}
		}
		if reason == printing.ReasonNoAddress && (o.SubUnit || o.ForeignAddress) {
			t.Errorf("%s: no_address for a sub-unit or an address abroad", sh.RecipientID)
		}
	}
	if subOrdered == 0 || closed == 0 || foreign == 0 {
		t.Fatalf("world too thin: %d sub-units ordered, %d closed, %d abroad", subOrdered, closed, foreign)
	}
	var cached []string
	if err := e.st.DB().Select(&cached, `SELECT body->>'beliggenhetsadresse' FROM register_cache WHERE body ? 'beliggenhetsadresse'`); err != nil || len(cached) == 0 {
		t.Errorf("sub-unit answers not cached: %v %v", cached, err)
	}
}

// TestSubUnitOfABankruptMainUnit: a sub-unit's answer has no bankruptcy
// flags; those are its main unit's (overordnetEnhet). A sub-unit of a
// bankrupt main unit goes to manual handling, as the main unit would;
// one of an active main unit is printed to.
func TestSubUnitOfABankruptMainUnit(t *testing.T) {
	e := newEnv(t, subUnits, sim.Options{NoFaults: true})
	now := day(3)
	var bankrupt, active, public store.Shipment
	for _, sh := range e.ships {
		switch {
		case sh.RecipientKind != model.RecipientOrg:
		case bankrupt.ID == "":
			bankrupt = sh
		case active.ID == "" && sh.RecipientID != bankrupt.RecipientID:
			active = sh
		case public.ID == "" && sh.RecipientID != bankrupt.RecipientID && sh.RecipientID != active.RecipientID:
			public = sh
		}
	}
	put := func(nr, kind, body string) {
		t.Helper()
		if err := e.st.PutRegisterEntry(e.ctx, store.RegisterEntry{OrgNr: nr, Kind: kind, Status: 200, Body: []byte(body), FetchedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	sub := func(nr, parent string) string {
		return `{"organisasjonsnummer":"` + nr + `","navn":"AVDELING","overordnetEnhet":"` + parent +
			`","beliggenhetsadresse":{"adresse":["Kong Oscars gate 7"],"postnummer":"5017","poststed":"BERGEN","landkode":"NO"}}`
	}
	put(bankrupt.RecipientID, store.RegisterUnderenhet, sub(bankrupt.RecipientID, "910002384"))
	put("910002384", store.RegisterEnhet, `{"organisasjonsnummer":"910002384","navn":"HOVEDENHET AS","konkurs":true,"forretningsadresse":{"adresse":["Gate 1"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO"}}`)
	put(active.RecipientID, store.RegisterUnderenhet, sub(active.RecipientID, "910002392"))
	put("910002392", store.RegisterEnhet, `{"organisasjonsnummer":"910002392","navn":"DRIFT AS","forretningsadresse":{"adresse":["Gate 2"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO"}}`)
	// A main unit names an overordnetEnhet too (a public body's ministry):
	// its own answer decides, not its parent's.
	put(public.RecipientID, store.RegisterEnhet, `{"organisasjonsnummer":"`+public.RecipientID+`","navn":"ETAT","overordnetEnhet":"910002384",`+
		`"forretningsadresse":{"adresse":["Etatsgata 3"],"postnummer":"5003","poststed":"BERGEN","landkode":"NO"}}`)
	if err := e.svc.Order(e.ctx, []string{bankrupt.ID, active.ID, public.ID}, "taushetsbelagt", false, now); err != nil {
		t.Fatal(err)
	}
	e.run(now)
	prints, orders := e.prints(), e.providerOrders()
	if p := prints[bankrupt.ID]; p.Reason == nil || *p.Reason != printing.ReasonBankrupt {
		t.Errorf("sub-unit of a bankrupt main unit: %s %v, want manual handling (bankrupt)", p.State, p.Reason)
	}
	if _, ordered := orders["postvakt-print-"+bankrupt.ID]; ordered {
		t.Error("a sub-unit of a bankrupt main unit got a print order")
	}
	if o, ordered := orders["postvakt-print-"+active.ID]; !ordered || o.Request.Address.Lines[0] != "Kong Oscars gate 7" {
		t.Errorf("sub-unit of an active main unit: %+v (ordered %v), want printed to its own address", o.Request, ordered)
	}
	if o, ordered := orders["postvakt-print-"+public.ID]; !ordered || o.Request.Address.Lines[0] != "Etatsgata 3" {
		t.Errorf("a main unit whose overordnetEnhet is bankrupt: %+v (ordered %v), want printed to its own address", o.Request, ordered)
	}
	// The manual case's evidence is the answer that decided it: the main
	// unit's, with the English detail.
	var ev struct {
		Payload string `db:"payload"`
		Message string `db:"message"`
	}
	if err := e.st.DB().Get(&ev, `SELECT coalesce(payload::text, '') AS payload, message FROM shipment_events WHERE shipment_id = $1
		ORDER BY id DESC LIMIT 1`, bankrupt.ID); err != nil || !strings.Contains(ev.Payload, "HOVEDENHET") {
		t.Errorf("the manual case's evidence %q (%v), want the main unit's answer", ev.Payload, err)
	}
	english := "sub-unit " + bankrupt.RecipientID + " belongs to 910002384: organisation 910002384 is bankrupt (konkurs)"
	if ev.Message != english {
		t.Errorf("the manual case's event says %q, want %q", ev.Message, english)
	}
	// The manual-handling list says it in each page's language, from the
	// keys and register data it keeps.
	queue, err := e.st.ManualQueue(e.ctx, store.Scope{}, 10)
	if err != nil || len(queue) != 1 || queue[0].ShipmentID != bankrupt.ID {
		t.Fatalf("manual queue %+v %v, want the bankrupt main unit's sub-unit", queue, err)
	}
	for lang, want := range map[string]string{"en": english,
		"nb": "underenheten " + bankrupt.RecipientID + " hører til 910002384: organisasjonen 910002384 er konkurs",
		"da": "underenheden " + bankrupt.RecipientID + " hører under 910002384: organisationen 910002384 er gået konkurs"} {
		if got := printing.Detail(i18n.For(lang, nil), queue[0].Why, queue[0].Detail); got != want {
			t.Errorf("%s manual-handling detail %q, want %q", lang, got, want)
		}
	}
}
