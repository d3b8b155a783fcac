package sim

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// registerBase is the Enhetsregisteret API prefix the simulator serves.
const registerBase = "/enhetsregisteret/api"

func (s *Sim) registerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+registerBase+"/enheter/{orgnr}", s.handleEnhet)
	mux.HandleFunc("GET "+registerBase+"/underenheter/{orgnr}", s.handleUnderenhet)
	mux.HandleFunc("GET /profile/api/v1/organizations/{orgnr}/notificationaddresses/mandatory", s.handleOrgNotificationAddresses)
	mux.HandleFunc("GET /profile/api/v1/organizations/{orgnr}/notificationaddresses", s.handleOrgNotificationAddresses)
	mux.HandleFunc("POST /profile/api/v1/correspondence/organizations/notificationaddresses/lookup", s.handleNotificationAddressLookup)
	mux.HandleFunc("POST /profile/api/v1/organizations/notificationaddresses/lookup", s.handleInternalLookup)
}

// profileLookupScope is the scope of Altinn Profile's authorised lookup for
// a service owner.
const profileLookupScope = "altinn:profile/correspondence.notificationsettings.read"

// genSubUnits makes some organisations sub-units (underenheter) and gives
// some a postal address abroad, from their own random stream (so that
// scenarios without them are generated exactly as before).
func (w *world) genSubUnits(sc *Scenario, r *rand.Rand) {
	reg := sc.Register
	for _, o := range w.orgs {
		uSub, uClosed, uForeign, closedDays := r.Float64(), r.Float64(), r.Float64(), r.IntN(400)
		foreign := foreignAddresses[r.IntN(len(foreignAddresses))]
		if o.reg == regActive && uSub < reg.SubUnitChance {
			o.subUnit = true
			if uClosed < reg.ClosedSubUnitShare {
				o.closed = w.start.AddDate(0, 0, -1-closedDays).Truncate(24 * time.Hour)
			}
		}
		if uForeign < reg.ForeignAddressChance {
			a := foreign
			o.post, o.foreign = &a, true
		}
	}
}

// foreignAddresses are postal addresses abroad as Enhetsregisteret holds
// them: the address in the lines, the country, no postnummer or poststed.
var foreignAddresses = []address{
	{Adresse: []string{"Drottninggatan 12", "111 51 Stockholm"}, Land: "Sverige", Landkode: "SE"},
	{Adresse: []string{"Strandvejen 100", "2900 Hellerup"}, Land: "Danmark", Landkode: "DK"},
	{Adresse: []string{"Unter den Linden 5", "10117 Berlin"}, Land: "Tyskland", Landkode: "DE"},
}

type orgForm struct {
	Kode        string `json:"kode"`
	Beskrivelse string `json:"beskrivelse"`
}

type links struct {
	Self struct {
		Href string `json:"href"`
	} `json:"self"`
}

// enhet is an Enhetsregisteret unit as the register answers it.
type enhet struct {
	Organisasjonsnummer                       string   `json:"organisasjonsnummer"`
	Navn                                      string   `json:"navn,omitempty"`
	Organisasjonsform                         orgForm  `json:"organisasjonsform"`
	Postadresse                               *address `json:"postadresse,omitempty"`
	Forretningsadresse                        *address `json:"forretningsadresse,omitempty"`
	RegistreringsdatoEnhetsregisteret         string   `json:"registreringsdatoEnhetsregisteret,omitempty"`
	Konkurs                                   *bool    `json:"konkurs,omitempty"`
	Konkursdato                               string   `json:"konkursdato,omitempty"`
	UnderAvvikling                            *bool    `json:"underAvvikling,omitempty"`
	UnderTvangsavviklingEllerTvangsopplosning *bool    `json:"underTvangsavviklingEllerTvangsopplosning,omitempty"`
	Slettedato                                string   `json:"slettedato,omitempty"`
	Maalform                                  string   `json:"maalform,omitempty"`
	Links                                     links    `json:"_links"`
}

