package sim

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the header of postvakt's shipment registration CSV, which
// /sim/shipments.csv serves.
const CSVHeader = "channel,channel_id,sender_org,sender_unit,recipient_kind,recipient_id,title,confidential,class,sent_at,sender_system"

// Recipient is a shipment's recipient: kind "org" (organisation number) or
// "person" (fødselsnummer-shaped id).
type Recipient struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// ShipmentRecord is one generated shipment as postvakt registers it.
// Status and StatusChanged are the channel's status at the simulated now;
// they are filled only when asked for (ShipmentsWithStatus, ?status=1).
type ShipmentRecord struct {
	Channel      string    `json:"channel"`
	ChannelID    string    `json:"channel_id"`
	SenderOrg    string    `json:"sender_org"`
	SenderUnit   string    `json:"sender_unit"`
	Recipient    Recipient `json:"recipient"`
	Title        string    `json:"title"`
	Confidential bool      `json:"confidential"`
	Class        string    `json:"class"`
	SentAt       time.Time `json:"sent_at"`
	// SenderSystem is the system that registers the letter with postvakt
	// (Danish letters; "" for the Norwegian ones: postvakt's default).
	SenderSystem string `json:"sender_system,omitempty"`
	// Incident says which incident touched the letter (the Incident*
	// constants: Norwegian letters' in incidents.go, Danish letters' in
	// dpgen.go); empty for none. The truth a health check is measured
	// against.
	Incident      string     `json:"incident,omitempty"`
	Status        string     `json:"status,omitempty"`
	StatusChanged *time.Time `json:"status_changed,omitempty"`
	// Poison is the shipment's poison kind (see Poison), "" for none.
	Poison string `json:"poison,omitempty"`
	// KeptStatus, for a shipment whose status says nothing about the
	// recipient (SLETTET), is the last real status before it.
	KeptStatus string `json:"kept_status,omitempty"`
}

// OrganisationRecord is the simulator's truth about one receiving
// organisation, for tests and demos.
type OrganisationRecord struct {
	OrgNr                 string `json:"orgnr"`
	Name                  string `json:"name"`
	NeverOpens            bool   `json:"never_opens"`
	Profile               string `json:"profile"`
	Register              string `json:"register"` // active, deleted, removed, unknown
	Bankrupt              bool   `json:"bankrupt"`
	HasPostalAddress      bool   `json:"has_postal_address"`
	NotificationAddresses int    `json:"notification_addresses"`
	SubUnit               bool   `json:"sub_unit,omitempty"`        // at /underenheter, not /enheter
	ClosedSubUnit         bool   `json:"closed_sub_unit,omitempty"` // a sub-unit with nedleggelsesdato
	ForeignAddress        bool   `json:"foreign_address,omitempty"` // postal address abroad, no postnummer
}

// Shipments returns every generated shipment, oldest first.
func (s *Sim) Shipments() []ShipmentRecord { return s.shipmentRecords(false) }

// ShipmentsWithStatus returns every shipment with its status at the
// simulated now ("" for one not yet sent).
func (s *Sim) ShipmentsWithStatus() []ShipmentRecord { return s.shipmentRecords(true) }

func (s *Sim) shipmentRecords(withStatus bool) []ShipmentRecord {
	now := s.Now()
	out := make([]ShipmentRecord, len(s.w.shipments), len(s.w.shipments)+s.danishLetters())
	for i, sh := range s.w.shipments {
		out[i] = ShipmentRecord{
			Channel: sh.channel, ChannelID: sh.id, SenderOrg: s.w.sender.nr, SenderUnit: sh.unit,
			Recipient: Recipient{Kind: sh.kind, ID: sh.recipientID}, Title: sh.title,
			Confidential: sh.confidential, Class: sh.class, SentAt: sh.sent.UTC(), Incident: sh.incident,
		}
		if withStatus {
			out[i].Poison = sh.poison
			if e, ok := sh.channelStatusAt(now); ok {
				at := e.at.UTC()
				out[i].Status, out[i].StatusChanged = e.status, &at
			}
			if evs := sh.eventsAt(now); out[i].Status == svSlettet && len(evs) > 1 {
				out[i].KeptStatus = evs[len(evs)-2].status
			}
		}
	}
	return append(out, s.danishRecords(withStatus, now)...)
}

// Status returns a shipment's channel status at the simulated now.
func (s *Sim) Status(channelID string) (status string, changed time.Time, ok bool) {
	sh, found := s.w.byID[strings.ToLower(channelID)]
	if !found {
		return s.danishStatus(channelID)
	}
	e, ok := sh.channelStatusAt(s.Now())
	return e.status, e.at, ok
}

// Organisations returns the truth about every receiving organisation.
func (s *Sim) Organisations() []OrganisationRecord {
	out := make([]OrganisationRecord, len(s.w.orgs))
	for i, o := range s.w.orgs {
		out[i] = OrganisationRecord{
			OrgNr: o.nr, Name: o.name, NeverOpens: o.neverOpen, Profile: o.profile,
			Register: [...]string{"active", "deleted", "removed", "unknown"}[o.reg], Bankrupt: o.bankrupt,
			HasPostalAddress: o.post != nil, NotificationAddresses: len(o.emails) + len(o.phones),
			SubUnit: o.subUnit, ClosedSubUnit: o.subUnit && !o.closed.IsZero(), ForeignAddress: o.foreign,
		}
	}
	return out
}

