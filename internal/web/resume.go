package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"postvakt/internal/auth"
	"postvakt/internal/store"
)

// A session that ends (after 8 hours, or by logout elsewhere) while a
// caseworker types a follow-up decision would lose the text: the form's
// POST no longer has a session. Instead, the login page is shown with the
// form's fields in hidden inputs (the page only: nothing is stored, logged
// or put in a URL), they go along with the login, and once logged in the
// letter's page shows the form again as it was filled in, not yet recorded,
// with the new session's CSRF token. Nothing is recorded without a click
// in a live session. A manual-handling resolution (/manual) and the
// follow-ups of a whole incident (/incidents, an alert's page) are carried
// the same way (carried) and come back on their pages.

// carried is the form a login carries, at most one: read from the form
// posted without a session (carriedOf, only one from a page of this site),
// put in the login page's hidden fields (login.html, each kind's fields
// with its prefix), read back from the login form (loginCarried) and shown
// again, filled in, once logged in (resume).
type carried struct {
	FollowUp *followUpResume
	Manual   *manualResume
	Incident *incidentResume
}

// carriedOf reads the form r posted to its own route, from a page of this
// site; none for another route or another site's form.
func carriedOf(r *http.Request) carried {
	var c carried
	switch r.Pattern {
	case followUpPattern, manualPattern, incidentPattern:
	default:
		return c
	}
	if !sameOrigin(r) || r.ParseForm() != nil {
		return c
	}
	switch r.Pattern {
	case followUpPattern:
		c.FollowUp = resumeOf(r, "", r.PathValue("id"))
	case manualPattern:
		c.Manual = manualResumeOf(r, "", r.PathValue("id"))
	case incidentPattern:
		c.Incident = incidentResumeOf(r, "")
	}
	return c
}

// loginCarried reads the carried form back from the login form's hidden
// fields.
func loginCarried(r *http.Request) carried {
	c := carried{FollowUp: resumeOf(r, resumeField, ""), Manual: manualResumeOf(r, resumeManualField, "")}
	if c.FollowUp == nil && c.Manual == nil {
		c.Incident = incidentResumeOf(r, resumeIncidentField)
	}
	return c
}

// next is the page the carried form comes back on ("" for none): where
// the login leads.
func (c carried) next() string {
	switch {
	case c.FollowUp != nil:
		return "/shipments/" + c.FollowUp.Shipment
	case c.Manual != nil:
		return "/manual"
	case c.Incident != nil:
		return c.Incident.page()
	}
	return ""
}

// resume shows, right after the login rq, the carried form's page with the
// form filled in, not yet recorded; false when nothing is carried.
func (s *Server) resume(w http.ResponseWriter, r *http.Request, rq *request, c carried) bool {
	switch {
	case c.FollowUp != nil:
		s.resumeFollowUp(w, r, rq, c.FollowUp)
	case c.Manual != nil:
		s.resumeManual(w, r, rq, c.Manual)
	case c.Incident != nil:
		s.resumeIncident(w, r, rq, c.Incident)
	default:
		return false
	}
	return true
}

// followUpResume is a follow-up form carried through a login.
type followUpResume struct {
	Shipment string
	followUpInput
}

// resumeField prefixes the carried fields in the login form.
const resumeField = "resume_"

// followUpPattern is the route of the letter page's follow-up form.
const followUpPattern = "POST /shipments/{id}/followup"

// manualResume is a manual-handling resolution carried through a login.
type manualResume struct {
	Shipment, Resolution, Note string
}

// resumeManualField prefixes the carried resolution's fields in the login
// form.
const resumeManualField = "resume_manual_"

// manualPattern is the route of /manual's resolution forms.
const manualPattern = "POST /manual/{id}/resolve"