// registerUnit finds the organisation a register look-up names (its path's
// orgnr) among those of the kind ("Enhet" or "Underenhet") that is: 400 for
// a malformed number, 500 while the register fails for it, 404 for no such
// unit of that kind. ok is false when it has answered.
func (s *Sim) registerUnit(w http.ResponseWriter, r *http.Request, kind string, is func(*org) bool) (*org, bool) {
	nr := r.PathValue("orgnr")
	noteIDs(r, nr)
	if len(nr) != 9 || !allDigits(nr) {
		writeError(w, r, http.StatusBadRequest, "Ugyldig organisasjonsnummer: "+nr)
		return nil, false
	}
	if s.failingNow(nr) {
		writeError(w, r, http.StatusInternalServerError, "Intern feil")
		return nil, false
	}
	o, ok := s.w.orgByNr[nr]
	if !ok || !is(o) {
		writeError(w, r, http.StatusNotFound, kind+" med organisasjonsnummer "+nr+" ble ikke funnet")
		return nil, false
	}
	return o, true
}

// handleEnhet answers one unit: 200 (also for a deleted unit, with
// slettedato and few fields), 404 unknown, 410 removed, 400 malformed.
func (s *Sim) handleEnhet(w http.ResponseWriter, r *http.Request) {
	o, ok := s.registerUnit(w, r, "Enhet", func(o *org) bool { return o.reg != regUnknown && !o.subUnit }) // a sub-unit lives at /underenheter
	if !ok {
		return
	}
	if o.reg == regRemoved {
		writeError(w, r, http.StatusGone, "Enhet med organisasjonsnummer "+o.nr+" er fjernet")
		return
	}
	e := enhet{Organisasjonsnummer: o.nr, Navn: o.name, Organisasjonsform: orgForm{o.formCode, o.formDesc}}
	e.Links.Self.Href = "https://data.brreg.no/enhetsregisteret/api/enheter/" + o.nr
	if o.reg == regDeleted {
		e.Slettedato = o.deleted.Format(time.DateOnly)
		writeJSON(w, http.StatusOK, e)
		return
	}
	bankrupt, winding, forced := o.bankrupt, o.windingUp, o.forced
	e.Konkurs, e.UnderAvvikling, e.UnderTvangsavviklingEllerTvangsopplosning = &bankrupt, &winding, &forced
	if o.bankrupt {
		e.Konkursdato = s.start.AddDate(0, -3, 0).Format(time.DateOnly)
	}
	e.Postadresse, e.Forretningsadresse = o.post, o.biz
	e.RegistreringsdatoEnhetsregisteret = o.registered.Format(time.DateOnly)
	e.Maalform = "Bokmål"
	writeJSON(w, http.StatusOK, e)
}

// underenhet is a sub-unit as the register answers it: its address is
// beliggenhetsadresse (postadresse when it has one), a closed one has
// nedleggelsesdato.
type underenhet struct {
	Organisasjonsnummer string   `json:"organisasjonsnummer"`
	Navn                string   `json:"navn"`
	Organisasjonsform   orgForm  `json:"organisasjonsform"`
	OverordnetEnhet     string   `json:"overordnetEnhet"`
	Beliggenhetsadresse *address `json:"beliggenhetsadresse,omitempty"`
	Postadresse         *address `json:"postadresse,omitempty"`
	Nedleggelsesdato    string   `json:"nedleggelsesdato,omitempty"`
	Links               links    `json:"_links"`
}

// handleUnderenhet answers one sub-unit: 200 for a sub-unit, 404 for
// anything else (a main unit lives at /enheter).
func (s *Sim) handleUnderenhet(w http.ResponseWriter, r *http.Request) {
	o, ok := s.registerUnit(w, r, "Underenhet", func(o *org) bool { return o.subUnit })
	if !ok {
		return
	}
	u := underenhet{Organisasjonsnummer: o.nr, Navn: o.name, Organisasjonsform: orgForm{"BEDR", "Underenhet til næringsdrivende og offentlig forvaltning"},
		OverordnetEnhet: s.w.sender.nr, Beliggenhetsadresse: o.biz}
	if o.foreign {
		u.Postadresse = o.post
	}
	if !o.closed.IsZero() {
		u.Nedleggelsesdato = o.closed.Format(time.DateOnly)
	}
	u.Links.Self.Href = "https://data.brreg.no/enhetsregisteret/api/underenheter/" + o.nr
	writeJSON(w, http.StatusOK, u)
}

