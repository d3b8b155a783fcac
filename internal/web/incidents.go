package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/auth"
	"postvakt/internal/model"
	"postvakt/internal/report"
	"postvakt/internal/store"
)

// incidentPageLetters bounds the letters an incident page shows; the
// export has them all.
const incidentPageLetters = 500

type incidentData struct {
	Filter    store.IncidentFilter
	Query     url.Values // the filter as a query, for exports and the form
	Summary   []report.UnitSummary
	Total     int
	Letters   []store.IncidentRow
	More      int          // letters not shown
	AlertInfo *store.Alert // the alert the report is about, if any
	States    []string
	Decisions []string
	Options   filterOptions
	Asked     bool // the form was filled in
	Recorded  int  // follow-ups just recorded (?recorded=N)
	// Resumed is the follow-up form carried through a login (resume.go),
	// filled in, not yet recorded; Message says so.
	Resumed incidentResume
	Message string
	// A filter refused: the form again as filled in, the problem in it
	// tied to its field (filterProblem).
	fieldProblem
}

// parseIncident reads an incident filter from the query: from, to (RFC
// 3339, or dates: to inclusive), channel, unit, system (sender system),
// state (one or more, comma-separated), class, org (an organisation
// number), or alert=ID (the alert's own selector). The principal's scope narrows it.
func (s *Server) parseIncident(r *http.Request, q url.Values) (store.IncidentFilter, error) {
	p := principal(r.Context())
	var f store.IncidentFilter
	// A filter given twice (which was meant?) is refused, as the lists
	// refuse it; state alone is a list. An alert's report is the alert's
	// letters: a filter beside it would be ignored, so it is refused too.
	for _, k := range incidentParams {
		if len(q[k]) > 1 && k != "state" {
			return f, filterErr("err.filter.repeated", "Name", k)
		}
		if k != "alert" && q.Get("alert") != "" && strings.Join(q[k], "") != "" {
			return f, filterErr("err.filter.alert_alone", "Name", k)
		}
	}
	if v := q.Get("alert"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, filterErr("err.filter.bad_alert")
		}
		a, err := s.store.AlertByID(r.Context(), id)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return f, filterErr("err.filter.no_alert")
			}
			return f, err
		}
		if !alertVisible(p, a.Org(), a.Labels["unit"]) {
			// As /alerts/{id}: another's alert is not there, and the
			// attempt is audited.
			s.forbidden(r.Context(), r, "alert "+strconv.FormatInt(a.ID, 10)+" concerns another organisation or unit")
			return f, filterErr("err.filter.no_alert")
		}
		f = a.Selector
	} else {
		for _, b := range []struct {
			name string
			dst  *time.Time
			end  bool
		}{{"from", &f.From, false}, {"to", &f.To, true}} {
			v := q.Get(b.name)
			if v == "" {
				return f, filterErr("err.filter.period")
			}
			t, ok := parseWhen(v, b.end)
			if !ok {
				return f, filterErr("err.filter.when", "Name", b.name, "Value", model.QuoteTime(v))
			}
			*b.dst = t
		}
		if !f.From.Before(f.To) {
			return f, filterErr("err.filter.from_to")
		}
		// The names as registration stores them (model.NormalizeName).
		f.Channel, f.Unit, f.Class, f.Org = q.Get("channel"), model.NormalizeName(q.Get("unit")), model.NormalizeName(q.Get("class")),
			strings.TrimSpace(q.Get("org"))
		f.System = model.NormalizeName(q.Get("system"))
		id, err := unitID(q.Get("unit_id"))
		if err != nil {
			return f, err
		}
		f.UnitID = id
		if f.Channel != "" && !slices.Contains(model.Channels(), f.Channel) {
			return f, filterErr("err.filter.unknown_channel", "Value", model.Quote(f.Channel))
		}
		if f.Org != "" && model.CheckOrgNumber(f.Org) != nil {
			return f, filterErr("err.filter.org")
		}
		for _, st := range strings.Split(strings.Join(q["state"], ","), ",") {
			if st = strings.TrimSpace(st); st == "" {
				continue
			}
			if !model.State(st).Valid() {
				return f, filterErr("err.filter.unknown_state", "Value", model.Quote(st))
			}
			f.States = append(f.States, model.State(st))
		}
	}
	f, ok := scoped(f, p)
	if !ok {
		return f, errIncidentScope
	}
	return f, nil
}