// manualResumeOf reads the resolution form carried in a form with the
// field names prefixed by prefix ("" for the resolution form itself; nil
// when the form carries none).
func manualResumeOf(r *http.Request, prefix, shipment string) *manualResume {
	if prefix != "" {
		shipment = r.PostFormValue(prefix + "shipment")
	}
	if !looksLikeID(shipment) {
		return nil
	}
	return &manualResume{Shipment: shipment, Resolution: r.PostFormValue(prefix + "resolution"), Note: r.PostFormValue(prefix + "note")}
}

// incidentResume is the follow-up form of a whole incident (/incidents, or
// an alert's page) carried through a login: the incident's filter as the
// form sent it, and what was filled in.
type incidentResume struct {
	Filter               url.Values // incidentFilterFields
	Decision, Days, Note string
}

// resumeIncidentField prefixes the carried incident form's fields in the
// login form.
const resumeIncidentField = "resume_incident_"

// incidentPattern is the route of the incident follow-up form.
const incidentPattern = "POST /incidents/followups"

// incidentFilterFields are the fields of an incident's filter in its
// follow-up form (incidentQuery's: an alert's id, or the period and the
// rest).
var incidentFilterFields = []string{"alert", "from", "to", "channel", "unit", "unit_id", "system", "class", "org", "state"}

// incidentResumeOf reads the incident form carried in a form with the field
// names prefixed by prefix ("" for the incident form itself; nil when the
// form carries none: no alert id and no period).
func incidentResumeOf(r *http.Request, prefix string) *incidentResume {
	if r.ParseForm() != nil {
		return nil
	}
	q := url.Values{}
	for _, k := range incidentFilterFields {
		if vs := r.PostForm[prefix+k]; len(vs) > 0 {
			q[k] = vs
		}
	}
	if a := q.Get("alert"); a != "" {
		if _, err := strconv.ParseInt(a, 10, 64); err != nil {
			return nil
		}
		q = url.Values{"alert": {a}} // the alert's own filter
	} else if q.Get("from") == "" || q.Get("to") == "" {
		return nil
	}
	return &incidentResume{Filter: q, Decision: r.PostFormValue(prefix + "decision"), Days: r.PostFormValue(prefix + "days"),
		Note: r.PostFormValue(prefix + "note")}
}

// page is where the incident form was: the alert's page, or /incidents
// (its filter comes back from the carried fields, not from the URL).
func (res *incidentResume) page() string {
	if a := res.Filter.Get("alert"); a != "" {
		return "/alerts/" + a
	}
	return "/incidents"
}

// resumeOf reads the follow-up form carried in a form with the field names
// prefixed by prefix ("" for the follow-up form itself; nil when the form
// carries none).
func resumeOf(r *http.Request, prefix, shipment string) *followUpResume {
	if prefix != "" {
		shipment = r.PostFormValue(prefix + "shipment")
	}
	if !looksLikeID(shipment) {
		return nil
	}
	return &followUpResume{Shipment: shipment, followUpInput: followUpInput{
		Decision: r.PostFormValue(prefix + "decision"), Note: r.PostFormValue(prefix + "note"),
		MissedDeadline: r.PostFormValue(prefix+"missed_deadline") != "",
		NewChannel:     r.PostFormValue(prefix + "new_channel"), NewChannelID: r.PostFormValue(prefix + "new_channel_id")}}
}

// looksLikeID says whether s may be a letter's id (a UUID's characters and
// length): anything else is not carried.
func looksLikeID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// sessionEnded answers a UI form posted without a live session: the login
// page (401) saying nothing was saved, a follow-up form, a manual-handling
// resolution or an incident's follow-ups carried (carried) and the login
// leading back to its page; anything else leads to the overview (our
// pages send no referrer to say where the form was).
func (s *Server) sessionEnded(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUIForm)
	switch r.Pattern {
	case "POST /logout":
		http.Redirect(w, r, "/login", http.StatusSeeOther) // logged out already
		return
	case "POST /session/extend": // too late to stay: log in again, back to the page
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.PostFormValue("next"))), http.StatusSeeOther)
		return
	}
	d := loginData{Next: "/", Error: "login.session_ended", Carried: carriedOf(r)}
	if next := d.Carried.next(); next != "" {
		d.Next = next
	}
	s.showLogin(w, r, http.StatusUnauthorized, d)
}