func (s *Sim) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sim/{$}", s.handleIndex)
	mux.HandleFunc("GET /sim/shipments.csv", s.handleShipmentsCSV)
	mux.HandleFunc("GET /sim/units.csv", s.handleUnitsCSV)
	mux.HandleFunc("GET /sim/shipments", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.shipmentRecords(r.URL.Query().Get("status") != ""))
	})
	mux.HandleFunc("GET /sim/organisations", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Organisations())
	})
	mux.HandleFunc("GET /sim/requests", func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		recs := s.log.since(since)
		if recs == nil {
			recs = []RequestRecord{}
		}
		writeJSON(w, http.StatusOK, recs)
	})
	mux.HandleFunc("DELETE /sim/requests", func(w http.ResponseWriter, r *http.Request) {
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /sim/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.clockState())
	})
	mux.HandleFunc("POST /sim/clock", s.handleSetClock)
}

type clockState struct {
	Now   time.Time `json:"now"`
	Start time.Time `json:"start"`
	Speed float64   `json:"speed"`
}

func (s *Sim) clockState() clockState {
	speed := 1.0
	if sc, ok := s.clock.base.(*SpeedClock); ok {
		speed = sc.Speed()
	} else if _, ok := s.clock.base.(*ManualClock); ok {
		speed = 0
	}
	return clockState{Now: s.Now(), Start: s.start, Speed: speed}
}

// handleSetClock moves the simulated clock: {"now": RFC 3339} or
// {"advance": "36h"} (d and w allowed).
func (s *Sim) handleSetClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Now     string `json:"now"`
		Advance string `json:"advance"`
	}
	if err := decodeBody(r, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	switch {
	case req.Now != "" && req.Advance != "":
		writeError(w, r, http.StatusBadRequest, `give either "now" or "advance", not both`)
		return
	case req.Now != "":
		t, err := time.Parse(time.RFC3339, req.Now)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, `"now" must be an RFC 3339 time: `+err.Error())
			return
		}
		s.SetNow(t)
	case req.Advance != "":
		d, err := ParseDuration(req.Advance)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, `"advance": `+err.Error())
			return
		}
		s.Advance(d)
	default:
		writeError(w, r, http.StatusBadRequest, `give "now" (RFC 3339) or "advance" (e.g. "36h")`)
		return
	}
	s.logger.Info("simulated clock moved", "now", s.Now().Format(time.RFC3339))
	writeJSON(w, http.StatusOK, s.clockState())
}

// handleShipmentsCSV serves every shipment of the world as postvakt's
// registration CSV; ?sent_by=now (or an RFC 3339 time) only those sent by
// then, as a sender system registers its letters as it sends them: `make
// run` imports them so while the clock catches up.
func (s *Sim) handleShipmentsCSV(w http.ResponseWriter, r *http.Request) {
	var by time.Time
	switch v := r.URL.Query().Get("sent_by"); v {
	case "":
	case "now":
		by = s.Now()
	default:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, `sent_by: give "now" or an RFC 3339 time`)
			return
		}
		by = t
	}
	sent := func(at time.Time) bool { return by.IsZero() || !at.After(by) }
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="shipments.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(strings.Split(CSVHeader, ","))
	for _, sh := range s.w.shipments {
		if !sent(sh.sent) {
			continue
		}
		_ = cw.Write([]string{
			sh.channel, sh.id, s.w.sender.nr, sh.unit, sh.kind, sh.recipientID, sh.title,
			strconv.FormatBool(sh.confidential), sh.class, sh.sent.UTC().Format(time.RFC3339), "",
		})
	}
	for _, r := range s.danishRecords(false, time.Time{}) {
		if sent(r.SentAt) {
			_ = cw.Write(r.CSV())
		}
	}
	cw.Flush()
}

// CSV is the record as a row of postvakt's registration CSV (CSVHeader).
func (r ShipmentRecord) CSV() []string {
	return []string{r.Channel, r.ChannelID, r.SenderOrg, r.SenderUnit, r.Recipient.Kind, r.Recipient.ID,
		r.Title, strconv.FormatBool(r.Confidential), r.Class, r.SentAt.Format(time.RFC3339Nano), r.SenderSystem}
}

// handleUnitsCSV serves the sender's units with made-up addresses, in the
// format of `postvakt units import`: unit<i>@demo.invalid for the unit,
// leder.unit<i>@demo.invalid for its manager. The Norwegian sender's
// units only when the scenario sends Norwegian letters: a Danish-only one
// (copenhagen) would otherwise give a Denmark-only postvakt Bergen's units.
func (s *Sim) handleUnitsCSV(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"sender_org", "unit", "contact_email", "manager_email"})
	if len(s.w.shipments) > 0 {
		for i, u := range s.w.units {
			_ = cw.Write([]string{s.w.sender.nr, u, fmt.Sprintf("unit%d@demo.invalid", i+1), fmt.Sprintf("leder.unit%d@demo.invalid", i+1)})
		}
	}
	if s.dp != nil { // the Danish sender's units (forvaltninger) too
		for i, u := range s.dp.sc.Sender.Units {
			_ = cw.Write([]string{s.dp.sc.Sender.CVR, u, fmt.Sprintf("dk-unit%d@demo.invalid", i+1), fmt.Sprintf("leder.dk-unit%d@demo.invalid", i+1)})
		}
	}
	cw.Flush()
}

func (s *Sim) handleIndex(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"scenario":       s.sc.Name,
		"description":    s.sc.Description,
		"seed":           s.seed,
		"clock":          s.clockState(),
		"shipments":      len(s.w.shipments),
		"danish_letters": s.danishLetters(),
		"organisations":  len(s.w.orgs),
		"sender_org":     s.w.sender.nr,
		"token_requests": s.TokenRequests(),
	})
}