// aboutIncident is aboutNarrowed for an incident report's filter: an
// unscoped admin's report of one sending organisation's letters (an
// alert's, which names it), or narrowed to a unit, a class or a receiving
// organisation that one organisation alone has, is that organisation's in
// the audit log, not every organisation's: its entry names the unit, the
// class, the receiving organisation. It answers a failure itself and
// reports false.
func (s *Server) aboutIncident(w http.ResponseWriter, r *http.Request, f store.IncidentFilter) bool {
	if principal(r.Context()).Scope() != (store.Scope{}) {
		return true
	}
	if f.SenderOrg != "" {
		about(r.Context(), f.SenderOrg)
		return true
	}
	unit := f.Unit
	if unit == "" {
		unit = f.SenderUnit
	}
	return s.aboutNarrowed(w, r, store.ListFilter{UnitID: f.UnitID, Unit: unit, Class: f.Class, Recipient: f.Org})
}

var errIncidentScope = errors.New("outside the principal's organisation or unit")

// incidentParams are the query parameters of an incident filter
// (parseIncident); the API's report takes these and format, no other.
var incidentParams = []string{"alert", "from", "to", "channel", "unit", "unit_id", "system", "class", "org", "state"}

// apiIncidentParams are the query parameters GET /api/v1/incidents/report
// takes: an incident filter's (unit_id too, a unit as alerts leaving
// postvakt name it) and format.
var apiIncidentParams = append(slices.Clone(incidentParams), "format")

// parseWhen reads an RFC 3339 time or a date in Oslo (as an end, the day
// is included); ok is false for anything else.
func parseWhen(v string, end bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		// In UTC: Go reads offsets up to ±23:59, PostgreSQL only ±15:59.
		return t.UTC(), true
	}
	t, ok := parseDay(v)
	if !ok {
		return t, false
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// whenParam is a period's bound as parseWhen reads it back: a whole day
// as the day (an end as the last day included, as it was typed), another
// time as RFC 3339. The form shows it: a report of 2026-10-01 to
// 2026-11-23 showed "2026-11-24T00:00:00+01:00" in the field "til".
func whenParam(t time.Time, end bool) string {
	d := t.In(zone)
	if d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
		return t.Format(time.RFC3339)
	}
	if end {
		d = d.AddDate(0, 0, -1)
	}
	return d.Format("2006-01-02")
}

// incidentQuery is the filter as a query for links (an alert's report by
// its id).
func incidentQuery(f store.IncidentFilter, alert int64) url.Values {
	q := url.Values{}
	if alert != 0 {
		q.Set("alert", strconv.FormatInt(alert, 10))
		return q
	}
	q.Set("from", whenParam(f.From, false))
	q.Set("to", whenParam(f.To, true))
	unit := f.Unit
	if f.UnitID != 0 { // the unit by its id, not its name (uiListFilter)
		q.Set("unit_id", strconv.FormatInt(f.UnitID, 10))
		unit = ""
	}
	for k, v := range map[string]string{"channel": f.Channel, "unit": unit, "system": f.System, "class": f.Class, "org": f.Org} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var ss []string
	for _, st := range f.States {
		ss = append(ss, string(st))
	}
	if len(ss) > 0 {
		q.Set("state", strings.Join(ss, ","))
	}
	return q
}

// incident reads an incident's summary and first letters (one pass:
// store.IncidentPage), audited; on an error it has answered.
func (s *Server) incident(w http.ResponseWriter, r *http.Request, f store.IncidentFilter, what string) (*incidentData, error) {
	if !s.aboutIncident(w, r, f) || !s.mustAudit(w, r, store.ActViewIncident, what+" "+f.String(), "") {
		return nil, errors.New("not audited")
	}
	page, err := s.store.IncidentPage(r.Context(), f, incidentPageLetters)
	if err != nil {
		s.internalError(w, r, "read incident page", err)
		return nil, err
	}
	d := &incidentData{Filter: f, Summary: report.Summarise(page.Summary), Letters: page.Letters, States: reportStates,
		Decisions: bulkDecisions, Options: s.options(), Asked: true}
	for _, u := range d.Summary {
		d.Total += u.Total
	}
	d.More = d.Total - len(d.Letters)
	d.Query = incidentQuery(f, 0)
	if v, err := strconv.Atoi(r.URL.Query().Get("recorded")); err == nil {
		d.Recorded = v
	}
	return d, nil
}