// failingNow reports whether the registers fail on nr at this simulated
// time (Register.Failing).
func (s *Sim) failingNow(nr string) bool {
	until, ok := s.w.failing[nr]
	return ok && (until == 0 || s.Now().Before(s.start.Add(until)))
}

type notificationAddress struct {
	NotificationAddressID int     `json:"notificationAddressId"`
	Email                 *string `json:"email"`
	CountryCode           *string `json:"countryCode"`
	Phone                 *string `json:"phone"`
}

// handleOrgNotificationAddresses answers an organisation's notification
// addresses as Altinn Profile does (…/notificationaddresses/mandatory):
// {"organizationNumber", "notificationAddresses": [...]}, 404 when it has
// none registered. The path without /mandatory is served alike.
func (s *Sim) handleOrgNotificationAddresses(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiProfileOther) {
		return
	}
	nr := r.PathValue("orgnr")
	noteIDs(r, nr)
	o, ok := s.w.orgByNr[nr]
	if !ok || len(o.emails)+len(o.phones) == 0 {
		problem(w, http.StatusNotFound, "Not Found", "no notification addresses registered for "+nr)
		return
	}
	list := []notificationAddress{}
	id := 1
	for _, e := range o.emails {
		e := e
		list = append(list, notificationAddress{NotificationAddressID: id, Email: &e})
		id++
	}
	for _, p := range o.phones {
		cc, num := p[:3], p[3:]
		list = append(list, notificationAddress{NotificationAddressID: id, CountryCode: &cc, Phone: &num})
		id++
	}
	writeJSON(w, http.StatusOK, map[string]any{"organizationNumber": o.nr, "notificationAddresses": list})
}

type contactPoints struct {
	OrganizationNumber string   `json:"organizationNumber"`
	AddressOrigin      string   `json:"addressOrigin"`
	PartyID            int      `json:"partyId"`
	MobileNumberList   []string `json:"mobileNumberList"`
	EmailList          []string `json:"emailList"`
}

// handleNotificationAddressLookup is Altinn Profile's authorised lookup
// for a service owner (scope altinn:profile/correspondence.notificationsettings.read):
// {"organizationNumbers": [...]} in, {"contactPointsList": [...]} out,
// one entry per organisation asked, empty lists included, with
// addressOrigin (the organisation whose addresses they are).
func (s *Sim) handleNotificationAddressLookup(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiProfile) {
		return
	}
	var req struct {
		OrganizationNumbers []string `json:"organizationNumbers"`
	}
	if err := decodeBody(r, &req); err != nil {
		problem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	noteIDs(r, req.OrganizationNumbers...)
	out := []contactPoints{}
	for _, nr := range req.OrganizationNumbers {
		cp := contactPoints{OrganizationNumber: nr, AddressOrigin: nr, MobileNumberList: []string{}, EmailList: []string{}}
		if o, ok := s.w.orgByNr[nr]; ok {
			cp.PartyID = 50000000 + int(hashString(o.nr)%1000000)
			cp.MobileNumberList = append(cp.MobileNumberList, o.phones...)
			cp.EmailList = append(cp.EmailList, o.emails...)
		}
		out = append(out, cp)
	}
	writeJSON(w, http.StatusOK, map[string]any{"contactPointsList": out})
}

// handleInternalLookup is the lookup Altinn Notifications uses internally:
// hidden, and refused to a service owner's token, as in production.
func (s *Sim) handleInternalLookup(w http.ResponseWriter, r *http.Request) {
	if !s.altinnAuthorised(w, r, apiProfileOther) {
		return
	}
	problem(w, http.StatusForbidden, "Forbidden", "this endpoint is internal to Altinn; service owners use /profile/api/v1/correspondence/organizations/notificationaddresses/lookup")
}
