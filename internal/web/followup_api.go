package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// The follow-up decisions through the JSON API: what a case-management
// system needs to read a letter's follow-up and record the sending unit's
// decision without the web UI. The rule is the evidence page's
// (Server.followUp); only the answers differ.

// apiShipment loads the path's shipment for the API's principal and
// answers 404 (for another organisation's or unit's too, audited: as for
// an id that names nothing, shipmentFor) or 500 itself, returning ok false.
func (s *Server) apiShipment(w http.ResponseWriter, r *http.Request) (*store.Shipment, bool) {
	sh, err := s.shipmentFor(r, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such shipment")
		return nil, false
	case err != nil:
		s.internalError(w, r, "get shipment", err)
		return nil, false
	}
	return sh, true
}

// apiFollowUp is GET /api/v1/shipments/{id}/followup: the shipment's
// follow-up (its reason, deadline and decision), 404 while it has none.
func (s *Server) apiFollowUp(w http.ResponseWriter, r *http.Request) {
	if refuseUnknownParams(w, r.URL.Query(), nil) {
		return
	}
	sh, ok := s.apiShipment(w, r)
	if !ok || !s.mustAudit(w, r, store.ActViewFollowUp, "shipment "+sh.ID, "api") {
		return
	}
	s.writeFollowUp(w, r, sh, http.StatusOK)
}

// apiRecordFollowUp is POST /api/v1/shipments/{id}/followup: records a
// decision given as a JSON object (followUpInput) and answers 201 with the
// follow-up as it now stands.
func (s *Server) apiRecordFollowUp(w http.ResponseWriter, r *http.Request) {
	if refuseUnknownParams(w, r.URL.Query(), nil) {
		return // nothing recorded: the decision is the body's alone
	}
	sh, ok := s.apiShipment(w, r)
	if !ok {
		return
	}
	var in followUpInput
	if !decodeObject(w, r, &in, "one JSON object with decision, and as needed note, "+
		"missed_statutory_deadline, new_channel and new_channel_id") {
		return
	}
	if in.Decision != store.DecisionResent && slices.Contains(store.Decisions, in.Decision) &&
		(strings.TrimSpace(in.NewChannel) != "" || strings.TrimSpace(in.NewChannelID) != "") {
		// Dropped, the letter they name would be believed watched and
		// never be polled.
		writeError(w, http.StatusBadRequest, "new_channel and new_channel_id register the letter sent again, with decision "+
			store.DecisionResent+" only; register another new letter with POST /api/v1/shipments")
		return
	}
	no, err := s.followUp(r.Context(), sh, in)
	switch {
	case err != nil:
		s.internalError(w, r, "record follow-up", err)
		return
	case no != nil:
		msg := no.say(i18n.For("en", nil))
		if no.key == "err.choose_decision" {
			msg += " decision must be one of: " + strings.Join(store.Decisions, ", ") + "."
		}
		writeError(w, no.status, msg)
		return
	}
	s.writeFollowUp(w, r, sh, http.StatusCreated)
}

func (s *Server) writeFollowUp(w http.ResponseWriter, r *http.Request, sh *store.Shipment, status int) {
	fu, err := s.store.FollowUp(r.Context(), sh.ID, principal(r.Context()).Scope())
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeErrorCode(w, http.StatusNotFound, codeNoFollowUp, "the shipment has no follow-up (yet)")
	case err != nil:
		s.internalError(w, r, "get follow-up", err)
	default:
		writeJSON(w, status, fu)
	}
}

// apiFollowUps is GET /api/v1/followups: the follow-ups in the caller's
// scope by deadline, the open ones only unless all=true, a page of at most
// limit (default 200, at most 1000) after cursor (the next_cursor of the
// page before; keyset paging as GET /api/v1/shipments and the /followups
// page, store.FollowUpsPage).
func (s *Server) apiFollowUps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if refuseUnknownParams(w, q, []string{"all", "limit", "cursor"}) {
		return
	}
	if err := repeatedParam(q); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	all, err := followUpsAll(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit := 200
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be a number from 1 to 1000")
			return
		}
	}
	detail := "open"
	if all {
		detail = "all"
	}
	cursor := q.Get("cursor")
	if cursor != "" {
		detail += " cursor " + cursor
	}
	if !s.mustAudit(w, r, store.ActViewList, "followups "+detail, "api") {
		return
	}
	page, err := s.store.FollowUpsPage(r.Context(), principal(r.Context()).Scope(), all, cursor, limit)
	if errors.Is(err, store.ErrBadCursor) {
		writeErrorCode(w, http.StatusBadRequest, codeInvalidCursor, "invalid cursor: it must be the next_cursor of an earlier page; start again without it")
		return
	}
	if err != nil {
		s.internalError(w, r, "list follow-ups", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"followups": page.FollowUps, "next_cursor": page.NextCursor})
}
