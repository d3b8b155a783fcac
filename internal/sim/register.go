package sim

import (
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
	mux.HandleFunc("POST /profile/api/v1/organizations/notificationaddresses/lookup", s.handleNotificationAddressLookup)
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

// handleEnhet answers one unit: 200 (also for a deleted unit, with
// slettedato and few fields), 404 unknown, 410 removed, 400 malformed.
func (s *Sim) handleEnhet(w http.ResponseWriter, r *http.Request) {
	nr := r.PathValue("orgnr")
	noteIDs(r, nr)
	if len(nr) != 9 || !allDigits(nr) {
		writeError(w, r, http.StatusBadRequest, "Ugyldig organisasjonsnummer: "+nr)
		return
	}
	if s.failingNow(nr) {
		writeError(w, r, http.StatusInternalServerError, "Intern feil")
		return
	}
	o, ok := s.w.orgByNr[nr]
	if !ok || o.reg == regUnknown || o.reg == regSubUnit {
		writeError(w, r, http.StatusNotFound, "Enhet med organisasjonsnummer "+nr+" ble ikke funnet")
		return
	}
	if o.reg == regRemoved {
		writeError(w, r, http.StatusGone, "Enhet med organisasjonsnummer "+nr+" er fjernet")
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

// underenhet is an Enhetsregisteret sub-unit as the register answers it.
type underenhet struct {
	Organisasjonsnummer               string   `json:"organisasjonsnummer"`
	Navn                              string   `json:"navn"`
	Organisasjonsform                 orgForm  `json:"organisasjonsform"`
	RegistreringsdatoEnhetsregisteret string   `json:"registreringsdatoEnhetsregisteret,omitempty"`
	OverordnetEnhet                   string   `json:"overordnetEnhet"`
	Postadresse                       *address `json:"postadresse,omitempty"`
	Beliggenhetsadresse               *address `json:"beliggenhetsadresse,omitempty"`
	Links                             struct {
		Self            href `json:"self"`
		OverordnetEnhet href `json:"overordnetEnhet"`
	} `json:"_links"`
}

type href struct {
	Href string `json:"href"`
}

// handleUnderenhet answers one sub-unit: 200, or 404 for every number that
// is not a sub-unit (main units included, as the real register does), 400
// malformed.
func (s *Sim) handleUnderenhet(w http.ResponseWriter, r *http.Request) {
	nr := r.PathValue("orgnr")
	noteIDs(r, nr)
	if len(nr) != 9 || !allDigits(nr) {
		writeError(w, r, http.StatusBadRequest, "Ugyldig organisasjonsnummer: "+nr)
		return
	}
	if s.failingNow(nr) {
		writeError(w, r, http.StatusInternalServerError, "Intern feil")
		return
	}
	o, ok := s.w.orgByNr[nr]
	if !ok || o.reg != regSubUnit {
		writeError(w, r, http.StatusNotFound, "Underenhet med organisasjonsnummer "+nr+" ble ikke funnet")
		return
	}
	u := underenhet{Organisasjonsnummer: o.nr, Navn: o.name, Organisasjonsform: orgForm{o.formCode, o.formDesc},
		RegistreringsdatoEnhetsregisteret: o.registered.Format(time.DateOnly), OverordnetEnhet: o.parent,
		Postadresse: o.post, Beliggenhetsadresse: o.biz}
	u.Links.Self.Href = "https://data.brreg.no/enhetsregisteret/api/underenheter/" + o.nr
	u.Links.OverordnetEnhet.Href = "https://data.brreg.no/enhetsregisteret/api/enheter/" + o.parent
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
	if !s.requireBearer(w, r) {
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

// handleNotificationAddressLookup is Altinn Profile's lookup used by
// Notifications: {"organizationNumbers": [...]} in, {"contactPointsList":
// [...]} out, listing only organisations that have addresses.
func (s *Sim) handleNotificationAddressLookup(w http.ResponseWriter, r *http.Request) {
	if !s.requireBearer(w, r) {
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
		o, ok := s.w.orgByNr[nr]
		if !ok || len(o.emails)+len(o.phones) == 0 {
			continue
		}
		out = append(out, contactPoints{OrganizationNumber: o.nr, AddressOrigin: o.nr, PartyID: 50000000 + int(hashString(o.nr)%1000000),
			MobileNumberList: append([]string{}, o.phones...), EmailList: append([]string{}, o.emails...)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"contactPointsList": out})
}
