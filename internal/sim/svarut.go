package sim

import (
	"bytes"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zone database
)

// oslo is SvarUt's time zone: its times carry the Norwegian offset.
var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		// Never: time/tzdata is linked in. A fixed "CET" would give
		// summer times the winter offset.
		panic(err)
	}
	return loc
}()

// svarutTime formats a time as SvarUt does: "2023-01-01T11:33:55.008+01:00".
func svarutTime(t time.Time) string { return t.In(oslo).Format("2006-01-02T15:04:05.000Z07:00") }

// svarutV1Base is the path of the legacy v1 forsendelse API.
const svarutV1Base = "/tjenester/api/forsendelse/v1"

func (s *Sim) svarutRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v2/kontoer/{kontoId}/forsendelser/status-sok", s.handleStatusSok)
	mux.HandleFunc("POST /v3/kontoer/{kontoId}/forsendelser/status/sok", s.handleStatusSokV3)
	mux.HandleFunc("GET /v2/forsendelser/{id}/hendelser", s.handleHendelser)
	mux.HandleFunc("POST "+svarutV1Base+"/statuser", s.handleV1Statuser)
	mux.HandleFunc("GET "+svarutV1Base+"/{id}/status", s.handleV1Status)
	mux.HandleFunc("GET "+svarutV1Base+"/{id}/historikk", s.handleV1Historikk)
}

// svarutAuthV2 checks the v2 credentials: a bearer token from the token
// endpoint plus the IntegrasjonId and IntegrasjonPassord headers.
func (s *Sim) svarutAuthV2(w http.ResponseWriter, r *http.Request) bool {
	if !equalSecret(r.Header.Get("IntegrasjonId"), s.opts.IntegrasjonID) ||
		!equalSecret(r.Header.Get("IntegrasjonPassord"), s.opts.IntegrasjonPassord) {
		unauthorized(w, r, "IntegrasjonId/IntegrasjonPassord missing or wrong")
		return false
	}
	return s.requireBearer(w, r, "ks:fiks")
}

// svarutAuthV1 checks HTTP Basic (avsender name and password).
func (s *Sim) svarutAuthV1(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || !equalSecret(user, s.opts.SvarUtUser) || !equalSecret(pass, s.opts.SvarUtPassword) {
		w.Header().Set("WWW-Authenticate", `Basic realm="SvarUt"`)
		writeError(w, r, http.StatusUnauthorized, "HTTP Basic credentials missing or wrong")
		return false
	}
	return true
}

func equalSecret(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// svarutShipment finds a SvarUt shipment that exists at now (one the
// channel never heard of never does: notKnown).
func (s *Sim) svarutShipment(id string, now time.Time) (*shipment, bool) {
	sh, ok := s.w.byID[strings.ToLower(id)]
	if !ok || sh.channel != "svarut" || sh.sent.After(now) || sh.notKnown() {
		return nil, false
	}
	return sh, true
}

type forsendelseStatus struct {
	ID                 string `json:"id"`
	SisteStatusEndring any    `json:"sisteStatusEndring"` // a date-time string; a number when poisoned
	Status             string `json:"status"`
}

// svarutRecord is what SvarUt says of a shipment's status at now, poison
// included: the status value and when it changed, as a v2 date-time string
// or (v1) epoch milliseconds.
func svarutRecord(sh *shipment, now time.Time, v1 bool) (status string, changed any) {
	e, _ := sh.channelStatusAt(now)
	status, at := e.status, e.at
	switch sh.poison {
	case poisonUnknownStatus:
		status = "FORSVUNNET"
	case poisonFuture:
		at = time.Date(2090, 1, 1, 12, 0, 0, 0, time.UTC)
	case poisonBeforeSent:
		at = time.Date(2001, 9, 9, 3, 46, 40, 0, time.UTC)
	case poisonEpochSeconds:
		return status, at.Unix()
	}
	if v1 {
		return status, at.UnixMilli()
	}
	return status, svarutTime(at)
}

// batchPoison answers for a whole status batch when one of its ids breaks
// SvarUt (fails_forever: 500; truncated: the answer cut off) and reports
// whether it did. render writes the normal answer.
func (s *Sim) batchPoison(w http.ResponseWriter, r *http.Request, ids []string, render func() any) bool {
	kind := ""
	for _, id := range ids {
		if sh, ok := s.w.byID[strings.ToLower(id)]; ok && sh.channel == "svarut" {
			switch sh.poison {
			case poisonFailsForever:
				kind = poisonFailsForever
			case poisonTruncated:
				if kind == "" {
					kind = poisonTruncated
				}
			}
		}
	}
	switch kind {
	case poisonFailsForever:
		writeError(w, r, http.StatusInternalServerError, "Intern feil ved oppslag av forsendelser")
	case poisonTruncated:
		var buf bytes.Buffer
		writeJSONBody(&buf, render())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes()[:buf.Len()*2/3])
	default:
		return false
	}
	return true
}