// bulkDecisions are the follow-up decisions one may record for many
// letters at once ("" opens the follow-ups with a deadline only).
var bulkDecisions = []string{"", store.DecisionNewLetter, store.DecisionAssessed, store.DecisionClosed}

// incidentPage is the incident report's form and, once filled in, the
// report: counts per sending unit and state, the letters, exports, and the
// follow-up form.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("from") == "" && q.Get("to") == "" && q.Get("alert") == "" {
		o, err := s.incidentOptions(r.Context(), principal(r.Context()))
		if err != nil {
			s.internalError(w, r, "read incident form's choices", err)
			return
		}
		now := s.now().In(zone)
		s.render(w, r, http.StatusOK, "incident", "title.incident", &incidentData{Options: o, States: reportStates,
			Query: url.Values{"from": {now.AddDate(0, 0, -7).Format("2006-01-02")}, "to": {now.Format("2006-01-02")}}})
		return
	}
	s.showIncident(w, r, q, nil)
}

// showIncident is the incident report of the filter q; res, a follow-up
// form carried through a login, comes back filled in.
func (s *Server) showIncident(w http.ResponseWriter, r *http.Request, q url.Values, res *incidentResume) {
	// An older link's unit name becomes its id, for the page's links
	// (incidentQuery); the filter is the same.
	_, _, err := s.unitQuery(r.Context(), principal(r.Context()), q)
	if err != nil {
		s.internalError(w, r, "read incident filter's unit", err)
		return
	}
	f, err := s.parseIncident(r, q)
	if s.refusedIncident(w, r, q, err) {
		return
	}
	d, err := s.incident(w, r, f, "report")
	if err != nil {
		return
	}
	if id := q.Get("alert"); id != "" {
		http.Redirect(w, r, "/alerts/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	if d.Options, err = s.incidentOptions(r.Context(), principal(r.Context())); err != nil {
		s.internalError(w, r, "read incident form's choices", err)
		return
	}
	s.resumed(r, d, res)
	s.render(w, r, http.StatusOK, "incident", "title.incident", d)
}

// refusedIncident answers a filter of q that the UI's report or export
// refused (err) and reports whether there was one: a problem with the
// form's filter shows the form again as filled in, the problem in it by
// the field's label (400); another (an alert's report, which has no form;
// the scope) as badIncident.
func (s *Server) refusedIncident(w http.ResponseWriter, r *http.Request, q url.Values, err error) bool {
	var fe filterError
	if !errors.As(err, &fe) || q.Get("alert") != "" {
		return s.badIncident(w, r, err)
	}
	o, err := s.incidentOptions(r.Context(), principal(r.Context()))
	if err != nil {
		s.internalError(w, r, "read incident form's choices", err)
		return true
	}
	prob, ok := filterProblem(s.loc(r), q, fe, incidentLabels)
	if !ok {
		prob = fieldProblem{Problem: s.loc(r).T(fe.key, fe.args...)}
	}
	s.render(w, r, http.StatusBadRequest, "incident", "title.incident", &incidentData{Options: o, States: reportStates,
		Query: q, fieldProblem: prob})
	return true
}

// incidentLabels are the catalogue keys of the labels of the incident
// form's fields (incident.html), by query parameter.
var incidentLabels = map[string]string{"from": "filter.from", "to": "filter.to", "org": "incident.org",
	"channel": "col.channel", "state": "col.state"}

// resumed fills the report's follow-up form in as res carried it (none:
// as it is).
func (s *Server) resumed(r *http.Request, d *incidentData, res *incidentResume) {
	if res != nil {
		d.Resumed, d.Message = *res, s.loc(r).T("incident.resumed")
	}
}

// incidentOptions are the incident form's choices: the lists' (options),
// and the classes of the letters in the principal's scope as the class
// box's, as the lists' class filter offers them (it matches exactly).
func (s *Server) incidentOptions(ctx context.Context, p *auth.Principal) (filterOptions, error) {
	o := s.options()
	units, err := s.store.Units(ctx, p.Scope())
	if err != nil {
		return o, err
	}
	o.Units = unitChoices(units)
	o.Classes, err = s.store.Classes(ctx, p.Scope())
	return o, err
}

func (s *Server) badIncident(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, errIncidentScope) {
		s.forbidden(r.Context(), r, "incident report outside the principal's scope")
		s.renderError(w, r, http.StatusForbidden, "err.incident_scope")
		return true
	}
	return s.badFilter(w, r, err)
}