// sameOrigin says whether a form was sent from a page of this site: the
// browser's Sec-Fetch-Site says same-origin, or, from a browser that does
// not send it, the Origin (else the Referer) names this host. Our pages'
// Referrer-Policy (no-referrer) makes a browser send "Origin: null" and no
// Referer, so Sec-Fetch-Site is what current browsers go by. A form
// another site posts is not carried into the login, so no one can have a
// letter's page show a decision they filled in.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	from := r.Header.Get("Origin")
	if from == "" || from == "null" {
		from = r.Referer()
	}
	u, err := url.Parse(from)
	return err == nil && u.Host != "" && u.Host == r.Host
}

// resumeFollowUp shows, right after the login rq, the letter's page with
// the follow-up form filled in as carried, not yet recorded. Someone the
// letter is not for gets the page's usual refusal.
func (s *Server) resumeFollowUp(w http.ResponseWriter, r *http.Request, rq *request, res *followUpResume) {
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, rq))
	r.SetPathValue("id", res.Shipment)
	if !rq.Can(auth.RecordFollowUp) {
		http.Redirect(w, r, "/shipments/"+res.Shipment, http.StatusSeeOther)
		return
	}
	s.refill(w, r, http.StatusOK, res.followUpInput, "followup.resumed")
}

// resumeManual shows, right after the login rq, /manual with the carried
// resolution filled in, not yet recorded. Someone who may not resolve
// manual handling gets /manual as it is.
func (s *Server) resumeManual(w http.ResponseWriter, r *http.Request, rq *request, res *manualResume) {
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, rq))
	if !rq.Can(auth.ResolveManual) {
		http.Redirect(w, r, "/manual", http.StatusSeeOther)
		return
	}
	s.showManual(w, r, res)
}

// resumeIncident shows, right after the login rq, the incident's report
// (or the alert's page) with its follow-up form filled in as carried, not
// yet recorded. Someone who may not record follow-ups goes to the page (an
// incident's filter not put in the URL: it may name a unit).
func (s *Server) resumeIncident(w http.ResponseWriter, r *http.Request, rq *request, res *incidentResume) {
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, rq))
	if !rq.Can(auth.RecordFollowUp) {
		http.Redirect(w, r, res.page(), http.StatusSeeOther)
		return
	}
	if a := res.Filter.Get("alert"); a != "" {
		r.SetPathValue("id", a)
		s.showAlert(w, r, res)
		return
	}
	s.showIncident(w, r, res.Filter, res)
}

// staleFollowUp answers a follow-up form sent with another session's CSRF
// token (the caseworker logged in again in another tab meanwhile): it is
// refused as any wrong token is, but a form from a page of this site, by
// someone who may record follow-ups, comes back filled in, not recorded,
// with this session's token. It reports whether it answered.
func (s *Server) staleFollowUp(w http.ResponseWriter, r *http.Request) bool {
	if r.Pattern != followUpPattern || !sameOrigin(r) || !principal(r.Context()).Can(auth.RecordFollowUp) {
		return false
	}
	res := resumeOf(r, "", r.PathValue("id"))
	if res == nil {
		return false
	}
	s.refill(w, r, http.StatusForbidden, res.followUpInput, "followup.stale_form")
	return true
}

// refill shows the letter's page with the follow-up form filled in as in,
// and the message key above it.
func (s *Server) refill(w http.ResponseWriter, r *http.Request, status int, in followUpInput, key string) {
	d, ok := s.loadEvidence(w, r, store.ActViewShipment, false)
	if !ok {
		return
	}
	d.Form = in
	d.Problem = s.loc(r).T(key)
	s.render(w, r, status, "evidence", "title.evidence", d)
}