// handleStatusSok is the v2 bulk status search: {"forsendelseIds":[…]}.
func (s *Sim) handleStatusSok(w http.ResponseWriter, r *http.Request) {
	s.statusSok(w, r, func() ([]string, error) {
		var req struct {
			ForsendelseIDs []string `json:"forsendelseIds"`
		}
		err := decodeBody(r, &req)
		return req.ForsendelseIDs, err
	}, "forsendelseIds")
}

// handleStatusSokV3 is the v3 bulk status search (forsendelse-status-api-v3):
// {"id":[…]}, the same answer as v2's.
func (s *Sim) handleStatusSokV3(w http.ResponseWriter, r *http.Request) {
	s.statusSok(w, r, func() ([]string, error) {
		var req struct {
			ID []string `json:"id"`
		}
		err := decodeBody(r, &req)
		return req.ID, err
	}, "id")
}

// statusSok answers a bulk status search whose ids read reads from the
// body (field names the list). Ids the account does not have are left out
// of the answer (the spec has no error per id).
func (s *Sim) statusSok(w http.ResponseWriter, r *http.Request, read func() ([]string, error), field string) {
	if !s.svarutAuthV2(w, r) {
		return
	}
	if !strings.EqualFold(r.PathValue("kontoId"), s.opts.KontoID) {
		writeError(w, r, http.StatusForbidden, "no access to konto "+r.PathValue("kontoId"))
		return
	}
	ids, err := read()
	if err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	noteIDs(r, ids...)
	if ids == nil {
		writeError(w, r, http.StatusBadRequest, field+" is required")
		return
	}
	now := s.Now()
	out := struct {
		Statuser []forsendelseStatus `json:"statuser"`
	}{Statuser: make([]forsendelseStatus, 0, len(ids))}
	for _, id := range ids {
		if !isUUID(id) {
			writeError(w, r, http.StatusBadRequest, "not a forsendelse id (uuid): "+id)
			return
		}
		sh, ok := s.svarutShipment(id, now)
		if !ok {
			continue
		}
		status, changed := svarutRecord(sh, now, false)
		out.Statuser = append(out.Statuser, forsendelseStatus{ID: sh.id, SisteStatusEndring: changed, Status: status})
	}
	if s.batchPoison(w, r, ids, func() any { return out }) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type hendelse struct {
	Tidspunkt string `json:"tidspunkt"`
	Hendelse  string `json:"hendelse"`
}

// hendelser is a shipment's event history at now, its times written by
// format; a nul or invalid_utf8 poison puts its odd bytes into the texts
// (see writeJSONRaw).
func hendelser(sh *shipment, now time.Time, format func(time.Time) string) []hendelse {
	evs := sh.eventsAt(now)
	out := make([]hendelse, len(evs))
	for i, e := range evs {
		out[i] = hendelse{Tidspunkt: format(e.at), Hendelse: poisonedText(sh, e.text)}
	}
	return out
}

// svarutV1HistoryTime formats a time as SvarUt's v1 historikk (and its SOAP
// ForsendelsesServiceV9) does: "18.10.2017 13:43:31", Oslo time, no zone.
func svarutV1HistoryTime(t time.Time) string { return t.In(oslo).Format("02.01.2006 15:04:05") }

// handleHendelser is the v2 event history of one shipment; 404 for an
// unknown id.
func (s *Sim) handleHendelser(w http.ResponseWriter, r *http.Request) {
	if !s.svarutAuthV2(w, r) {
		return
	}
	id := r.PathValue("id")
	noteIDs(r, id)
	if !isUUID(id) {
		writeError(w, r, http.StatusBadRequest, "not a forsendelse id (uuid): "+id)
		return
	}
	now := s.Now()
	sh, ok := s.svarutShipment(id, now)
	if !ok {
		writeError(w, r, http.StatusNotFound, "forsendelse "+id+" not found")
		return
	}
	writeJSONRaw(w, http.StatusOK, map[string][]hendelse{"hendelser": hendelser(sh, now, svarutTime)})
}

type v1Status struct {
	ForsendelsesID     v1ID   `json:"forsendelsesId"`
	SisteStatusEndring any    `json:"sisteStatusEndring"` // epoch milliseconds (seconds when poisoned)
	Status             string `json:"status"`
}

type v1ID struct {
	ID string `json:"id"`
}

func v1StatusOf(sh *shipment, now time.Time) v1Status {
	status, changed := svarutRecord(sh, now, true)
	return v1Status{ForsendelsesID: v1ID{ID: sh.id}, SisteStatusEndring: changed, Status: status}
}

// handleV1Statuser is the legacy bulk status: a JSON array of ids in.
func (s *Sim) handleV1Statuser(w http.ResponseWriter, r *http.Request) {
	if !s.svarutAuthV1(w, r) {
		return
	}
	var ids []string
	if err := decodeBody(r, &ids); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	noteIDs(r, ids...)
	now := s.Now()
	out := struct {
		Statuser []v1Status `json:"statuser"`
	}{Statuser: make([]v1Status, 0, len(ids))}
	for _, id := range ids {
		if sh, ok := s.svarutShipment(id, now); ok {
			out.Statuser = append(out.Statuser, v1StatusOf(sh, now))
		}
	}
	if s.batchPoison(w, r, ids, func() any { return out }) {
		return
	}
	if len(out.Statuser) == 0 {
		// As SvarUt does: 404 when it knows none of the ids asked.
		writeError(w, r, http.StatusNotFound, "Fant ingen forsendelser med de oppgitte id-ene")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) handleV1Status(w http.ResponseWriter, r *http.Request) {
	sh, now, ok := s.v1Shipment(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, v1StatusOf(sh, now))
}

func (s *Sim) handleV1Historikk(w http.ResponseWriter, r *http.Request) {
	sh, now, ok := s.v1Shipment(w, r)
	if !ok {
		return
	}
	writeJSONRaw(w, http.StatusOK, map[string][]hendelse{"hendelsesLogger": hendelser(sh, now, svarutV1HistoryTime)})
}

// v1Shipment checks a v1 request's Basic auth and finds the shipment its
// path names, answering 401 or 404 itself when it cannot.
func (s *Sim) v1Shipment(w http.ResponseWriter, r *http.Request) (*shipment, time.Time, bool) {
	if !s.svarutAuthV1(w, r) {
		return nil, time.Time{}, false
	}
	id := r.PathValue("id")
	noteIDs(r, id)
	now := s.Now()
	sh, ok := s.svarutShipment(id, now)
	if !ok {
		writeError(w, r, http.StatusNotFound, "forsendelse "+id+" not found")
	}
	return sh, now, ok
}