// incidentExport is GET /incidents/export?format=csv|xlsx|json&... (UI)
// and GET /api/v1/incidents/report?...&format= (API, JSON by default):
// every letter of the incident, streamed, audited as an export (download).
// A filter refused: the API's answer is JSON with a code, the UI's the
// incident form again with the problem in it (refusedIncident).
func (s *Server) incidentExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	api := isAPI(r)
	// A mistyped filter (sender_unit=, states=) would give the whole
	// report as if filtered: refused, as the list API refuses it.
	if api && refuseUnknownParams(w, q, apiIncidentParams) {
		return
	}
	def := "csv"
	if api {
		def = "json"
	}
	if q.Get("format") == "" {
		q.Set("format", def)
	}
	format, err := report.ParseFormat(q.Get("format"))
	switch {
	case len(q["format"]) > 1:
		// Which was meant? The first would be taken without a word.
		err = filterErr("err.filter.repeated", "Name", "format")
	case err == nil:
		var f store.IncidentFilter
		if f, err = s.parseIncident(r, q); err == nil {
			s.streamIncident(w, r, f, format)
			return
		}
	default:
		err = filterErr("err.filter.format", "Value", model.Quote(q.Get("format")))
	}
	if !api {
		s.refusedIncident(w, r, q, err)
		return
	}
	var fe filterError
	switch {
	case errors.Is(err, errIncidentScope):
		s.forbidden(r.Context(), r, "incident report outside the principal's scope")
		writeError(w, http.StatusForbidden, "these letters are outside your organisation or unit")
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Error())
	default:
		s.internalError(w, r, "incident report", err)
	}
}

func (s *Server) streamIncident(w http.ResponseWriter, r *http.Request, f store.IncidentFilter, format report.Format) {
	if !s.aboutIncident(w, r, f) || !s.mustAudit(w, r, store.ActExport, "incident "+f.String(), string(format)) {
		return
	}
	file := fmt.Sprintf("incident-%s.%s", s.now().In(zone).Format("20060102-1504"), format)
	s.download(w, r, "incident", file, format, letterRows, func(w io.Writer) (int, error) {
		n, _, err := report.IncidentFor(r.Context(), s.store, f, format, w, s.xlsxFor(r))
		return n, err
	})
}

// incidentFollowUps records follow-ups for every letter of an incident at
// once (opened letters need none): a deadline, and a decision if given.
func (s *Server) incidentFollowUps(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "err.bad_form")
		return
	}
	f, err := s.parseIncident(r, r.PostForm)
	if s.badIncident(w, r, err) {
		return
	}
	decision := r.PostFormValue("decision")
	if !slices.Contains(bulkDecisions, decision) {
		s.renderError(w, r, http.StatusBadRequest, "err.bulk_decision")
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if no := noteRefusal(decision, note); no != nil {
		s.renderError(w, r, no.status, no.key, no.in(s.loc(r))...)
		return
	}
	days := s.followUpDays
	if v := r.PostFormValue("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days < 1 || days > 365 {
			s.renderError(w, r, http.StatusBadRequest, "err.deadline_days")
			return
		}
	}
	p := principal(r.Context())
	if !s.aboutIncident(w, r, f) {
		return
	}
	reason := "incident"
	if a := r.PostFormValue("alert"); a != "" {
		reason = "alert " + a
	}
	n, err := s.store.RecordIncidentFollowUps(r.Context(), store.IncidentFollowUps{Filter: f, Reason: reason,
		Deadline: store.FollowUpDeadline(s.now(), days), Decision: decision, Note: note,
		Actor: p.Actor(), At: s.now()})
	if err != nil {
		s.internalError(w, r, "record incident follow-ups", err)
		return
	}
	s.audit(r.Context(), store.ActFollowUpIncident, f.String(), fmt.Sprintf("%d letters, decision %q", n, decision))
	s.log.Info("incident follow-ups recorded", "actor", p.Actor(), "letters", n, "decision", decision)
	back := "/incidents?" + incidentQuery(f, 0).Encode() + "&"
	if a := r.PostFormValue("alert"); a != "" {
		back = "/alerts/" + url.PathEscape(a) + "?"
	}
	http.Redirect(w, r, back+"recorded="+strconv.Itoa(n), http.StatusSeeOther)
}
